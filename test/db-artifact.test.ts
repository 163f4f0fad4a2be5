import { execFile as execFileCallback } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdvisoryDatabase } from '../src/advisories/database.js';
import { IMPORTERS } from '../src/advisories/importers/index.js';
import {
  ANNOTATION_CONTENT,
  ANNOTATION_SNAPSHOT,
  ARTIFACT_TYPE,
  LAYER_TYPE,
  pullDatabase,
  pushDatabase,
} from '../src/advisories/oci-artifact.js';
import { syncStatePath } from '../src/advisories/sync-state.js';
import { PatchlineError } from '../src/core/index.js';
import { parseRegistryReference } from '../src/oci/reference.js';
import { RegistryClient } from '../src/oci/registry/index.js';
import { cliPath, ensureBuilt } from './helpers/cli.js';
import { hasBinary, startRegistry, type TestRegistry } from './helpers/registry.js';
import { tempDir } from './helpers/tmp.js';

/**
 * `db push` / `db pull` against a real distribution registry. The oracles are independent of our code: skopeo reads
 * the manifest back, the sqlite3 shell reads the databases, and the registry's own blob endpoint gives the layer.
 */
const execFile = promisify(execFileCallback);
const ALMA = resolve(import.meta.dirname, '../../shared/fixtures/vuln/osv-almalinux');
const missing = ['docker-registry', 'skopeo', 'sqlite3'].filter((name) => !hasBinary(name));
if (missing.length > 0) console.warn(`db artifact tests skipped: ${missing.join(', ')} not installed`);
if (!existsSync(ALMA)) console.warn(`db artifact tests skipped: ${ALMA} is absent (the shared fixtures)`);
const suite = describe.skipIf(missing.length > 0 || !existsSync(ALMA));

let registry: TestRegistry;
let work: string;
let dbPath: string;

async function sqlite(path: string, sql: string): Promise<string> {
  return (await execFile('sqlite3', ['-readonly', path, sql])).stdout.trim();
}

async function skopeoRaw(reference: string): Promise<Buffer> {
  const { stdout } = await execFile(
    'skopeo',
    ['--insecure-policy', 'inspect', '--raw', '--tls-verify=false', `docker://${reference}`],
    { encoding: 'buffer', env: { ...process.env, REGISTRY_AUTH_FILE: join(work, 'no-auth.json') } },
  );
  return stdout;
}

async function cli(args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolveRun) => {
    execFileCallback(process.execPath, [cliPath, ...args], (error, stdout, stderr) => {
      resolveRun({ status: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr });
    });
  });
}

async function failure(promise: Promise<unknown>): Promise<PatchlineError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof PatchlineError)) throw new Error(`expected a PatchlineError, got ${String(error)}`);
  return error;
}

/** A database holding the real AlmaLinux records beside the fixture tarball, through the real OSV importer. */
async function buildDatabase(path: string): Promise<void> {
  const osv = IMPORTERS.find((importer) => importer.source === 'osv')!;
  const db = AdvisoryDatabase.open(path);
  try {
    for (const name of (await readdir(ALMA)).filter((n) => n.endsWith('.json'))) {
      const document: unknown = JSON.parse(await readFile(join(ALMA, name), 'utf8'));
      db.write('osv', osv.parse(document, name), { at: '2026-11-01T00:00:00.000Z', origin: ALMA });
    }
  } finally {
    db.close();
  }
}

