import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { z } from 'zod';
import { formatSchemaError } from '../core/index.js';
import {
  type Exposure,
  exposureSchema,
  lastHostHealthyAt,
  mergeExposure,
  type Pipeline,
  type PipelineRun,
  pipelineRunSchema,
  pipelineSchema,
  type Rollout,
  toTimestamp,
} from '../fleet/index.js';
import { canonicalJson } from './canonical-json.js';
import { StoreError } from './errors.js';
import type { Stored } from './resources.js';
import type { Database } from './schema.js';

/**
 * Pipelines, their runs and the exposure ledger. Documents read back are parsed again, like every other resource:
 * the database is shared with other controllers and older versions of this one.
 */

function parsed<T>(schema: z.ZodType<T>, what: string, doc: string): T {
  const result = schema.safeParse(JSON.parse(doc));
  if (!result.success) {
    throw new StoreError('Invalid', `stored ${what} is malformed at ${formatSchemaError(result.error)}`);
  }
  return result.data;
}

// ── Pipelines ─────────────────────────────────────────────────────────────────────────────────────────────────────

export async function getPipeline(db: Kysely<Database>, name: string): Promise<Stored<Pipeline> | undefined> {
  const row = await db
    .selectFrom('pipelines')
    .select(['doc', 'resource_version'])
    .where('name', '=', name)
    .executeTakeFirst();
  return row === undefined
    ? undefined
    : { resource: parsed(pipelineSchema, `Pipeline ${name}`, row.doc), resourceVersion: row.resource_version };
}

export async function listPipelines(db: Kysely<Database>): Promise<Array<Stored<Pipeline>>> {
  const rows = await db.selectFrom('pipelines').select(['name', 'doc', 'resource_version']).orderBy('name').execute();
  return rows.map((row) => ({
    resource: parsed(pipelineSchema, `Pipeline ${row.name}`, row.doc),
    resourceVersion: row.resource_version,
  }));
}

/** Create or change a pipeline's spec; the status is derived from its runs when read, never stored. */
export async function applyPipeline(
  db: Kysely<Database>,
  pipeline: Pipeline,
  now: number,
  expectedVersion: number | undefined,
): Promise<'created' | 'updated' | 'unchanged'> {
  const { status: _status, ...rest } = pipeline;
  const { resourceVersion: _version, ...metadata } = rest.metadata;
  const stored = await getPipeline(db, pipeline.metadata.name);
  if (stored === undefined) {
    const created: Pipeline = {
      ...rest,
      metadata: { ...metadata, uid: randomUUID(), generation: 1, createdAt: toTimestamp(now) },
    };
    await db
      .insertInto('pipelines')
      .values({ name: metadata.name, resource_version: 1, created_at: toTimestamp(now), doc: JSON.stringify(created) })
      .execute();
    return 'created';
  }
  if (expectedVersion !== undefined && expectedVersion !== stored.resourceVersion) {
    throw new StoreError(
      'Conflict',
      `pipeline ${metadata.name} is at version ${stored.resourceVersion}, not ${expectedVersion}; read it again and retry`,
    );
  }
  const previous = stored.resource;
  const specChanged = canonicalJson(rest.spec) !== canonicalJson(previous.spec);
  const next: Pipeline = {
    ...rest,
    metadata: {
      ...metadata,
      ...(previous.metadata.uid === undefined ? {} : { uid: previous.metadata.uid }),
      ...(previous.metadata.createdAt === undefined ? {} : { createdAt: previous.metadata.createdAt }),
      generation: (previous.metadata.generation ?? 1) + (specChanged ? 1 : 0),
    },
  };
  if (canonicalJson(next) === canonicalJson(previous)) return 'unchanged';
  const result = await db
    .updateTable('pipelines')
    .set({ doc: JSON.stringify(next), resource_version: stored.resourceVersion + 1 })
    .where('name', '=', metadata.name)
    .where('resource_version', '=', stored.resourceVersion)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) !== 1) {
    throw new StoreError('Conflict', `pipeline ${metadata.name} was changed by someone else; read it again and retry`);
  }
  return 'updated';
}

