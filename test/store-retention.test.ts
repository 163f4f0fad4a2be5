/**
 * Retention in the controller's store, on SQLite and PostgreSQL: a prune deletes old finished rollouts with their host
 * records and events, old events and old finished pipeline runs, in batches, and never what something still stands
 * on (a fleet's latest rollout, a rollout the controller still decides, the rollouts of a fleet's current release or
 * of the release an unfinished rollout would roll back to, the newest runs of a pipeline, a running run). On SQLite
 * it leaves the write-ahead log empty.
 */
import { statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decideRollout, type PipelineRun, toTimestamp } from '../src/fleet/index.js';
import { DEFAULT_RETENTION, type RetentionPolicy, Store } from '../src/store/index.js';
import { digest, fleetDoc, hostDoc, releaseDoc, report, rolloutDoc } from './helpers/fleet-docs.js';
import { type Dialect, storeBackends } from './helpers/store-backends.js';

const V1 = digest(1);
const V2 = digest(2);
const T0 = Date.parse('2026-03-02T10:00:00Z');
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

const { location } = storeBackends('patchline-retention-');

function policy(changes: Partial<RetentionPolicy>): RetentionPolicy {
  return { ...DEFAULT_RETENTION, batchSize: 2, ...changes };
}

/**
 * Fleet web (3 hosts booting V1): rollouts web-1…web-6 of releases v1…v6 (all V1), one a day, each succeeded, so v6
 * is current; then web-7 of v7 (V2, which no host boots yet) in progress, rolling back to v2. Fleet db (1 host): one
 * finished rollout, db-1, a day in.
 */
async function seedFleets(store: Store): Promise<void> {
  await store.createFleet(fleetDoc('web', { rolloutPolicy: { batches: [{ limit: 1 }], successThreshold: 1 } }), T0);
  await store.createFleet(fleetDoc('db', { rolloutPolicy: { successThreshold: 1 } }), T0);
  const hosts = [
    ['web-a', 'web'],
    ['web-b', 'web'],
    ['web-c', 'web'],
    ['db-a', 'db'],
  ] as const;
  for (const [name, fleet] of hosts) await store.createHost(hostDoc(name, { fleet }), T0);
  // Every host reports just before each rollout, so each finds them online.
  const reportAll = async (at: number) => {
    for (const [name] of hosts) await store.recordReport(name, report(at, V1));
  };
  for (let n = 1; n <= 6; n++) {
    const at = T0 + n * DAY;
    await reportAll(at);
    await store.createRelease(releaseDoc(`v${n}`, 'web', V1), at);
    await store.createRollout(rolloutDoc(`web-${n}`, `v${n}`), at);
    const { decision } = await store.decide(`web-${n}`, at + MIN, decideRollout);
    expect(decision.rolloutPhase).toBe('succeeded');
  }
  await store.createRelease(releaseDoc('d1', 'db', V1), T0 + DAY);
  await store.createRollout(rolloutDoc('db-1', 'd1'), T0 + DAY);
  expect((await store.decide('db-1', T0 + DAY + MIN, decideRollout)).decision.rolloutPhase).toBe('succeeded');
  await store.createRelease(releaseDoc('v7', 'web', V2), T0 + 7 * DAY);
  await reportAll(T0 + 7 * DAY);
  await store.createRollout(rolloutDoc('web-7', 'v7', { previousRelease: 'v2' }), T0 + 7 * DAY);
  const { decision } = await store.decide('web-7', T0 + 7 * DAY + MIN, decideRollout);
  expect(decision.rolloutPhase).toBe('progressing');
}

async function rolloutNames(store: Store): Promise<string[]> {
  return (await store.listRollouts()).map((each) => each.resource.metadata.name).sort();
}

