/**
 * fleet/ driven over simulated time by simulated bootc hosts.
 *
 * The simulator behaves like a bootc host with greenboot and the Patchline host hooks: it asks the controller which
 * digest to run, stages it (bootc switch), reboots into it when its reboot window is open and a FleetLock slot is
 * free, and, if the new image fails its health checks, greenboot boots the previous deployment again. It reports
 * `bootc status --format=json` as the real one does.
 */

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import {
  abortRollout,
  acquireLock,
  applyDecision,
  approveNextBatch,
  bootcHostSchema,
  decideRollout,
  desiredDigestFor,
  EMPTY_FLEETLOCK,
  type Fleet,
  type FleetLockConfig,
  type FleetLockState,
  type Host,
  isAnyWindowOpen,
  isFinalPhase,
  isInFlight,
  isSettled,
  lockHolders,
  matchesSelector,
  parseDuration,
  pauseRollout,
  type Release,
  type Rollout,
  type RolloutDecision,
  type RolloutPhase,
  type RolloutState,
  releaseLock,
  resumeRollout,
  revealsNow,
} from '../src/fleet/index.js';
import { Store, StoreError } from '../src/store/index.js';
import { type ControllerForHosts, SimulatedHost } from './helpers/bootc-host-simulator.js';
import { seededRandom } from './helpers/seeded-random.js';
import { tempDir } from './helpers/tmp.js';

const REPO = 'quay.io/example/os';
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

function digest(n: number): string {
  return `sha256:${n.toString(16).padStart(2, '0').repeat(32)}`;
}
const V1 = digest(1);
const V2 = digest(2);

// ── The controller side of a simulation: the store's state, the decisions, FleetLock ────────────────────────────

interface SimulationOptions {
  fleet: Fleet['spec'];
  rollout?: Partial<Rollout['spec']>;
  hosts: SimulatedHost[];
  start: number;
  /**
   * FleetLock slots per group (the host's zone label, "default" without one): a number, or as many as the disruption
   * budget lets each zone have down, which is how a server would size them. No FleetLock when absent.
   */
  lockSlots?: number | 'from-budget';
  /** Hosts on which the new image already failed in an earlier rollout. */
  failedBefore?: readonly string[];
  /**
   * The hosts have no agent: they pull through the registry gateway and bootc's update service applies what it is
   * told at once (download, stage, reboot), with no FleetLock and no window of its own.
   */
  agentless?: boolean;
}

function release(name: string, digestOf: string): Release {
  return {
    apiVersion: 'patchline.dev/v1',
    kind: 'Release',
    metadata: { name },
    spec: { fleet: 'sim', image: `${REPO}@${digestOf}`, gate: { passed: true } },
  };
}

function lockConfigFor(options: SimulationOptions): FleetLockConfig | undefined {
  if (options.lockSlots === undefined) return undefined;
  if (options.lockSlots !== 'from-budget') return { defaultSlots: options.lockSlots, ttlMs: 2 * HOUR };
  const sizes = new Map<string, number>();
  for (const host of options.hosts) {
    const group = host.labels.zone ?? 'default';
    sizes.set(group, (sizes.get(group) ?? 0) + 1);
  }
  const budget = options.fleet.disruptionBudget;
  const groupSlots = Object.fromEntries(
    [...sizes].map(([group, size]) => [group, Math.min(size, allowedDown(budget, size))]),
  );
  return { defaultSlots: 1, groupSlots, ttlMs: 2 * HOUR };
}

class Simulation {
  state: RolloutState;
  now: number;
  readonly hosts: SimulatedHost[];
  readonly decisions: RolloutDecision[] = [];
  lock: FleetLockState = EMPTY_FLEETLOCK;
  private readonly lockConfig: FleetLockConfig | undefined;
  private readonly failedBefore: readonly string[];
  private readonly agentless: boolean;
  private rebootWindowOpen = true;
  /** Every time the gateway told an agentless host a digest other than the one it booted. */
  readonly revealed: Array<{ host: string; digest: string; at: number }> = [];

  constructor(options: SimulationOptions) {
    this.now = options.start;
    this.hosts = options.hosts;
    this.lockConfig = lockConfigFor(options);
    this.state = {
      fleet: { apiVersion: 'patchline.dev/v1', kind: 'Fleet', metadata: { name: 'sim' }, spec: options.fleet },
      rollout: {
        apiVersion: 'patchline.dev/v1',
        kind: 'Rollout',
        metadata: { name: 'sim-v2' },
        spec: { release: 'v2', previousRelease: 'v1', ...options.rollout },
      },
      release: release('v2', V2),
      previousRelease: release('v1', V1),
      hosts: [],
    };
    this.failedBefore = options.failedBefore ?? [];
    this.agentless = options.agentless ?? false;
    this.enroll();
  }

  /** Adds the hosts enrolled by now to the store, as enrollment would. */
  private enroll(): void {
    const known = new Set(this.state.hosts.map((host) => host.metadata.name));
    const joining = this.hosts.filter((host) => host.joinsAt <= this.now && !known.has(host.name));
    if (joining.length === 0) return;
    const failedAt = new Date(this.now - DAY).toISOString();
    this.state = {
      ...this.state,
      hosts: [
        ...this.state.hosts,
        ...joining.map(
          (host): Host => ({
            apiVersion: 'patchline.dev/v1',
            kind: 'Host',
            metadata: { name: host.name, labels: host.labels },
            status: this.failedBefore.includes(host.name)
              ? { failedDigests: [{ digest: V2, at: failedAt, rollout: 'earlier' }] }
              : {},
          }),
        ),
      ],
    };
  }

  stored(name: string): Host {
    const host = this.state.hosts.find((each) => each.metadata.name === name);
    if (host === undefined) throw new Error(`no host ${name}`);
    return host;
  }

  /** What the controller told each host this tick; the store records it as the host's lastServed. */
  private readonly served = new Map<string, { digest: string; at: string }>();

