/**
 * The fleet controller end to end: the built `patchline serve` in a child process on a real database, simulated
 * bootc hosts enrolled and talking to it over HTTP, and the fleet, releases and rollouts made with the built CLI.
 *
 * The oracle is the simulated hosts themselves: what each one booted, staged and rolled back is tracked in the test
 * process, independently of what the controller believes, and the two must agree.
 */

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BootcHost } from '../src/fleet/index.js';
import { createServer } from '../src/server/index.js';
import { Store } from '../src/store/index.js';
import { ensureBuilt } from './helpers/cli.js';
import { runCliAsync } from './helpers/cli-async.js';
import { type ControllerProcess, startController } from './helpers/controller-process.js';
import { HttpBootcHost, type HttpHostOptions, runHosts } from './helpers/http-bootc-host.js';
import { startPostgres, type TestPostgres } from './helpers/postgres.js';
import { tempDir } from './helpers/tmp.js';
import { until } from './helpers/until.js';

const REPO = 'localhost/e2e/os';
const digest = (n: number) => `sha256:${n.toString(16).padStart(2, '0').repeat(32)}`;
const V1 = digest(1);
const V2 = digest(2);
const V3 = digest(3);

// Hosts call twice a run (report, desired); the server allows a host 120 calls a minute, so a run every 1.2 s.
const HOST_TICK_MS = 1200;
// Durations are whole seconds; reports nudge the controller within 250 ms besides.
const CONTROLLER_TICK = '1s';

interface StoredEvent {
  id: number;
  type: string;
  host?: string;
  from?: string;
  to: string;
  [key: string]: unknown;
}

interface RolloutView {
  status?: {
    phase: string;
    batch: number;
    hosts: Record<string, { state: string }>;
    halt?: { batch: number; breakdown: Record<string, number>; message: string };
  };
}

interface HostList {
  items: Array<{ metadata: { name: string }; status?: { report?: { bootc: BootcHost } } }>;
}

beforeAll(() => {
  ensureBuilt();
});

const running: Array<{ stop: () => Promise<void> }> = [];
const controllers: ControllerProcess[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((each) => each.stop()));
  await Promise.all(controllers.splice(0).map((each) => each.kill('SIGKILL')));
});

async function start(database: string, port?: number, adminToken?: string): Promise<ControllerProcess> {
  const controller = await startController({
    database,
    ...(port === undefined ? {} : { port }),
    ...(adminToken === undefined ? {} : { adminToken }),
    extraArgs: ['--tick', CONTROLLER_TICK, '--log-level', 'warn'],
  });
  controllers.push(controller);
  return controller;
}

/** The built CLI against this controller; fails the test, with its stderr, unless it exits 0. */
async function cli(controller: ControllerProcess, ...args: string[]): Promise<string> {
  const env = { PATCHLINE_SERVER: controller.url, PATCHLINE_ADMIN_TOKEN: controller.adminToken };
  const result = await runCliAsync(args, env);
  expect(result.stderr, `patchline ${args.join(' ')}`).toBe('');
  expect(result.status, `patchline ${args.join(' ')}`).toBe(0);
  return result.stdout;
}

async function cliJson<T>(controller: ControllerProcess, ...args: string[]): Promise<T> {
  return JSON.parse(await cli(controller, ...args, '-o', 'json')) as T;
}

async function enroll(controller: ControllerProcess, options: HttpHostOptions[]): Promise<HttpBootcHost[]> {
  return Promise.all(
    options.map(async (each) => {
      // The token decides the labels that place a host in a fleet; the host repeats them.
      const labels = Object.entries(each.labels).flatMap(([key, value]) => ['--label', `${key}=${value}`]);
      const { token } = await cliJson<{ token: string }>(controller, 'host', 'enroll-token', '--ttl', '10m', ...labels);
      const host = new HttpBootcHost(controller.url, { repository: REPO, ...each });
      await host.enroll(token);
      return host;
    }),
  );
}

/** The admin API directly, for polling: a CLI process per poll would spend the machine on node start-ups. */
async function api<T>(controller: ControllerProcess, path: string): Promise<T> {
  const response = await fetch(`${controller.url}/apis/patchline.dev/v1/${path}`, {
    headers: { authorization: `Bearer ${controller.adminToken}` },
  });
  expect(response.status, path).toBe(200);
  return (await response.json()) as T;
}

