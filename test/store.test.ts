import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  acquireLock,
  applyDecision,
  decideRollout,
  type FleetLockConfig,
  pauseRollout,
  type RolloutDecision,
  releaseLock,
} from '../src/fleet/index.js';
import { isStoreError, Store, type StoreError } from '../src/store/index.js';
import { commitDecision, loadRolloutState } from '../src/store/rollouts.js';
import { digest, fleetDoc, hostDoc, releaseDoc, report, rolloutDoc } from './helpers/fleet-docs.js';
import { type Dialect, storeBackends } from './helpers/store-backends.js';

const V1 = digest(1);
const V2 = digest(2);
const T0 = Date.parse('2026-03-02T10:00:00Z');
const MIN = 60_000;

const { location } = storeBackends('patchline-store-');

async function rejection(promise: Promise<unknown>): Promise<StoreError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!isStoreError(error)) throw new Error(`expected a StoreError, got ${String(error)}`);
  return error;
}

/** A fleet of `count` hosts all booting V1, with V1 current and V2 to roll out. */
async function fleetWithHosts(store: Store, count: number): Promise<void> {
  await store.createFleet(fleetDoc('web', { rolloutPolicy: { batches: [{ limit: 1 }], successThreshold: 1 } }), T0);
  await store.createRelease(releaseDoc('v1', 'web', V1), T0);
  await store.createRelease(releaseDoc('v2', 'web', V2), T0 + 1);
  // The fleet's current release is the controller's to set; a first rollout of v1 that succeeds sets it.
  for (let n = 1; n <= count; n++) {
    const name = `web-${String(n).padStart(2, '0')}`;
    await store.createHost(hostDoc(name, { fleet: 'web' }), T0);
    await store.recordReport(name, report(T0, V1));
  }
  await store.createRollout(rolloutDoc('roll-v1', 'v1'), T0);
  const { decision } = await store.decide('roll-v1', T0 + MIN, decideRollout);
  expect(decision.rolloutPhase).toBe('succeeded');
}

