/**
 * A release keeps what it was made with (migration 0011, on SQLite and PostgreSQL): the gate evidence document byte
 * for byte, checked against the digest the release records, and the image diff against the fleet's previous release,
 * checked against both images. Whatever does not match is refused naming the field, and nothing is created.
 */
import { createHash } from 'node:crypto';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { releaseDiffOf } from '../src/report/release-diff.js';
import { Store } from '../src/store/index.js';
import { migrationProvider } from '../src/store/migrations.js';
import { digest, fleetDoc } from './helpers/fleet-docs.js';
import { FIXTURE_REPOSITORY, releaseFixture } from './helpers/release-attachments.js';
import { startServerHarness } from './helpers/server-harness.js';
import { type Dialect, storeBackends } from './helpers/store-backends.js';

const backends = storeBackends('patchline-release-attachments-');
const API = '/apis/patchline.dev/v1';
const NOW = Date.parse('2026-12-07T10:00:00Z');
const OLD = digest(0xa1);
const NEW = digest(0xb2);

function sha256(text: string): string {
  return `sha256:${createHash('sha256').update(text).digest('hex')}`;
}

function release(name: string, image: string, gate?: { passed: boolean; evidence?: string }, attachments?: object) {
  return {
    apiVersion: 'patchline.dev/v1',
    kind: 'Release',
    metadata: { name },
    spec: { fleet: 'edge', image: `${FIXTURE_REPOSITORY}@${image}`, ...(gate === undefined ? {} : { gate }) },
    ...(attachments === undefined ? {} : { attachments }),
  };
}