async function rollout(controller: ControllerProcess, name: string): Promise<RolloutView> {
  return api<RolloutView>(controller, `rollouts/${name}`);
}

async function events(controller: ControllerProcess, name: string): Promise<StoredEvent[]> {
  // -o json prints one event a line, as `rollout events --follow` streams them.
  const text = await cli(controller, 'rollout', 'events', name, '-o', 'json');
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as StoredEvent);
}

const FINAL = new Set(['halted', 'rolled-back', 'succeeded', 'aborted']);

async function finalPhase(controller: ControllerProcess, name: string, timeoutMs = 90_000): Promise<RolloutView> {
  return until(
    `rollout ${name} to end`,
    async () => {
      const view = await rollout(controller, name);
      return view.status !== undefined && FINAL.has(view.status.phase) ? view : undefined;
    },
    timeoutMs,
  );
}

/**
 * A fleet whose hosts all run v1, with v1 rolled out (so it is the fleet's current release). The fleet is made with
 * `fleet create`, or with `fleet apply -f` from a YAML file when it needs more than the flags say.
 */
async function fleetOnV1(controller: ControllerProcess, hosts: HttpBootcHost[], fleetYaml?: string): Promise<void> {
  if (fleetYaml === undefined) {
    await cli(controller, 'fleet', 'create', 'e2e', '--selector', 'fleet=e2e', '--image', REPO);
  } else {
    const file = join(await tempDir(), 'fleet.yaml');
    await writeFile(file, fleetYaml);
    expect(await cli(controller, 'fleet', 'apply', '-f', file)).toBe('fleet/e2e created\n');
  }
  for (const [name, image] of [
    ['v1', V1],
    ['v2', V2],
    ['v3', V3],
  ] as const) {
    await cli(
      controller,
      'release',
      'create',
      name,
      '--fleet',
      'e2e',
      '--image',
      `${REPO}@${image}`,
      '--gate',
      'passed',
      '--force',
      'the end-to-end test gates nothing',
    );
  }
  running.push(runHosts(hosts, HOST_TICK_MS));
  await until(
    'every host to report',
    async () => {
      const list = await api<HostList>(controller, 'hosts');
      return list.items.length === hosts.length && list.items.every((host) => host.status?.report !== undefined)
        ? true
        : undefined;
    },
    30_000,
  );
  await cli(controller, 'rollout', 'start', 'v1');
  expect((await finalPhase(controller, 'v1')).status?.phase).toBe('succeeded');
  const fleet = await cliJson<{ status?: { currentRelease?: string } }>(controller, 'fleet', 'get', 'e2e');
  expect(fleet.status?.currentRelease).toBe('v1');
}

function names(count: number, zones = ['a', 'b']): Array<{ name: string; zone: string }> {
  return Array.from({ length: count }, (_, index) => ({
    name: `host-${String(index + 1).padStart(2, '0')}`,
    zone: zones[index % zones.length] ?? 'a',
  }));
}

/** Each host's chain of states in a rollout, which must be unbroken: every change starts where the last ended. */
function checkChains(list: readonly StoredEvent[]): Map<string, string[]> {
  const chains = new Map<string, string[]>();
  for (const event of list) {
    if (event.type !== 'host-state-changed' || event.host === undefined) continue;
    const chain = chains.get(event.host) ?? [];
    expect(event.from, `${event.host} event ${event.id}`).toBe(chain.at(-1));
    chain.push(event.to);
    chains.set(event.host, chain);
  }
  return chains;
}

let postgres: TestPostgres | undefined;
afterAll(async () => {
  await postgres?.stop();
});

const backends = [
  { name: 'SQLite', database: async () => join(await tempDir(), 'controller.db') },
  {
    name: 'PostgreSQL',
    database: async () => {
      postgres ??= await startPostgres();
      return postgres.freshDatabase();
    },
  },
];