suite('db push and pull as an OCI artifact', () => {
  beforeAll(async () => {
    registry = await startRegistry();
    work = await tempDir('patchline-db-artifact-');
    await writeFile(join(work, 'no-auth.json'), '{}');
    dbPath = join(work, 'advisories.db');
    await buildDatabase(dbPath);
  }, 60_000);
  afterAll(async () => {
    await registry?.stop();
  });

  it('pushes a manifest skopeo reads back as what we say, and pulls the same database', async () => {
    const reference = `${registry.host}/patchline/advisories:test`;
    const target = parseRegistryReference(reference);
    const client = new RegistryClient(target.registry);
    const pushed = await pushDatabase(dbPath, target, client);

    const raw = await skopeoRaw(reference);
    expect(`sha256:${createHash('sha256').update(raw).digest('hex')}`).toBe(pushed.digest);
    const manifest = JSON.parse(raw.toString('utf8'));
    expect(manifest.mediaType).toBe('application/vnd.oci.image.manifest.v1+json');
    expect(manifest.artifactType).toBe(ARTIFACT_TYPE);
    expect(manifest.config.mediaType).toBe('application/vnd.oci.empty.v1+json');
    expect(manifest.layers).toHaveLength(1);
    expect(manifest.layers[0].mediaType).toBe(LAYER_TYPE);
    expect(manifest.layers[0].digest).toBe(pushed.layer.digest);
    const snapshot = await sqlite(dbPath, "SELECT value FROM meta WHERE key = 'snapshot_id'");
    expect(snapshot).not.toBe('');
    expect(manifest.annotations[ANNOTATION_SNAPSHOT]).toBe(snapshot);
    expect(Date.parse(manifest.annotations['org.opencontainers.image.created'])).not.toBeNaN();

    // The layer as the registry serves it is a gzip of an SQLite file with the same records as ours.
    const blob = Buffer.from(
      await (await fetch(`${registry.url}/v2/patchline/advisories/blobs/${pushed.layer.digest}`)).arrayBuffer(),
    );
    const layerFile = join(work, 'layer.db');
    await writeFile(layerFile, gunzipSync(blob));
    expect(manifest.annotations[ANNOTATION_CONTENT]).toBe(
      `sha256:${createHash('sha256')
        .update(await readFile(layerFile))
        .digest('hex')}`,
    );
    const count = 'SELECT count(*) FROM records';
    expect(Number(await sqlite(dbPath, count))).toBeGreaterThan(0);
    expect(await sqlite(layerFile, count)).toBe(await sqlite(dbPath, count));

    const pulledPath = join(work, 'pulled', 'advisories.db');
    const pulled = await pullDatabase(target, pulledPath, client);
    expect(pulled.digest).toBe(pushed.digest);
    expect(pulled.snapshotId).toBe(snapshot);
    const ids = 'SELECT source, id FROM records ORDER BY source, id';
    expect(await sqlite(pulledPath, ids)).toBe(await sqlite(dbPath, ids));
  });

  it('replaces an existing database on pull and drops its sync state', async () => {
    const target = parseRegistryReference(`${registry.host}/patchline/advisories:replace`);
    const client = new RegistryClient(target.registry);
    await pushDatabase(dbPath, target, client);
    const local = join(work, 'replace.db');
    AdvisoryDatabase.open(local).close();
    await writeFile(syncStatePath(local), '{"version":1,"urls":{},"feeds":{}}');
    expect(await sqlite(local, 'SELECT count(*) FROM records')).toBe('0');
    await pullDatabase(target, local, client);
    expect(await sqlite(local, 'SELECT count(*) FROM records')).toBe(
      await sqlite(dbPath, 'SELECT count(*) FROM records'),
    );
    expect(existsSync(syncStatePath(local))).toBe(false);
  });

  it('refuses an artifact that is not an advisory database, and leaves the local one intact', async () => {
    // An ordinary manifest in the registry: the empty config, one plain layer.
    const target = parseRegistryReference(`${registry.host}/patchline/other:v1`);
    const client = new RegistryClient(target.registry);
    const layer = Buffer.from('not a database');
    const layerDigest = `sha256:${createHash('sha256').update(layer).digest('hex')}` as const;
    await client.pushBlob(target.repository, layerDigest, layer.length, async () => {
      const { Readable } = await import('node:stream');
      return Readable.from([layer]);
    });
    const empty = Buffer.from('{}');
    const emptyDigest = `sha256:${createHash('sha256').update(empty).digest('hex')}` as const;
    await client.pushBlob(target.repository, emptyDigest, 2, async () => {
      const { Readable } = await import('node:stream');
      return Readable.from([empty]);
    });
    const manifest = {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: emptyDigest, size: 2 },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: layerDigest, size: layer.length }],
    };
    await client.putManifest(
      target.repository,
      'v1',
      Buffer.from(JSON.stringify(manifest)),
      'application/vnd.oci.image.manifest.v1+json',
    );
    const local = join(work, 'intact.db');
    await buildDatabase(local);
    const before = await readFile(local);
    const error = await failure(pullDatabase(target, local, client));
    expect(error.kind).toBe('input');
    expect(error.message).toContain('not a Patchline advisory database artifact');
    expect((await readFile(local)).equals(before)).toBe(true);
  });

  it('refuses a layer whose content digest disagrees with the manifest, and leaves the local one intact', async () => {
    const good = parseRegistryReference(`${registry.host}/patchline/advisories:good`);
    const client = new RegistryClient(good.registry);
    const pushed = await pushDatabase(dbPath, good, client);
    const manifest = JSON.parse((await client.getManifest(good.repository, pushed.digest)).bytes.toString('utf8'));
    manifest.annotations[ANNOTATION_CONTENT] = `sha256:${'0'.repeat(64)}`;
    await client.putManifest(
      good.repository,
      'lying',
      Buffer.from(JSON.stringify(manifest)),
      'application/vnd.oci.image.manifest.v1+json',
    );
    const local = join(work, 'intact2.db');
    AdvisoryDatabase.open(local).close();
    const before = await readFile(local);
    const error = await failure(
      pullDatabase(parseRegistryReference(`${registry.host}/patchline/advisories:lying`), local, client),
    );
    expect(error.kind).toBe('integrity');
    expect((await readFile(local)).equals(before)).toBe(true);
    expect((await readdir(work)).filter((name) => name.includes('.pulling'))).toEqual([]);
  });

  it('runs as `patchline db push` and `patchline db pull`', async () => {
    ensureBuilt();
    const reference = `${registry.host}/patchline/cli:v1`;
    const push = await cli(['db', 'push', `docker://${reference}`, '--db', dbPath, '--format', 'json']);
    expect(push.stderr).toBe('');
    expect(push.status).toBe(0);
    const pushed = JSON.parse(push.stdout);
    const raw = await skopeoRaw(reference);
    expect(pushed.digest).toBe(`sha256:${createHash('sha256').update(raw).digest('hex')}`);

    const local = join(work, 'cli-pulled.db');
    const pull = await cli(['db', 'pull', reference, '--db', local]);
    expect(pull.status).toBe(0);
    expect(pull.stdout).toContain(pushed.digest);
    const count = 'SELECT count(*) FROM records';
    expect(await sqlite(local, count)).toBe(await sqlite(dbPath, count));

    const missingRef = await cli(['db', 'pull', `${registry.host}/patchline/none:v1`, '--db', local]);
    expect(missingRef.status).toBe(2);
    expect(missingRef.stderr).toContain('patchline/none');
    const byDigest = await cli(['db', 'push', `${registry.host}/patchline/cli@${pushed.digest}`, '--db', dbPath]);
    expect(byDigest.status).toBe(2);
    expect(byDigest.stderr).toContain('push to a tag');
  }, 180_000);

  it('passes --creds and --authfile to a registry that wants them', async () => {
    ensureBuilt();
    const secured = await startRegistry({ kind: 'htpasswd', users: { builder: 's3cret' } });
    try {
      const reference = `${secured.host}/patchline/advisories:auth`;
      const refused = await cli(['db', 'push', reference, '--db', dbPath, '--authfile', join(work, 'no-auth.json')]);
      expect(refused.status).toBe(2);
      expect(refused.stderr).toMatch(/401|credentials|unauthorized/i);
      const pushed = await cli(['db', 'push', reference, '--db', dbPath, '--creds', 'builder:s3cret']);
      expect(pushed.stderr).toBe('');
      expect(pushed.status).toBe(0);
      const authFile = join(work, 'auth.json');
      const auth = Buffer.from('builder:s3cret').toString('base64');
      await writeFile(authFile, JSON.stringify({ auths: { [secured.host]: { auth } } }));
      const local = join(work, 'auth-pulled.db');
      const pulled = await cli(['db', 'pull', reference, '--db', local, '--authfile', authFile]);
      expect(pulled.status).toBe(0);
      expect(await sqlite(local, 'SELECT count(*) FROM records')).toBe(
        await sqlite(dbPath, 'SELECT count(*) FROM records'),
      );
    } finally {
      await secured.stop();
    }
  }, 180_000);
});
