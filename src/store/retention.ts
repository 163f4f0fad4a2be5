import { type Kysely, sql } from 'kysely';
import { isFinalPhase, type Rollout, type RolloutPhase, toTimestamp } from '../fleet/index.js';
import { listDocuments } from './resources.js';
import type { Database, Dialect } from './schema.js';

/**
 * Retention: what the store forgets, so its size is bounded by the fleet rather than by time. Host reports need none
 * (each host's row holds only its latest report). Finished rollouts beyond the newest few of each fleet go, with
 * their host records and events; events and pipeline runs go after an age. Deletes run in small batches, each its
 * own statement, so no prune holds SQLite's write lock or a PostgreSQL transaction for long (see
 * docs/decisions/0045-retention.md).
 */
export interface RetentionPolicy {
  /** Finished rollouts kept per fleet, newest first; older ones are deleted with their host records and events. */
  finishedRolloutsPerFleet: number;
  /** Events older than this (milliseconds) are deleted, whichever rollout they belong to. */
  eventsForMs: number;
  /** Finished pipeline runs older than this (milliseconds) are deleted, beyond the newest RUNS_KEPT_PER_PIPELINE. */
  runsForMs: number;
  /** Rows one delete statement removes at most. */
  batchSize: number;
}

export const DEFAULT_RETENTION: RetentionPolicy = {
  finishedRolloutsPerFleet: 50,
  eventsForMs: 90 * 86_400_000,
  runsForMs: 90 * 86_400_000,
  batchSize: 1000,
};

/**
 * A pipeline pass reads its pipeline's newest 50 runs to know what it shipped (listRuns' default), so those are kept
 * however old: pruning never changes what a pass decides.
 */
export const RUNS_KEPT_PER_PIPELINE = 50;

export const PRUNED_KINDS = ['rollouts', 'rollout_hosts', 'events', 'pipeline_runs'] as const;
export type PrunedKind = (typeof PRUNED_KINDS)[number];

export interface PruneResult {
  deleted: Record<PrunedKind, number>;
  /** Delete statements run: each removed at most the policy's batchSize rows. */
  batches: number;
}

export async function prune(
  db: Kysely<Database>,
  dialect: Dialect,
  now: number,
  policy: RetentionPolicy,
): Promise<PruneResult> {
  const result: PruneResult = { deleted: { rollouts: 0, rollout_hosts: 0, events: 0, pipeline_runs: 0 }, batches: 0 };
  const batch = async (kind: PrunedKind, remove: () => Promise<number>): Promise<number> => {
    const count = await remove();
    result.batches++;
    result.deleted[kind] += count;
    // Between batches the event loop serves host calls: better-sqlite3 runs each statement synchronously.
    await new Promise((resolve) => setImmediate(resolve));
    return count;
  };

  for (const name of await prunableRollouts(db, policy.finishedRolloutsPerFleet)) {
    while ((await batch('rollout_hosts', () => deleteRolloutHosts(db, name, policy.batchSize))) > 0) {}
    while ((await batch('events', () => deleteRolloutEvents(db, name, policy.batchSize))) > 0) {}
    // Last, and only while still finished and out of the controller's attention: a prune cut short leaves the
    // rollout to be finished off by the next one, never host records or events without their rollout.
    await batch('rollouts', async () => {
      const deleted = await db
        .deleteFrom('rollouts')
        .where('name', '=', name)
        .where('active', '=', 0)
        .executeTakeFirst();
      return Number(deleted.numDeletedRows);
    });
  }

  const eventsBefore = toTimestamp(now - policy.eventsForMs);
  while ((await batch('events', () => deleteOldEvents(db, eventsBefore, policy.batchSize))) > 0) {}

  const runsBefore = toTimestamp(now - policy.runsForMs);
  for (const names of await prunableRuns(db, runsBefore, policy.batchSize)) {
    await batch('pipeline_runs', async () => {
      const deleted = await db
        .deleteFrom('pipeline_runs')
        .where('name', 'in', names)
        .where('outcome', '!=', 'running')
        .executeTakeFirst();
      return Number(deleted.numDeletedRows);
    });
  }

  if (dialect === 'sqlite') await checkpointWal(db);
  return result;
}

/**
 * Finished rollouts beyond the newest `keep` of their fleet (the latest counts among them), except those something still stands on: each fleet's
 * latest rollout (it decides what the fleet's hosts run, see desiredFor), any the controller still decides, and any
 * whose release is a fleet's current release or the release an unfinished rollout would roll back to.
 */