describe.each(backends)('patchline serve on $name with simulated bootc hosts', (backend) => {
  it('halts when the canaries fail health, with the breakdown, and rolls every host back to v1', async () => {
    const controller = await start(await backend.database());
    const hosts = await enroll(
      controller,
      names(6).map(({ name, zone }) => ({
        name,
        labels: { fleet: 'e2e', zone },
        booted: V1,
        sickImages: new Set([V2]),
        // host-02 has no greenboot: it stays up on v2, unhealthy, until the controller sends it back.
        greenboot: name !== 'host-02',
        downloadMs: 300,
        rebootMs: 600,
      })),
    );
    await fleetOnV1(controller, hosts);

    await cli(controller, 'rollout', 'start', 'v2', '--batch', 'canary:2', '--batch', '50%', '--update-timeout', '30s');
    const view = await finalPhase(controller, 'v2');
    expect(view.status?.phase).toBe('rolled-back');
    expect(view.status?.halt).toMatchObject({
      batch: 0,
      breakdown: { total: 2, healthy: 0, failed: 2, timedOut: 0, notApplicable: 0 },
      message: 'batch 0 missed its success threshold of 90%: 0 of 2 healthy (0%), 2 failed',
    });
    expect(await cli(controller, 'rollout', 'get', 'v2')).toContain(
      'Halted: batch 0 missed its success threshold of 90%',
    );

    // Every host ends on v1, nothing staged, healthy; only the two canaries ever booted v2.
    await until(
      'every host back on v1',
      async () => (hosts.every((each) => each.host.booted === V1 && each.host.staged === undefined) ? true : undefined),
      30_000,
    );
    for (const each of hosts) expect([each.name, each.host.health.state]).toEqual([each.name, 'healthy']);
    expect(hosts.filter((each) => each.host.bootedImages.has(V2)).map((each) => each.name)).toEqual([
      'host-01',
      'host-02',
    ]);
    // host-01's greenboot took it back itself; host-02 was sent back by the controller (a second reboot).
    expect(hosts[0]?.host.reboots).toHaveLength(1);
    expect(hosts[1]?.host.reboots).toHaveLength(2);

    // The controller's view agrees with the hosts'.
    await until(
      'the controller to see every host on v1',
      async () => {
        const fresh = await api<HostList>(controller, 'hosts');
        return fresh.items.every((host) => host.status?.report?.bootc.status?.booted?.image?.imageDigest === V1)
          ? true
          : undefined;
      },
      10_000,
    );
    const all = await events(controller, 'v2');
    const phases = all.filter((event) => event.type === 'phase-changed').map((event) => event.to);
    expect(phases).toEqual(['progressing', 'rolling-back', 'rolled-back']);
    const chains = checkChains(all);
    expect(chains.get('host-01')).toContain('failed');
    expect(chains.get('host-02')?.at(-1)).toBe('rolled-back');
    for (const each of hosts.slice(2)) expect(chains.get(each.name)?.includes('updating')).toBe(false);
    for (const each of hosts) expect(each.failures, each.name).toEqual([]);
  }, 180_000);

  it('loses nothing when the controller is killed with SIGKILL mid-rollout, and finishes after a restart', async () => {
    const database = await backend.database();
    let controller = await start(database);
    const hosts = await enroll(
      controller,
      names(6).map(({ name, zone }) => ({
        name,
        labels: { fleet: 'e2e', zone },
        booted: V1,
        downloadMs: 500,
        rebootMs: 1500,
        fleetLockGroup: zone,
      })),
    );
    // One host per zone may be down at a time: FleetLock sizes each zone's reboot slots from the budget.
    await fleetOnV1(
      controller,
      hosts,
      [
        'apiVersion: patchline.dev/v1',
        'kind: Fleet',
        'metadata: {name: e2e}',
        'spec:',
        '  selector: {matchLabels: {fleet: e2e}}',
        `  image: ${REPO}`,
        '  disruptionBudget: {groupBy: zone, maxUnavailable: 1}',
        '',
      ].join('\n'),
    );
    const mostDown = watchDowntime(hosts);

    await cli(controller, 'rollout', 'start', 'v2', '--batch', 'canary:1', '--batch', '2', '--update-timeout', '60s');
    await until(
      'the second batch to be under way',
      async () => {
        const status = (await rollout(controller, 'v2')).status;
        const inFlight = Object.values(status?.hosts ?? {}).some((record) =>
          ['updating', 'rebooting', 'verifying'].includes(record.state),
        );
        return status !== undefined && status.batch >= 1 && inFlight ? true : undefined;
      },
      60_000,
    );
    const before = await consistentSnapshot(controller, 'v2');
    await controller.kill('SIGKILL');
    const port = Number(new URL(controller.url).port);
    await sleep(2 * HOST_TICK_MS);
    controller = await start(database, port, controller.adminToken);

    // Everything written before the kill is still there, unchanged, and the rollout carries on from it.
    const after = await consistentSnapshot(controller, 'v2');
    expect(after.items.slice(0, before.items.length)).toEqual(before.items);
    // Each host's record is where its events left it, or further along the events written since.
    for (const [host, record] of Object.entries(before.hosts)) {
      const later = after.items.slice(before.items.length).filter((event) => event.host === host);
      expect([host, later[0]?.from ?? after.hosts[host]?.state]).toEqual([host, record.state]);
    }
    const view = await finalPhase(controller, 'v2');
    expect(view.status?.phase).toBe('succeeded');
    await until(
      'every host to settle on v2',
      async () => (hosts.every((each) => each.host.booted === V2 && each.host.staged === undefined) ? true : undefined),
      20_000,
    );
    // The hosts noticed the outage (the kill was real), and each rebooted exactly once: nothing was done twice.
    expect(hosts.some((each) => each.failures.length > 0)).toBe(true);
    for (const each of hosts) {
      expect(
        each.failures.every((failure) => /fetch failed|ECONNREFUSED|socket/i.test(failure)),
        each.name,
      ).toBe(true);
      expect([each.name, each.host.reboots.length, each.host.health.state]).toEqual([each.name, 1, 'healthy']);
    }
    expect(mostDown()).toBe(1);

    const all = await events(controller, 'v2');
    expect(all.slice(0, before.items.length)).toEqual(before.items);
    const ids = all.map((event) => event.id);
    expect(ids).toEqual([...new Set(ids)].sort((a, b) => a - b));
    const chains = checkChains(all);
    for (const each of hosts) expect([each.name, chains.get(each.name)?.at(-1)]).toEqual([each.name, 'healthy']);
    expect(all.filter((event) => event.type === 'phase-changed').map((event) => event.to)).toEqual([
      'progressing',
      'succeeded',
    ]);
  }, 240_000);
});