  private readonly controller: ControllerForHosts = {
    desiredDigest: (host, now) => {
      const digest = desiredDigestFor(this.stored(host.name), this.state, now);
      if (this.agentless) {
        // The gateway's answer: the desired digest when it may be applied now, else what the host runs.
        const windows = this.state.fleet.spec.maintenanceWindows;
        const told = this.stored(host.name).status?.lastServed?.digest;
        const known = new Set([host.booted, ...(told === undefined ? [] : [told])]);
        if (!revealsNow(digest, known, windows, now)) return host.booted;
        if (digest !== undefined && !known.has(digest)) this.revealed.push({ host: host.name, digest, at: now });
      }
      if (digest !== undefined) this.served.set(host.name, { digest, at: new Date(now).toISOString() });
      return digest;
    },
    mayReboot: (host, now) => {
      // bootc upgrade --apply reboots as soon as the image is staged.
      if (this.agentless) return true;
      if (!this.rebootWindowOpen) return false;
      if (this.lockConfig === undefined) return true;
      const group = host.labels.zone ?? 'default';
      const outcome = acquireLock(this.lock, this.lockConfig, { client_params: { id: host.name, group } }, now);
      this.lock = outcome.state;
      return outcome.response.status === 200;
    },
    steadyState: (host, now) => {
      const group = host.labels.zone ?? 'default';
      this.lock = releaseLock(this.lock, { client_params: { id: host.name, group } }, now).state;
    },
  };

  /** Advances time by one tick: hosts act, report, and the controller decides. */
  step(tickMs: number): RolloutDecision {
    this.now += tickMs;
    const now = this.now;
    this.enroll();
    this.rebootWindowOpen = isAnyWindowOpen(this.state.fleet.spec.maintenanceWindows?.reboot, now);
    for (const host of this.hosts) {
      if (host.joinsAt <= now) host.tick(now, this.controller);
    }
    const seen = new Date(now).toISOString();
    this.state = {
      ...this.state,
      hosts: this.state.hosts.map((stored) => {
        const host = this.hosts.find((each) => each.name === stored.metadata.name);
        const report = host?.report(now);
        const served = this.served.get(stored.metadata.name);
        const status = { ...stored.status, ...(served === undefined ? {} : { lastServed: served }) };
        return report === undefined
          ? { ...stored, status }
          : { ...stored, status: { ...status, lastSeen: seen, report } };
      }),
    };
    this.served.clear();
    const decision = decideRollout(this.state, now);
    this.decisions.push(decision);
    return decision;
  }

  apply(decision: RolloutDecision): void {
    this.state = applyDecision(this.state, decision);
  }

  get phase(): RolloutPhase | undefined {
    return this.state.rollout.status?.phase;
  }

  /** A new rollout of the same release over the same hosts, as an operator retries one that ended. */
  retry(name: string, spec: Partial<Rollout['spec']>): void {
    this.state = {
      ...this.state,
      rollout: {
        apiVersion: 'patchline.dev/v1',
        kind: 'Rollout',
        metadata: { name },
        spec: { release: 'v2', previousRelease: 'v1', ...spec },
      },
    };
  }

  editRollout(edit: (rollout: Rollout) => { ok: true; rollout: Rollout } | { ok: false; problem: string }): void {
    const result = edit(this.state.rollout);
    if (result.ok) this.state = { ...this.state, rollout: result.rollout };
  }
}

// ── The simulator itself ─────────────────────────────────────────────────────────────────────────────────────────

const BOOTC_SCHEMA = resolve(import.meta.dirname, '../../shared/fixtures/bootc/host-v1.schema.json');

describe('the simulated bootc host', () => {
  const always = {
    desiredDigest: () => V2,
    mayReboot: () => true,
    steadyState: () => {},
  };

  it('stages the desired image, reboots into it, and keeps the old one for rollback', () => {
    const host = new SimulatedHost({ name: 'h', labels: {}, booted: V1, downloadMs: 10 * MIN, rebootMs: 5 * MIN });
    host.tick(0, { ...always, mayReboot: () => false });
    expect(host.staged).toBeUndefined();
    host.tick(10 * MIN, { ...always, mayReboot: () => false });
    expect([host.booted, host.staged]).toEqual([V1, V2]);
    host.tick(11 * MIN, always);
    expect(host.reachable(12 * MIN)).toBe(false);
    host.tick(16 * MIN, always);
    expect([host.booted, host.staged, host.rollback, host.health.state]).toEqual([V2, undefined, V1, 'healthy']);
  });

  it('rolls back like greenboot when the new image fails its health checks, or stays up unhealthy without it', () => {
    const withGreenboot = new SimulatedHost({
      name: 'h',
      labels: {},
      booted: V1,
      sickImages: new Set([V2]),
      downloadMs: 0,
    });
    withGreenboot.tick(0, always);
    withGreenboot.tick(10 * MIN, always);
    expect([withGreenboot.booted, withGreenboot.rollback, withGreenboot.health.state]).toEqual([V1, V2, 'healthy']);
    const without = new SimulatedHost({
      name: 'h',
      labels: {},
      booted: V1,
      sickImages: new Set([V2]),
      greenboot: false,
      downloadMs: 0,
    });
    without.tick(0, always);
    without.tick(10 * MIN, always);
    expect([without.booted, without.health]).toEqual([V2, { state: 'unhealthy', failedChecks: ['app.service'] }]);
  });

  it.skipIf(!existsSync(BOOTC_SCHEMA))('reports what bootc’s JSON Schema accepts', () => {
    const ajv = new Ajv({ strict: false, logger: false });
    addFormats.default(ajv);
    const validate = ajv.compile(JSON.parse(readFileSync(BOOTC_SCHEMA, 'utf8')));
    const host = new SimulatedHost({ name: 'h', labels: {}, booted: V1, downloadMs: 0 });
    host.tick(0, { ...always, mayReboot: () => false });
    expect(validate(host.bootcStatus()), ajv.errorsText(validate.errors)).toBe(true);
    expect(bootcHostSchema.parse(host.bootcStatus())).toEqual(host.bootcStatus());
    expect(host.report(0)?.bootc.status?.staged?.image?.imageDigest).toBe(V2);
  });
});

// ── End to end: a canary whose image fails health ────────────────────────────────────────────────────────────────