async function prunableRollouts(db: Kysely<Database>, keep: number): Promise<string[]> {
  const rows = await db
    .selectFrom('rollouts')
    .select(['name', 'fleet', 'phase', 'active', 'doc'])
    .orderBy('seq', 'desc')
    .execute();
  const finished = (row: (typeof rows)[number]) =>
    row.active === 0 && row.phase !== null && isFinalPhase(row.phase as RolloutPhase);
  const needed = new Set<string>();
  for (const fleet of await listDocuments(db, 'fleets')) {
    const current = fleet.resource.status?.currentRelease;
    if (current !== undefined) needed.add(current);
  }
  for (const row of rows) {
    if (finished(row)) continue;
    const spec = (JSON.parse(row.doc) as Rollout).spec;
    needed.add(spec.release);
    if (spec.previousRelease !== undefined) needed.add(spec.previousRelease);
  }
  const seenLatest = new Set<string>();
  const keptFinished = new Map<string, number>();
  const prunable: string[] = [];
  for (const row of rows) {
    const latest = !seenLatest.has(row.fleet);
    seenLatest.add(row.fleet);
    if (!finished(row)) continue;
    const kept = keptFinished.get(row.fleet) ?? 0;
    keptFinished.set(row.fleet, kept + 1);
    if (latest || kept < keep || needed.has((JSON.parse(row.doc) as Rollout).spec.release)) continue;
    prunable.push(row.name);
  }
  return prunable;
}

async function deleteRolloutHosts(db: Kysely<Database>, rollout: string, limit: number): Promise<number> {
  const hosts = await db
    .selectFrom('rollout_hosts')
    .select('host')
    .where('rollout', '=', rollout)
    .orderBy('host')
    .limit(limit)
    .execute();
  if (hosts.length === 0) return 0;
  const deleted = await db
    .deleteFrom('rollout_hosts')
    .where('rollout', '=', rollout)
    .where(
      'host',
      'in',
      hosts.map((row) => row.host),
    )
    .executeTakeFirst();
  return Number(deleted.numDeletedRows);
}

async function deleteRolloutEvents(db: Kysely<Database>, rollout: string, limit: number): Promise<number> {
  const ids = await db
    .selectFrom('events')
    .select('id')
    .where('rollout', '=', rollout)
    .orderBy('id')
    .limit(limit)
    .execute();
  return deleteEvents(
    db,
    ids.map((row) => row.id),
  );
}

/** The oldest `limit` events from before `before` (events_at finds them), whichever rollout they belong to. */
async function deleteOldEvents(db: Kysely<Database>, before: string, limit: number): Promise<number> {
  const old = await db.selectFrom('events').select('id').where('at', '<', before).orderBy('at').limit(limit).execute();
  return deleteEvents(
    db,
    old.map((row) => row.id),
  );
}

async function deleteEvents(db: Kysely<Database>, ids: number[]): Promise<number> {
  if (ids.length === 0) return 0;
  const deleted = await db.deleteFrom('events').where('id', 'in', ids).executeTakeFirst();
  return Number(deleted.numDeletedRows);
}

/** Names of finished runs started before `before`, beyond each pipeline's newest RUNS_KEPT_PER_PIPELINE, in batches. */
async function prunableRuns(db: Kysely<Database>, before: string, batchSize: number): Promise<string[][]> {
  const pipelines = await db.selectFrom('pipeline_runs').select('pipeline').distinct().execute();
  const names: string[] = [];
  for (const { pipeline } of pipelines) {
    const older = await db
      .selectFrom('pipeline_runs')
      .select(['name', 'started_at', 'outcome'])
      .where('pipeline', '=', pipeline)
      .orderBy('started_at', 'desc')
      .orderBy('name', 'desc')
      .offset(RUNS_KEPT_PER_PIPELINE)
      .limit(Number.MAX_SAFE_INTEGER)
      .execute();
    for (const run of older) {
      if (run.started_at < before && run.outcome !== 'running') names.push(run.name);
    }
  }
  const batches: string[][] = [];
  for (let start = 0; start < names.length; start += batchSize) batches.push(names.slice(start, start + batchSize));
  return batches;
}

/**
 * Folds the write-ahead log into the database file and truncates it. SQLite checkpoints on its own, but only resets
 * the log to the start, never shrinks it; and a reader that never pauses (a scraper, a second process) can starve
 * those checkpoints so the log grows with every write. A TRUNCATE checkpoint waits (up to the busy timeout) for
 * readers to move to the latest snapshot, then leaves an empty file. When readers keep it waiting, the log is left
 * as it is until the next prune.
 */
export async function checkpointWal(db: Kysely<Database>): Promise<{ busy: boolean }> {
  const { rows } = await sql<{ busy: number }>`PRAGMA wal_checkpoint(TRUNCATE)`.execute(db);
  return { busy: rows[0]?.busy === 1 };
}
