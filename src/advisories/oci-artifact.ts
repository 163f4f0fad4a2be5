import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { PassThrough, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import { z } from 'zod';
import { formatSchemaError, PatchlineError, sha256DigestSchema } from '../core/index.js';
import type { RegistryClient } from '../oci/index.js';
import { type Digest, DigestVerifier, formatImageReference, mediaTypes, type RegistryReference } from '../oci/index.js';
import { AdvisoryDatabase, connectionOf } from './database.js';
import { installDatabaseFile } from './database-file.js';
import { syncStatePath } from './sync-state.js';

/**
 * The advisory database as an OCI artifact, so any registry distributes it to air-gapped sites and CI runners:
 * an image manifest with `artifactType` application/vnd.patchline.advisory-db.v1, the empty config, and one layer,
 * the SQLite file gzip-compressed (we have no zstd compressor), annotated with the database's snapshot id, schema
 * version and build time. Pulling checks every digest before the local database is replaced, all at once.
 */
export const ARTIFACT_TYPE = 'application/vnd.patchline.advisory-db.v1';
export const LAYER_TYPE = 'application/vnd.patchline.advisory-db.v1.sqlite+gzip';
export const ANNOTATION_SNAPSHOT = 'dev.patchline.advisory-db.snapshot-id';
export const ANNOTATION_SCHEMA = 'dev.patchline.advisory-db.schema-version';
/** Digest of the uncompressed SQLite file: checked after decompression, so a bad gzip stream cannot slip through. */
export const ANNOTATION_CONTENT = 'dev.patchline.advisory-db.content-digest';
const ANNOTATION_CREATED = 'org.opencontainers.image.created';
const ANNOTATION_TITLE = 'org.opencontainers.image.title';

/** The OCI empty descriptor (`{}`), the config of artifacts that need none. */
const EMPTY_CONFIG = {
  mediaType: 'application/vnd.oci.empty.v1+json',
  digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a' as Digest,
  size: 2,
  data: 'e30=',
};

export interface PushedDatabase {
  reference: string;
  digest: Digest;
  snapshotId: string;
  layer: { digest: Digest; size: number };
}

export interface PulledDatabase {
  reference: string;
  digest: Digest;
  snapshotId: string;
  bytes: number;
}

export interface PullOptions {
  /** Most bytes the decompressed database may have. Default 16 GiB. */
  maxBytes?: number;
}

const artifactManifestSchema = z.object({
  schemaVersion: z.literal(2),
  mediaType: z.literal(mediaTypes.OCI_MANIFEST).optional(),
  artifactType: z.string().optional(),
  config: z.object({ mediaType: z.string(), digest: z.string(), size: z.number() }),
  layers: z
    .array(
      z.object({
        mediaType: z.string(),
        digest: sha256DigestSchema(),
        size: z.number().int().nonnegative(),
        annotations: z.record(z.string(), z.string()).optional(),
      }),
    )
    .length(1),
  annotations: z.record(z.string(), z.string()).optional(),
});

export async function pushDatabase(
  dbPath: string,
  target: RegistryReference,
  client: RegistryClient,
  options: { now?: () => Date } = {},
): Promise<PushedDatabase> {
  const name = formatImageReference(target);
  if (target.digest !== undefined) {
    throw new PatchlineError(
      'usage',
      name,
      'push to a tag (HOST/REPO:TAG); the digest is known only once it is pushed',
    );
  }
  const work = `${dbPath}.${process.pid}.${randomBytes(4).toString('hex')}`;
  try {
    // A consistent single-file copy: the live file may have pages in its WAL, and a scan or update may be writing.
    const db = AdvisoryDatabase.open(dbPath, { readonly: true });
    let status: ReturnType<AdvisoryDatabase['status']>;
    try {
      status = db.status();
      await connectionOf(db).backup(`${work}.db`);
    } finally {
      db.close();
    }
    const content = createHash('sha256');
    const compressed = createHash('sha256');
    await pipeline(
      createReadStream(`${work}.db`),
      hashing(content),
      createGzip({ level: 9, chunkSize: 256 * 1024 }),
      hashing(compressed),
      createWriteStream(`${work}.gz`),
    );
    const layer = { digest: `sha256:${compressed.digest('hex')}` as Digest, size: (await stat(`${work}.gz`)).size };
    const repository = target.repository;
    if (!(await client.blobExists(repository, EMPTY_CONFIG.digest))) {
      await client.pushBlob(repository, EMPTY_CONFIG.digest, EMPTY_CONFIG.size, () => {
        const body = new PassThrough();
        body.end(Buffer.from('{}'));
        return body;
      });
    }
    if (!(await client.blobExists(repository, layer.digest))) {
      await client.pushBlob(repository, layer.digest, layer.size, () => createReadStream(`${work}.gz`));
    }
    const manifest = {
      schemaVersion: 2,
      mediaType: mediaTypes.OCI_MANIFEST,
      artifactType: ARTIFACT_TYPE,
      config: EMPTY_CONFIG,
      layers: [
        {
          mediaType: LAYER_TYPE,
          digest: layer.digest,
          size: layer.size,
          annotations: { [ANNOTATION_TITLE]: 'advisories.db' },
        },
      ],
      annotations: {
        [ANNOTATION_CREATED]: status.builtAt ?? (options.now ?? (() => new Date()))().toISOString(),
        [ANNOTATION_SNAPSHOT]: status.snapshotId,
        [ANNOTATION_SCHEMA]: String(status.schemaVersion),
        [ANNOTATION_CONTENT]: `sha256:${content.digest('hex')}`,
      },
    };
    const bytes = Buffer.from(JSON.stringify(manifest));
    const digest = await client.putManifest(repository, target.tag ?? 'latest', bytes, mediaTypes.OCI_MANIFEST);
    return { reference: name, digest, snapshotId: status.snapshotId, layer };
  } finally {
    await Promise.all([`${work}.db`, `${work}.gz`].map((path) => rm(path, { force: true })));
  }
}

/**
 * Pulls the artifact and replaces the database at `dbPath` with it, only once the manifest, the layer and the
 * decompressed file have all matched their digests and the file passes `db import`'s checks of a bundle. The content
 * is swapped into the existing file in one transaction (installDatabaseFile), so a scan or `serve` holding it open
 * reads the old snapshot or the new. The sync state beside the old database is dropped: its conditional-request
 * validators describe content the new one may lack.
 */
export async function pullDatabase(
  source: RegistryReference,
  dbPath: string,
  client: RegistryClient,
  options: PullOptions = {},
): Promise<PulledDatabase> {
  const name = formatImageReference(source);
  const maxBytes = options.maxBytes ?? 16 * 1024 ** 3;
  const { bytes, digest } = await client.getManifest(
    source.repository,
    source.digest ?? source.tag ?? 'latest',
    mediaTypes.OCI_MANIFEST,
  );
  const manifest = parseManifest(bytes, name);
  const layer = manifest.layers[0]!;
  await mkdir(dirname(dbPath), { recursive: true });
  const temp = `${dbPath}.${process.pid}.${randomBytes(4).toString('hex')}.pulling`;
  try {
    const content = createHash('sha256');
    await pipeline(
      await client.getBlob(source.repository, layer.digest as Digest),
      new DigestVerifier(layer.digest as Digest, `layer ${layer.digest} of ${name}`, layer.size),
      createGunzip({ chunkSize: 256 * 1024 }),
      limit(maxBytes, name),
      hashing(content),
      createWriteStream(temp),
    );
    const expected = manifest.annotations?.[ANNOTATION_CONTENT];
    const actual = `sha256:${content.digest('hex')}`;
    if (expected !== undefined && expected !== actual) {
      throw new PatchlineError(
        'integrity',
        name,
        `the database decompresses to ${actual}, the manifest says ${expected}`,
      );
    }
    const pulled = AdvisoryDatabase.open(temp, { readonly: true });
    let snapshotId: string;
    try {
      snapshotId = pulled.status().snapshotId;
    } finally {
      pulled.close();
    }
    const size = (await stat(temp)).size;
    await rm(syncStatePath(dbPath), { force: true });
    await installDatabaseFile(dbPath, temp, { label: name, verify: true });
    return { reference: name, digest, snapshotId, bytes: size };
  } catch (error) {
    if (error instanceof PatchlineError) throw error;
    throw new PatchlineError(
      'integrity',
      name,
      `the advisory database layer could not be read: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  } finally {
    await Promise.all([temp, `${temp}-wal`, `${temp}-shm`].map((path) => rm(path, { force: true })));
  }
}

function parseManifest(bytes: Buffer, name: string) {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new PatchlineError('input', name, 'the manifest is not JSON');
  }
  const parsed = artifactManifestSchema.safeParse(json);
  if (!parsed.success) {
    throw new PatchlineError(
      'input',
      name,
      `is not a Patchline advisory database artifact (${formatSchemaError(parsed.error)})`,
    );
  }
  const manifest = parsed.data;
  if (manifest.artifactType !== ARTIFACT_TYPE || manifest.layers[0]!.mediaType !== LAYER_TYPE) {
    throw new PatchlineError(
      'input',
      name,
      `is not a Patchline advisory database artifact (artifactType ${manifest.artifactType ?? 'none'}, layer ${manifest.layers[0]!.mediaType})`,
    );
  }
  return manifest;
}

function hashing(hash: ReturnType<typeof createHash>): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      hash.update(chunk);
      callback(null, chunk);
    },
  });
}

/** A decompression bomb guard: fails once more than `max` bytes came out of gunzip. */
function limit(max: number, name: string): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      seen += chunk.length;
      if (seen > max) {
        callback(new PatchlineError('limit', name, `the database decompresses to more than ${max} bytes`));
        return;
      }
      callback(null, chunk);
    },
  });
}