/** A fleet of 20 hosts in two zones that reboot only at night in Berlin, one per zone at a time by FleetLock. */
function nightlyFleet(sick: (name: string, zone: string) => boolean, batches: Rollout['spec']['batches']): Simulation {
  const hosts = Array.from({ length: 20 }, (_, index) => {
    const name = `web-${String(index + 1).padStart(2, '0')}`;
    const zone = index % 2 === 0 ? 'a' : 'b';
    return new SimulatedHost({
      name,
      labels: { fleet: 'sim', zone },
      booted: V1,
      sickImages: sick(name, zone) ? new Set([V2]) : new Set(),
      downloadMs: 15 * MIN,
      rebootMs: 8 * MIN,
    });
  });
  return new Simulation({
    fleet: {
      selector: { matchLabels: { fleet: 'sim' } },
      image: REPO,
      maintenanceWindows: { reboot: [{ schedule: '0 2 * * *', timeZone: 'Europe/Berlin', duration: '4h' }] },
      disruptionBudget: { groupBy: 'zone', maxUnavailable: '20%' },
    },
    rollout: { batches, successThreshold: 0.9, onFailure: 'rollback', updateTimeout: '1h' },
    hosts,
    // Noon on the Saturday before Berlin's clocks spring forward: the first night is the short one.
    start: Date.parse('2024-03-30T12:00:00Z'),
    lockSlots: 1,
  });
}

/** Runs until the rollout is over and every host has settled down, checking the invariants and FleetLock. */
function runToTheEnd(simulation: Simulation, limit = 6 * DAY): void {
  const end = simulation.now + limit;
  while (simulation.now < end) {
    const decision = simulation.step(5 * MIN);
    checkDecision('nightly fleet', simulation.state, decision, simulation.now);
    simulation.apply(decision);
    // FleetLock: at most one host per zone down for a reboot at any moment.
    for (const zone of ['a', 'b']) {
      const down = simulation.hosts.filter((host) => host.labels.zone === zone && !host.reachable(simulation.now));
      expect(down.length, `zone ${zone} at ${new Date(simulation.now).toISOString()}`).toBeLessThanOrEqual(1);
    }
    const quiet = simulation.hosts.every((host) => host.staged === undefined && host.reachable(simulation.now));
    if (simulation.phase !== undefined && isFinalPhase(simulation.phase) && quiet) {
      const records = Object.values(simulation.state.rollout.status?.hosts ?? {});
      if (records.every((record) => !isInFlight(record.state))) return;
    }
  }
  throw new Error(`still ${simulation.phase} after ${limit / DAY} days`);
}

function phases(simulation: Simulation): string[] {
  return simulation.decisions.flatMap((decision) =>
    decision.events.filter((event) => event.type === 'phase-changed').map((event) => event.to),
  );
}

function rebootsInWindow(simulation: Simulation): boolean {
  const windows = simulation.state.fleet.spec.maintenanceWindows?.reboot;
  return simulation.hosts.every((host) => host.reboots.every((reboot) => isAnyWindowOpen(windows, reboot.at)));
}

describe('a rollout over simulated hosts', () => {
  it('halts when the canaries fail health, and the fleet returns to the previous release', () => {
    const simulation = nightlyFleet(() => true, [{ name: 'canary', limit: 2 }, { limit: '25%' }]);
    runToTheEnd(simulation);
    expect(phases(simulation)).toEqual(['progressing', 'rolling-back', 'rolled-back']);
    const status = simulation.state.rollout.status;
    expect(status?.halt).toMatchObject({
      batch: 0,
      breakdown: { total: 2, healthy: 0, failed: 2, timedOut: 0, notApplicable: 0 },
      message: 'batch 0 missed its success threshold of 90%: 0 of 2 healthy (0%), 2 failed',
    });
    // The canaries booted it, greenboot took them back; nobody else ever got it.
    const touched = simulation.hosts.filter((host) => host.bootedImages.has(V2)).map((host) => host.name);
    expect(touched).toEqual(['web-01', 'web-02']);
    for (const host of simulation.hosts) {
      expect([host.name, host.booted, host.staged]).toEqual([host.name, V1, undefined]);
      expect(desiredDigestFor(simulation.stored(host.name), simulation.state, simulation.now)).toBe(V1);
    }
    expect(simulation.stored('web-01').status?.failedDigests?.map((failure) => failure.digest)).toEqual([V2]);
    expect(simulation.stored('web-03').status?.failedDigests ?? []).toEqual([]);
    // They rebooted on the night of the spring change, inside the window (03:00–06:00 CEST that night).
    expect(simulation.hosts[0]?.reboots.map((reboot) => new Date(reboot.at).toISOString())).toEqual([
      '2024-03-31T01:00:00.000Z',
    ]);
    expect(rebootsInWindow(simulation)).toBe(true);
    expect(lockHolders(simulation.lock, simulation.now)).toEqual([]);
  });

  it('sends healthy hosts of earlier batches back too when a later batch fails', () => {
    // The image works in zone a and fails in zone b. The canaries are from zone a and pass; the next batch fails.
    const simulation = nightlyFleet(
      (_, zone) => zone === 'b',
      [{ name: 'canary', selector: { matchLabels: { zone: 'a' } }, limit: 2 }, { limit: '20%' }],
    );
    runToTheEnd(simulation);
    expect(phases(simulation)).toEqual(['progressing', 'rolling-back', 'rolled-back']);
    expect(simulation.state.rollout.status?.batchResults.map((result) => `${result.batch}:${result.outcome}`)).toEqual([
      '0:succeeded',
      '1:failed',
    ]);
    const canaries = ['web-01', 'web-03'];
    for (const name of canaries) {
      const host = simulation.hosts.find((each) => each.name === name);
      // It ran the release healthy, and went back to the previous one at the next night's window.
      expect([host?.bootedImages.has(V2), host?.booted, host?.rollback]).toEqual([true, V1, V2]);
      expect(simulation.state.rollout.status?.hosts[name]).toMatchObject({ state: 'rolled-back', batch: 0 });
    }
    expect(simulation.hosts.every((host) => host.booted === V1 && host.staged === undefined)).toBe(true);
    expect(rebootsInWindow(simulation)).toBe(true);
  });

  it('rolls a healthy release over the whole fleet within the budget, one reboot per zone at a time', () => {
    const simulation = nightlyFleet(() => false, [{ name: 'canary', limit: 2 }, { limit: '25%' }]);
    runToTheEnd(simulation, 20 * DAY);
    expect(phases(simulation)).toEqual(['progressing', 'succeeded']);
    expect(simulation.hosts.every((host) => host.booted === V2 && host.health.state === 'healthy')).toBe(true);
    expect(
      Object.values(simulation.state.rollout.status?.hosts ?? {}).every((record) => record.state === 'healthy'),
    ).toBe(true);
    expect(rebootsInWindow(simulation)).toBe(true);
  });
});

