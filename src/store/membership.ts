import { type Kysely, sql } from 'kysely';
import { type Fleet, fleetOverlaps, fleetsMatching, type Labels } from '../fleet/index.js';
import { StoreError } from './errors.js';
import { listDocuments } from './resources.js';
import type { Database, Dialect } from './schema.js';

/**
 * The store's half of "a host belongs to exactly one fleet": a fleet, or a host's labels, that would put a host in
 * two fleets is refused with the names. Run inside the transaction that writes the change; on PostgreSQL an advisory
 * lock makes fleet and host changes take turns, so two changes that are each fine alone cannot both commit an
 * overlap. (SQLite runs one write transaction at a time anyway.)
 */

async function serializeMembership(db: Kysely<Database>, dialect: Dialect): Promise<void> {
  if (dialect === 'postgres') {
    await sql`select pg_advisory_xact_lock(hashtext('patchline:fleet-membership'))`.execute(db);
  }
}

const NAMED = 5;

function refuse(problems: string[], advice: string): never {
  const more = problems.length > NAMED ? `; and ${problems.length - NAMED} more` : '';
  throw new StoreError('Conflict', `${problems.slice(0, NAMED).join('; ')}${more}: ${advice}`);
}

/** A fleet about to be created or changed must not select a host that another fleet already has. */
export async function checkFleetMembership(db: Kysely<Database>, dialect: Dialect, fleet: Fleet): Promise<void> {
  await serializeMembership(db, dialect);
  const others = (await listDocuments(db, 'fleets'))
    .map((each) => each.resource)
    .filter((each) => each.metadata.name !== fleet.metadata.name);
  const rows = await db.selectFrom('hosts').select(['name', 'labels']).orderBy('name').execute();
  const hosts = rows
    .map((row) => ({ name: row.name, labels: JSON.parse(row.labels) as Labels }))
    .filter((host) => fleetsMatching([fleet], host.labels).length > 0);
  const problems = fleetOverlaps([...others, fleet], hosts);
  if (problems.length > 0) {
    refuse(
      problems,
      `a host belongs to one fleet; narrow fleet ${fleet.metadata.name}'s selector or relabel the hosts`,
    );
  }
}

/** A host about to get these labels (registered, relabelled or enrolled) must match at most one fleet. */
export async function checkHostMembership(
  db: Kysely<Database>,
  dialect: Dialect,
  name: string,
  labels: Labels | undefined,
): Promise<void> {
  await serializeMembership(db, dialect);
  const fleets = (await listDocuments(db, 'fleets')).map((each) => each.resource);
  const problems = fleetOverlaps(fleets, [{ name, labels }]);
  if (problems.length > 0) refuse(problems, 'a host belongs to one fleet; give it labels only one fleet selects');
}
