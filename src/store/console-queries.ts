import { type Kysely, sql } from 'kysely';
import type { HostHealth, Labels, Rollout, RolloutEvent } from '../fleet/index.js';
import { listDocuments, type Stored } from './resources.js';
import type { StoredEvent } from './rollouts.js';
import type { Database, Dialect } from './schema.js';

/**
 * What the web console lists of a host: the columns a table of 10,000 rows needs. The digests and health are read
 * out of the stored report by the database (json_extract, or #>> on PostgreSQL): moving and parsing every host's
 * whole report took most of the time of a 10,000-host page.
 */
export interface ConsoleHostRow {
  name: string;
  labels: Labels;
  lastSeen?: string | undefined;
  booted?: string | undefined;
  staged?: string | undefined;
  health?: HostHealth | undefined;
  fleet: string | null;
}

export async function consoleHostRows(
  db: Kysely<Database>,
  dialect: Dialect,
  fleet?: string,
): Promise<ConsoleHostRow[]> {
  const field = (path: string[]) =>
    dialect === 'postgres'
      ? sql<string | null>`(observed::json #>> ${`{${path.join(',')}}`})`
      : sql<string | null>`json_extract(observed, ${`$.${path.join('.')}`})`;
  let query = db
    .selectFrom('hosts')
    .select(['name', 'labels', 'last_seen', 'booted', 'fleet'])
    .select([
      field(['bootc', 'status', 'staged', 'image', 'imageDigest']).as('staged'),
      field(['health', 'state']).as('health'),
      field(['health', 'failedChecks']).as('failed_checks'),
    ]);
  if (fleet !== undefined) query = query.where('fleet', '=', fleet);
  const rows = await query.execute();
  return rows.map((row) => ({
    name: row.name,
    labels: JSON.parse(row.labels) as Labels,
    lastSeen: row.last_seen ?? undefined,
    booted: row.booted ?? undefined,
    staged: row.staged ?? undefined,
    health:
      row.health === 'unhealthy'
        ? { state: 'unhealthy', failedChecks: JSON.parse(row.failed_checks ?? '[]') as string[] }
        : row.health === 'healthy'
          ? { state: 'healthy' }
          : undefined,
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
