import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { decideRollout } from '../src/fleet/index.js';
import { isStoreError, Store } from '../src/store/index.js';
import { migrationProvider } from '../src/store/migrations.js';
import { digest, fleetDoc, hostDoc, releaseDoc, report, rolloutDoc } from './helpers/fleet-docs.js';
import { type Dialect, storeBackends } from './helpers/store-backends.js';
import { until } from './helpers/until.js';

/**
 * Several controllers on one database, each with its own connections, asked the same thing at the same moment. The
 * store's constraints, not the timing, decide: a fleet never has two moving rollouts, a sequence number is never
 * given twice, and whoever loses a race gets a Conflict, never an internal error.
 */

const T0 = Date.parse('2026-03-02T10:00:00Z');
const MIN = 60_000;

const { location } = storeBackends('patchline-concurrency-');

/** Settles every promise and sorts the outcomes: values, Conflicts, and anything else (which fails the test). */
async function outcomes<T>(promises: Array<Promise<T>>): Promise<{ won: T[]; conflicts: number; other: unknown[] }> {
  const settled = await Promise.allSettled(promises);
  const won: T[] = [];
  const other: unknown[] = [];
  let conflicts = 0;
  for (const each of settled) {
    if (each.status === 'fulfilled') won.push(each.value);
    else if (isStoreError(each.reason) && each.reason.reason === 'Conflict') conflicts++;
    else other.push(each.reason);
  }
  return { won, conflicts, other };
}

async function seqs(store: Store): Promise<number[]> {
  const rows = await store.db.selectFrom('rollouts').select('seq').orderBy('seq').execute();
  return rows.map((row) => Number(row.seq));
}