describe('a rollout retried after the controller rolled the fleet back', () => {
  it('counts as rolled back by greenboot only hosts that booted the release again and came back', () => {
    // The image fails in zone b only; the canaries (zone a) pass, batch 1 fails, and the controller sends the
    // canaries back. Then the image is fixed (same digest: the fault was in a service the image reads) and retried.
    const sick = new Set([V2]);
    const hosts = Array.from({ length: 6 }, (_, index) => {
      const zone = index % 2 === 0 ? 'a' : 'b';
      return new SimulatedHost({
        name: `web-0${index + 1}`,
        labels: { fleet: 'sim', zone },
        booted: V1,
        sickImages: zone === 'b' ? sick : new Set(),
        downloadMs: 5 * MIN,
        rebootMs: 5 * MIN,
      });
    });
    const policy = {
      batches: [{ name: 'canary', selector: { matchLabels: { zone: 'a' } }, limit: 2 }],
      successThreshold: 1,
      onFailure: 'rollback' as const,
      updateTimeout: '1h',
    };
    const simulation = new Simulation({
      fleet: { selector: { matchLabels: { fleet: 'sim' } }, image: REPO },
      rollout: policy,
      hosts,
      start: Date.parse('2024-06-03T08:00:00Z'),
      lockSlots: 1,
    });
    runToTheEnd(simulation);
    expect(simulation.phase).toBe('rolled-back');
    const sentBack = Object.entries(simulation.state.rollout.status?.hosts ?? {})
      .filter(([, record]) => record.state === 'rolled-back' && record.batch === 0)
      .map(([name]) => name);
    expect(sentBack).toEqual(['web-01', 'web-03']);

    sick.clear();
    simulation.retry('sim-v2-retry', policy);
    const retryStart = simulation.now;
    runToTheEnd(simulation);
    // Every "greenboot rolled it back" in the retry names a host that rebooted during the retry and is not on V2.
    const blamed = simulation.decisions
      .flatMap((decision) => decision.events)
      .filter((event) => event.type === 'host-state-changed' && event.rollout === 'sim-v2-retry')
      .filter((event) => event.type === 'host-state-changed' && event.reason === 'host-rolled-back');
    for (const event of blamed) {
      const host = hosts.find((each) => each.name === (event.type === 'host-state-changed' ? event.host : ''));
      expect(host?.reboots.some((reboot) => reboot.at >= retryStart)).toBe(true);
    }
    expect(blamed).toEqual([]);
    expect(simulation.phase).toBe('succeeded');
    for (const name of sentBack) {
      expect(simulation.state.rollout.status?.hosts[name]).toMatchObject({ state: 'healthy' });
      expect(hosts.find((host) => host.name === name)?.booted).toBe(V2);
    }
  });
});

// ── Generated fleets: invariants over 1,000 seeded scenarios ─────────────────────────────────────────────────────

interface Scenario {
  simulation: Simulation;
  /** Every host online, compatible and reporting, the image healthy everywhere, nobody pausing for good or aborting. */
  wellBehaved: boolean;
  /** Nobody goes offline: rollbacks can be expected to bring every host home. */
  steady: boolean;
  /** Manual actions at moments: approve a waiting batch, pause, resume, abort. */
  approveAfterMs?: number;
  pauseAt?: number;
  resumeAt?: number;
  abortAt?: number;
  title: string;
}

