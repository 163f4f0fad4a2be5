import { type Kysely, type Migration, type MigrationProvider, sql } from 'kysely';
import { assignAllHostFleets } from './host-fleets.js';
import type { Database, Dialect } from './schema.js';

/**
 * The store's migrations, in code so the built package carries them. Both dialects run the same steps; the only
 * difference is how an auto-incremented key is spelt. Never edit a migration that has shipped: add the next one.
 */
export function migrationProvider(dialect: Dialect): MigrationProvider {
  return {
    async getMigrations(): Promise<Record<string, Migration>> {
      return {
        '0001-initial': initial(dialect),
        '0002-host-observed': hostObserved,
        '0003-pipelines': pipelines,
        '0005-host-fleetlock-id': hostFleetLockId,
        '0006-one-moving-rollout': oneMovingRollout,
        '0007-decider-lease': deciderLease,
        '0008-host-fleet': hostFleet,
        '0009-events-by-time': eventsByTime,
        '0010-prepared-answers': preparedAnswers,
        '0011-release-attachments': releaseAttachments,
      };
    },
  };
}

/** The name of the newest migration: the schema a controller database has once this Patchline has opened it. */
export async function latestMigration(): Promise<string> {
  const names = Object.keys(await migrationProvider('sqlite').getMigrations()).sort();
  return names[names.length - 1] ?? '';
}

function initial(dialect: Dialect): Migration {
  return {
    // biome-ignore lint/suspicious/noExplicitAny: migrations run against the database as it was then, untyped
    async up(db: Kysely<any>): Promise<void> {
      for (const table of ['fleets', 'releases', 'rollouts']) {
        let create = db.schema
          .createTable(table)
          .addColumn('name', 'text', (column) => column.primaryKey())
          .addColumn('resource_version', 'integer', (column) => column.notNull())
          .addColumn('created_at', 'text', (column) => column.notNull())
          .addColumn('doc', 'text', (column) => column.notNull());
        if (table !== 'fleets') {
          create = create.addColumn('fleet', 'text', (column) => column.notNull());
        }
        if (table === 'rollouts') {
          create = create
            .addColumn('phase', 'text')
            .addColumn('active', 'integer', (column) => column.notNull())
            .addColumn('seq', 'integer', (column) => column.notNull());
        }
        await create.execute();
      }
      await db.schema.createIndex('releases_fleet').on('releases').column('fleet').execute();
      await db.schema.createIndex('rollouts_fleet_seq').on('rollouts').columns(['fleet', 'seq']).execute();
      await db.schema.createIndex('rollouts_active').on('rollouts').column('active').execute();

      await db.schema
        .createTable('rollout_hosts')
        .addColumn('rollout', 'text', (column) => column.notNull())
        .addColumn('host', 'text', (column) => column.notNull())
        .addColumn('state', 'text', (column) => column.notNull())
        .addColumn('record', 'text', (column) => column.notNull())
        .addPrimaryKeyConstraint('rollout_hosts_pk', ['rollout', 'host'])
        .execute();
      await db.schema.createIndex('rollout_hosts_host').on('rollout_hosts').column('host').execute();

      await db.schema
        .createTable('hosts')
        .addColumn('name', 'text', (column) => column.primaryKey())
        .addColumn('resource_version', 'integer', (column) => column.notNull())
        .addColumn('created_at', 'text', (column) => column.notNull())
        .addColumn('doc', 'text', (column) => column.notNull())
        .addColumn('labels', 'text', (column) => column.notNull())
        .addColumn('last_seen', 'text')
        .addColumn('last_served', 'text')
        .addColumn('report', 'text')
        .addColumn('booted', 'text')
        .addColumn('failed_digests', 'text', (column) => column.notNull())
        .execute();

      await db.schema
        .createTable('host_credentials')
        .addColumn('hash', 'text', (column) => column.primaryKey())
        .addColumn('host', 'text', (column) => column.notNull())
        .addColumn('created_at', 'text', (column) => column.notNull())
        .execute();
      await db.schema.createIndex('host_credentials_host').on('host_credentials').column('host').execute();

      await db.schema
        .createTable('enrollment_tokens')
        .addColumn('hash', 'text', (column) => column.primaryKey())
        .addColumn('labels', 'text', (column) => column.notNull())
        .addColumn('created_at', 'text', (column) => column.notNull())
        .addColumn('expires_at', 'text', (column) => column.notNull())
        .addColumn('consumed_at', 'text')
        .addColumn('host', 'text')
        .execute();

      await db.schema
        .createTable('events')
        .addColumn('id', dialect === 'postgres' ? 'bigserial' : 'integer', (column) =>
          dialect === 'postgres' ? column.primaryKey() : column.primaryKey().autoIncrement(),
        )
        .addColumn('rollout', 'text', (column) => column.notNull())
        .addColumn('at', 'text', (column) => column.notNull())
        .addColumn('type', 'text', (column) => column.notNull())
        .addColumn('doc', 'text', (column) => column.notNull())
        .execute();
      await db.schema.createIndex('events_rollout_id').on('events').columns(['rollout', 'id']).execute();

      await db.schema
        .createTable('fleet_locks')
        .addColumn('fleet', 'text', (column) => column.notNull())
        .addColumn('id', 'text', (column) => column.notNull())
        .addColumn('grp', 'text', (column) => column.notNull())
        .addColumn('acquired_at', 'text', (column) => column.notNull())
        .addColumn('expires_at', 'text', (column) => column.notNull())
        .addPrimaryKeyConstraint('fleet_locks_pk', ['fleet', 'id'])
        .execute();
    },
  };
}