export async function deletePipeline(db: Kysely<Database>, name: string): Promise<void> {
  const result = await db.deleteFrom('pipelines').where('name', '=', name).executeTakeFirst();
  if (Number(result.numDeletedRows) !== 1) throw new StoreError('NotFound', `pipeline ${name} not found`);
  await db.deleteFrom('pipeline_runs').where('pipeline', '=', name).execute();
}

// ── Runs ──────────────────────────────────────────────────────────────────────────────────────────────────────────

export async function listRuns(db: Kysely<Database>, pipeline: string, limit: number): Promise<PipelineRun[]> {
  const rows = await db
    .selectFrom('pipeline_runs')
    .select(['name', 'doc'])
    .where('pipeline', '=', pipeline)
    .orderBy('started_at', 'desc')
    .orderBy('name', 'desc')
    .limit(limit)
    .execute();
  return rows.map((row) => parsed(pipelineRunSchema, `PipelineRun ${row.name}`, row.doc));
}

export async function getRun(db: Kysely<Database>, name: string): Promise<PipelineRun | undefined> {
  const row = await db.selectFrom('pipeline_runs').select('doc').where('name', '=', name).executeTakeFirst();
  return row === undefined ? undefined : parsed(pipelineRunSchema, `PipelineRun ${name}`, row.doc);
}

/**
 * Starts a run: refused (Conflict) while another run of the pipeline holds an unexpired lease, so two schedulers
 * never build the same pipeline at once. Runs whose lease ran out died with their process: they become interrupted.
 */
export async function startRun(db: Kysely<Database>, run: PipelineRun, now: number): Promise<void> {
  const pipeline = run.metadata.pipeline;
  if ((await getPipeline(db, pipeline)) === undefined)
    throw new StoreError('NotFound', `pipeline ${pipeline} not found`);
  if (run.status.outcome !== 'running' || run.status.leaseUntil === undefined) {
    throw new StoreError('Invalid', `run ${run.metadata.name}: a new run must be running and hold a lease`);
  }
  const running = await db
    .selectFrom('pipeline_runs')
    .select(['name', 'doc'])
    .where('pipeline', '=', pipeline)
    .where('outcome', '=', 'running')
    .execute();
  for (const row of running) {
    const other = parsed(pipelineRunSchema, `PipelineRun ${row.name}`, row.doc);
    if (other.status.leaseUntil !== undefined && Date.parse(other.status.leaseUntil) > now) {
      throw new StoreError(
        'Conflict',
        `pipeline ${pipeline} is already running (${row.name}, lease until ${other.status.leaseUntil})`,
      );
    }
    const interrupted: PipelineRun = {
      ...other,
      status: {
        ...other.status,
        outcome: 'interrupted',
        finishedAt: toTimestamp(now),
        message: `${other.status.message === undefined ? '' : `${other.status.message}; `}its lease ran out before it finished (the process died or lost the controller)`,
      },
    };
    await writeRun(db, interrupted);
  }
  if ((await getRun(db, run.metadata.name)) !== undefined) {
    throw new StoreError('AlreadyExists', `pipeline run ${run.metadata.name} already exists`);
  }
  await db
    .insertInto('pipeline_runs')
    .values({
      name: run.metadata.name,
      pipeline,
      started_at: run.status.startedAt,
      outcome: run.status.outcome,
      doc: JSON.stringify(run),
    })
    .execute();
}

/** Records a run's progress. A finished run is history: it does not change again. */
export async function updateRun(db: Kysely<Database>, run: PipelineRun): Promise<void> {
  const stored = await getRun(db, run.metadata.name);
  if (stored === undefined) {
    // A run the controller never saw start (it was unreachable then): recorded as it is, so nothing is lost.
    if ((await getPipeline(db, run.metadata.pipeline)) === undefined) {
      throw new StoreError('NotFound', `pipeline ${run.metadata.pipeline} not found`);
    }
    await db
      .insertInto('pipeline_runs')
      .values({
        name: run.metadata.name,
        pipeline: run.metadata.pipeline,
        started_at: run.status.startedAt,
        outcome: run.status.outcome,
        doc: JSON.stringify(run),
      })
      .execute();
    return;
  }
  if (stored.metadata.pipeline !== run.metadata.pipeline) {
    throw new StoreError('Invalid', `run ${run.metadata.name} belongs to pipeline ${stored.metadata.pipeline}`);
  }
  if (stored.status.outcome !== 'running') {
    if (canonicalJson(stored) === canonicalJson(run)) return;
    throw new StoreError(
      'Conflict',
      `run ${run.metadata.name} is finished (${stored.status.outcome}) and does not change`,
    );
  }
  await writeRun(db, run);
}

