import type { Kysely } from 'kysely';
import { StoreError } from './errors.js';
import type { Database } from './schema.js';

/**
 * The decider lease: several controllers may serve one database, but rollout decisions are taken by one of them at a
 * time, so they are taken once (and not by every controller, each rolling back the others' commits). The holder
 * renews the lease well before it expires; a controller finding it expired takes it over with the next epoch. The
 * epoch is the fence: a decision is committed only if the lease still carries the epoch its decider holds, checked in
 * the decision's own transaction, so a controller that stalled past its lease and woke up cannot write over its
 * successor's decisions.
 */

const LEASE = 'decider';

export interface Fence {
  holder: string;
  epoch: number;
}

/** Takes or renews the lease for `holder` until now + ttlMs; undefined while another controller holds it. */
export async function claimLease(
  db: Kysely<Database>,
  holder: string,
  held: Fence | undefined,
  now: number,
  ttlMs: number,
): Promise<Fence | undefined> {
  const expires = now + ttlMs;
  if (held !== undefined) {
    const renewed = await db
      .updateTable('leases')
      .set({ expires_at: expires })
      .where('name', '=', LEASE)
      .where('holder', '=', held.holder)
      .where('epoch', '=', held.epoch)
      .executeTakeFirst();
    if (Number(renewed.numUpdatedRows) === 1) return held;
  }
  const first = await db
    .insertInto('leases')
    .values({ name: LEASE, holder, epoch: 1, expires_at: expires })
    .onConflict((conflict) => conflict.column('name').doNothing())
    .executeTakeFirst();
  if (Number(first.numInsertedOrUpdatedRows) === 1) return { holder, epoch: 1 };
  const row = await db
    .selectFrom('leases')
    .select(['holder', 'epoch', 'expires_at'])
    .where('name', '=', LEASE)
    .executeTakeFirstOrThrow();
  const epoch = Number(row.epoch);
  if (row.holder !== holder && Number(row.expires_at) > now) return undefined;
  // Expired, or ours though we lost track of the epoch: take it with the next epoch, unless someone else just did.
  const taken = await db
    .updateTable('leases')
    .set({ holder, epoch: epoch + 1, expires_at: expires })
    .where('name', '=', LEASE)
    .where('epoch', '=', epoch)
    .executeTakeFirst();
  return Number(taken.numUpdatedRows) === 1 ? { holder, epoch: epoch + 1 } : undefined;
}

/** Gives the lease up (a controller shutting down), so another takes over at once rather than after it expires. */
export async function releaseLease(db: Kysely<Database>, held: Fence): Promise<void> {
  await db
    .updateTable('leases')
    .set({ expires_at: 0 })
    .where('name', '=', LEASE)
    .where('holder', '=', held.holder)
    .where('epoch', '=', held.epoch)
    .execute();
}

/**
 * Fails the transaction unless the lease still carries this fence. It is a write (of nothing new) so that it locks
 * the lease row until the transaction ends: a takeover waits for a decision already past this check, on PostgreSQL
 * by the row lock and on SQLite by the database's one writer at a time.
 */
export async function checkFence(db: Kysely<Database>, fence: Fence): Promise<void> {
  const held = await db
    .updateTable('leases')
    .set({ epoch: fence.epoch })
    .where('name', '=', LEASE)
    .where('holder', '=', fence.holder)
    .where('epoch', '=', fence.epoch)
    .executeTakeFirst();
  if (Number(held.numUpdatedRows) !== 1) {
    const row = await db.selectFrom('leases').select(['holder', 'epoch']).where('name', '=', LEASE).executeTakeFirst();
    throw new StoreError(
      'Conflict',
      `controller ${fence.holder} no longer holds the decider lease (epoch ${fence.epoch}; now ${row === undefined ? 'nobody' : `${row.holder} at epoch ${row.epoch}`}): the decision is dropped`,
    );
  }
}