/** The part of each host's report a rollout decision reads, so a tick does not parse every full report. */
const hostObserved: Migration = {
  // biome-ignore lint/suspicious/noExplicitAny: migrations run against the database as it was then, untyped
  async up(db: Kysely<any>): Promise<void> {
    await db.schema.alterTable('hosts').addColumn('observed', 'text').execute();
  },
};

/** Pipelines, their runs and the exposure ledger (hands-off patching). */
const pipelines: Migration = {
  // biome-ignore lint/suspicious/noExplicitAny: migrations run against the database as it was then, untyped
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable('pipelines')
      .addColumn('name', 'text', (column) => column.primaryKey())
      .addColumn('resource_version', 'integer', (column) => column.notNull())
      .addColumn('created_at', 'text', (column) => column.notNull())
      .addColumn('doc', 'text', (column) => column.notNull())
      .execute();
    await db.schema
      .createTable('pipeline_runs')
      .addColumn('name', 'text', (column) => column.primaryKey())
      .addColumn('pipeline', 'text', (column) => column.notNull())
      .addColumn('started_at', 'text', (column) => column.notNull())
      .addColumn('outcome', 'text', (column) => column.notNull())
      .addColumn('doc', 'text', (column) => column.notNull())
      .execute();
    await db.schema
      .createIndex('pipeline_runs_pipeline')
      .on('pipeline_runs')
      .columns(['pipeline', 'started_at'])
      .execute();
    await db.schema
      .createTable('exposures')
      .addColumn('fleet', 'text', (column) => column.notNull())
      .addColumn('advisory', 'text', (column) => column.notNull())
      .addColumn('package', 'text', (column) => column.notNull())
      .addColumn('state', 'text', (column) => column.notNull())
      .addColumn('doc', 'text', (column) => column.notNull())
      .addPrimaryKeyConstraint('exposures_pk', ['fleet', 'advisory', 'package'])
      .execute();
    await db.schema.createIndex('exposures_state').on('exposures').columns(['state', 'fleet']).execute();
  },
};

/**
 * The id a host's FleetLock client sends (Zincati: the machine's app-specific id), given at enrollment, so a lock is
 * taken for an enrolled host and never for an id nobody enrolled. Unique: two hosts cannot answer to one id.
 */
const hostFleetLockId: Migration = {
  // biome-ignore lint/suspicious/noExplicitAny: migrations run against the database as it was then, untyped
  async up(db: Kysely<any>): Promise<void> {
    await db.schema.alterTable('hosts').addColumn('fleetlock_id', 'text').execute();
    await db.schema.createIndex('hosts_fleetlock_id').unique().on('hosts').column('fleetlock_id').execute();
  },
};

/** Phases a rollout does not leave (fleet/resources.ts isFinalPhase), spelt out: a migration never changes. */
const FINAL_PHASES = ['halted', 'rolled-back', 'succeeded', 'aborted'];

/**
 * One moving rollout per fleet, and one sequence number per rollout, as constraints: two controllers (or two requests
 * to one controller on PostgreSQL) creating a fleet's rollout at the same moment could both pass the store's check
 * and both insert, often with the same sequence number. A database that already holds such twins is repaired first:
 * sequence numbers are given again in their order (ties by creation time and name), and of a fleet's moving
 * rollouts all but the latest end aborted, saying why, with the phase change among their events.
 */
