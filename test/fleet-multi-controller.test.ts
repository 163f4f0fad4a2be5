/**
 * Several `patchline serve` processes on one real PostgreSQL database, as a fleet that outgrew one controller runs
 * them: behind a load balancer, with simulated bootc hosts spread over them. One of them decides (the decider
 * lease); the others serve hosts and admins and pass what they hear on. The oracle is the hosts themselves, tracked
 * in this process, and the rollout's event log, which must hold each transition exactly once.
 */

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from './helpers/cli.js';
import { type ControllerProcess, startController } from './helpers/controller-process.js';
import { HttpBootcHost, runHosts } from './helpers/http-bootc-host.js';
import { startPostgres, type TestPostgres } from './helpers/postgres.js';
import { type Balancer, startBalancer } from './helpers/tcp-balancer.js';
import { until } from './helpers/until.js';

const REPO = 'localhost/multi/os';
const API = '/apis/patchline.dev/v1';
const digest = (n: number) => `sha256:${n.toString(16).padStart(2, '0').repeat(32)}`;
const [V1, V2, V3] = [digest(1), digest(2), digest(3)];
const ADMIN_TOKEN = 'multi-controller-admin-token-0123456789abcdef';
const HOSTS = 200;
// Two calls a run; 200 hosts every 2 s is 200 requests a second over the three controllers.
const HOST_TICK_MS = 2000;
const FINAL = new Set(['halted', 'rolled-back', 'succeeded', 'aborted']);

let postgres: TestPostgres | undefined;
beforeAll(async () => {
  ensureBuilt();
  postgres = await startPostgres();
}, 120_000);
afterAll(async () => {
  await postgres?.stop();
});

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function controllers(count: number): Promise<ControllerProcess[]> {
  if (postgres === undefined) throw new Error('PostgreSQL did not start');
  const database = await postgres.freshDatabase();
  const started: ControllerProcess[] = [];
  for (let n = 0; n < count; n++) {
    const controller = await startController({
      database,
      adminToken: ADMIN_TOKEN,
      // Every simulated host enrolls from this one address: the per-address limit would hold them back.
      extraArgs: ['--tick', '1s', '--decider-lease', '3s', '--log-level', 'warn', '--anonymous-rate-limit', '100000'],
    });
    started.push(controller);
    cleanups.push(() => controller.kill('SIGKILL'));
  }
  return started;
}