function generateScenario(seed: number): Scenario {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const chance = (p: number) => random() < p;
  const start =
    Date.parse('2024-01-01T00:00:00Z') + Math.floor(random() * 365) * DAY + Math.floor(random() * 24) * HOUR;
  const zones = ['a', 'b', 'c'].slice(0, 1 + Math.floor(random() * 3));
  const image = pick(['good', 'good', 'bad-everywhere', 'bad-somewhere'] as const);
  const troubled = chance(0.4);
  let steady = true;
  let wellBehaved = image === 'good' && !troubled;
  const hosts = Array.from({ length: 1 + Math.floor(random() * 24) }, (_, index) => {
    const name = `h${String(index).padStart(2, '0')}`;
    const incompatible = troubled && chance(0.06);
    const silent = troubled && chance(0.04);
    let offline: ((now: number) => boolean) | undefined;
    if (troubled && chance(0.2)) {
      // Off for a while, or (one in four) for good.
      steady = false;
      const from = start + Math.floor(random() * 2 * DAY);
      const to = chance(0.25) ? Number.POSITIVE_INFINITY : from + 20 * MIN + Math.floor(random() * 8 * HOUR);
      offline = (now) => now >= from && now < to;
    }
    return new SimulatedHost({
      name,
      labels: { fleet: 'sim', ...(chance(0.9) ? { zone: pick(zones) } : {}) },
      booted: V1,
      sickImages: image === 'bad-everywhere' || (image === 'bad-somewhere' && chance(0.3)) ? new Set([V2]) : new Set(),
      greenboot: chance(0.8),
      incompatible,
      silent,
      offline,
      downloadMs: (1 + Math.floor(random() * 30)) * MIN,
      rebootMs: (2 + Math.floor(random() * 10)) * MIN,
      // Some hosts are enrolled while the rollout runs.
      ...(chance(0.1) ? { joinsAt: start + Math.floor(random() * 12 * HOUR) } : {}),
    });
  });
  const failedBefore = troubled ? hosts.filter(() => chance(0.1)).map((host) => host.name) : [];
  const batches = Array.from({ length: Math.floor(random() * 4) }, () => ({
    ...(chance(0.3) ? { selector: { matchLabels: { zone: pick(zones) } } } : {}),
    limit: chance(0.5) ? 1 + Math.floor(random() * 3) : `${pick([10, 25, 34, 50])}%`,
  }));
  const timeZone = pick(['UTC', 'Europe/Berlin', 'America/New_York']);
  const windows = {
    ...(chance(0.3)
      ? {
          download: [{ schedule: pick(['0 * * * *', '0 */3 * * *', '30 8-17 * * mon-fri']), timeZone, duration: '1h' }],
        }
      : {}),
    ...(chance(0.4)
      ? {
          reboot: [
            {
              schedule: `${pick([0, 30])} ${Math.floor(random() * 24)} * * *`,
              timeZone,
              duration: pick(['2h', '4h', '6h']),
            },
          ],
        }
      : {}),
  };
  const budget = chance(0.6)
    ? { groupBy: 'zone', maxUnavailable: pick<number | string>([1, 2, '34%', '50%']) }
    : undefined;
  const approval = chance(0.2) ? 'manual' : 'automatic';
  // Hosts download for up to 30 minutes and are looked at every 15: a 20-minute timeout is too short for some.
  const updateTimeout = pick(['20m', '1h', '3h']);
  if (updateTimeout === '20m') wellBehaved = false;
  const options: SimulationOptions = {
    fleet: {
      selector: { matchLabels: { fleet: 'sim' } },
      image: REPO,
      maintenanceWindows: windows,
      ...(budget === undefined ? {} : { disruptionBudget: budget }),
    },
    rollout: {
      batches,
      successThreshold: pick([0.5, 0.8, 0.9, 1]),
      onFailure: pick(['halt', 'rollback'] as const),
      approval,
      updateTimeout,
      offlineTimeout: pick(['20m', '1h', '2h']),
    },
    hosts,
    start,
    failedBefore,
    ...(budget !== undefined && chance(0.5) ? { lockSlots: 'from-budget' as const } : {}),
  };
  // One fleet in four has no agent: its hosts pull through the gateway and apply at once. Drawn from its own stream
  // so the other scenarios stay as they were. Such a fleet restricts reboots only; a download window of its own
  // would have to overlap them (docs/decisions/0038), and FleetLock has no client on those hosts.
  const agentless = seededRandom(seed + 1_000_003)() < 0.25;
  if (agentless) {
    // Such a host reports nothing between being told and booting the image: an hour from its selection must cover
    // the wait for its timer (15 minutes), the download (up to 30), the reboot (up to 12) and its next report.
    if (updateTimeout !== '3h') wellBehaved = false;
    options.agentless = true;
    delete options.lockSlots;
    options.fleet = { ...options.fleet, maintenanceWindows: { reboot: windows.reboot ?? [] } };
  }
  const scenario: Scenario = { simulation: new Simulation(options), wellBehaved, steady, title: '' };
  if (approval === 'manual') {
    scenario.approveAfterMs = Math.floor(random() * 3) * HOUR;
  }
  if (chance(0.15)) {
    scenario.pauseAt = start + Math.floor(random() * DAY);
    scenario.resumeAt = scenario.pauseAt + Math.floor(random() * DAY);
  }
  if (chance(0.05)) {
    scenario.abortAt = start + Math.floor(random() * DAY);
    wellBehaved = false;
  }
  scenario.wellBehaved = wellBehaved;
  scenario.title = `scenario ${seed}: ${hosts.length} hosts${agentless ? ' (agentless)' : ''}, image ${image}${troubled ? ', troubled' : ''}, ${batches.length} batches`;
  return scenario;
}

/** The most hosts of a group of `size` the budget allows down, computed here independently of budget.ts. */
function allowedDown(budget: Fleet['spec']['disruptionBudget'], size: number): number {
  if (budget === undefined) return Number.POSITIVE_INFINITY;
  const max = budget.maxUnavailable;
  return typeof max === 'number' ? max : Math.max(1, Math.floor((Number(max.slice(0, -1)) * size) / 100));
}

/**
 * Checks one decision against the invariants. node:assert rather than expect: this runs a hundred thousand times, and
 * expect's bookkeeping would be most of the test's time.
 */