async function hostRows(store: Store, rollout: string): Promise<number> {
  const row = await store.db
    .selectFrom('rollout_hosts')
    .select((eb) => eb.fn.countAll().as('count'))
    .where('rollout', '=', rollout)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

function finishedRun(name: string, startedAt: number): PipelineRun {
  return {
    apiVersion: 'patchline.dev/v1',
    kind: 'PipelineRun',
    metadata: { name, pipeline: 'web-os' },
    status: {
      outcome: 'idle',
      startedAt: toTimestamp(startedAt),
      finishedAt: toTimestamp(startedAt + MIN),
      triggers: [],
      fixes: [],
      steps: [],
    },
  };
}

describe.each<Dialect>(['sqlite', 'postgres'])('retention on %s', (dialect) => {
  it('deletes finished rollouts beyond the newest of each fleet with their host records and events, never one something stands on', async () => {
    const store = await Store.open(await location(dialect));
    try {
      await seedFleets(store);
      // A finished rollout the controller still follows (it watches hosts it told to update for a day).
      await store.db.updateTable('rollouts').set({ active: 1 }).where('name', '=', 'web-3').execute();
      const eventsOf = async (names: string[]) =>
        (await Promise.all(names.map((name) => store.events(name)))).reduce((sum, each) => sum + each.length, 0);
      expect(await eventsOf(['web-1'])).toBeGreaterThan(0);

      // Three finished rollouts of web kept: web-6, web-5, web-4; web-3 is followed, web-2 is web-7's way back.
      const beforeFirst = await eventsOf(['web-1']);
      const first = await store.prune(T0 + 8 * DAY, policy({ finishedRolloutsPerFleet: 3 }));
      expect(await rolloutNames(store)).toEqual(['db-1', 'web-2', 'web-3', 'web-4', 'web-5', 'web-6', 'web-7']);
      expect(first.deleted).toEqual({ rollouts: 1, rollout_hosts: 3, events: beforeFirst, pipeline_runs: 0 });
      // Batches of two: three host rows take two deletes, and so on; one delete for all would be fewer.
      expect(first.batches).toBeGreaterThanOrEqual(1 + Math.ceil(3 / 2) + Math.ceil(beforeFirst / 2));

      // None kept by count: still db-1 (db's latest), web-7 (web's latest, unfinished), web-6 (v6 is web's current
      // release), web-3 (followed) and web-2 (web-7 rolls back to v2).
      const beforeSecond = await eventsOf(['web-4', 'web-5']);
      const second = await store.prune(T0 + 8 * DAY, policy({ finishedRolloutsPerFleet: 0 }));
      expect(await rolloutNames(store)).toEqual(['db-1', 'web-2', 'web-3', 'web-6', 'web-7']);
      expect(second.deleted).toEqual({ rollouts: 2, rollout_hosts: 6, events: beforeSecond, pipeline_runs: 0 });
      for (const gone of ['web-1', 'web-4', 'web-5']) {
        expect(await hostRows(store, gone)).toBe(0);
        expect(await store.events(gone)).toEqual([]);
      }
      for (const kept of ['web-2', 'web-3', 'web-6']) {
        expect(await hostRows(store, kept)).toBe(3);
        expect((await store.events(kept)).length).toBeGreaterThan(0);
      }
      // What hosts are told is untouched: web-7 still speaks for web, db-1 for db.
      expect((await store.desiredFor('web-a', T0 + 8 * DAY))?.fleet).toBe('web');
      expect((await store.desiredFor('db-a', T0 + 8 * DAY))?.digest).toBe(V1);

      const again = await store.prune(T0 + 8 * DAY, policy({ finishedRolloutsPerFleet: 0 }));
      expect(again.deleted).toEqual({ rollouts: 0, rollout_hosts: 0, events: 0, pipeline_runs: 0 });
    } finally {
      await store.close();
    }
  }, 60_000);

  it('deletes events by age, whichever rollout they belong to, and keeps the rollouts', async () => {
    const store = await Store.open(await location(dialect));
    try {
      await seedFleets(store);
      const web1 = (await store.events('web-1')).length;
      const db1 = (await store.events('db-1')).length;
      expect(web1).toBeGreaterThan(0);
      // Events before T0+1d12h go: web-1's and db-1's (a day and a minute in); web-2's (two days in) stay.
      const result = await store.prune(T0 + 10 * DAY, policy({ eventsForMs: 8 * DAY + 12 * HOUR }));
      expect(result.deleted).toEqual({ rollouts: 0, rollout_hosts: 0, events: web1 + db1, pipeline_runs: 0 });
      expect(await store.events('web-1')).toEqual([]);
      expect(await store.events('db-1')).toEqual([]);
      expect((await store.events('web-2')).length).toBeGreaterThan(0);
      expect(await rolloutNames(store)).toContain('web-1');
    } finally {
      await store.close();
    }
  }, 60_000);

  it("deletes finished runs by age beyond each pipeline's newest, never a running one", async () => {
    const store = await Store.open(await location(dialect));
    try {
      await store.applyPipeline(
        {
          apiVersion: 'patchline.dev/v1',
          kind: 'Pipeline',
          metadata: { name: 'web-os' },
          spec: { source: { containerfile: 'Containerfile' }, publish: { repository: 'quay.io/example/os' } },
        },
        T0,
      );
      // A run whose process died long ago, still marked running, then 55 finished runs an hour apart.
      const dead: PipelineRun = {
        ...finishedRun('run-dead', T0 - DAY),
        status: { ...finishedRun('run-dead', T0 - DAY).status, outcome: 'running', leaseUntil: toTimestamp(T0) },
      };
      await store.updateRun(dead);
      for (let n = 0; n < 55; n++)
        await store.updateRun(finishedRun(`run-${String(n).padStart(2, '0')}`, T0 + n * HOUR));

      const young = await store.prune(T0 + 30 * DAY, policy({ runsForMs: 90 * DAY }));
      expect(young.deleted.pipeline_runs).toBe(0);

      const old = await store.prune(T0 + 200 * DAY, policy({ runsForMs: 90 * DAY }));
      expect(old.deleted.pipeline_runs).toBe(5);
      const left = await store.listRuns('web-os', 100);
      expect(left.map((run) => run.metadata.name).sort()).toEqual(
        ['run-dead', ...Array.from({ length: 50 }, (_, n) => `run-${String(n + 5).padStart(2, '0')}`)].sort(),
      );
    } finally {
      await store.close();
    }
  }, 60_000);
});

describe('retention on SQLite', () => {
  it('leaves the write-ahead log empty after a prune, with the data in the database file', async () => {
    const where = await location('sqlite');
    const store = await Store.open(where);
    try {
      await seedFleets(store);
      expect(statSync(`${where}-wal`).size).toBeGreaterThan(0);
      const result = await store.prune(T0 + 8 * DAY, policy({ finishedRolloutsPerFleet: 0 }));
      expect(result.deleted.rollouts).toBe(4);
      expect(statSync(`${where}-wal`).size).toBe(0);
    } finally {
      await store.close();
    }
    // Opened again, the database holds exactly what the prune left.
    const reopened = await Store.open(where);
    try {
      expect(await rolloutNames(reopened)).toEqual(['db-1', 'web-2', 'web-6', 'web-7']);
    } finally {
      await reopened.close();
    }
  }, 60_000);
});
