import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { z } from 'zod';
import { formatSchemaError } from '../core/index.js';
import {
  API_VERSION,
  type Fleet,
  fleetSchema,
  type Host,
  type Release,
  type Rollout,
  releaseSchema,
  rolloutSchema,
  toTimestamp,
} from '../fleet/index.js';
import { canonicalJson } from './canonical-json.js';
import { StoreError } from './errors.js';
import type { Database } from './schema.js';

/** A resource as stored, with the version a later update must name to avoid overwriting someone else's change. */
export interface Stored<T> {
  resource: T;
  resourceVersion: number;
}

export type DocumentTable = 'fleets' | 'releases' | 'rollouts';

const schemas = { fleets: fleetSchema, releases: releaseSchema, rollouts: rolloutSchema } as const;
const kinds = { fleets: 'Fleet', releases: 'Release', rollouts: 'Rollout', hosts: 'Host' } as const;

export type DocumentOf<T extends DocumentTable> = z.infer<(typeof schemas)[T]>;

/**
 * Documents read back are parsed again: the database is shared with other controllers and older versions of this
 * one, so what it holds is input like any other.
 */
export function parseDocument<T extends DocumentTable>(table: T, name: string, doc: string): DocumentOf<T> {
  const key = `${table}/${name}`;
  if (validated.get(key) === doc) {
    // The very text the schema accepted before: every host poll reads its fleet, rollout and releases.
    return JSON.parse(doc) as DocumentOf<T>;
  }
  const parsed = schemas[table].safeParse(JSON.parse(doc));
  if (!parsed.success) {
    throw new StoreError(
      'Invalid',
      `stored ${kinds[table]} ${name} is malformed at ${formatSchemaError(parsed.error)}`,
    );
  }
  if (validated.size >= MAX_VALIDATED) validated.clear();
  validated.set(key, doc);
  return parsed.data as DocumentOf<T>;
}

// The last document text the schema accepted, per table and name. Only documents, which are few; never hosts.
const validated = new Map<string, string>();
const MAX_VALIDATED = 10_000;

// kysely's types cannot follow a table name chosen at run time; the three tables share the fleets' columns.
function shared(db: Kysely<Database>): Kysely<Pick<Database, 'fleets'>> {
  return db as unknown as Kysely<Pick<Database, 'fleets'>>;
}

export async function getDocument<T extends DocumentTable>(
  db: Kysely<Database>,
  tableName: T,
  name: string,
): Promise<Stored<DocumentOf<T>> | undefined> {
  const row = await shared(db)
    .selectFrom(tableName as 'fleets')
    .select(['doc', 'resource_version'])
    .where('name', '=', name)
    .executeTakeFirst();
  return row === undefined
    ? undefined
    : { resource: parseDocument(tableName, name, row.doc), resourceVersion: row.resource_version };
}

export async function requireDocument<T extends DocumentTable>(
  db: Kysely<Database>,
  tableName: T,
  name: string,
): Promise<Stored<DocumentOf<T>>> {
  const found = await getDocument(db, tableName, name);
  if (found === undefined) {
    throw new StoreError('NotFound', `${kinds[tableName].toLowerCase()} ${name} not found`);
  }
  return found;
}

export async function listDocuments<T extends DocumentTable>(
  db: Kysely<Database>,
  tableName: T,
  fleet?: string,
): Promise<Array<Stored<DocumentOf<T>>>> {
  let query = (db as unknown as Kysely<Pick<Database, 'releases'>>)
    .selectFrom(tableName as 'releases')
    .select(['name', 'doc', 'resource_version'])
    .orderBy('name');
  if (fleet !== undefined && tableName !== 'fleets') {
    query = query.where('fleet', '=', fleet);
  }
  const rows = await query.execute();
  return rows.map((row) => ({
    resource: parseDocument(tableName, row.name, row.doc),
    resourceVersion: row.resource_version,
  }));
}

