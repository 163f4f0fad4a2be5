import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { join, resolve } from 'node:path';
import { Ajv } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { createServer, type PatchlineServer, type ServerLimits } from '../src/server/index.js';
import { Store } from '../src/store/index.js';
import { bootcStatus, digest, fleetDoc, releaseDoc, rolloutDoc } from './helpers/fleet-docs.js';
import { startPostgres, type TestPostgres } from './helpers/postgres.js';
import { tempDir } from './helpers/tmp.js';
import { until } from './helpers/until.js';

const ADMIN = 'admin-secret-for-tests';
const API = '/apis/patchline.dev/v1';
const V1 = digest(1);
const V2 = digest(2);
const T0 = Date.parse('2026-03-02T10:00:00Z');
const MIN = 60_000;
const BOOTC_FIXTURES = resolve(import.meta.dirname, '../../shared/fixtures/bootc');

interface Harness {
  server: PatchlineServer;
  app: FastifyInstance;
  store: Store;
  now: { value: number };
  admin(method: string, url: string, payload?: unknown): Promise<LightMyRequestResponse>;
  host(credential: string, method: string, url: string, payload?: unknown): Promise<LightMyRequestResponse>;
  enroll(name: string, labels?: Record<string, string>): Promise<string>;
}

let dialectInUse: 'sqlite' | 'postgres' = 'sqlite';
let postgres: TestPostgres | undefined;
beforeAll(async () => {
  postgres = await startPostgres();
}, 60_000);
afterAll(async () => {
  await postgres?.stop();
});

function fail(message: string): never {
  throw new Error(message);
}

const open: Harness[] = [];
afterEach(async () => {
  for (const harness of open.splice(0)) {
    await harness.app.close();
    await harness.store.close();
  }
});