describe.each(['sqlite', 'postgres'] as Dialect[])('release attachments on %s', (dialect) => {
  async function harness(limits = {}) {
    const server = await startServerHarness({
      adminToken: 'admin-token',
      database: await backends.location(dialect),
      startAt: NOW,
      limits,
    });
    const fleet = await server.admin('POST', `${API}/fleets`, {
      ...fleetDoc('edge'),
      spec: { ...fleetDoc('edge').spec, image: FIXTURE_REPOSITORY },
    });
    expect(fleet.statusCode, fleet.body).toBe(201);
    const first = await server.admin('POST', `${API}/releases`, release('edge-1', OLD, { passed: false }));
    expect(first.statusCode, first.body).toBe(201);
    server.now.value += 60_000;
    return server;
  }

  it('keeps the evidence document byte for byte and the diff without its layers, and serves them', async () => {
    const server = await harness();
    const fixture = releaseFixture(OLD, NEW);
    const created = await server.admin(
      'POST',
      `${API}/releases`,
      release(
        'edge-2',
        NEW,
        { passed: true, evidence: sha256(fixture.evidence) },
        {
          evidence: fixture.evidence,
          diff: fixture.diff,
        },
      ),
    );
    expect(created.statusCode, created.body).toBe(201);
    // The release document itself stays small: hosts read it on every poll.
    expect(created.json()).not.toHaveProperty('attachments');

    const evidence = await server.admin('GET', `${API}/releases/edge-2/evidence`);
    expect(evidence.statusCode).toBe(200);
    expect(evidence.headers['content-type']).toMatch(/^application\/json/);
    expect(createHash('sha256').update(evidence.rawPayload).digest('hex')).toBe(sha256(fixture.evidence).slice(7));

    const diff = (await server.admin('GET', `${API}/releases/edge-2/diff`)).json();
    expect(diff).toEqual(releaseDiffOf(fixture.diff));
    expect(diff).not.toHaveProperty('layers');
    expect(diff.advisories.fixesGained.map((fix: { package: { name: string } }) => fix.package.name).sort()).toEqual([
      'curl',
      'openssl-libs',
    ]);

    const missing = await server.admin('GET', `${API}/releases/edge-1/evidence`);
    expect(missing.statusCode).toBe(404);
    expect(missing.json().message).toBe('release edge-1 was created without its evidence document');

    // Applying the release again with the same attachments, or none, changes nothing.
    const again = await server.admin(
      'PUT',
      `${API}/releases/edge-2`,
      release('edge-2', NEW, { passed: true, evidence: sha256(fixture.evidence) }, { evidence: fixture.evidence }),
    );
    expect(again.statusCode, again.body).toBe(200);
    const bare = await server.admin(
      'PUT',
      `${API}/releases/edge-2`,
      release('edge-2', NEW, { passed: true, evidence: sha256(fixture.evidence) }),
    );
    expect(bare.statusCode, bare.body).toBe(200);
    // A release created without its document does not take one later: it is immutable.
    const late = { passed: true, evidence: sha256(fixture.evidence) };
    expect((await server.admin('POST', `${API}/releases`, release('edge-3', NEW, late))).statusCode).toBe(201);
    const added = await server.admin(
      'PUT',
      `${API}/releases/edge-3`,
      release('edge-3', NEW, late, { evidence: fixture.evidence }),
    );
    expect(added.statusCode).toBe(409);
    expect(added.json().message).toBe('release edge-3 is immutable and was created with no evidence document');
  });

  it('refuses evidence that does not hash to the recorded digest, naming the field, and creates nothing', async () => {
    const server = await harness();
    const fixture = releaseFixture(OLD, NEW);
    const tampered = fixture.evidence.replace('"verdict": "pass"', '"verdict": "pass" ');
    const refused = await server.admin(
      'POST',
      `${API}/releases`,
      release('edge-2', NEW, { passed: true, evidence: sha256(fixture.evidence) }, { evidence: tampered }),
    );
    expect(refused.statusCode).toBe(400);
    expect(refused.json().message).toBe(
      `attachments.evidence: hashes to ${sha256(tampered)}, not to spec.gate.evidence ${sha256(fixture.evidence)}: it is not the document the verdict came from`,
    );
    const undigested = await server.admin(
      'POST',
      `${API}/releases`,
      release('edge-2', NEW, { passed: true }, { evidence: fixture.evidence }),
    );
    expect(undigested.statusCode).toBe(400);
    expect(undigested.json().message).toMatch(/^attachments\.evidence: the release records no evidence digest/);
    // Evidence for another image, with its own digest recorded honestly, is still not this release's.
    const other = releaseFixture(OLD, digest(0xc3));
    const foreign = await server.admin(
      'POST',
      `${API}/releases`,
      release('edge-2', NEW, { passed: true, evidence: sha256(other.evidence) }, { evidence: other.evidence }),
    );
    expect(foreign.statusCode).toBe(400);
    expect(foreign.json().message).toMatch(/^attachments\.evidence: is the evidence for sha256:c3c3/);
    expect((await server.admin('GET', `${API}/releases/edge-2`)).statusCode).toBe(404);
  });

  it('refuses a diff from another image than the previous release, or to another than its own', async () => {
    const server = await harness();
    const wrongOld = releaseFixture(digest(0xd4), NEW);
    const refused = await server.admin(
      'POST',
      `${API}/releases`,
      release('edge-2', NEW, { passed: false }, { diff: wrongOld.diff }),
    );
    expect(refused.statusCode).toBe(400);
    expect(refused.json().message).toBe(
      `attachments.diff.old.digest: is ${digest(0xd4)}, not the image of the fleet's previous release edge-1 (${FIXTURE_REPOSITORY}@${OLD})`,
    );
    const wrongNew = releaseFixture(OLD, digest(0xe5));
    const other = await server.admin(
      'POST',
      `${API}/releases`,
      release('edge-2', NEW, { passed: false }, { diff: wrongNew.diff }),
    );
    expect(other.statusCode).toBe(400);
    expect(other.json().message).toMatch(/^attachments\.diff\.new\.digest: is sha256:e5e5/);
    expect((await server.admin('GET', `${API}/releases/edge-2`)).statusCode).toBe(404);
  });

  it('refuses an evidence document over the limit with 413, and a body over the route limit too', async () => {
    const server = await harness({ releaseEvidenceBytes: 1024, bodyBytes: 8192, releaseDiffBytes: 1024 });
    const fixture = releaseFixture(OLD, NEW);
    expect(Buffer.byteLength(fixture.evidence)).toBeGreaterThan(1024);
    const large = await server.admin(
      'POST',
      `${API}/releases`,
      release('edge-2', NEW, { passed: true, evidence: sha256(fixture.evidence) }, { evidence: fixture.evidence }),
    );
    expect(large.statusCode).toBe(413);
    expect(large.json().message).toBe(
      `attachments.evidence: is ${Buffer.byteLength(fixture.evidence)} bytes, more than the controller keeps with a release (1024)`,
    );
    // Past the route's limit (8192 + 2 × 1024 + 1024 bytes) fastify refuses the body before anything reads it.
    const padded = `${fixture.evidence}${' '.repeat(10_000)}`;
    const huge = await server.admin(
      'POST',
      `${API}/releases`,
      release('edge-2', NEW, { passed: true, evidence: sha256(padded) }, { evidence: padded }),
    );
    expect(huge.statusCode).toBe(413);
    expect(huge.json().reason).toBe('RequestEntityTooLarge');
    expect((await server.admin('GET', `${API}/releases/edge-2`)).statusCode).toBe(404);
  });

  it('migrates a database from before 0011: its releases stay, without attachments, and take them afterwards', async () => {
    const where = await backends.location(dialect);
    // biome-ignore lint/suspicious/noExplicitAny: the database as migration 0010 left it, untyped
    const db = new Kysely<any>({
      dialect:
        dialect === 'postgres'
          ? new PostgresDialect({ pool: new pg.Pool({ connectionString: where, max: 1 }) })
          : new SqliteDialect({ database: new BetterSqlite3(where) }),
    });
    try {
      const { error } = await new Migrator({ db, provider: migrationProvider(dialect) }).migrateTo(
        '0010-prepared-answers',
      );
      expect(error).toBeUndefined();
      const at = new Date(NOW).toISOString();
      const fleet = { ...fleetDoc('edge'), spec: { ...fleetDoc('edge').spec, image: FIXTURE_REPOSITORY } };
      await db
        .insertInto('fleets')
        .values({ name: 'edge', resource_version: 1, created_at: at, doc: JSON.stringify(fleet) })
        .execute();
      const old = { ...release('edge-1', OLD, { passed: false }), metadata: { name: 'edge-1', createdAt: at } };
      await db
        .insertInto('releases')
        .values({ name: 'edge-1', resource_version: 1, created_at: at, doc: JSON.stringify(old), fleet: 'edge' })
        .execute();
    } finally {
      await db.destroy();
    }
    const store = await Store.open(where);
    try {
      expect((await store.getRelease('edge-1'))?.resource.spec.image).toBe(`${FIXTURE_REPOSITORY}@${OLD}`);
      expect(await store.releaseAttachments('edge-1')).toEqual({});
      expect(await store.releaseAttachments('nope')).toBeUndefined();
      const fixture = releaseFixture(OLD, NEW);
      const next = release('edge-2', NEW, { passed: true, evidence: sha256(fixture.evidence) });
      await store.createRelease(next as never, NOW + 60_000, {
        evidence: fixture.evidence,
        diff: JSON.stringify(releaseDiffOf(fixture.diff)),
      });
      const kept = await store.releaseAttachments('edge-2');
      expect(kept?.evidence).toBe(fixture.evidence);
      expect(JSON.parse(kept?.diff ?? '')).toEqual(releaseDiffOf(fixture.diff));
    } finally {
      await store.close();
    }
  });
});
