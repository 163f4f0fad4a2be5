import { describe, expect, it } from 'vitest';
import { applyDecision } from './apply-decision.js';
import { decideRollout, type RolloutDecision, type RolloutState } from './decide.js';
import { desiredDigestFor } from './desired-digest.js';
import type { Fleet, Host, Release, Rollout } from './resources.js';
import { abortRollout, approveNextBatch, pauseRollout, resumeRollout } from './rollout-actions.js';

const OLD = `sha256:${'a'.repeat(64)}`;
const NEW = `sha256:${'b'.repeat(64)}`;
const REPO = 'quay.io/example/os';
const T0 = Date.parse('2024-05-01T10:00:00Z'); // a Wednesday
const MIN = 60_000;

interface HostOptions {
  labels?: Record<string, string>;
  booted?: string | null;
  staged?: string;
  rollback?: string;
  /** Failed check names, or healthy when absent. */
  failedChecks?: string[];
  noHealth?: boolean;
  seen?: number;
  noReport?: boolean;
  failed?: string[];
  /** What the controller last told the host to run, and when. */
  served?: { digest: string; at: number };
}

function entry(digest: string) {
  return {
    image: { image: { image: `${REPO}:stable`, transport: 'registry' }, imageDigest: digest },
    incompatible: false,
    pinned: false,
  };
}

function host(name: string, options: HostOptions = {}): Host {
  const seen = new Date(options.seen ?? T0).toISOString();
  const booted = options.booted === undefined ? OLD : options.booted;
  return {
    apiVersion: 'patchline.dev/v1',
    kind: 'Host',
    metadata: { name, labels: { fleet: 'web', ...options.labels } },
    status: {
      lastSeen: seen,
      ...(options.served
        ? { lastServed: { digest: options.served.digest, at: new Date(options.served.at).toISOString() } }
        : {}),
      ...(options.noReport
        ? {}
        : {
            report: {
              receivedAt: seen,
              bootc: {
                apiVersion: 'org.containers.bootc/v1',
                kind: 'BootcHost',
                status: {
                  booted: booted === null ? null : entry(booted),
                  staged: options.staged === undefined ? null : entry(options.staged),
                  rollback: options.rollback === undefined ? null : entry(options.rollback),
                },
              },
              ...(options.noHealth
                ? {}
                : {
                    health: options.failedChecks
                      ? { state: 'unhealthy' as const, failedChecks: options.failedChecks }
                      : { state: 'healthy' as const },
                  }),
            },
          }),
      failedDigests: (options.failed ?? []).map((digest) => ({ digest, at: seen })),
    },
  };
}

function release(name: string, digest: string, spec: Partial<Release['spec']> = {}): Release {
  return {
    apiVersion: 'patchline.dev/v1',
    kind: 'Release',
    metadata: { name },
    spec: { fleet: 'web', image: `${REPO}@${digest}`, gate: { passed: true }, ...spec },
  };
}

function makeState(
  hosts: Host[],
  options: {
    fleet?: Partial<Fleet['spec']>;
    rollout?: Partial<Rollout['spec']>;
    release?: Partial<Release['spec']>;
  } = {},
): RolloutState {
  return {
    fleet: {
      apiVersion: 'patchline.dev/v1',
      kind: 'Fleet',
      metadata: { name: 'web' },
      spec: { selector: { matchLabels: { fleet: 'web' } }, image: REPO, ...options.fleet },
    },
    rollout: {
      apiVersion: 'patchline.dev/v1',
      kind: 'Rollout',
      metadata: { name: 'web-v2' },
      spec: { release: 'v2', previousRelease: 'v1', ...options.rollout },
    },
    release: release('v2', NEW, options.release),
    previousRelease: release('v1', OLD),
    hosts,
  };
}

/** Decides, checks that deciding again at the same moment changes nothing, and applies. */
function decide(state: RolloutState, at: number): { decision: RolloutDecision; state: RolloutState } {
  const decision = decideRollout(state, at);
  const next = applyDecision(state, decision);
  const again = decideRollout(next, at);
  expect(again.transitions, 'deciding twice at one moment').toEqual([]);
  expect(again.events).toEqual([]);
  expect(again.status).toEqual(decision.status);
  return { decision, state: next };
}