function checkDecision(title: string, before: RolloutState, decision: RolloutDecision, now: number): void {
  const label = `${title} at ${new Date(now).toISOString()}`;
  const { fleet } = before;
  const previousPhase = before.rollout.status?.phase;
  const after = applyDecision(before, decision);
  const records = decision.status.hosts;

  // Deciding again at the same moment changes nothing. (A decision that changed nothing was taken on what is, in
  // substance, the state it produced: being pure, it would repeat itself, so only the others are decided again.)
  if (decision.transitions.length > 0 || decision.events.length > 0) {
    const again = decideRollout(after, now);
    assert.deepEqual(again.transitions, [], `${label}: deciding twice changed hosts`);
    assert.deepEqual(again.events, [], `${label}: deciding twice had events`);
  }

  // Final phases stay; a rollback only ends rolled back.
  if (previousPhase !== undefined && isFinalPhase(previousPhase)) {
    assert.equal(decision.rolloutPhase, previousPhase, `${label}: left a final phase`);
  }
  if (previousPhase === 'rolling-back') {
    assert.ok(['rolling-back', 'rolled-back'].includes(decision.rolloutPhase), `${label}: left a rollback`);
  }

  // A host's batch, once it started in it, never changes (a selected host that never started may be put back).
  for (const [name, record] of Object.entries(before.rollout.status?.hosts ?? {})) {
    if (record.batch !== undefined && record.state !== 'selected') {
      assert.equal(records[name]?.batch, record.batch, `${label}: ${name} changed batch`);
    }
  }

  if (decision.selections.length > 0) {
    // Never outside a download window.
    assert.ok(isAnyWindowOpen(fleet.spec.maintenanceWindows?.download, now), `${label}: selected outside a window`);
    assert.equal(decision.rolloutPhase, 'progressing', label);
  }
  for (const name of decision.selections) {
    const host = before.hosts.find((each) => each.metadata.name === name);
    // Only online hosts that were waiting, into the current batch, and never an image that failed on them.
    const selection = decision.transitions.find((t) => t.host === name && t.to.state === 'selected');
    assert.equal(selection?.from?.state, 'pending', `${label}: selected ${name} from ${selection?.from?.state}`);
    assert.equal(records[name]?.batch, decision.status.batch, `${label}: ${name} selected outside the current batch`);
    const lastSeen = Date.parse(host?.status?.lastSeen ?? '1970-01-01T00:00:00Z');
    assert.ok(now - lastSeen <= 5 * MIN, `${label}: selected ${name}, which is offline`);
    const failed = host?.status?.failedDigests?.map((failure) => failure.digest) ?? [];
    assert.ok(!failed.includes(V2), `${label}: selected ${name} for an image that failed on it`);
  }

  // The disruption budget: a group that had a host selected is within its limit afterwards.
  const budget = fleet.spec.disruptionBudget;
  const offlineTimeoutMs = parseDuration(before.rollout.spec.offlineTimeout ?? '30m');
  if (budget !== undefined && decision.selections.length > 0) {
    const groups = new Map<string, { size: number; down: number; selected: number }>();
    for (const host of after.hosts) {
      const group = host.metadata.labels?.[budget.groupBy] ?? '';
      const entry = groups.get(group) ?? { size: 0, down: 0, selected: 0 };
      const state = records[host.metadata.name]?.state;
      const sinceSeen = now - Date.parse(host.status?.lastSeen ?? '1970-01-01T00:00:00Z');
      entry.size++;
      // Hosts written off (not applicable, or offline past the offline timeout) do not count: they would stall it.
      const writtenOff = state === 'not-applicable' || sinceSeen > offlineTimeoutMs;
      const down =
        sinceSeen > 5 * MIN ||
        host.status?.report?.health?.state === 'unhealthy' ||
        (state !== undefined && isInFlight(state));
      if (down && !writtenOff) entry.down++;
      if (decision.selections.includes(host.metadata.name)) entry.selected++;
      groups.set(group, entry);
    }
    for (const [group, entry] of groups) {
      if (entry.selected > 0) {
        const limit = allowedDown(budget, entry.size);
        assert.ok(entry.down <= limit, `${label}: group "${group}" has ${entry.down} down, more than ${limit}`);
      }
    }
  }

  // Batch verdicts follow the threshold, and a missed one always halts.
  const threshold = decision.status.halt?.successThreshold ?? before.rollout.spec.successThreshold ?? 0.9;
  for (const event of decision.events) {
    if (event.type !== 'batch-completed') continue;
    const { breakdown } = event;
    const applicable = breakdown.total - breakdown.notApplicable;
    const undecided = breakdown.inProgress + breakdown.waiting;
    if (event.outcome === 'succeeded') {
      assert.equal(undecided, 0, `${label}: batch ${event.batch} succeeded undecided`);
      assert.ok(
        applicable === 0 || breakdown.healthy / applicable >= threshold,
        `${label}: batch ${event.batch} below threshold succeeded`,
      );
    } else {
      assert.ok(
        (breakdown.healthy + undecided) / applicable < threshold,
        `${label}: batch ${event.batch} failed though it could make it`,
      );
      assert.ok(
        ['halted', 'rolling-back', 'rolled-back'].includes(decision.rolloutPhase),
        `${label}: a failed batch did not halt`,
      );
      assert.equal(decision.status.halt?.batch, event.batch, label);
    }
  }

  // Nobody is ever told to run an image that failed on it; in a rollback everybody is told to go back.
  for (const host of after.hosts) {
    const desired = desiredDigestFor(host, after, now);
    const failed = host.status?.failedDigests?.map((failure) => failure.digest) ?? [];
    if (desired !== undefined)
      assert.ok(!failed.includes(desired), `${label}: ${host.metadata.name} re-offered ${desired}`);
    if (decision.rolloutPhase === 'rolling-back' || decision.rolloutPhase === 'rolled-back') {
      assert.equal(desired, V1, `${label}: ${host.metadata.name} not sent back`);
    }
  }
}

/** The first batch after batch 0 that has neither started (a host pinned to it) nor been judged, worked out here. */
function nextBatchToStart(rollout: Rollout): number {
  const status = rollout.status;
  const started = new Set(Object.values(status?.hosts ?? {}).map((record) => record.batch));
  const judged = new Set((status?.batchResults ?? []).map((result) => result.batch));
  let batch = Math.max(1, status?.batch ?? 0);
  while (started.has(batch) || judged.has(batch)) batch++;
  return batch;
}

const SCENARIOS = Number(process.env.FLEET_SCENARIOS ?? 1000);
const TICK = 15 * MIN;
const HORIZON = 12 * DAY;