async function harness(options: { limits?: Partial<ServerLimits>; adminToken?: string | null } = {}): Promise<Harness> {
  const store = await Store.open(
    dialectInUse === 'postgres'
      ? await (postgres ?? fail('PostgreSQL did not start')).freshDatabase()
      : join(await tempDir('patchline-server-'), 'controller.db'),
  );
  const now = { value: T0 };
  const server = await createServer({
    store,
    adminToken: options.adminToken === undefined ? ADMIN : options.adminToken,
    clock: () => now.value,
    limits: options.limits,
  });
  const { app } = server;
  const admin = (method: string, url: string, payload?: unknown) =>
    app.inject({
      method: method as 'GET',
      url,
      headers: { authorization: `Bearer ${ADMIN}` },
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
  const host = (credential: string, method: string, url: string, payload?: unknown) =>
    app.inject({
      method: method as 'GET',
      url,
      headers: { authorization: `Bearer ${credential}` },
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
  const made: Harness = {
    server,
    app,
    store,
    now,
    admin,
    host,
    async enroll(name, labels = {}) {
      const token = (await admin('POST', `${API}/enrollment-tokens`, { labels })).json().token as string;
      const enrolled = await app.inject({ method: 'POST', url: '/host/v1/enroll', payload: { token, name } });
      expect(enrolled.statusCode, enrolled.body).toBe(201);
      return enrolled.json().credential as string;
    },
  };
  open.push(made);
  return made;
}

/** Waits until exactly `count` desired-state polls are waiting, as /metrics counts them. */
async function pollsWaiting(h: Harness, count: number): Promise<void> {
  await until(`${count} waiting polls`, async () => {
    const metrics = (await h.app.inject({ method: 'GET', url: '/metrics' })).body;
    return new RegExp(`^patchline_desired_polls_waiting ${count}$`, 'm').test(metrics) ? true : undefined;
  });
}

function expectStatus(response: LightMyRequestResponse, code: number, reason: string): string {
  expect(response.statusCode, response.body).toBe(code);
  const body = response.json();
  expect(body).toMatchObject({ apiVersion: 'v1', kind: 'Status', status: 'Failure', reason, code });
  return body.message as string;
}

/** A fleet `web` with v1 current on every given host, all reporting V1 booted and healthy. */
async function runningFleet(h: Harness, names: string[], spec: Parameters<typeof fleetDoc>[1] = {}) {
  expect((await h.admin('POST', `${API}/fleets`, fleetDoc('web', spec))).statusCode).toBe(201);
  expect((await h.admin('POST', `${API}/releases`, releaseDoc('v1', 'web', V1))).statusCode).toBe(201);
  expect((await h.admin('POST', `${API}/releases`, releaseDoc('v2', 'web', V2))).statusCode).toBe(201);
  const credentials: Record<string, string> = {};
  for (const name of names) {
    credentials[name] = await h.enroll(name, { fleet: 'web', zone: 'a' });
    const reported = await h.host(credentials[name], 'POST', '/host/v1/status', {
      bootc: bootcStatus(V1),
      health: { state: 'healthy' },
    });
    expect(reported.statusCode, reported.body).toBe(204);
  }
  expect((await h.admin('POST', `${API}/rollouts`, rolloutDoc('roll-v1', 'v1'))).json().status.phase).toBe('succeeded');
  return credentials;
}

// The server over both databases: every route and the controller loop, on SQLite and on a real PostgreSQL.
describe.each(['sqlite', 'postgres'] as const)('on %s', (dialect) => {
  beforeAll(() => {
    dialectInUse = dialect;
  });

  describe('the admin API', () => {
    it('needs the admin token, and answers failures as Kubernetes Status', async () => {
      const h = await harness();
      expectStatus(await h.app.inject({ method: 'GET', url: `${API}/fleets` }), 401, 'Unauthorized');
      const wrong = await h.app.inject({
        method: 'GET',
        url: `${API}/fleets`,
        headers: { authorization: 'Bearer nope' },
      });
      expectStatus(wrong, 401, 'Unauthorized');
      const right = await h.admin('GET', `${API}/fleets`);
      expect(right.json()).toEqual({ apiVersion: 'patchline.dev/v1', kind: 'FleetList', items: [] });
      expectStatus(await h.admin('GET', `${API}/nothing`), 404, 'NotFound');
    });

    it('runs without a token only when started without one', async () => {
      const h = await harness({ adminToken: null });
      expect((await h.app.inject({ method: 'GET', url: `${API}/hosts` })).statusCode).toBe(200);
    });

    it('creates, lists, applies and deletes resources, naming the path of what is invalid', async () => {
      const h = await harness();
      const created = await h.admin('POST', `${API}/fleets`, fleetDoc('web'));
      expect(created.statusCode).toBe(201);
      expect(created.json().metadata).toMatchObject({ name: 'web', resourceVersion: '1', generation: 1 });
      expectStatus(await h.admin('POST', `${API}/fleets`, fleetDoc('web')), 409, 'AlreadyExists');

      const invalid = fleetDoc('bad');
      (invalid.spec as { image: string }).image = 'quay.io/example/os:latest';
      expect(expectStatus(await h.admin('POST', `${API}/fleets`, invalid), 422, 'Invalid')).toMatch(
        /^Fleet is invalid: spec\.image: /,
      );
      expectStatus(await h.admin('PUT', `${API}/fleets/other`, fleetDoc('web')), 400, 'BadRequest');

      const same = await h.admin('PUT', `${API}/fleets/web`, fleetDoc('web'));
      expect([same.statusCode, same.json().metadata.resourceVersion]).toEqual([200, '1']);
      const changed = await h.admin('PUT', `${API}/fleets/web`, {
        ...fleetDoc('web', { hostOfflineAfter: '10m' }),
        metadata: { name: 'web', resourceVersion: '1' },
      });
      expect([changed.statusCode, changed.json().metadata.resourceVersion]).toEqual([200, '2']);
      const stale = await h.admin('PUT', `${API}/fleets/web`, {
        ...fleetDoc('web', { hostOfflineAfter: '1m' }),
        metadata: { name: 'web', resourceVersion: '1' },
      });
      expectStatus(stale, 409, 'Conflict');
      expect((await h.admin('PUT', `${API}/fleets/api`, fleetDoc('api'))).statusCode).toBe(201);
      expect(
        (await h.admin('GET', `${API}/fleets`))
          .json()
          .items.map((f: { metadata: { name: string } }) => f.metadata.name),
      ).toEqual(['api', 'web']);

      expect((await h.admin('POST', `${API}/releases`, releaseDoc('v1', 'web', V1))).statusCode).toBe(201);
      expectStatus(await h.admin('PUT', `${API}/releases/v1`, releaseDoc('v1', 'web', V2)), 409, 'Conflict');
      expectStatus(await h.admin('DELETE', `${API}/fleets/web`), 409, 'Conflict');
      expect((await h.admin('DELETE', `${API}/releases/v1`)).statusCode).toBe(200);
      expect((await h.admin('DELETE', `${API}/fleets/web`)).statusCode).toBe(200);
      expectStatus(await h.admin('GET', `${API}/fleets/web`), 404, 'NotFound');
    });

    it('pauses, resumes, approves and aborts rollouts, and lists their events after an id', async () => {
      const h = await harness();
      await runningFleet(h, ['web-01', 'web-02']);
      const created = await h.admin(
        'POST',
        `${API}/rollouts`,
        rolloutDoc('roll-v2', 'v2', { batches: [{ limit: 1 }] }),
      );
      expect(created.json().spec).toMatchObject({ previousRelease: 'v1' });
      expect(created.json().status.hosts['web-01'].state).toBe('selected');
      expect((await h.admin('POST', `${API}/rollouts/roll-v2/pause`, {})).json().status.phase).toBe('paused');
      expect((await h.admin('POST', `${API}/rollouts/roll-v2/resume`, { by: 'alice' })).json().status.phase).toBe(
        'progressing',
      );
      expect(expectStatus(await h.admin('POST', `${API}/rollouts/roll-v2/abort`, {}), 409, 'Conflict')).toBe(
        'an abort needs a reason',
      );
      const aborted = await h.admin('POST', `${API}/rollouts/roll-v2/abort`, { by: 'alice', reason: 'wrong image' });
      expect(aborted.json().status).toMatchObject({ phase: 'aborted', message: 'aborted: wrong image' });
      expectStatus(await h.admin('POST', `${API}/rollouts/roll-v2/approve`, {}), 409, 'Conflict');

      const events = (await h.admin('GET', `${API}/rollouts/roll-v2/events`)).json();
      expect(events.kind).toBe('EventList');
      const ids = events.items.map((event: { id: number }) => event.id);
      expect(ids).toEqual([...ids].sort((a: number, b: number) => a - b));
      expect(events.items.at(-1)).toMatchObject({ type: 'phase-changed', to: 'aborted' });
      const later = (await h.admin('GET', `${API}/rollouts/roll-v2/events?after=${ids[1]}`)).json();
      expect(later.items.map((event: { id: number }) => event.id)).toEqual(ids.slice(2));
      expectStatus(await h.admin('GET', `${API}/rollouts/nope/events`), 404, 'NotFound');
      expectStatus(await h.admin('GET', `${API}/rollouts/roll-v2/events?after=-1`), 422, 'Invalid');
    });
  });

  describe('the host API', () => {
    it('enrolls once per token, and lets a host act only for itself', async () => {
      const h = await harness();
      const token = (await h.admin('POST', `${API}/enrollment-tokens`, { labels: { zone: 'a' }, ttl: '10m' })).json();
      expect(token.expiresAt).toBe(new Date(T0 + 10 * MIN).toISOString());
      const first = await h.app.inject({
        method: 'POST',
        url: '/host/v1/enroll',
        payload: { token: token.token, name: 'h1' },
      });
      expect(first.statusCode).toBe(201);
      const again = await h.app.inject({
        method: 'POST',
        url: '/host/v1/enroll',
        payload: { token: token.token, name: 'h2' },
      });
      expectStatus(again, 401, 'Unauthorized');
      const credential = first.json().credential as string;
      const fresh = (await h.admin('POST', `${API}/enrollment-tokens`, {})).json().token;
      const traversal = await h.app.inject({
        method: 'POST',
        url: '/host/v1/enroll',
        payload: { token: fresh, name: '../../etc/passwd' },
      });
      expect(expectStatus(traversal, 422, 'Invalid')).toMatch(/^enrollment is invalid: name: /);
      const other = await h.enroll('h3');

      const body = { bootc: bootcStatus(V1), health: { state: 'healthy' } };
      expectStatus(await h.app.inject({ method: 'POST', url: '/host/v1/status', payload: body }), 401, 'Unauthorized');
      expectStatus(await h.host('plh_wrong', 'POST', '/host/v1/status', body), 401, 'Unauthorized');
      expectStatus(await h.host(credential, 'POST', '/host/v1/status', { ...body, name: 'h3' }), 403, 'Forbidden');
      expectStatus(await h.host(credential, 'GET', '/host/v1/desired?name=h3'), 403, 'Forbidden');
      expect((await h.host(credential, 'POST', '/host/v1/status', { ...body, name: 'h1' })).statusCode).toBe(204);
      expect((await h.host(other, 'POST', '/host/v1/status', body)).statusCode).toBe(204);
      const stored = (await h.admin('GET', `${API}/hosts/h1`)).json();
      expect(stored.metadata.labels).toEqual({ zone: 'a' });
      expect(stored.status).toMatchObject({ online: true, report: { bootc: { kind: 'BootcHost' } } });

      const bad = { ...body, bootc: { ...bootcStatus(V1), kind: 'Host' } };
      expect(expectStatus(await h.host(credential, 'POST', '/host/v1/status', bad), 422, 'Invalid')).toMatch(
        /bootc\.kind/,
      );
    });

    it.skipIf(!existsSync(BOOTC_FIXTURES))('accepts every real bootc status the JSON schema accepts', async () => {
      const h = await harness();
      const credential = await h.enroll('real');
      const ajv = new Ajv({ strict: false, logger: false });
      addFormats.default(ajv);
      const validate = ajv.compile(JSON.parse(readFileSync(join(BOOTC_FIXTURES, 'host-v1.schema.json'), 'utf8')));
      const files = readdirSync(BOOTC_FIXTURES).filter((file) => /^spec-.*\.(yaml|json)$/.test(file));
      expect(files.length).toBeGreaterThanOrEqual(6);
      for (const file of files) {
        const document = parseYaml(readFileSync(join(BOOTC_FIXTURES, file), 'utf8'));
        expect(validate(document), file).toBe(true);
        const response = await h.host(credential, 'POST', '/host/v1/status', { bootc: document });
        expect(response.statusCode, `${file}: ${response.body}`).toBe(204);
      }
    });

    it('answers the desired image, 204 while unchanged, and wakes a long poll when a rollout selects the host', async () => {
      const h = await harness();
      const credentials = await runningFleet(h, ['web-01', 'web-02']);
      const first = await h.host(credentials['web-01']!, 'GET', '/host/v1/desired');
      expect(first.json()).toEqual({ version: V1, image: `quay.io/example/os@${V1}`, digest: V1 });
      expect((await h.host(credentials['web-01']!, 'GET', `/host/v1/desired?knownVersion=${V1}`)).statusCode).toBe(204);

      const address = await h.app.listen({ host: '127.0.0.1', port: 0 });
      // Polls wait longer than the test may run: an answer can only come from being woken.
      const poll = fetch(`${address}/host/v1/desired?knownVersion=${V1}&wait=300`, {
        headers: { authorization: `Bearer ${credentials['web-01']}` },
      });
      await pollsWaiting(h, 1);
      const created = await h.admin(
        'POST',
        `${API}/rollouts`,
        rolloutDoc('roll-v2', 'v2', { batches: [{ limit: 1 }] }),
      );
      expect(created.json().status.hosts['web-01'].state).toBe('selected');
      const answered = await poll;
      expect(answered.status).toBe(200);
      expect(await answered.json()).toEqual({ version: V2, image: `quay.io/example/os@${V2}`, digest: V2 });
      expect((await h.store.getHost('web-01'))?.resource.status?.lastServed).toEqual({
        digest: V2,
        at: new Date(T0).toISOString(),
      });

      // A host relabelled into the fleet is woken with the fleet's image.
      const stray = await h.enroll('stray', { fleet: 'elsewhere' });
      const strayPoll = fetch(`${address}/host/v1/desired?knownVersion=none&wait=300`, {
        headers: { authorization: `Bearer ${stray}` },
      });
      await pollsWaiting(h, 1);
      const relabelled = await h.admin('PUT', `${API}/hosts/stray`, {
        apiVersion: 'patchline.dev/v1',
        kind: 'Host',
        metadata: { name: 'stray', labels: { fleet: 'web' } },
      });
      expect(relabelled.statusCode, relabelled.body).toBe(200);
      expect(((await (await strayPoll).json()) as { digest: string }).digest).toBe(V1);

      // Nothing changes for web-02: its poll waits (it is counted as waiting), then answers 204.
      const unchanged = fetch(`${address}/host/v1/desired?knownVersion=${V1}&wait=1`, {
        headers: { authorization: `Bearer ${credentials['web-02']}` },
      });
      await pollsWaiting(h, 1);
      expect((await unchanged).status).toBe(204);
      await pollsWaiting(h, 0);
    });

    it('moves a rollout to success as hosts report, and makes its release the fleet current one', async () => {
      const h = await harness();
      const credentials = await runningFleet(h, ['web-01', 'web-02']);
      await h.admin('POST', `${API}/rollouts`, rolloutDoc('roll-v2', 'v2'));
      for (const [name, credential] of Object.entries(credentials)) {
        expect((await h.host(credential, 'GET', `/host/v1/desired?knownVersion=${V1}`)).json().digest, name).toBe(V2);
        await h.host(credential, 'POST', '/host/v1/status', {
          bootc: bootcStatus(V1, V2),
          health: { state: 'healthy' },
        });
      }
      h.now.value += 5 * MIN;
      await h.server.controller.tick();
      for (const credential of Object.values(credentials)) {
        await h.host(credential, 'POST', '/host/v1/status', {
          bootc: bootcStatus(V2, undefined, V1),
          health: { state: 'healthy' },
        });
      }
      await h.server.controller.tick();
      const rollout = (await h.admin('GET', `${API}/rollouts/roll-v2`)).json();
      expect(rollout.status.phase).toBe('succeeded');
      expect(Object.values(rollout.status.hosts).map((host) => (host as { state: string }).state)).toEqual([
        'healthy',
        'healthy',
      ]);
      expect((await h.admin('GET', `${API}/fleets/web`)).json().status.currentRelease).toBe('v2');
    });
  });

  describe('FleetLock', () => {
    const lock = (
      h: Harness,
      operation: string,
      id: string,
      group = 'a',
      headers = { 'fleet-lock-protocol': 'true' },
    ) =>
      h.app.inject({
        method: 'POST',
        url: `/v1/${operation}`,
        headers,
        payload: { client_params: { id, group } },
      });

    it('speaks the protocol: header, body and {kind, value} errors', async () => {
      const h = await harness();
      const missing = await lock(h, 'pre-reboot', 'x', 'a', {} as { 'fleet-lock-protocol': string });
      expect([missing.statusCode, missing.json().kind]).toEqual([400, 'bad_request_missing_protocol_header']);
      const bad = await h.app.inject({
        method: 'POST',
        url: '/v1/pre-reboot',
        headers: { 'fleet-lock-protocol': 'true', 'content-type': 'application/json' },
        payload: '{"client_params":',
      });
      expect([bad.statusCode, bad.json().kind]).toEqual([400, 'bad_request_invalid_body']);
      const noGroup = await h.app.inject({
        method: 'POST',
        url: '/v1/pre-reboot',
        headers: { 'fleet-lock-protocol': 'true' },
        payload: { client_params: { id: 'x' } },
      });
      expect([noGroup.statusCode, noGroup.json()]).toEqual([
        400,
        { kind: 'bad_request_invalid_body', value: expect.stringMatching(/^client_params\.group: /) },
      ]);
      const unknownFleet = await h.app.inject({
        method: 'POST',
        url: '/fleets/nope/v1/pre-reboot',
        headers: { 'fleet-lock-protocol': 'true' },
        payload: { client_params: { id: 'x', group: 'a' } },
      });
      expect(unknownFleet.statusCode).toBe(404);
    });

    it('sizes slots from the disruption budget, locks recursively, and frees a dead holder after the TTL', async () => {
      const h = await harness({ limits: { fleetLockTtlMs: 30 * MIN } });
      // Five hosts in zone a, at most 40% of them down: two reboot slots for group a.
      await runningFleet(h, ['web-01', 'web-02', 'web-03', 'web-04', 'web-05'], {
        disruptionBudget: { groupBy: 'zone', maxUnavailable: '40%' },
      });
      expect((await lock(h, 'pre-reboot', 'web-01')).statusCode).toBe(200);
      expect((await lock(h, 'pre-reboot', 'web-02')).statusCode).toBe(200);
      const full = await lock(h, 'pre-reboot', 'web-03');
      expect([full.statusCode, full.json().kind]).toEqual([409, 'failed_lock_semaphore_full']);
      expect((await lock(h, 'pre-reboot', 'web-01')).statusCode).toBe(200);
      const holders = (await h.admin('GET', `${API}/locks`)).json();
      expect(holders.items.map((each: { id: string; fleet: string }) => [each.fleet, each.id])).toEqual([
        ['web', 'web-01'],
        ['web', 'web-02'],
      ]);
      expect((await lock(h, 'steady-state', 'web-01')).statusCode).toBe(200);
      expect((await lock(h, 'steady-state', 'web-01')).statusCode).toBe(200);
      expect((await lock(h, 'pre-reboot', 'web-03')).statusCode).toBe(200);
      expect((await lock(h, 'pre-reboot', 'web-04')).statusCode).toBe(409);
      // web-02 never comes back; after the TTL its slot is free again.
      h.now.value += 30 * MIN + 1;
      expect((await lock(h, 'pre-reboot', 'web-04')).statusCode).toBe(200);
      expect((await lock(h, 'pre-reboot', 'web-05')).statusCode).toBe(200);
      // The same through the fleet-scoped path.
      const scoped = await h.app.inject({
        method: 'POST',
        url: '/fleets/web/v1/pre-reboot',
        headers: { 'fleet-lock-protocol': 'true' },
        payload: { client_params: { id: 'web-01', group: 'a' } },
      });
      expect(scoped.statusCode).toBe(409);
    });
  });

  describe('limits', () => {
    it('refuses oversized bodies with 413', async () => {
      const h = await harness({ limits: { bodyBytes: 64 * 1024 } });
      const huge = { ...fleetDoc('big'), padding: 'x'.repeat(128 * 1024) };
      expectStatus(await h.admin('POST', `${API}/fleets`, huge), 413, 'RequestEntityTooLarge');
      const credential = await h.enroll('h');
      const report = { bootc: { ...bootcStatus(V1), extra: 'y'.repeat(128 * 1024) } };
      expectStatus(await h.host(credential, 'POST', '/host/v1/status', report), 413, 'RequestEntityTooLarge');
      // Reports have their own, smaller limit: every host's last one is kept.
      const smaller = await harness({ limits: { reportBytes: 8 * 1024 } });
      const host = await smaller.enroll('h');
      const padded = { bootc: { ...bootcStatus(V1), extra: 'y'.repeat(16 * 1024) } };
      expectStatus(await smaller.host(host, 'POST', '/host/v1/status', padded), 413, 'RequestEntityTooLarge');
      expect((await smaller.host(host, 'POST', '/host/v1/status', { bootc: bootcStatus(V1) })).statusCode).toBe(204);
    });

    it('limits each host on its own, with Retry-After', async () => {
      const h = await harness({ limits: { host: { perMinute: 60, burst: 3 } } });
      const a = await h.enroll('a');
      const b = await h.enroll('b');
      for (let n = 0; n < 3; n++) expect((await h.host(a, 'GET', '/host/v1/desired')).statusCode).toBe(200);
      const limited = await h.host(a, 'GET', '/host/v1/desired');
      expectStatus(limited, 429, 'TooManyRequests');
      expect(limited.headers['retry-after']).toBe('1');
      expect((await h.host(b, 'GET', '/host/v1/desired')).statusCode).toBe(200);
      h.now.value += 1000;
      expect((await h.host(a, 'GET', '/host/v1/desired')).statusCode).toBe(200);
    });
  });

  describe('metrics and the OpenAPI document', () => {
    it('exports parsable Prometheus text: hosts, rollout states, lock holders and exposure', async () => {
      const h = await harness();
      await runningFleet(h, ['web-01', 'web-02', 'web-03']);
      await h.admin('POST', `${API}/rollouts`, rolloutDoc('roll-v2', 'v2', { batches: [{ limit: 1 }] }));
      await h.app.inject({
        method: 'POST',
        url: '/v1/pre-reboot',
        headers: { 'fleet-lock-protocol': 'true' },
        payload: { client_params: { id: 'web-01', group: 'a' } },
      });
      h.now.value += 90_000;
      const response = await h.app.inject({ method: 'GET', url: '/metrics' });
      expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
      const samples = parsePrometheus(response.body);
      expect(samples.get('patchline_hosts')).toBe(3);
      expect(samples.get('patchline_rollout_hosts{rollout="roll-v2",fleet="web",state="selected"}')).toBe(1);
      expect(samples.get('patchline_rollout_hosts{rollout="roll-v2",fleet="web",state="pending"}')).toBe(2);
      expect(samples.get('patchline_fleetlock_holders{fleet="web",group="a"}')).toBe(1);
      // v2 was created at T0 and no host boots it: exposed for as long as it has existed.
      expect(samples.get('patchline_fleet_exposure_seconds{fleet="web"}')).toBe(90);
    });

    it('serves an OpenAPI document whose schemas are valid JSON Schema and agree with the API', async () => {
      const h = await harness();
      const document = (await h.app.inject({ method: 'GET', url: '/openapi.json' })).json();
      expect(document.openapi).toBe('3.1.0');
      const ajv = new Ajv2020({ strict: false });
      addFormats.default(ajv as unknown as Ajv);
      for (const [name, schema] of Object.entries(document.components.schemas as Record<string, object>)) {
        expect(() => ajv.compile(schema), name).not.toThrow();
      }
      const fleet = ajv.compile(document.components.schemas.Fleet);
      expect(fleet(fleetDoc('web'))).toBe(true);
      const invalid = fleetDoc('web');
      (invalid.spec as { image: string }).image = 'not a repository';
      expect(fleet(invalid)).toBe(false);
      expect((await h.admin('POST', `${API}/fleets`, invalid)).statusCode).toBe(422);
      for (const path of ['/host/v1/desired', '/v1/pre-reboot', `${API}/rollouts/{name}/abort`]) {
        expect(document.paths[path], path).toBeDefined();
      }
    });
  });
});

describe('TLS', () => {
  it('serves HTTPS with the given certificate and key', async () => {
    const dir = await tempDir('patchline-tls-');
    const made = spawnSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { encoding: 'utf8' },
    );
    expect(made.status, made.stderr).toBe(0);
    const store = await Store.open(join(dir, 'controller.db'));
    const { app } = await createServer({
      store,
      adminToken: ADMIN,
      tls: { cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem') },
    });
    try {
      const address = await app.listen({ host: '127.0.0.1', port: 0 });
      expect(address).toMatch(/^https:/);
      const body = await new Promise<string>((done, fail) => {
        const request = httpsRequest(`${address}/healthz`, { ca: readFileSync(join(dir, 'cert.pem')) }, (response) => {
          let text = '';
          response.on('data', (chunk) => {
            text += chunk;
          });
          response.on('end', () => done(text));
        });
        request.on('error', fail);
        request.end();
      });
      expect(JSON.parse(body)).toEqual({ status: 'ok' });
    } finally {
      await app.close();
      await store.close();
    }
  });
});

/**
 * A reader of the Prometheus text format written from its specification (not from our writer): comments, then
 * `name{label="value",…} number` lines. Fails on any other line.
 */
function parsePrometheus(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const comment = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (comment !== null) {
      if (comment[1] === 'TYPE') {
        expect(['counter', 'gauge', 'histogram', 'summary', 'untyped']).toContain(comment[3]);
        types.set(comment[2]!, comment[3]!);
      }
      continue;
    }
    const sample =
      /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"(?:,(?=[a-zA-Z_]))?)*\})? (-?[0-9.eE+-]+|NaN|[+-]Inf)$/.exec(
        line,
      );
    expect(sample, `not a Prometheus sample line: ${line}`).not.toBeNull();
    expect(types.has(sample![1]!), `${sample![1]} has no TYPE`).toBe(true);
    samples.set(`${sample![1]}${sample![2] ?? ''}`, Number(sample![3]));
  }
  return samples;
}