describe.each<Dialect>(['sqlite', 'postgres'])('concurrent writers on %s', (dialect) => {
  it('creates exactly one of many rollouts of one fleet requested at once through three controllers', async () => {
    const at = await location(dialect);
    // On SQLite, connections in one thread would wait out each other's busy timeout (the driver is synchronous and
    // transactions take the write lock when they begin): one controller's concurrent requests are the race there.
    const controllers =
      dialect === 'sqlite'
        ? [await Store.open(at)]
        : [await Store.open(at), await Store.open(at), await Store.open(at)];
    try {
      const first = controllers[0]!;
      await first.createFleet(fleetDoc('web'), T0);
      await first.createFleet(fleetDoc('db'), T0);
      for (const n of [1, 2, 3, 4, 5, 6]) {
        await first.createRelease(releaseDoc(`web-v${n}`, 'web', digest(n)), T0 + n);
        await first.createRelease(releaseDoc(`db-v${n}`, 'db', digest(10 + n)), T0 + n);
      }
      for (let round = 0; round < 5; round++) {
        // Twelve requests at once: six for each fleet, two per controller per fleet.
        const requests = [1, 2, 3, 4, 5, 6].flatMap((n) =>
          ['web', 'db'].map((fleet) =>
            controllers[n % controllers.length]!.createRollout(
              rolloutDoc(`${fleet}-r${round}-${n}`, `${fleet}-v${n}`),
              T0 + MIN,
            ),
          ),
        );
        const { won, other } = await outcomes(requests);
        expect(other).toEqual([]);
        expect(won.map((rollout) => rollout.spec.release.split('-')[0]).sort()).toEqual(['db', 'web']);
        // End this round's rollouts, as a controller would, so the next round may start new ones.
        for (const rollout of won) {
          await first.db
            .updateTable('rollouts')
            .set({ phase: 'aborted' })
            .where('name', '=', rollout.metadata.name)
            .execute();
        }
      }
      const numbers = await seqs(first);
      expect(numbers).toEqual(numbers.map((_, index) => index + 1));
      expect(numbers).toHaveLength(10);
    } finally {
      for (const store of controllers) await store.close();
    }
  }, 60_000);

  it('gives a Conflict, not an internal error, to the loser of two enrollments of one name', async () => {
    const at = await location(dialect);
    // On SQLite, two connections in one process would block each other's thread for the busy timeout (the driver is
    // synchronous); one controller's concurrent requests are the race there. PostgreSQL gets two controllers.
    const controllers = dialect === 'sqlite' ? [await Store.open(at)] : [await Store.open(at), await Store.open(at)];
    try {
      const a = controllers[0]!;
      const b = controllers.at(-1)!;
      for (let round = 0; round < 10; round++) {
        const name = `twin-${round}`;
        const tokens = await Promise.all([1, 2, 3, 4].map(() => a.createEnrollmentToken({}, 10 * MIN, T0)));
        const { won, conflicts, other } = await outcomes(
          tokens.map(({ token }, index) => (index % 2 === 0 ? a : b).enroll(token, name, {}, T0 + MIN)),
        );
        // The losers saw the winner's host (AlreadyExists) or collided with it (Conflict): never anything else.
        const alreadyExists = other.filter((error) => isStoreError(error) && error.reason === 'AlreadyExists');
        expect(other.filter((error) => !alreadyExists.includes(error))).toEqual([]);
        expect([won.length, conflicts + alreadyExists.length]).toEqual([1, 3]);
      }
    } finally {
      for (const store of controllers) await store.close();
    }
  }, 60_000);

  it('lets one controller decide at a time: renewed while held, taken over with the next epoch once expired', async () => {
    const at = await location(dialect);
    const [a, b] = [await Store.open(at), await Store.open(at)];
    try {
      const first = await a.claimDecider('a', undefined, T0, 10_000);
      expect(first).toEqual({ holder: 'a', epoch: 1 });
      expect(await b.claimDecider('b', undefined, T0 + 1000, 10_000)).toBeUndefined();
      // Renewed by its holder, it outlives its first expiry.
      expect(await a.claimDecider('a', first, T0 + 8000, 10_000)).toEqual(first);
      expect(await b.claimDecider('b', undefined, T0 + 12_000, 10_000)).toBeUndefined();
      // Not renewed, it passes to the next claimant, with a new epoch; the old holder cannot renew it.
      const second = await b.claimDecider('b', undefined, T0 + 18_001, 10_000);
      expect(second).toEqual({ holder: 'b', epoch: 2 });
      expect(await a.claimDecider('a', first, T0 + 18_002, 10_000)).toBeUndefined();
      // Handed back on shutdown, it is free at once.
      await b.releaseDecider(second!);
      expect(await a.claimDecider('a', undefined, T0 + 18_003, 10_000)).toEqual({ holder: 'a', epoch: 3 });
    } finally {
      await a.close();
      await b.close();
    }
  }, 60_000);

  it("drops a decision of a controller that lost the lease while deciding, and keeps its successor's", async () => {
    const at = await location(dialect);
    const [a, b] = [await Store.open(at), await Store.open(at)];
    try {
      await a.createFleet(fleetDoc('web', { rolloutPolicy: { batches: [{ limit: 1 }] } }), T0);
      await a.createRelease(releaseDoc('v1', 'web', digest(1)), T0);
      for (const name of ['web-1', 'web-2']) {
        await a.createHost(hostDoc(name, { fleet: 'web' }), T0);
        await a.recordReport(name, report(T0, digest(2)));
      }
      await a.createRollout(rolloutDoc('roll', 'v1'), T0);
      const stale = await a.claimDecider('a', undefined, T0, 10_000);
      // Controller a stalls past its lease; b takes over and decides.
      const fresh = await b.claimDecider('b', undefined, T0 + 20_000, 10_000);
      const failed = await a.decide('roll', T0 + 20_000, decideRollout, stale).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(isStoreError(failed) && failed.reason).toBe('Conflict');
      expect(String(failed)).toContain('no longer holds the decider lease');
      expect((await a.getRollout('roll'))?.resource.status).toBeUndefined();
      expect(await a.events('roll')).toEqual([]);
      const { changed } = await b.decide('roll', T0 + 20_000, decideRollout, fresh);
      expect(changed).toBe(true);
      expect((await a.getRollout('roll'))?.resource.status?.phase).toBe('progressing');
    } finally {
      await a.close();
      await b.close();
    }
  }, 60_000);

  it("stops accepting a deleted host's credential at every controller", async () => {
    const at = await location(dialect);
    // On SQLite there is one controller per database file: the one that deletes is the one that must forget.
    const a = await Store.open(at);
    const b = dialect === 'sqlite' ? a : await Store.open(at);
    try {
      await a.notifications.listen();
      const { token } = await a.createEnrollmentToken({}, 10 * MIN, T0);
      const { credential } = await a.enroll(token, 'web-01', {}, T0);
      expect(await a.hostOfCredential(credential)).toBe('web-01');
      const mark = await a.credentialMarkOf('web-01');
      expect(mark).toBeDefined();
      // Kept: a row removed behind the store's back (no controller deleted it) is not noticed...
      await a.db.deleteFrom('host_credentials').where('host', '=', 'web-01').execute();
      expect(await a.hostOfCredential(credential)).toBe('web-01');
      expect(await a.credentialMarkOf('web-01')).toBe(mark);
      // ...but a deletion by any controller is.
      await b.deleteHost('web-01');
      await until('the deletion to reach the first controller', async () =>
        (await a.hostOfCredential(credential)) === undefined && (await a.credentialMarkOf('web-01')) === undefined
          ? true
          : undefined,
      );
    } finally {
      await a.close();
      if (b !== a) await b.close();
    }
  }, 60_000);

  it('repairs a database that already holds twin rollouts before it adds the constraints', async () => {
    const at = await location(dialect);
    // The schema as it was before migration 0006, with what the race used to leave behind.
    const old = oldDatabase(dialect, at);
    const migrator = new Migrator({ db: old, provider: migrationProvider(dialect) });
    const migrated = await migrator.migrateTo('0005-host-fleetlock-id');
    expect(migrated.error).toBeUndefined();
    const stamp = '2026-03-02T10:00:00Z';
    const rollout = (name: string, release: string, phase: string | null) => ({
      name,
      resource_version: 1,
      created_at: stamp,
      fleet: 'web',
      phase,
      active: 1,
      seq: name === 'old' ? 1 : 2,
      doc: JSON.stringify({
        ...rolloutDoc(name, release),
        metadata: { name, createdAt: stamp },
        ...(phase === null ? {} : { status: { phase, batch: 0, hosts: {}, batchResults: [], startedAt: stamp } }),
      }),
    });
    await old
      .insertInto('rollouts')
      .values([
        rollout('old', 'v1', 'succeeded'),
        rollout('twin-a', 'v2', 'progressing'),
        rollout('twin-b', 'v3', null),
      ])
      .execute();
    await old.destroy();

    const store = await Store.open(at);
    try {
      expect(await seqs(store)).toEqual([1, 2, 3]);
      // twin-b sorts after twin-a: it is the one left moving; twin-a ends aborted, saying why.
      const a = await store.getRollout('twin-a');
      expect(a?.resource.status?.phase).toBe('aborted');
      expect(a?.resource.status?.message).toContain('rollout twin-b of fleet web was moving at the same time');
      expect((await store.events('twin-a')).map((event) => event.type)).toEqual(['phase-changed']);
      expect((await store.getRollout('twin-b'))?.resource.status).toBeUndefined();
      expect((await store.getRollout('old'))?.resource.status?.phase).toBe('succeeded');
    } finally {
      await store.close();
    }
  }, 60_000);
});