async function writeRun(db: Kysely<Database>, run: PipelineRun): Promise<void> {
  await db
    .updateTable('pipeline_runs')
    .set({ doc: JSON.stringify(run), outcome: run.status.outcome })
    .where('name', '=', run.metadata.name)
    .execute();
}

// ── Exposures ─────────────────────────────────────────────────────────────────────────────────────────────────────

export async function listExposures(db: Kysely<Database>, fleet?: string): Promise<Exposure[]> {
  let query = db
    .selectFrom('exposures')
    .select(['fleet', 'advisory', 'package', 'doc'])
    .orderBy('fleet')
    .orderBy('advisory')
    .orderBy('package');
  if (fleet !== undefined) query = query.where('fleet', '=', fleet);
  const rows = await query.execute();
  return rows.map((row) => parsed(exposureSchema, `exposure ${row.fleet} ${row.advisory} ${row.package}`, row.doc));
}

async function getExposure(
  db: Kysely<Database>,
  key: Pick<Exposure, 'fleet' | 'advisory' | 'package'>,
): Promise<Exposure | undefined> {
  const row = await db
    .selectFrom('exposures')
    .select('doc')
    .where('fleet', '=', key.fleet)
    .where('advisory', '=', key.advisory)
    .where('package', '=', key.package)
    .executeTakeFirst();
  return row === undefined
    ? undefined
    : parsed(exposureSchema, `exposure ${key.fleet} ${key.advisory} ${key.package}`, row.doc);
}

async function putExposure(db: Kysely<Database>, previous: Exposure | undefined, next: Exposure): Promise<void> {
  const doc = JSON.stringify(next);
  if (previous === undefined) {
    await db
      .insertInto('exposures')
      .values({ fleet: next.fleet, advisory: next.advisory, package: next.package, state: next.state, doc })
      .execute();
  } else if (canonicalJson(previous) !== canonicalJson(next)) {
    await db
      .updateTable('exposures')
      .set({ state: next.state, doc })
      .where('fleet', '=', next.fleet)
      .where('advisory', '=', next.advisory)
      .where('package', '=', next.package)
      .execute();
  }
}

/** Folds observations into the ledger (each stage keeps its first time; a closed exposure stays closed). */
export async function recordExposures(db: Kysely<Database>, updates: readonly Exposure[]): Promise<void> {
  for (const update of updates) {
    const previous = await getExposure(db, update);
    await putExposure(db, previous, mergeExposure(previous, update));
  }
}

/**
 * After a rollout succeeded: the open exposures its release holds close at the moment its last host became healthy,
 * if every host of it did. Called in the transaction that commits the decision, so the ledger cannot miss it.
 */
export async function completeExposures(db: Kysely<Database>, rollout: Rollout, now: number): Promise<number> {
  const hosts = rollout.status?.hosts ?? {};
  // A fleet with no hosts lacks no fix: its exposures close when its rollout does.
  const at = Object.keys(hosts).length === 0 ? now : lastHostHealthyAt(hosts);
  if (at === undefined) return 0;
  const release = rollout.spec.release;
  const rows = await db
    .selectFrom('exposures')
    .select(['fleet', 'advisory', 'package', 'doc'])
    .where('state', '!=', 'closed')
    .execute();
  let closed = 0;
  for (const row of rows) {
    const exposure = parsed(exposureSchema, `exposure ${row.fleet} ${row.advisory} ${row.package}`, row.doc);
    if (!exposure.releases.includes(release)) continue;
    const next: Exposure = { ...exposure, state: 'closed', stages: { ...exposure.stages, completed: toTimestamp(at) } };
    delete next.note;
    await putExposure(db, exposure, next);
    closed++;
  }
  return closed;
}