// FleetLock's TTL is an hour in `patchline serve`; here the same server runs in this process on a clock the test
// moves, so expiry is exact rather than slept for. Everything still goes over HTTP, and the CLI lists the holders.
describe.each(backends)('FleetLock over HTTP on $name', (backend) => {
  it("shares each zone's reboot slots, locks recursively, and lets an expired lock go", async () => {
    const TTL = 10 * 60_000;
    // The clock starts at the real time, so the CLI's "held for" and "expires in" (read against this machine's
    // clock) are what a person would see.
    let now = Date.now();
    const store = await Store.open(await backend.database());
    const adminToken = 'fleetlock-test-admin-token';
    const { app } = await createServer({ store, adminToken, clock: () => now, limits: { fleetLockTtlMs: TTL } });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    const url = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
    const controller: ControllerProcess = {
      url,
      adminToken,
      database: '',
      pid: process.pid,
      output: () => '',
      kill: async () => undefined,
    };
    try {
      const dir = await tempDir();
      await writeFile(
        join(dir, 'fleet.yaml'),
        `apiVersion: patchline.dev/v1\nkind: Fleet\nmetadata: {name: locks}\nspec:\n  selector: {matchLabels: {fleet: locks}}\n  image: ${REPO}\n  disruptionBudget: {groupBy: zone, maxUnavailable: 1}\n`,
      );
      await cli(controller, 'fleet', 'apply', '-f', join(dir, 'fleet.yaml'));
      // Hosts registered by an admin ahead of enrollment, several in one file.
      const hostDocs = ['a1', 'a2', 'a3', 'b1'].map(
        (name) =>
          `apiVersion: patchline.dev/v1\nkind: Host\nmetadata: {name: ${name}, labels: {fleet: locks, zone: ${name[0]}}}\n`,
      );
      await writeFile(join(dir, 'hosts.yaml'), hostDocs.join('---\n'));
      expect(await cli(controller, 'host', 'apply', '-f', join(dir, 'hosts.yaml'))).toBe(
        'host/a1 created\nhost/a2 created\nhost/a3 created\nhost/b1 created\n',
      );

      const lock = async (
        operation: string,
        id: string,
        group: string,
        headers = { 'fleet-lock-protocol': 'true' },
      ) => {
        const response = await fetch(`${url}/v1/${operation}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: JSON.stringify({ client_params: { id, group } }),
        });
        return { status: response.status, body: (await response.json()) as { kind?: string } };
      };
      const holders = async () =>
        (await cliJson<{ items: Array<{ id: string; group: string; expiresAt: string }> }>(controller, 'host', 'locks'))
          .items;

      expect((await lock('pre-reboot', 'a1', 'a')).status).toBe(200);
      // Zone a has one slot (maxUnavailable 1): a2 must wait; zone b is separate.
      expect(await lock('pre-reboot', 'a2', 'a')).toEqual({
        status: 409,
        body: expect.objectContaining({ kind: 'failed_lock_semaphore_full' }),
      });
      expect((await lock('pre-reboot', 'b1', 'b')).status).toBe(200);
      // Recursive: the holder may lock again (a retry after a lost answer) and it renews the lock.
      now += 60_000;
      expect((await lock('pre-reboot', 'a1', 'a')).status).toBe(200);
      // The protocol header is required, and the body must be FleetLock's.
      expect(await lock('pre-reboot', 'a2', 'a', {} as { 'fleet-lock-protocol': string })).toEqual({
        status: 400,
        body: expect.objectContaining({ kind: 'bad_request_missing_protocol_header' }),
      });
      expect((await lock('pre-reboot', 'a2', 'no spaces allowed')).body.kind).toBe('bad_request_invalid_body');

      expect((await holders()).map((holder) => [holder.group, holder.id, holder.expiresAt])).toEqual([
        ['a', 'a1', new Date(now + TTL).toISOString()],
        ['b', 'b1', new Date(now - 60_000 + TTL).toISOString()],
      ]);
      const table = await cli(controller, 'host', 'locks');
      expect(table.split('\n')[0]).toMatch(/^FLEET\s+GROUP\s+HOLDER\s+HELD FOR\s+EXPIRES IN$/);
      expect(table).toMatch(/locks\s+a\s+a1\s+\d+s\s+(10m|9m)\n/);

      // Giving the slot back lets the next host in; giving back what one does not hold is fine (recursive).
      expect((await lock('steady-state', 'a1', 'a')).status).toBe(200);
      expect((await lock('steady-state', 'a1', 'a')).status).toBe(200);
      expect((await lock('pre-reboot', 'a2', 'a')).status).toBe(200);
      expect((await lock('pre-reboot', 'a3', 'a')).status).toBe(409);

      // a2 dies mid-reboot and never comes back: its lock expires after the TTL, not before, and a3 gets the slot.
      now += TTL - 1;
      expect((await lock('pre-reboot', 'a3', 'a')).status).toBe(409);
      now += 2;
      expect((await lock('pre-reboot', 'a3', 'a')).status).toBe(200);
      expect((await holders()).map((holder) => holder.id)).toEqual(['a3']);
    } finally {
      await app.close().finally(() => store.close());
    }
  }, 120_000);
});

/**
 * The rollout's events and its hosts' records, read so that they describe the same moment (events, rollout, events
 * again, until no event came in between), and checked against each other: each host's record is the state its
 * last event moved it to. State and events are written in one transaction, so they must always agree.
 */
async function consistentSnapshot(
  controller: ControllerProcess,
  name: string,
): Promise<{ items: StoredEvent[]; hosts: Record<string, { state: string }> }> {
  for (;;) {
    const first = await api<{ items: StoredEvent[] }>(controller, `rollouts/${name}/events`);
    const view = await rollout(controller, name);
    const second = await api<{ items: StoredEvent[] }>(controller, `rollouts/${name}/events`);
    if (first.items.length !== second.items.length) continue;
    const hosts = view.status?.hosts ?? {};
    const last = new Map<string, string>();
    for (const event of first.items) if (event.host !== undefined) last.set(event.host, event.to);
    expect(Object.fromEntries(Object.entries(hosts).map(([host, record]) => [host, record.state]))).toEqual(
      Object.fromEntries(last),
    );
    return { items: first.items, hosts };
  }
}

/** Samples how many hosts of each zone are down at once; returns a reader of the most seen. */
function watchDowntime(hosts: readonly HttpBootcHost[]): () => number {
  let most = 0;
  const timer = setInterval(() => {
    const now = Date.now();
    for (const zone of ['a', 'b']) {
      const down = hosts.filter((each) => each.host.labels.zone === zone && !each.host.reachable(now)).length;
      most = Math.max(most, down);
    }
  }, 50);
  running.push({ stop: async () => clearInterval(timer) });
  return () => most;
}