describe.each<Dialect>(['sqlite', 'postgres'])('store on %s', (dialect) => {
  let store: Store;
  beforeAll(async () => {
    store = await Store.open(await location(dialect));
  }, 30_000);
  afterAll(async () => {
    await store?.close();
  });

  async function freshStore(): Promise<Store> {
    const opened = await Store.open(await location(dialect));
    return opened;
  }

  it('migrates once: opening an existing database again keeps its data', async () => {
    const where = await location(dialect);
    const first = await Store.open(where);
    await first.createFleet(fleetDoc('kept'), T0);
    await first.close();
    const second = await Store.open(where);
    try {
      expect((await second.getFleet('kept'))?.resource.spec.image).toBe('quay.io/example/os');
    } finally {
      await second.close();
    }
  });

  it('creates fleets once, and versions every change of their spec', async () => {
    const created = await store.createFleet(fleetDoc('api'), T0);
    expect(created.metadata).toMatchObject({ name: 'api', generation: 1, createdAt: new Date(T0).toISOString() });
    expect((await rejection(store.createFleet(fleetDoc('api'), T0))).reason).toBe('AlreadyExists');

    expect(await store.applyFleet(fleetDoc('api'), T0 + 1)).toBe('unchanged');
    expect((await store.getFleet('api'))?.resourceVersion).toBe(1);
    expect(await store.applyFleet(fleetDoc('api', { hostOfflineAfter: '10m' }), T0 + 2, 1)).toBe('updated');
    const after = await store.getFleet('api');
    expect(after?.resourceVersion).toBe(2);
    expect(after?.resource.metadata).toMatchObject({ generation: 2, uid: created.metadata.uid });
    // A writer that read version 1 cannot overwrite version 2.
    const stale = await rejection(store.applyFleet(fleetDoc('api', { hostOfflineAfter: '1m' }), T0 + 3, 1));
    expect(stale.reason).toBe('Conflict');
    expect((await store.getFleet('api'))?.resource.spec.hostOfflineAfter).toBe('10m');
  });

  it('keeps releases immutable', async () => {
    await store.createFleet(fleetDoc('imm'), T0);
    await store.createRelease(releaseDoc('imm-1', 'imm', V1), T0);
    expect(await store.applyRelease(releaseDoc('imm-1', 'imm', V1), T0)).toBe('unchanged');
    const changed = await rejection(store.applyRelease(releaseDoc('imm-1', 'imm', V2), T0));
    expect(changed.reason).toBe('Conflict');
    expect((await store.getRelease('imm-1'))?.resource.spec.image).toBe(`quay.io/example/os@${V1}`);
  });

  it('snapshots the previous release and the fleet policy into a new rollout, one moving rollout per fleet', async () => {
    const fresh = await freshStore();
    try {
      await fleetWithHosts(fresh, 2);
      expect((await fresh.getFleet('web'))?.resource.status?.currentRelease).toBe('v1');
      const created = await fresh.createRollout(rolloutDoc('roll-v2', 'v2', { onFailure: 'halt' }), T0 + 2 * MIN);
      expect(created.spec).toMatchObject({
        release: 'v2',
        previousRelease: 'v1',
        onFailure: 'halt',
        batches: [{ limit: 1 }],
        successThreshold: 1,
      });
      const second = await rejection(fresh.createRollout(rolloutDoc('roll-v2b', 'v2'), T0 + 2 * MIN));
      expect(second.reason).toBe('Conflict');
      const missing = await rejection(fresh.createRollout(rolloutDoc('roll-x', 'nope'), T0));
      expect([missing.reason, missing.message]).toEqual(['Invalid', 'spec.release: release nope not found']);
      // Editing the fleet's policy afterwards does not reach the rollout already created.
      await fresh.applyFleet(fleetDoc('web', { rolloutPolicy: { successThreshold: 0.5 } }), T0 + 3 * MIN);
      expect((await fresh.getRollout('roll-v2'))?.resource.spec.successThreshold).toBe(1);
    } finally {
      await fresh.close();
    }
  });

  it('commits a decision whole: status, host records, failed images and events, equal to the pure applyDecision', async () => {
    const fresh = await freshStore();
    try {
      await fleetWithHosts(fresh, 3);
      await fresh.createRollout(rolloutDoc('roll-v2', 'v2', { onFailure: 'halt' }), T0 + 2 * MIN);
      let now = T0 + 3 * MIN;
      const first = await fresh.decide('roll-v2', now, decideRollout);
      expect(first.decision.selections).toEqual(['web-01']);
      // web-01 is served v2, stages it, boots it, and its health check fails: the canary batch fails.
      now += MIN;
      await fresh.recordServed('web-01', V2, now);
      await fresh.recordReport('web-01', report(now, V1, { staged: V2 }));
      await fresh.decide('roll-v2', now, decideRollout);
      now += MIN;
      await fresh.recordReport('web-01', report(now, V2, { rollback: V1, healthy: false }));

      const before = await loadRolloutState(fresh.db, 'roll-v2');
      const expected = applyDecision(before.state, decideRollout(before.state, now));
      // The controller reads cut-down reports; deciding on the full ones must come out the same.
      const full = { ...before.state, hosts: (await fresh.listHosts()).map((host) => host.resource) };
      expect(decideRollout(full, now)).toEqual(decideRollout(before.state, now));
      const { decision, changed } = await fresh.decide('roll-v2', now, decideRollout);
      expect(changed).toBe(true);
      expect(decision.rolloutPhase).toBe('halted');

      const stored = await fresh.getRollout('roll-v2');
      expect(stored?.resource.status).toEqual(expected.rollout.status);
      expect((await fresh.getHost('web-01'))?.resource.status?.failedDigests).toEqual(
        expected.hosts.find((host) => host.metadata.name === 'web-01')?.status?.failedDigests,
      );
      expect((await fresh.getHost('web-01'))?.resource.status?.failedDigests?.map((f) => f.digest)).toEqual([V2]);
      const events = await fresh.events('roll-v2');
      expect(events.map((event) => event.id)).toEqual([...events.map((event) => event.id)].sort((a, b) => a - b));
      expect(events.at(-1)).toMatchObject({ type: 'phase-changed', to: 'halted' });
      expect(events.filter((event) => event.type === 'batch-completed')).toHaveLength(1);
      const after = events[2]?.id ?? 0;
      expect((await fresh.events('roll-v2', after)).map((event) => event.id)).toEqual(
        events.filter((event) => event.id > after).map((event) => event.id),
      );
      // Deciding again on the committed state at the same moment changes nothing and writes nothing.
      expect((await fresh.decide('roll-v2', now, decideRollout)).changed).toBe(false);
      expect(await fresh.events('roll-v2')).toHaveLength(events.length);
    } finally {
      await fresh.close();
    }
  });

  it('refuses a decision taken on a state someone changed since, and keeps nothing of it', async () => {
    const fresh = await freshStore();
    try {
      await fleetWithHosts(fresh, 2);
      await fresh.createRollout(rolloutDoc('roll-v2', 'v2'), T0 + 2 * MIN);
      const now = T0 + 3 * MIN;
      const loaded = await loadRolloutState(fresh.db, 'roll-v2');
      const decision: RolloutDecision = decideRollout(loaded.state, now);
      expect(decision.events.length).toBeGreaterThan(0);
      await fresh.editRollout('roll-v2', (rollout) => pauseRollout(rollout, now, { by: 'alice' }));
      const conflict = await rejection(
        fresh.db.transaction().execute((trx) => commitDecision(trx, loaded, decision, now)),
      );
      expect(conflict.reason).toBe('Conflict');
      // Only the pause is recorded, none of the decision's events.
      expect((await fresh.events('roll-v2')).map((event) => event.type)).toEqual(['operator-action']);
      expect((await fresh.getRollout('roll-v2'))?.resource.status).toBeUndefined();
      expect((await fresh.getRollout('roll-v2'))?.resource.spec.paused).toBe(true);
    } finally {
      await fresh.close();
    }
  });

  it('lets two controllers decide the same rollout at once without either writing over the other', async () => {
    const where = await location(dialect);
    const fresh = await Store.open(where);
    // On PostgreSQL a second controller process is a second pool; on SQLite one process holds one connection and
    // its transactions take turns, so the second decides on the state the first committed.
    const other = dialect === 'postgres' ? await Store.open(where) : fresh;
    try {
      await fleetWithHosts(fresh, 3);
      await fresh.createRollout(rolloutDoc('roll-v2', 'v2'), T0 + 2 * MIN);
      const now = T0 + 3 * MIN;
      const outcomes = await Promise.allSettled([
        fresh.decide('roll-v2', now, decideRollout),
        other.decide('roll-v2', now, decideRollout),
      ]);
      const committed = outcomes.filter((outcome) => outcome.status === 'fulfilled' && outcome.value.changed);
      expect(committed).toHaveLength(1);
      for (const outcome of outcomes) {
        if (outcome.status === 'rejected') expect((outcome.reason as StoreError).reason).toBe('Conflict');
      }
      const events = await fresh.events('roll-v2');
      const fulfilled = committed[0] as PromiseFulfilledResult<{ decision: RolloutDecision }>;
      expect(events).toHaveLength(fulfilled.value.decision.events.length);
    } finally {
      if (other !== fresh) await other.close();
      await fresh.close();
    }
  });

  it('trades a one-time enrollment token for a credential stored only as its SHA-256', async () => {
    const { token, expiresAt } = await store.createEnrollmentToken({ role: 'db' }, 10 * MIN, T0);
    expect(expiresAt).toBe(new Date(T0 + 10 * MIN).toISOString());
    // Two hosts racing with one token: exactly one enrolls.
    const race = await Promise.allSettled([
      store.enroll(token, 'db-01', {}, T0 + MIN),
      store.enroll(token, 'db-02', {}, T0 + MIN),
    ]);
    const won = race.filter((outcome) => outcome.status === 'fulfilled');
    expect(won).toHaveLength(1);
    const lost = race.find((outcome) => outcome.status === 'rejected') as PromiseRejectedResult;
    expect((lost.reason as StoreError).reason).toBe('Unauthorized');
    const credential = (won[0] as PromiseFulfilledResult<{ credential: string }>).value.credential;
    const winner = (await store.hostOfCredential(credential)) ?? '';
    expect(['db-01', 'db-02']).toContain(winner);
    expect((await store.getHost(winner))?.resource.metadata.labels).toEqual({ role: 'db' });

    const rows = await store.db.selectFrom('host_credentials').selectAll().where('host', '=', winner).execute();
    expect(rows.map((row) => row.hash)).toEqual([createHash('sha256').update(credential).digest('hex')]);
    expect(await store.hostOfCredential(`${credential}x`)).toBeUndefined();
    const tokens = await store.db.selectFrom('enrollment_tokens').select('hash').execute();
    expect(tokens.map((row) => row.hash)).toContain(createHash('sha256').update(token).digest('hex'));
  });

  it('refuses expired tokens, and keeps a token whose enrollment failed', async () => {
    const expired = await store.createEnrollmentToken({}, MIN, T0);
    expect((await rejection(store.enroll(expired.token, 'late', {}, T0 + 2 * MIN))).reason).toBe('Unauthorized');
    // An admin-registered host is claimed by its first enrollment; after that its name is taken.
    await store.createHost(hostDoc('taken', {}), T0);
    await store.enroll((await store.createEnrollmentToken({}, MIN, T0)).token, 'taken', {}, T0);
    const good = await store.createEnrollmentToken({}, MIN, T0);
    expect((await rejection(store.enroll(good.token, 'taken', {}, T0))).reason).toBe('AlreadyExists');
    await store.enroll(good.token, 'not-taken', {}, T0);
    expect((await store.getHost('not-taken'))?.resource.metadata.name).toBe('not-taken');
  });

  it("keeps each host's fleet as the selectors say, through relabelling and fleet changes", async () => {
    const fresh = await freshStore();
    try {
      const fleetOf = async (host: string) => (await fresh.fleetOfHost(host))?.resource.metadata.name;
      await fresh.createHost(hostDoc('h1', { role: 'web' }), T0);
      expect(await fleetOf('h1')).toBeUndefined();
      await fresh.createFleet(fleetDoc('web', { selector: { matchLabels: { role: 'web' } } }), T0);
      expect(await fleetOf('h1')).toBe('web');
      await fresh.applyHost(hostDoc('h1', { role: 'db' }), T0);
      expect(await fleetOf('h1')).toBeUndefined();
      await fresh.applyFleet(fleetDoc('web', { selector: { matchLabels: { role: 'db' } } }), T0);
      expect(await fleetOf('h1')).toBe('web');
      // A report says which fleet's rollout a change concerns.
      expect(await fresh.recordReport('h1', report(T0, V1))).toEqual({ changed: true, fleet: 'web' });
      await fresh.deleteFleet('web');
      expect(await fleetOf('h1')).toBeUndefined();
    } finally {
      await fresh.close();
    }
  });

  it('says whether a report changed anything a rollout decides on', async () => {
    await store.createHost(hostDoc('rep', {}), T0);
    expect((await store.recordReport('rep', report(T0, V1))).changed).toBe(true);
    expect((await store.recordReport('rep', report(T0 + MIN, V1))).changed).toBe(false);
    expect((await store.getHost('rep'))?.resource.status?.lastSeen).toBe(new Date(T0 + MIN).toISOString());
    expect((await store.recordReport('rep', report(T0 + 2 * MIN, V1, { staged: V2 }))).changed).toBe(true);
    expect((await store.recordReport('rep', report(T0 + 3 * MIN, V1, { staged: V2, healthy: false }))).changed).toBe(
      true,
    );
  });

  it('refuses a report from a host that is not there', async () => {
    await expect(store.recordReport('nobody', report(T0, V1))).rejects.toMatchObject({ reason: 'NotFound' });
  });

  it('notes a polling host as seen, at most once in ten seconds', async () => {
    await store.createHost(hostDoc('poller', { fleet: 'none' }), T0);
    const seen = async () => (await store.getHost('poller'))?.resource.status?.lastSeen;
    expect(await seen()).toBeUndefined();
    await store.desiredFor('poller', T0);
    expect(await seen()).toBe(new Date(T0).toISOString());
    await store.desiredFor('poller', T0 + 5_000);
    expect(await seen()).toBe(new Date(T0).toISOString());
    await store.desiredFor('poller', T0 + 11_000);
    expect(await seen()).toBe(new Date(T0 + 11_000).toISOString());
  });

  it('answers what a host should run from its fleet, and remembers what it served', async () => {
    const fresh = await freshStore();
    try {
      await fleetWithHosts(fresh, 2);
      await fresh.createHost(hostDoc('stray', { fleet: 'none' }), T0);
      expect(await fresh.desiredFor('stray', T0)).toBeUndefined();
      expect(await fresh.desiredFor('web-01', T0 + 2 * MIN)).toEqual({
        fleet: 'web',
        digest: V1,
        image: `quay.io/example/os@${V1}`,
        servedRecently: false,
      });
      await fresh.createRollout(rolloutDoc('roll-v2', 'v2'), T0 + 2 * MIN);
      await fresh.decide('roll-v2', T0 + 3 * MIN, decideRollout);
      expect((await fresh.desiredFor('web-01', T0 + 3 * MIN))?.digest).toBe(V2);
      expect((await fresh.desiredFor('web-02', T0 + 3 * MIN))?.digest).toBe(V1);
      await fresh.recordServed('web-01', V2, T0 + 4 * MIN);
      expect((await fresh.getHost('web-01'))?.resource.status?.lastServed).toEqual({
        digest: V2,
        at: new Date(T0 + 4 * MIN).toISOString(),
      });
      // Told the same again within seconds it need not be noted again; later it is.
      expect((await fresh.desiredFor('web-01', T0 + 4 * MIN + 9_000))?.servedRecently).toBe(true);
      expect((await fresh.desiredFor('web-01', T0 + 4 * MIN + 10_000))?.servedRecently).toBe(false);
      expect((await fresh.desiredFor('web-02', T0 + 4 * MIN + 1_000))?.servedRecently).toBe(false);
    } finally {
      await fresh.close();
    }
  });

  it('holds FleetLock slots across calls, and never hands out more slots than there are, even to a crowd', async () => {
    const config: FleetLockConfig = { defaultSlots: 2, ttlMs: 10 * MIN };
    const ask = (id: string, at: number) =>
      store.fleetLock('locks', (state) => acquireLock(state, config, { client_params: { id, group: 'default' } }, at));
    const crowd = await Promise.all(Array.from({ length: 12 }, (_, n) => ask(`host-${n}`, T0)));
    const granted = crowd.filter((outcome) => outcome.response.status === 200);
    expect(granted).toHaveLength(2);
    const holders = await store.lockHolders(T0);
    expect(holders).toHaveLength(2);
    // Recursive: a holder asking again keeps its slot; an expired lock frees it.
    const holder = holders[0]?.id ?? '';
    expect((await ask(holder, T0 + MIN)).response.status).toBe(200);
    expect((await ask('late', T0 + MIN)).response.status).toBe(409);
    expect((await ask('late', T0 + 10 * MIN + 1)).response.status).toBe(200);
    await store.fleetLock('locks', (state) =>
      releaseLock(state, { client_params: { id: 'late', group: 'default' } }, T0 + 10 * MIN + 2),
    );
    expect((await store.lockHolders(T0 + 10 * MIN + 2)).map((each) => each.id)).toEqual([holder]);
  });
});