/** Metadata the store owns: a uid and creation time on create, the generation bumped on every spec change. */
export function freshMetadata<T extends Fleet | Release | Rollout | Host>(resource: T, now: number): T {
  return {
    ...resource,
    metadata: { ...resource.metadata, uid: randomUUID(), generation: 1, createdAt: toTimestamp(now) },
  };
}

export function carriedMetadata<T extends Fleet | Release | Rollout | Host>(
  resource: T,
  previous: Fleet | Release | Rollout | Host,
): T {
  const specChanged = canonicalJson(resource.spec) !== canonicalJson(previous.spec);
  const generation = (previous.metadata.generation ?? 1) + (specChanged ? 1 : 0);
  const metadata = { ...resource.metadata, generation };
  if (previous.metadata.uid !== undefined) metadata.uid = previous.metadata.uid;
  if (previous.metadata.createdAt !== undefined) metadata.createdAt = previous.metadata.createdAt;
  return { ...resource, metadata };
}

export interface InsertColumns {
  fleet?: string;
  phase?: string | null;
  active?: number;
  seq?: number;
}

export async function insertDocument(
  db: Kysely<Database>,
  tableName: DocumentTable,
  resource: { metadata: { name: string; createdAt?: string | undefined } },
  now: number,
  columns: InsertColumns = {},
): Promise<void> {
  const exists = await shared(db)
    .selectFrom(tableName as 'fleets')
    .select('name')
    .where('name', '=', resource.metadata.name)
    .executeTakeFirst();
  if (exists !== undefined) {
    throw new StoreError('AlreadyExists', `${kinds[tableName].toLowerCase()} ${resource.metadata.name} already exists`);
  }
  await (db as unknown as Kysely<Pick<Database, 'rollouts'>>)
    .insertInto(tableName as 'rollouts')
    .values({
      name: resource.metadata.name,
      resource_version: 1,
      created_at: resource.metadata.createdAt ?? toTimestamp(now),
      doc: JSON.stringify(resource),
      ...columns,
    } as Database['rollouts'])
    .execute();
}

/** Writes a document over the version it was read at; fails with Conflict when someone else wrote it since. */
export async function updateDocument(
  db: Kysely<Database>,
  tableName: DocumentTable,
  resource: { metadata: { name: string } },
  expectedVersion: number,
  columns: InsertColumns = {},
): Promise<number> {
  const result = await (db as unknown as Kysely<Pick<Database, 'rollouts'>>)
    .updateTable(tableName as 'rollouts')
    .set({ doc: JSON.stringify(resource), resource_version: expectedVersion + 1, ...columns })
    .where('name', '=', resource.metadata.name)
    .where('resource_version', '=', expectedVersion)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) !== 1) {
    throw new StoreError(
      'Conflict',
      `${kinds[tableName].toLowerCase()} ${resource.metadata.name} was changed by someone else (expected version ${expectedVersion}); read it again and retry`,
    );
  }
  return expectedVersion + 1;
}

export async function deleteDocument(db: Kysely<Database>, tableName: DocumentTable, name: string): Promise<void> {
  const result = await shared(db)
    .deleteFrom(tableName as 'fleets')
    .where('name', '=', name)
    .executeTakeFirst();
  if (Number(result.numDeletedRows) !== 1) {
    throw new StoreError('NotFound', `${kinds[tableName].toLowerCase()} ${name} not found`);
  }
}

/** A version the caller names must be the stored one: Kubernetes' rule for updates that carry a resourceVersion. */
export function checkExpectedVersion(
  tableName: DocumentTable | 'hosts',
  name: string,
  stored: number,
  expected: number | undefined,
): void {
  if (expected !== undefined && expected !== stored) {
    throw new StoreError(
      'Conflict',
      `${kinds[tableName].toLowerCase()} ${name} is at version ${stored}, not ${expected}; read it again and retry`,
    );
  }
}

export function emptyHost(name: string, labels: Record<string, string>): Host {
  return { apiVersion: API_VERSION, kind: 'Host', metadata: { name, labels } };
}