async function admin(controller: { url: string }, method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${controller.url}${API}/${path}`, {
    method,
    headers: {
      authorization: `Bearer ${ADMIN_TOKEN}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

async function adminJson<T>(controller: { url: string }, method: string, path: string, body?: unknown): Promise<T> {
  const response = await admin(controller, method, path, body);
  const text = await response.text();
  expect(response.status, `${method} ${path}: ${text}`).toBeLessThan(300);
  return JSON.parse(text) as T;
}

/** The controller that holds the decider lease, as its /metrics says; undefined while none does. */
async function decider(all: readonly ControllerProcess[]): Promise<ControllerProcess | undefined> {
  const holding: ControllerProcess[] = [];
  for (const controller of all) {
    const text = await fetch(`${controller.url}/metrics`).then(
      (response) => response.text(),
      () => '',
    );
    if (/^patchline_controller_decider 1$/m.test(text)) holding.push(controller);
  }
  expect(holding.length).toBeLessThanOrEqual(1);
  return holding[0];
}

function fleet(name: string, policy: Record<string, unknown> = {}) {
  return {
    apiVersion: 'patchline.dev/v1',
    kind: 'Fleet',
    metadata: { name },
    spec: { selector: { matchLabels: { fleet: name } }, image: REPO, ...policy },
  };
}

function release(name: string, fleetName: string, image: string, passed = true) {
  return {
    apiVersion: 'patchline.dev/v1',
    kind: 'Release',
    metadata: { name },
    spec: { fleet: fleetName, image: `${REPO}@${image}`, gate: { passed } },
  };
}

function rollout(name: string, releaseName: string, spec: Record<string, unknown> = {}) {
  return {
    apiVersion: 'patchline.dev/v1',
    kind: 'Rollout',
    metadata: { name },
    spec: { release: releaseName, ...spec },
  };
}

interface RolloutView {
  status?: { phase: string; batch: number; hosts: Record<string, { state: string }> };
}

interface StoredEvent {
  id: number;
  type: string;
  host?: string;
  from?: string;
  to: string;
}

async function finalPhase(controller: { url: string }, name: string, timeoutMs = 150_000): Promise<string> {
  return until(
    `rollout ${name} to end`,
    async () => {
      const phase = (await adminJson<RolloutView>(controller, 'GET', `rollouts/${name}`)).status?.phase;
      return phase !== undefined && FINAL.has(phase) ? phase : undefined;
    },
    timeoutMs,
  );
}

async function events(controller: { url: string }, name: string): Promise<StoredEvent[]> {
  return (await adminJson<{ items: StoredEvent[] }>(controller, 'GET', `rollouts/${name}/events?limit=10000`)).items;
}

/** Each host's chain of states, which must be unbroken: a transition written twice would break it. */
function chains(list: readonly StoredEvent[]): Map<string, string[]> {
  const byHost = new Map<string, string[]>();
  for (const event of list) {
    if (event.type !== 'host-state-changed' || event.host === undefined) continue;
    const chain = byHost.get(event.host) ?? [];
    expect(event.from, `${event.host} event ${event.id}`).toBe(chain.at(-1));
    chain.push(event.to);
    byHost.set(event.host, chain);
  }
  return byHost;
}

async function enrollThrough(
  controller: { url: string },
  count: number,
  options: (index: number) => ConstructorParameters<typeof HttpBootcHost>[1],
): Promise<HttpBootcHost[]> {
  const hosts: HttpBootcHost[] = [];
  for (let index = 0; index < count; index++) {
    const settings = options(index);
    const { token } = await adminJson<{ token: string }>(controller, 'POST', 'enrollment-tokens', {
      labels: settings.labels,
    });
    const host = new HttpBootcHost(controller.url, settings);
    await host.enroll(token);
    hosts.push(host);
  }
  return hosts;
}

describe('three controllers on one PostgreSQL database', () => {
  it('creates exactly one of the rollouts sent to every controller at the same moment', async () => {
    const all = await controllers(3);
    const [first] = all as [ControllerProcess];
    await adminJson(first, 'POST', 'fleets', fleet('web'));
    // Its gate failed: a rollout of it stays blocked (not final) however quickly the decider gets to it, and only a
    // newer release's rollout could supersede it.
    await adminJson(first, 'POST', 'releases', release('v1', 'web', V1, false));
    for (let round = 0; round < 8; round++) {
      const responses = await Promise.all(
        all.map((controller, index) => admin(controller, 'POST', 'rollouts', rollout(`r${round}-${index}`, 'v1'))),
      );
      const codes = responses.map((response) => response.status).sort();
      expect(codes, `round ${round}`).toEqual([201, 409, 409]);
      const created = all.find((_, index) => responses[index]?.status === 201)!;
      const name = `r${round}-${responses.findIndex((response) => response.status === 201)}`;
      await adminJson(created, 'POST', `rollouts/${name}/abort`, { reason: 'next round' });
      expect(await finalPhase(first, name)).toBe('aborted');
    }
    const list = await adminJson<{ items: Array<{ metadata: { name: string } }> }>(first, 'GET', 'rollouts');
    expect(list.items).toHaveLength(8);
  }, 180_000);

  it('wakes a host long-polling a controller that does not decide, as soon as the decision commits', async () => {
    const all = await controllers(3);
    const holder = await until('a decider', () => decider(all), 30_000);
    const other = all.find((controller) => controller !== holder)!;
    await adminJson(holder, 'POST', 'fleets', fleet('probe'));
    await adminJson(holder, 'POST', 'releases', release('p1', 'probe', V1));
    await adminJson(holder, 'POST', 'releases', release('p2', 'probe', V2));
    const [probe] = await enrollThrough(other, 1, () => ({
      name: 'probe-01',
      labels: { fleet: 'probe' },
      repository: REPO,
      booted: V1,
    }));
    await probe!.report();
    await probe!.pollDesired();
    expect(probe!.desired?.version).toBe('none');
    // Held open at the controller that does not decide, for up to 50 s.
    let answered = 0;
    const polled = probe!.pollDesired(50).then(() => {
      answered = performance.now();
    });
    await until('the poll to be waiting', async () => {
      const text = await (await fetch(`${other.url}/metrics`)).text();
      return /^patchline_desired_polls_waiting 1$/m.test(text) ? true : undefined;
    });
    const created = performance.now();
    await adminJson(holder, 'POST', 'rollouts', rollout('p2', 'p2'));
    await polled;
    // Answered with the new digest, not with the 204 a poll gets when its wait runs out.
    expect(probe!.desired?.digest).toBe(V2);
    expect(probe!.failures).toEqual([]);
    console.info(
      `multi-controller: a poll at a non-deciding controller answered ${(answered - created).toFixed(0)} ms after the rollout was requested`,
    );
  }, 120_000);

  it('rolls a sick canary back, then survives a SIGKILL of the decider mid-rollout, with every transition once', async () => {
    const all = await controllers(3);
    const balancer: Balancer = await startBalancer(all.map((controller) => controller.url));
    cleanups.push(() => balancer.close());
    await adminJson(balancer, 'POST', 'fleets', fleet('web', { rolloutPolicy: { updateTimeout: '60s' } }));
    for (const [name, image] of [
      ['v1', V1],
      ['v2', V2],
      ['v3', V3],
    ] as const) {
      await adminJson(balancer, 'POST', 'releases', release(name, 'web', image));
    }
    const hosts = await enrollThrough(balancer, HOSTS, (index) => ({
      name: `host-${String(index + 1).padStart(3, '0')}`,
      labels: { fleet: 'web' },
      repository: REPO,
      booted: V1,
      sickImages: new Set([V2]),
      downloadMs: 300,
      rebootMs: 600,
    }));
    const loop = runHosts(hosts, HOST_TICK_MS);
    cleanups.push(() => loop.stop());
    await until(
      'every host to report',
      async () => {
        const list = await adminJson<{ items: Array<{ status?: { report?: unknown } }> }>(balancer, 'GET', 'hosts');
        return list.items.filter((host) => host.status?.report !== undefined).length === HOSTS ? true : undefined;
      },
      60_000,
    );
    await adminJson(balancer, 'POST', 'rollouts', rollout('v1', 'v1'));
    expect(await finalPhase(balancer, 'v1')).toBe('succeeded');

    // v2 makes its canaries sick: the rollout halts on them and sends them back to v1; nobody else gets v2.
    await adminJson(balancer, 'POST', 'rollouts', rollout('v2', 'v2', { batches: [{ name: 'canary', limit: 2 }] }));
    expect(await finalPhase(balancer, 'v2')).toBe('rolled-back');
    await until('the canaries back on v1', async () =>
      hosts.every((host) => host.host.booted === V1 && host.host.staged === undefined) ? true : undefined,
    );
    expect(hosts.filter((host) => host.host.bootedImages.has(V2))).toHaveLength(2);
    const v2Events = await events(balancer, 'v2');
    chains(v2Events);
    expect(v2Events.filter((event) => event.type === 'phase-changed').map((event) => event.to)).toEqual([
      'progressing',
      'rolling-back',
      'rolled-back',
    ]);

    // v3 goes everywhere, in batches; the decider is killed once the second batch is under way.
    const rebootsBefore = new Map(hosts.map((host) => [host.name, host.host.reboots.length]));
    await adminJson(
      balancer,
      'POST',
      'rollouts',
      rollout('v3', 'v3', { batches: [{ name: 'canary', limit: 5 }, { limit: '25%' }, { limit: '50%' }] }),
    );
    await until(
      'the second batch to be under way',
      async () => {
        const status = (await adminJson<RolloutView>(balancer, 'GET', 'rollouts/v3')).status;
        return status !== undefined && status.batch >= 1 ? true : undefined;
      },
      90_000,
    );
    const killed = await until('a decider', () => decider(all), 30_000);
    await killed.kill('SIGKILL');
    const survivors = all.filter((controller) => controller !== killed);
    const successor = await until('another controller to take the decider lease', () => decider(survivors), 30_000);
    expect(successor).not.toBe(killed);

    expect(await finalPhase(successor, 'v3')).toBe('succeeded');
    await until('every host on v3', async () =>
      hosts.every((host) => host.host.booted === V3 && host.host.staged === undefined) ? true : undefined,
    );
    // Nothing was done twice: each host booted v3 exactly once, and its chain of states is unbroken.
    for (const host of hosts) {
      expect([host.name, host.host.reboots.length - (rebootsBefore.get(host.name) ?? 0)]).toEqual([host.name, 1]);
    }
    const v3Events = await events(successor, 'v3');
    const byHost = chains(v3Events);
    for (const host of hosts) expect([host.name, byHost.get(host.name)?.at(-1)]).toEqual([host.name, 'healthy']);
    expect(v3Events.filter((event) => event.type === 'phase-changed').map((event) => event.to)).toEqual([
      'progressing',
      'succeeded',
    ]);
    const ids = v3Events.map((event) => event.id);
    expect(new Set(ids).size).toBe(ids.length);
    // Only calls cut by the kill failed.
    for (const host of hosts) {
      for (const failure of host.failures) expect(failure).toMatch(/fetch failed|ECONNRESET|socket|other side closed/i);
    }
  }, 420_000);
});
