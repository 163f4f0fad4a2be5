import type { Kysely } from 'kysely';
import { fleetOfLabels, type Labels } from '../fleet/index.js';
import { dropHostAnswers } from './host-answers.js';
import { listDocuments } from './resources.js';
import type { Database } from './schema.js';

/**
 * Each host's fleet, kept in its row (`hosts.fleet`) so a decision reads only its fleet's hosts and a poll finds its
 * fleet by name instead of matching every fleet's selector. It is what fleetOfLabels says: none for a host no fleet
 * or two fleets select. Written whenever a host's labels or any fleet's selector change, in that change's
 * transaction.
 */

/** The fleet of one host with these labels, written to its row; its prepared answer is dropped. */
export async function assignHostFleet(db: Kysely<Database>, name: string, labels: Labels | undefined): Promise<void> {
  const fleets = await listDocuments(db, 'fleets');
  const fleet = fleetOfLabels(fleets, labels)?.resource.metadata.name ?? null;
  await db.updateTable('hosts').set({ fleet }).where('name', '=', name).execute();
  await dropHostAnswers(db, [name]);
}

/**
 * Every host's fleet again, after a fleet was created, changed or deleted; only rows that change are written. The
 * caller drops the answers the change affects.
 */
export async function assignAllHostFleets(db: Kysely<Database>): Promise<void> {
  const fleets = await listDocuments(db, 'fleets');
  const rows = await db.selectFrom('hosts').select(['name', 'labels', 'fleet']).execute();
  const moved = new Map<string | null, string[]>();
  for (const row of rows) {
    const fleet = fleetOfLabels(fleets, JSON.parse(row.labels) as Labels)?.resource.metadata.name ?? null;
    if (fleet !== row.fleet) moved.set(fleet, [...(moved.get(fleet) ?? []), row.name]);
  }
  for (const [fleet, names] of moved) {
    for (let start = 0; start < names.length; start += 500) {
      await db
        .updateTable('hosts')
        .set({ fleet })
        .where('name', 'in', names.slice(start, start + 500))
        .execute();
    }
  }
}
