import { type Kysely, sql } from 'kysely';
import {
  budgetGroup,
  type Fleet,
  type FleetLockConfig,
  type FleetLockOutcome,
  type FleetLockState,
  fromTimestamp,
  type LockHolder,
  matchesSelector,
  maxUnavailable,
  toTimestamp,
} from '../fleet/index.js';
import type { Database, Dialect } from './schema.js';

/**
 * FleetLock holders, per fleet. Each call reads the fleet's holders, lets the pure semaphore decide, and writes the
 * result, in one transaction; on PostgreSQL a transaction-scoped advisory lock on the fleet makes concurrent calls
 * (from this or another controller) take turns, so two hosts cannot both take the last slot. SQLite runs one write
 * transaction at a time anyway.
 */

export async function serializeFleet(db: Kysely<Database>, dialect: Dialect, fleet: string): Promise<void> {
  if (dialect === 'postgres') {
    await sql`select pg_advisory_xact_lock(hashtext(${`fleetlock:${fleet}`}))`.execute(db);
  }
}

export async function loadLocks(db: Kysely<Database>, fleet: string): Promise<FleetLockState> {
  const rows = await db.selectFrom('fleet_locks').selectAll().where('fleet', '=', fleet).execute();
  return {
    holders: Object.fromEntries(
      rows.map((row) => [
        row.id,
        {
          id: row.id,
          group: row.grp,
          acquiredAt: fromTimestamp(row.acquired_at),
          expiresAt: fromTimestamp(row.expires_at),
        },
      ]),
    ),
  };
}

export async function saveLocks(
  db: Kysely<Database>,
  fleet: string,
  before: FleetLockState,
  after: FleetLockState,
): Promise<void> {
  const gone = Object.keys(before.holders).filter((id) => after.holders[id] === undefined);
  if (gone.length > 0) {
    await db.deleteFrom('fleet_locks').where('fleet', '=', fleet).where('id', 'in', gone).execute();
  }
  for (const holder of Object.values(after.holders)) {
    const previous = before.holders[holder.id];
    if (previous !== undefined && sameHolder(previous, holder)) continue;
    const row = {
      fleet,
      id: holder.id,
      grp: holder.group,
      acquired_at: toTimestamp(holder.acquiredAt),
      expires_at: toTimestamp(holder.expiresAt),
    };
    await db
      .insertInto('fleet_locks')
      .values(row)
      .onConflict((conflict) =>
        conflict
          .columns(['fleet', 'id'])
          .doUpdateSet({ grp: row.grp, acquired_at: row.acquired_at, expires_at: row.expires_at }),
      )
      .execute();
  }
}

function sameHolder(a: LockHolder, b: LockHolder): boolean {
  return a.group === b.group && a.acquiredAt === b.acquiredAt && a.expiresAt === b.expiresAt;
}

export async function runLockCall(
  db: Kysely<Database>,
  dialect: Dialect,
  fleet: string,
  call: (state: FleetLockState) => FleetLockOutcome,
): Promise<FleetLockOutcome> {
  await serializeFleet(db, dialect, fleet);
  const before = await loadLocks(db, fleet);
  const outcome = call(before);
  await saveLocks(db, fleet, before, outcome.state);
  return outcome;
}

export interface StoredLockHolder extends LockHolder {
  fleet: string;
}

export async function allLocks(db: Kysely<Database>): Promise<StoredLockHolder[]> {
  const rows = await db
    .selectFrom('fleet_locks')
    .selectAll()
    .orderBy('fleet')
    .orderBy('grp')
    .orderBy('acquired_at')
    .execute();
  return rows.map((row) => ({
    fleet: row.fleet,
    id: row.id,
    group: row.grp,
    acquiredAt: fromTimestamp(row.acquired_at),
    expiresAt: fromTimestamp(row.expires_at),
  }));
}

/** FleetLock's group for hosts without the budget's label: the protocol's default group. */
export const DEFAULT_LOCK_GROUP = 'default';

/**
 * Reboot slots from the fleet's disruption budget: a group named after a value of the budget's label has as many
 * slots as that group may have hosts down (never more than it has hosts, never fewer than one). Groups the budget
 * does not know, and fleets without a budget, get `defaultSlots`.
 */
export function lockConfigFor(
  fleet: Fleet | undefined,
  labels: ReadonlyArray<Readonly<Record<string, string>>>,
  defaultSlots: number,
  ttlMs: number,
): FleetLockConfig {
  const budget = fleet?.spec.disruptionBudget;
  if (fleet === undefined || budget === undefined) return { defaultSlots, ttlMs };
  const sizes = new Map<string, number>();
  for (const each of labels) {
    if (!matchesSelector(fleet.spec.selector, each)) continue;
    const group = budgetGroup(budget, each) || DEFAULT_LOCK_GROUP;
    sizes.set(group, (sizes.get(group) ?? 0) + 1);
  }
  const groupSlots = Object.fromEntries(
    [...sizes].map(([group, size]) => [group, Math.max(1, Math.min(size, maxUnavailable(budget, size)))]),
  );
  return { defaultSlots, groupSlots, ttlMs };
}
