import type { Kysely } from 'kysely';
import type { HostReport, Labels, Rollout, RolloutEvent } from '../fleet/index.js';
import { listDocuments, type Stored } from './resources.js';
import type { StoredEvent } from './rollouts.js';
import type { Database } from './schema.js';

/**
 * What the web console lists of a host: the columns a table of 10,000 rows needs, with the report cut down to the
 * digests and health (the `observed` column) rather than the full `bootc status`, which is most of a row's bytes.
 */
export interface ConsoleHostRow {
  name: string;
  labels: Labels;
  lastSeen?: string | undefined;
  report?: HostReport | undefined;
  fleet: string | null;
}

export async function consoleHostRows(db: Kysely<Database>, fleet?: string): Promise<ConsoleHostRow[]> {
  let query = db.selectFrom('hosts').select(['name', 'labels', 'last_seen', 'observed', 'fleet']);
  if (fleet !== undefined) query = query.where('fleet', '=', fleet);
  const rows = await query.execute();
  return rows.map((row) => ({
    name: row.name,
    labels: JSON.parse(row.labels) as Labels,
    lastSeen: row.last_seen ?? undefined,
    report: row.observed === null ? undefined : (JSON.parse(row.observed) as HostReport),
    fleet: row.fleet,
  }));
}

/** Each host's state in one rollout, without the rest of its record. */
export async function rolloutHostStates(db: Kysely<Database>, rollout: string): Promise<Map<string, string>> {
  const rows = await db.selectFrom('rollout_hosts').select(['host', 'state']).where('rollout', '=', rollout).execute();
  return new Map(rows.map((row) => [row.host, row.state]));
}

/** The newest `limit` events of a rollout, newest first: a timeline shows where a rollout is, not how it began. */
export async function latestEvents(db: Kysely<Database>, rollout: string, limit: number): Promise<StoredEvent[]> {
  const rows = await db
    .selectFrom('events')
    .select(['id', 'doc'])
    .where('rollout', '=', rollout)
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return rows.map((row) => ({ id: Number(row.id), ...(JSON.parse(row.doc) as RolloutEvent) }));
}

/**
 * A mark that changes whenever a rollout's document or events do (undefined when it does not exist): cheap enough
 * to read every second for each console watching the rollout.
 */
export async function rolloutMark(db: Kysely<Database>, rollout: string): Promise<string | undefined> {
  const row = await db.selectFrom('rollouts').select('resource_version').where('name', '=', rollout).executeTakeFirst();
  if (row === undefined) return undefined;
  const event = await db
    .selectFrom('events')
    .select('id')
    .where('rollout', '=', rollout)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return `${row.resource_version}.${event?.id ?? 0}`;
}

/** Every rollout (of a fleet) as its document alone: the per-host records stay in rollout_hosts. */
export async function rolloutDocuments(db: Kysely<Database>, fleet?: string): Promise<Array<Stored<Rollout>>> {
  return listDocuments(db, 'rollouts', fleet);
}