function runScenario(
  seed: number,
  log?: (line: string) => void,
): { phase: RolloutPhase | undefined; wellBehaved: boolean } {
  const scenario = generateScenario(seed);
  const { simulation } = scenario;
  log?.(
    `${scenario.title}\n${JSON.stringify({ fleet: simulation.state.fleet.spec, rollout: simulation.state.rollout.spec })}`,
  );
  const start = simulation.now;
  let waitingSince: number | undefined;
  let quietSince: number | undefined;
  while (simulation.now < start + HORIZON) {
    const decision = simulation.step(TICK);
    for (const event of decision.events) log?.(JSON.stringify(event));
    checkDecision(scenario.title, simulation.state, decision, simulation.now);
    simulation.apply(decision);

    const now = simulation.now;
    if (scenario.pauseAt !== undefined && now >= scenario.pauseAt && now < (scenario.resumeAt ?? now)) {
      simulation.editRollout((rollout) => pauseRollout(rollout, now));
    } else if (scenario.resumeAt !== undefined && now >= scenario.resumeAt) {
      simulation.editRollout((rollout) => resumeRollout(rollout, now));
    }
    if (
      scenario.abortAt !== undefined &&
      now >= scenario.abortAt &&
      simulation.state.rollout.spec.abort === undefined
    ) {
      simulation.editRollout((rollout) => abortRollout(rollout, 'changed our mind', 'sim', now));
    }
    // Operators approve a waiting batch, and sometimes while the rollout is paused: either way the approval must
    // name the batch that starts next, never one beyond it.
    if (
      (simulation.phase === 'waiting-for-approval' || simulation.phase === 'paused') &&
      scenario.approveAfterMs !== undefined
    ) {
      waitingSince ??= now;
      if (now - waitingSince >= scenario.approveAfterMs) {
        const expected = nextBatchToStart(simulation.state.rollout);
        const given = simulation.state.rollout.spec.approvals?.length ?? 0;
        simulation.editRollout((rollout) => approveNextBatch(rollout, 'sim', now));
        const approvals = simulation.state.rollout.spec.approvals ?? [];
        if (approvals.length > given) {
          assert.equal(approvals.at(-1)?.batch, expected, `${scenario.title}: approved a batch other than the next`);
        }
        waitingSince = undefined;
      }
    }

    // Stop once the rollout is over and hosts have been quiet for a day (stragglers of a rollback come home).
    const records = Object.values(simulation.state.rollout.status?.hosts ?? {});
    const over =
      simulation.phase !== undefined && isFinalPhase(simulation.phase) && records.every((r) => !isInFlight(r.state));
    quietSince = over ? (quietSince ?? now) : undefined;
    if (quietSince !== undefined && now - quietSince >= DAY) break;
  }

  // The gateway told agentless hosts of a new image only while they could apply it: both windows open.
  const windows = simulation.state.fleet.spec.maintenanceWindows;
  for (const reveal of simulation.revealed) {
    const open = isAnyWindowOpen(windows?.download, reveal.at) && isAnyWindowOpen(windows?.reboot, reveal.at);
    assert.ok(open, `${scenario.title}: ${reveal.host} told ${reveal.digest} at ${new Date(reveal.at).toISOString()}`);
  }

  const phase = simulation.phase;
  const records = simulation.state.rollout.status?.hosts ?? {};
  log?.(
    JSON.stringify({ end: simulation.phase, hosts: simulation.state.rollout.status?.hosts, lock: simulation.lock }),
  );
  // Whatever the hosts do (offline for good, not bootc, never reporting), no rollout waits forever.
  expect(phase !== undefined && isFinalPhase(phase), `${scenario.title}: still ${phase}`).toBe(true);
  if (scenario.wellBehaved) {
    // When hosts behave, the rollout ends, and every host ends healthy on the release (one enrolled after the end
    // is not followed by the rollout, but gets the release all the same).
    expect(phase, scenario.title).toBe('succeeded');
    for (const host of simulation.hosts) {
      expect(records[host.name]?.state ?? 'healthy', `${scenario.title}: ${host.name}`).toBe('healthy');
      expect(host.booted, `${scenario.title}: ${host.name}`).toBe(V2);
    }
  }
  if (phase === 'rolled-back' && scenario.steady) {
    // A rollback brings every host that took the release home, with nothing of it left staged.
    for (const host of simulation.hosts) {
      expect([host.name, host.booted, host.staged], scenario.title).toEqual([host.name, V1, undefined]);
    }
  }
  if (phase !== undefined && isFinalPhase(phase)) {
    // Every host the rollout followed ended in a settled state.
    for (const [name, record] of Object.entries(records)) {
      expect(isSettled(record.state) || record.state === 'pending', `${scenario.title}: ${name} ${record.state}`).toBe(
        true,
      );
    }
  }
  return { phase, wellBehaved: scenario.wellBehaved };
}

// FLEET_SCENARIO=<seed> replays one scenario and prints its events.
const REPLAY = process.env.FLEET_SCENARIO;

describe(`generated fleets (${SCENARIOS} seeded scenarios)`, () => {
  it('keep every invariant over simulated time', { timeout: 120_000 }, () => {
    if (REPLAY !== undefined) {
      runScenario(Number(REPLAY), (line) => console.log(line));
      return;
    }
    const endings = new Map<string, number>();
    const count = (key: string) => endings.set(key, (endings.get(key) ?? 0) + 1);
    for (let seed = 1; seed <= SCENARIOS; seed++) {
      const { phase, wellBehaved } = runScenario(seed);
      count(phase ?? 'not started');
      if (wellBehaved) count('well-behaved');
    }
    // The generator must reach every ending, or the invariants above were checked on too little.
    expect(Object.fromEntries([...endings].sort())).toEqual({
      aborted: expect.toSatisfy((count: number) => count >= SCENARIOS / 200),
      halted: expect.toSatisfy((count: number) => count >= SCENARIOS / 10),
      'rolled-back': expect.toSatisfy((count: number) => count >= SCENARIOS / 10),
      succeeded: expect.toSatisfy((count: number) => count >= SCENARIOS / 10),
      'well-behaved': expect.toSatisfy((count: number) => count >= SCENARIOS / 10),
    });
  });
});

// ── Who belongs to which fleet, under random admin and host actions on a real store ─────────────────────────────

/**
 * Admins create and change fleets with overlapping selectors, make enrollment tokens, register and relabel hosts;
 * hosts enroll asking for whatever labels they like. A model predicts each outcome, and after every step the store
 * must hold: every host is in at most one fleet, the store's fleetOfHost agrees with it, and a host's labels are
 * exactly what an admin gave it (token, registration or relabel), never what the host asked for.
 */
const MEMBERSHIP_SCENARIOS = Number(process.env.MEMBERSHIP_SCENARIOS ?? 30);
const LABEL_VALUES: Record<string, string[]> = { role: ['web', 'db'], env: ['prod', 'test'], zone: ['a', 'b'] };

type Outcome = 'ok' | 'AlreadyExists' | 'Conflict' | 'Forbidden';