const oneMovingRollout: Migration = {
  // biome-ignore lint/suspicious/noExplicitAny: migrations run against the database as it was then, untyped
  async up(db: Kysely<any>): Promise<void> {
    const rows: Array<{ name: string; fleet: string; seq: number; phase: string | null; doc: string }> = await db
      .selectFrom('rollouts')
      .select(['name', 'fleet', 'seq', 'phase', 'doc'])
      .orderBy('seq')
      .orderBy('created_at')
      .orderBy('name')
      .execute();
    const seqs = rows.map((row) => Number(row.seq));
    if (new Set(seqs).size !== seqs.length) {
      // Through negative numbers first, so no intermediate state repeats a number.
      for (const [index, row] of rows.entries()) {
        await db
          .updateTable('rollouts')
          .set({ seq: -(index + 1) })
          .where('name', '=', row.name)
          .execute();
      }
      for (const [index, row] of rows.entries()) {
        await db
          .updateTable('rollouts')
          .set({ seq: index + 1 })
          .where('name', '=', row.name)
          .execute();
      }
    }
    const latestMoving = new Map<string, string>();
    for (const row of rows) {
      if (row.phase === null || !FINAL_PHASES.includes(row.phase)) latestMoving.set(row.fleet, row.name);
    }
    const at = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    for (const row of rows) {
      const moving = row.phase === null || !FINAL_PHASES.includes(row.phase);
      const latest = latestMoving.get(row.fleet);
      if (!moving || latest === row.name) continue;
      const rollout = JSON.parse(row.doc);
      const message = `aborted when the store upgraded: rollout ${latest} of fleet ${row.fleet} was moving at the same time`;
      const from = rollout.status?.phase;
      rollout.spec = { ...rollout.spec, abort: { reason: message, by: 'patchline', at } };
      rollout.status = {
        batch: 0,
        hosts: {},
        batchResults: [],
        startedAt: at,
        ...rollout.status,
        phase: 'aborted',
        message,
        finishedAt: at,
      };
      await db
        .updateTable('rollouts')
        .set({ doc: JSON.stringify(rollout), phase: 'aborted' })
        .where('name', '=', row.name)
        .execute();
      if (from !== undefined) {
        const event = { type: 'phase-changed', at, rollout: row.name, from, to: 'aborted', message };
        await db
          .insertInto('events')
          .values({ rollout: row.name, at, type: event.type, doc: JSON.stringify(event) })
          .execute();
      }
    }
    await db.schema.createIndex('rollouts_seq').unique().on('rollouts').column('seq').execute();
    const final = sql.join(FINAL_PHASES.map((phase) => sql.lit(phase)));
    await sql`create unique index rollouts_one_moving on rollouts (fleet) where phase is null or phase not in (${final})`.execute(
      db,
    );
  },
};

/**
 * Who takes rollout decisions: one controller at a time holds the lease, and every decision it commits names the
 * epoch it holds, so a controller that paused past its lease (and was replaced) can no longer write one.
 */
const deciderLease: Migration = {
  // biome-ignore lint/suspicious/noExplicitAny: migrations run against the database as it was then, untyped
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable('leases')
      .addColumn('name', 'text', (column) => column.primaryKey())
      .addColumn('holder', 'text', (column) => column.notNull())
      .addColumn('epoch', 'integer', (column) => column.notNull())
      .addColumn('expires_at', 'bigint', (column) => column.notNull())
      .execute();
  },
};

/** Each host's fleet in its row, so a decision reads only its fleet's hosts; filled in from today's selectors. */
const hostFleet: Migration = {
  // biome-ignore lint/suspicious/noExplicitAny: migrations run against the database as it was then, untyped
  async up(db: Kysely<any>): Promise<void> {
    await db.schema.alterTable('hosts').addColumn('fleet', 'text').execute();
    await db.schema.createIndex('hosts_fleet').on('hosts').column('fleet').execute();
    await assignAllHostFleets(db as Kysely<Database>);
  },
};

/** Retention deletes events by age: an index on their time finds the old ones without reading the rest. */
const eventsByTime: Migration = {
  // biome-ignore lint/suspicious/noExplicitAny: migrations run against the database as it was then, untyped
  async up(db: Kysely<any>): Promise<void> {
    await db.schema.createIndex('events_at').on('events').column('at').execute();
  },
};

/** What each host should run, prepared (see host-answers.ts), so a poll is one read; a row for every host. */
const preparedAnswers: Migration = {
  // biome-ignore lint/suspicious/noExplicitAny: migrations run against the database as it was then, untyped
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable('host_answers')
      .addColumn('host', 'text', (column) => column.primaryKey())
      .addColumn('answer', 'text')
      .addColumn('version', 'integer', (column) => column.notNull())
      .execute();
    await sql`insert into host_answers (host, answer, version) select name, null, 0 from hosts`.execute(db);
  },
};

/**
 * What a release was made with, kept beside its document (not in it, so a host poll never reads them): the gate
 * evidence document, byte for byte as it was hashed, and the image diff against the fleet's previous release.
 */
const releaseAttachments: Migration = {
  // biome-ignore lint/suspicious/noExplicitAny: migrations run against the database as it was then, untyped
  async up(db: Kysely<any>): Promise<void> {
    // One column a statement: SQLite adds no more.
    await db.schema.alterTable('releases').addColumn('evidence', 'text').execute();
    await db.schema.alterTable('releases').addColumn('image_diff', 'text').execute();
  },
};