/** Replaces the named hosts' reports. */
function report(state: RolloutState, hosts: Record<string, HostOptions>): RolloutState {
  return {
    ...state,
    hosts: state.hosts.map((current) => {
      const options = hosts[current.metadata.name];
      if (options === undefined) return current;
      const updated = host(current.metadata.name, { ...options, labels: current.metadata.labels });
      return { ...updated, status: { ...updated.status, failedDigests: current.status?.failedDigests ?? [] } };
    }),
  };
}

function states(state: RolloutState): Record<string, string> {
  return Object.fromEntries(
    Object.entries(state.rollout.status?.hosts ?? {}).map(([name, record]) => [name, record.state]),
  );
}

const names = (count: number, prefix = 'web') =>
  Array.from({ length: count }, (_, index) => `${prefix}-${String(index + 1).padStart(2, '0')}`);

describe('decideRollout', () => {
  it('starts with the first batch, in name order', () => {
    const state = makeState(
      names(5).map((name) => host(name)),
      { rollout: { batches: [{ name: 'canary', limit: 2 }] } },
    );
    const { decision } = decide(state, T0);
    expect(decideRollout(state, new Date(T0))).toEqual(decision);
    expect(decision.rolloutPhase).toBe('progressing');
    expect(decision.selections).toEqual(['web-01', 'web-02']);
    expect(decision.status.batch).toBe(0);
    expect(decision.events.filter((event) => event.type === 'host-state-changed')).toHaveLength(7); // 5 joined, 2 selected
    expect(decision.events.at(-1)).toEqual({
      type: 'phase-changed',
      at: '2024-05-01T10:00:00.000Z',
      rollout: 'web-v2',
      from: undefined,
      to: 'progressing',
      message: undefined,
    });
    expect(decision.status.hosts['web-01']).toEqual({
      state: 'selected',
      reason: 'selected',
      since: '2024-05-01T10:00:00.000Z',
      batch: 0,
      deadline: '2024-05-01T11:00:00.000Z',
    });
  });

  it('follows a host from its reports to healthy, and moves on to the next batch', () => {
    let state = makeState(
      names(3).map((name) => host(name)),
      { rollout: { batches: [{ limit: 1 }] } },
    );
    ({ state } = decide(state, T0));
    expect(desiredDigestFor(state.hosts[0] as Host, state, T0)).toBe(NEW);
    expect(desiredDigestFor(state.hosts[1] as Host, state, T0)).toBe(OLD);

    // The controller served it the release: it is downloading.
    state = report(state, { 'web-01': { served: { digest: NEW, at: T0 + MIN }, seen: T0 + 2 * MIN } });
    let decision: RolloutDecision;
    ({ decision, state } = decide(state, T0 + 2 * MIN));
    expect(decision.transitions.map((t) => `${t.from?.state}→${t.to.state}/${t.to.reason}`)).toEqual([
      'selected→updating/release-served',
    ]);
    state = report(state, { 'web-01': { staged: NEW, seen: T0 + 5 * MIN } });
    ({ decision, state } = decide(state, T0 + 5 * MIN));
    expect(decision.transitions.map((t) => `${t.from?.state}→${t.to.state}`)).toEqual(['updating→rebooting']);

    state = report(state, { 'web-01': { booted: NEW, rollback: OLD, noHealth: true, seen: T0 + 10 * MIN } });
    ({ state } = decide(state, T0 + 10 * MIN));
    expect(states(state)['web-01']).toBe('verifying');

    state = report(state, {
      'web-01': { booted: NEW, rollback: OLD, seen: T0 + 12 * MIN },
      'web-02': { seen: T0 + 12 * MIN },
      'web-03': { seen: T0 + 12 * MIN },
    });
    ({ decision, state } = decide(state, T0 + 12 * MIN));
    expect(decision.events.filter((event) => event.type === 'batch-completed')).toMatchObject([
      { batch: 0, outcome: 'succeeded', breakdown: { total: 1, healthy: 1 } },
    ]);
    // The final batch starts in the same decision.
    expect(decision.status.batch).toBe(1);
    expect(decision.selections).toEqual(['web-02', 'web-03']);
  });

  it('succeeds when the last batch does, and then gives the release to everyone', () => {
    let state = makeState(names(2).map((name) => host(name)));
    ({ state } = decide(state, T0));
    state = report(state, { 'web-01': { booted: NEW, seen: T0 + MIN }, 'web-02': { booted: NEW, seen: T0 + MIN } });
    const { decision, state: done } = decide(state, T0 + MIN);
    expect(decision.rolloutPhase).toBe('succeeded');
    expect(decision.status.finishedAt).toBe('2024-05-01T10:01:00.000Z');
    const newcomer = host('web-99');
    expect(desiredDigestFor(newcomer, { ...done, hosts: [...done.hosts, newcomer] }, T0 + 2 * MIN)).toBe(NEW);
    expect(desiredDigestFor(host('db-01', { labels: { fleet: 'db' } }), done, T0)).toBeUndefined();
  });

  it('halts when the canary fails, with the breakdown, and never offers the image to that host again', () => {
    let state = makeState(
      names(4).map((name) => host(name)),
      {
        rollout: { batches: [{ limit: 2 }], onFailure: 'halt' },
      },
    );
    ({ state } = decide(state, T0));
    // web-01 booted the image and greenboot took it back; web-02 is still downloading.
    state = report(state, {
      'web-01': { booted: OLD, rollback: NEW, seen: T0 + 20 * MIN },
      'web-02': { served: { digest: NEW, at: T0 + MIN }, seen: T0 + 20 * MIN },
    });
    const { decision, state: halted } = decide(state, T0 + 20 * MIN);
    // One of two failed: even if web-02 ends healthy, 50% < 90%. No need to wait for it.
    expect(decision.rolloutPhase).toBe('halted');
    expect(decision.status.halt).toEqual({
      batch: 0,
      breakdown: { total: 2, healthy: 0, failed: 1, timedOut: 0, notApplicable: 0, inProgress: 1, waiting: 0 },
      successThreshold: 0.9,
      message: 'batch 0 missed its success threshold of 90%: 0 of 2 healthy (0%), 1 failed, 1 undecided',
      at: '2024-05-01T10:20:00.000Z',
    });
    expect(decision.failedDigests).toEqual([
      { host: 'web-01', digest: NEW, at: '2024-05-01T10:20:00.000Z', rollout: 'web-v2' },
    ]);
    expect(decision.selections).toEqual([]);
    const [web01, web02, web03] = halted.hosts as [Host, Host, Host];
    expect(web01.status?.failedDigests?.map((failure) => failure.digest)).toEqual([NEW]);
    expect(desiredDigestFor(web01, halted, T0 + 21 * MIN)).toBe(OLD);
    // The host still in flight carries on; the others stay where they are.
    expect(desiredDigestFor(web02, halted, T0 + 21 * MIN)).toBe(NEW);
    expect(desiredDigestFor(web03, halted, T0 + 21 * MIN)).toBe(OLD);
    // A new rollout of the same image over the fleet leaves web-01 out.
    const retry = makeState(halted.hosts as Host[]);
    expect(decide(retry, T0 + HOUR).decision.status.hosts['web-01']).toMatchObject({
      state: 'not-applicable',
      reason: 'failed-before',
    });
  });

  it('judges a batch against its threshold over the applicable hosts', () => {
    const batch = names(10);
    const run = (failures: number) => {
      let state = makeState([...batch.map((name) => host(name)), host('zz-not-bootc', { booted: null })], {
        rollout: { batches: [{ limit: 11 }], successThreshold: 0.9, onFailure: 'halt' },
      });
      ({ state } = decide(state, T0));
      const reports = Object.fromEntries(
        batch.map((name, index) => [
          name,
          index < failures ? { booted: NEW, failedChecks: ['app'], seen: T0 + MIN } : { booted: NEW, seen: T0 + MIN },
        ]),
      );
      return decide(report(state, reports), T0 + MIN).decision;
    };
    // 9 of 10 is 90%. The host that is not bootc never took a place in the batch.
    expect(run(1).status.batchResults[0]).toMatchObject({
      batch: 0,
      outcome: 'succeeded',
      breakdown: { total: 10, healthy: 9, failed: 1 },
    });
    expect(run(1).status.hosts['zz-not-bootc']).toMatchObject({ state: 'not-applicable', reason: 'incompatible' });
    expect(run(1).rolloutPhase).toBe('succeeded');
    expect(run(2).rolloutPhase).toBe('halted');
  });

  it('rolls every host of the failed release back to the previous one', () => {
    let state = makeState(
      names(6).map((name) => host(name)),
      {
        rollout: { batches: [{ limit: 2 }, { limit: 2 }], successThreshold: 1 },
      },
    );
    ({ state } = decide(state, T0));
    state = report(state, { 'web-01': { booted: NEW, seen: T0 + MIN }, 'web-02': { booted: NEW, seen: T0 + MIN } });
    ({ state } = decide(state, T0 + MIN)); // batch 0 healthy; batch 1 selected
    expect(states(state)).toMatchObject({ 'web-01': 'healthy', 'web-03': 'selected', 'web-04': 'selected' });
    state = report(state, { 'web-03': { failedChecks: ['app'], booted: NEW, seen: T0 + 2 * MIN } });
    let decision: RolloutDecision;
    ({ decision, state } = decide(state, T0 + 2 * MIN));
    expect(decision.rolloutPhase).toBe('rolling-back');
    expect(decision.status.rollback).toEqual({
      digest: OLD,
      startedAt: '2024-05-01T10:02:00.000Z',
      deadline: '2024-05-01T11:02:00.000Z',
    });
    // Everyone is sent back, including hosts that were healthy on the new release.
    for (const each of state.hosts) expect(desiredDigestFor(each, state, T0 + 2 * MIN)).toBe(OLD);
    // web-04 had not started downloading: it is back at once.
    expect(states(state)).toMatchObject({
      'web-01': 'healthy',
      'web-03': 'failed',
      'web-04': 'rolled-back',
      'web-05': 'pending',
    });

    state = report(state, {
      'web-01': { booted: OLD, rollback: NEW, seen: T0 + 30 * MIN },
      'web-02': { booted: OLD, rollback: NEW, seen: T0 + 30 * MIN },
    });
    ({ decision, state } = decide(state, T0 + 30 * MIN));
    expect(decision.rolloutPhase).toBe('rolling-back'); // web-03 is still on the new release
    ({ decision, state } = decide(
      report(state, { 'web-03': { booted: OLD, rollback: NEW, seen: T0 + 40 * MIN } }),
      T0 + 40 * MIN,
    ));
    expect(decision.rolloutPhase).toBe('rolled-back');
    expect(states(state)).toMatchObject({
      'web-01': 'rolled-back',
      'web-02': 'rolled-back',
      'web-03': 'rolled-back',
      'web-05': 'pending',
    });
  });

  it('halts instead when there is nothing to roll back to', () => {
    let state: RolloutState = {
      ...makeState([host('web-01', { booted: OLD })], { rollout: { previousRelease: undefined } }),
      previousRelease: undefined,
    };
    ({ state } = decide(state, T0));
    expect(desiredDigestFor(host('web-02'), state, T0)).toBeUndefined();
    const { decision } = decide(
      report(state, { 'web-01': { booted: NEW, failedChecks: ['x'], seen: T0 + MIN } }),
      T0 + MIN,
    );
    expect(decision.rolloutPhase).toBe('halted');
    expect(decision.status.message).toMatch(/there is no previous release to roll back to$/);
  });

  it('selects only inside a download window and lets the reboot clock start with the reboot window', () => {
    const windows = {
      // Downloads at the top of every hour for 30 minutes; reboots at 02:00 in Berlin for 2 hours.
      download: [{ schedule: '0 * * * *', timeZone: 'UTC', duration: '30m' }],
      reboot: [{ schedule: '0 2 * * *', timeZone: 'Europe/Berlin', duration: '2h' }],
    };
    let state = makeState([host('web-01', { seen: T0 + 40 * MIN })], {
      fleet: { maintenanceWindows: windows },
      rollout: { offlineTimeout: '2h' },
    });
    let decision: RolloutDecision;
    ({ decision, state } = decide(state, T0 + 40 * MIN));
    expect(decision.selections).toEqual([]);
    expect(decision.heldBack).toEqual({ offline: 0, 'download-window-closed': 1, 'disruption-budget': 0 });
    // The rollout's status says so, for `rollout list` and `rollout get`.
    expect(decision.status.heldBack).toEqual({ 'download-window-closed': 1 });
    state = report(state, { 'web-01': { seen: T0 + 60 * MIN } });
    ({ decision, state } = decide(state, T0 + 60 * MIN));
    expect(decision.selections).toEqual(['web-01']);
    expect(decision.status.heldBack).toBeUndefined();
    // Selected, but it did not call before the window closed: it waits for the next one, and is put back.
    expect(desiredDigestFor(state.hosts[0] as Host, state, T0 + 95 * MIN)).toBe(OLD);
    state = report(state, { 'web-01': { seen: T0 + 59 * MIN } });
    ({ decision, state } = decide(state, T0 + 95 * MIN));
    expect(decision.status.hosts['web-01']).toMatchObject({ state: 'pending', reason: 'window-closed' });
    state = report(state, { 'web-01': { seen: T0 + 120 * MIN } });
    ({ decision, state } = decide(state, T0 + 120 * MIN));
    expect(decision.selections).toEqual(['web-01']);
    expect(desiredDigestFor(state.hosts[0] as Host, state, T0 + 121 * MIN)).toBe(NEW);
    state = report(state, { 'web-01': { staged: NEW, seen: T0 + 130 * MIN } });
    ({ decision, state } = decide(state, T0 + 130 * MIN));
    // Staged at 12:10 UTC; the reboot window opens at 02:00 CEST = 00:00 UTC, and the hour starts then.
    expect(decision.status.hosts['web-01']?.deadline).toBe('2024-05-02T01:00:00.000Z');
  });

  it('keeps each group of the disruption budget within its limit, counting hosts already down', () => {
    const hosts = [
      ...names(4, 'a').map((name) => host(name, { labels: { rack: 'a' } })),
      ...names(4, 'b').map((name, index) =>
        host(name, { labels: { rack: 'b' }, ...(index === 3 ? { failedChecks: ['disk'] } : {}) }),
      ),
      host('c-01', { labels: { rack: 'c' }, seen: T0 - 10 * MIN }),
      host('c-02', { labels: { rack: 'c' } }),
    ];
    const state = makeState(hosts, { fleet: { disruptionBudget: { groupBy: 'rack', maxUnavailable: '50%' } } });
    const { decision } = decide(state, T0);
    // Rack a: 2 of 4. Rack b: one is unhealthy already, so one more, and the unhealthy one itself (it adds
    // nothing to what is down). Rack c: c-01 is offline, which is its one allowed, so c-02 waits too.
    expect(decision.selections).toEqual(['a-01', 'a-02', 'b-01', 'b-04']);
    expect(decision.heldBack).toEqual({ offline: 1, 'download-window-closed': 0, 'disruption-budget': 5 });
    expect(decision.status.heldBack).toEqual({ offline: 1, 'disruption-budget': 5 });
  });

  it('does not let offline or incompatible hosts hold a batch, or take a canary’s place', () => {
    const hosts = [
      host('web-01', { booted: null }),
      host('web-02', { noReport: true }),
      host('web-03', { seen: T0 - 10 * MIN }),
      host('web-04'),
      host('web-05'),
    ];
    let state = makeState(hosts, { rollout: { batches: [{ limit: 1 }] }, fleet: { disruptionBudget: undefined } });
    let decision: RolloutDecision;
    ({ decision, state } = decide(state, T0));
    // web-03 is offline but not for long: it keeps the canary place for now.
    expect(states(state)).toMatchObject({
      'web-01': 'not-applicable',
      'web-02': 'not-applicable',
      'web-03': 'pending',
    });
    expect(decision.selections).toEqual([]);
    expect(decision.heldBack.offline).toBe(1);
    state = report(state, { 'web-04': { seen: T0 + 25 * MIN }, 'web-05': { seen: T0 + 25 * MIN } });
    ({ decision, state } = decide(state, T0 + 25 * MIN));
    // Offline for 35 minutes, past the 30-minute offline timeout: the next host becomes the canary.
    expect(decision.status.hosts['web-03']).toMatchObject({ state: 'not-applicable', reason: 'offline' });
    expect(decision.selections).toEqual(['web-04']);
    // It comes back, and joins the rollout again in the next batch with room.
    state = report(state, { 'web-03': { seen: T0 + 30 * MIN }, 'web-02': { seen: T0 + 30 * MIN } });
    ({ decision, state } = decide(state, T0 + 30 * MIN));
    expect(decision.transitions.map((t) => `${t.host}:${t.to.state}/${t.to.reason}`)).toEqual([
      'web-02:pending/rejoined',
      'web-03:pending/rejoined',
    ]);
  });

  it('times out a host that makes no progress, and one that stays offline', () => {
    let state = makeState([host('web-01'), host('web-02')], { rollout: { onFailure: 'halt' } });
    ({ state } = decide(state, T0));
    state = report(state, { 'web-01': { seen: T0 + 59 * MIN }, 'web-02': { seen: T0 + 5 * MIN } });
    const { decision } = decide(state, T0 + 60 * MIN);
    expect(decision.status.hosts['web-01']).toMatchObject({ state: 'timed-out', reason: 'update-timeout' });
    // web-02 went quiet after 10:05: 55 minutes is past the offline timeout.
    expect(decision.status.hosts['web-02']).toMatchObject({ state: 'timed-out', reason: 'offline' });
    expect(decision.status.halt?.breakdown).toMatchObject({ total: 2, timedOut: 2 });
    expect(decision.rolloutPhase).toBe('halted');
  });

  it('takes hosts that join mid-rollout into the first batch with room, in batch order', () => {
    let state = makeState(
      names(3).map((name) => host(name, { labels: { zone: 'a' } })),
      {
        rollout: { batches: [{ limit: 1 }, { selector: { matchLabels: { zone: 'b' } }, limit: 1 }] },
      },
    );
    ({ state } = decide(state, T0));
    state = {
      ...state,
      hosts: [...state.hosts, host('web-00', { labels: { zone: 'a' } }), host('web-10', { labels: { zone: 'b' } })],
    };
    const { decision } = decide(state, T0 + MIN);
    // The canary batch is full (web-01 started): web-00 goes to the final batch despite its name; web-10 matches
    // batch 1's selector.
    expect(decision.transitions.map((t) => `${t.host}:${t.to.state}`)).toEqual(['web-00:pending', 'web-10:pending']);
    expect(decision.selections).toEqual([]);
    expect(decision.status.hosts['web-01']?.batch).toBe(0);
  });

  it('counts a host that already runs the release as done, without a batch', () => {
    const { decision } = decide(
      makeState([host('web-01', { booted: NEW }), host('web-02')], { rollout: { batches: [{ limit: 1 }] } }),
      T0,
    );
    expect(decision.status.hosts['web-01']).toMatchObject({ state: 'healthy', reason: 'already-running' });
    expect(decision.status.hosts['web-01']?.batch).toBeUndefined();
    expect(decision.selections).toEqual(['web-02']);
  });

  it('waits for approval between batches, and obeys pause, resume and abort', () => {
    let state = makeState(
      names(4).map((name) => host(name)),
      { rollout: { batches: [{ limit: 1 }, { limit: 1 }], approval: 'manual' } },
    );
    ({ state } = decide(state, T0));
    state = report(state, { 'web-01': { booted: NEW, seen: T0 + MIN } });
    let decision: RolloutDecision;
    ({ decision, state } = decide(state, T0 + MIN));
    expect(decision.rolloutPhase).toBe('waiting-for-approval');
    expect(decision.status).toMatchObject({ batch: 1, message: 'batch 1 waits for approval' });
    expect(decision.selections).toEqual([]);

    const approved = approveNextBatch(state.rollout, 'alice', T0 + 2 * MIN);
    if (!approved.ok) throw new Error(approved.problem);
    expect(approved.rollout.spec.approvals).toEqual([{ batch: 1, at: '2024-05-01T10:02:00.000Z', by: 'alice' }]);
    const paused = pauseRollout(approved.rollout, T0 + 2 * MIN);
    if (!paused.ok) throw new Error(paused.problem);
    ({ decision, state } = decide({ ...state, rollout: paused.rollout }, T0 + 2 * MIN));
    expect(decision.rolloutPhase).toBe('paused');
    expect(decision.selections).toEqual([]);

    const resumed = resumeRollout(state.rollout, T0 + 3 * MIN);
    if (!resumed.ok) throw new Error(resumed.problem);
    ({ decision, state } = decide({ ...state, rollout: resumed.rollout }, T0 + 3 * MIN));
    expect(decision.rolloutPhase).toBe('progressing');
    expect(decision.selections).toEqual(['web-02']);
    state = report(state, { 'web-02': { served: { digest: NEW, at: T0 + 3 * MIN }, seen: T0 + 4 * MIN } });

    const aborted = abortRollout(state.rollout, 'wrong image', 'bob', T0 + 4 * MIN);
    if (!aborted.ok) throw new Error(aborted.problem);
    ({ decision, state } = decide({ ...state, rollout: aborted.rollout }, T0 + 4 * MIN));
    expect(decision.rolloutPhase).toBe('aborted');
    expect(decision.status.message).toBe('aborted: wrong image');
    // Hosts already told keep the release; the rest never get it.
    expect(state.hosts.map((each) => desiredDigestFor(each, state, T0 + 5 * MIN))).toEqual([NEW, NEW, OLD, OLD]);
    expect(approveNextBatch(state.rollout, 'alice', T0 + 5 * MIN)).toEqual({
      ok: false,
      problem: 'rollout web-v2 is aborted',
    });
  });

  it('takes back a selection the host was not served yet when the rollout pauses', () => {
    let state = makeState([host('web-01'), host('web-02')], { rollout: { batches: [{ limit: 2 }] } });
    ({ state } = decide(state, T0));
    state = report(state, {
      'web-01': { served: { digest: NEW, at: T0 }, seen: T0 + MIN },
      'web-02': { seen: T0 + MIN },
    });
    const paused = pauseRollout(state.rollout, T0 + MIN);
    if (!paused.ok) throw new Error(paused.problem);
    let decision: RolloutDecision;
    ({ decision, state } = decide({ ...state, rollout: paused.rollout }, T0 + MIN));
    // web-01 has its instructions and carries on; web-02 had not started and waits for the resume.
    expect(states(state)).toEqual({ 'web-01': 'updating', 'web-02': 'pending' });
    expect(decision.status.hosts['web-02']).toMatchObject({ reason: 'withdrawn' });
    expect(state.hosts.map((each) => desiredDigestFor(each, state, T0 + MIN))).toEqual([NEW, OLD]);
    const resumed = resumeRollout(state.rollout, T0 + 2 * MIN);
    if (!resumed.ok) throw new Error(resumed.problem);
    ({ decision } = decide({ ...state, rollout: resumed.rollout }, T0 + 2 * MIN));
    expect(decision.selections).toEqual(['web-02']);
  });

  it('blocks a release whose gate failed until it is forced with a reason', () => {
    const state = makeState([host('web-01')], { release: { gate: { passed: false, evidence: 'unfixed CVE' } } });
    const { decision } = decide(state, T0);
    expect(decision.rolloutPhase).toBe('blocked');
    expect(decision.status.message).toBe('release v2 failed its gate; force it with a reason to roll it out');
    expect(decision.selections).toEqual([]);
    const forced = {
      ...state,
      release: release('v2', NEW, { gate: { passed: false }, force: { reason: 'outage fix' } }),
    };
    expect(decide(forced, T0).decision.selections).toEqual(['web-01']);
  });
});

const HOUR = 60 * MIN;