// biome-ignore lint/suspicious/noExplicitAny: the database as an older release left it, before today's schema
function oldDatabase(dialect: Dialect, at: string): Kysely<any> {
  return dialect === 'postgres'
    ? new Kysely({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: at, max: 1 }) }) })
    : new Kysely({ dialect: new SqliteDialect({ database: new BetterSqlite3(at) }) });
}

describe('named statements on PostgreSQL', () => {
  it('keeps working when another controller migrates the tables under this one', async () => {
    const at = await location('postgres');
    const store = await Store.open(at);
    try {
      await store.createFleet(fleetDoc('web'), T0);
      await store.createHost(hostDoc('web-1', { fleet: 'web' }), T0);
      // Read through every pooled connection, so each has prepared what it runs.
      for (let round = 0; round < 3; round++) {
        await Promise.all(Array.from({ length: 12 }, () => store.getHost('web-1')));
        await Promise.all(Array.from({ length: 12 }, () => store.desiredFor('web-1', T0)));
      }
      // A newer controller's migration adds a column to the tables this one reads.
      await sql`alter table hosts add column later_column text`.execute(store.db);
      await sql`alter table host_answers add column later_column text`.execute(store.db);
      for (let round = 0; round < 3; round++) {
        const hosts = await Promise.all(Array.from({ length: 12 }, () => store.getHost('web-1')));
        expect(hosts.every((host) => host?.resource.metadata.name === 'web-1')).toBe(true);
        await Promise.all(Array.from({ length: 12 }, () => store.desiredFor('web-1', T0)));
        expect((await store.recordReport('web-1', report(T0, digest(1)))).fleet).toBe('web');
      }
    } finally {
      await store.close();
    }
  }, 60_000);
});