async function runMembershipScenario(seed: number, outcomes: Map<string, number>): Promise<void> {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const chance = (p: number) => random() < p;
  const someLabels = (): Record<string, string> =>
    Object.fromEntries(
      Object.entries(LABEL_VALUES)
        .filter(() => chance(0.5))
        .map(([key, values]) => [key, pick(values)]),
    );
  const store = await Store.open(join(await tempDir('patchline-membership-'), 'controller.db'));
  // The model: fleets by name, hosts by name with the labels an admin gave them and whether they hold a credential.
  const fleets = new Map<string, Fleet>();
  const hosts = new Map<string, { labels: Record<string, string>; enrolled: boolean }>();
  const overlapping = (candidate: Map<string, Fleet>, labels: Record<string, string>) =>
    [...candidate.values()].filter((fleet) => matchesSelector(fleet.spec.selector, labels)).length > 1;
  const note = (step: string, outcome: Outcome) =>
    outcomes.set(`${step} ${outcome}`, (outcomes.get(`${step} ${outcome}`) ?? 0) + 1);
  async function attempt(step: string, expected: Outcome, action: () => Promise<unknown>): Promise<boolean> {
    let actual: Outcome = 'ok';
    try {
      await action();
    } catch (error) {
      if (!(error instanceof StoreError)) throw error;
      actual = error.reason as Outcome;
    }
    assert.equal(actual, expected, `seed ${seed}: ${step}`);
    note(step.split(' ')[0]!, actual);
    return actual === 'ok';
  }
  try {
    for (let step = 0; step < 40; step++) {
      const now = T_MEMBERSHIP + step * MIN;
      const name = `h${Math.floor(random() * 8)}`;
      const roll = random();
      if (roll < 0.25) {
        const fleetName = pick(['f1', 'f2', 'f3']);
        const matchLabels = someLabels();
        const fleet: Fleet = {
          apiVersion: 'patchline.dev/v1',
          kind: 'Fleet',
          metadata: { name: fleetName },
          spec: {
            selector: {
              matchLabels,
              ...(chance(0.3)
                ? { matchExpressions: [{ key: pick(Object.keys(LABEL_VALUES)), operator: 'DoesNotExist' as const }] }
                : {}),
            },
            image: REPO,
          },
        };
        const next = new Map(fleets).set(fleetName, fleet);
        const clash = [...hosts.values()].some(
          (host) => matchesSelector(fleet.spec.selector, host.labels) && overlapping(next, host.labels),
        );
        if (await attempt(`fleet ${fleetName}`, clash ? 'Conflict' : 'ok', () => store.applyFleet(fleet, now))) {
          fleets.set(fleetName, fleet);
        }
      } else if (roll < 0.4) {
        const labels = someLabels();
        const expected: Outcome = hosts.has(name) ? 'AlreadyExists' : overlapping(fleets, labels) ? 'Conflict' : 'ok';
        const host: Host = { apiVersion: 'patchline.dev/v1', kind: 'Host', metadata: { name, labels } };
        if (await attempt(`register ${name}`, expected, () => store.createHost(host, now))) {
          hosts.set(name, { labels, enrolled: false });
        }
      } else if (roll < 0.55) {
        if (!hosts.has(name)) continue;
        const labels = someLabels();
        const host: Host = { apiVersion: 'patchline.dev/v1', kind: 'Host', metadata: { name, labels } };
        const expected: Outcome = overlapping(fleets, labels) ? 'Conflict' : 'ok';
        if (await attempt(`relabel ${name}`, expected, () => store.applyHost(host, now))) {
          hosts.get(name)!.labels = labels;
        }
      } else {
        const tokenLabels = someLabels();
        const { token } = await store.createEnrollmentToken(tokenLabels, HOUR, now);
        const known = hosts.get(name);
        const registered = known?.labels ?? {};
        const granted = { ...registered, ...tokenLabels };
        // Mostly what the token grants, sometimes more (a host trying to choose its fleet).
        const asked = chance(0.5) ? { ...tokenLabels } : { ...tokenLabels, ...someLabels() };
        let expected: Outcome = 'ok';
        if (known?.enrolled === true) expected = 'AlreadyExists';
        else if (
          Object.entries(tokenLabels).some(([key, value]) => registered[key] !== undefined && registered[key] !== value)
        )
          expected = 'Conflict';
        else if (Object.entries(asked).some(([key, value]) => granted[key] !== value)) expected = 'Forbidden';
        else if (overlapping(fleets, granted)) expected = 'Conflict';
        if (await attempt(`enroll ${name}`, expected, () => store.enroll(token, name, asked, now))) {
          hosts.set(name, { labels: granted, enrolled: true });
        }
      }
      // The invariants, read back from the store.
      const storedFleets = (await store.listFleets()).map((each) => each.resource);
      for (const stored of await store.listHosts()) {
        const hostName = stored.resource.metadata.name;
        const labels = stored.resource.metadata.labels ?? {};
        assert.deepEqual(
          labels,
          hosts.get(hostName)?.labels,
          `seed ${seed}: host ${hostName} has labels no admin gave`,
        );
        const matching = storedFleets.filter((fleet) => matchesSelector(fleet.spec.selector, labels));
        assert.ok(
          matching.length <= 1,
          `seed ${seed}: host ${hostName} is in fleets ${matching.map((f) => f.metadata.name)}`,
        );
        const own = await store.fleetOfHost(hostName);
        assert.equal(own?.resource.metadata.name, matching[0]?.metadata.name, `seed ${seed}: fleetOfHost(${hostName})`);
      }
    }
  } finally {
    await store.close();
  }
}

const T_MEMBERSHIP = Date.parse('2026-03-02T10:00:00Z');

describe(`generated fleet membership (${MEMBERSHIP_SCENARIOS} seeded scenarios on a real store)`, () => {
  it('keeps every host in at most one fleet, with the labels an admin gave it', { timeout: 120_000 }, async () => {
    const outcomes = new Map<string, number>();
    for (let seed = 1; seed <= MEMBERSHIP_SCENARIOS; seed++) await runMembershipScenario(seed, outcomes);
    // Every kind of step must both succeed and be refused for each reason it can be, or the model checked too little.
    expect([...outcomes.keys()].sort()).toEqual(
      expect.arrayContaining([
        'enroll AlreadyExists',
        'enroll Conflict',
        'enroll Forbidden',
        'enroll ok',
        'fleet Conflict',
        'fleet ok',
        'register Conflict',
        'register ok',
        'relabel Conflict',
        'relabel ok',
      ]),
    );
  });
});
