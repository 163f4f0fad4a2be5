import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { join, resolve } from 'node:path';
import { Ajv } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { createServer, type PatchlineServer, type ServerLimits } from '../src/server/index.js';
import { dropAllAnswers } from '../src/store/host-answers.js';
import { assignAllHostFleets } from '../src/store/host-fleets.js';
import { Store } from '../src/store/index.js';
import { bootcStatus, digest, fleetDoc, hostDoc, releaseDoc, rolloutDoc } from './helpers/fleet-docs.js';
import { startPostgres, type TestPostgres } from './helpers/postgres.js';
import { parsePrometheus } from './helpers/prometheus.js';
import { type ServerHarness, startServerHarness } from './helpers/server-harness.js';
import { tempDir } from './helpers/tmp.js';
import { until } from './helpers/until.js';

const ADMIN = 'admin-secret-for-tests';
const API = '/apis/patchline.dev/v1';
const V1 = digest(1);
const V2 = digest(2);
const T0 = Date.parse('2026-03-02T10:00:00Z');
const MIN = 60_000;
const BOOTC_FIXTURES = resolve(import.meta.dirname, '../../shared/fixtures/bootc');

type Harness = ServerHarness;

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

async function harness(options: { limits?: Partial<ServerLimits>; adminToken?: string | null } = {}): Promise<Harness> {
  return startServerHarness({
    adminToken: options.adminToken === undefined ? ADMIN : options.adminToken,
    ...(dialectInUse === 'postgres'
      ? { database: await (postgres ?? fail('PostgreSQL did not start')).freshDatabase() }
      : {}),
    ...(options.limits === undefined ? {} : { limits: options.limits }),
    startAt: T0,
  });
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

  describe('what the admin API accepts', () => {
    it('rejects unknown keys in a Fleet spec and in rollout policies, naming their path, and stores nothing', async () => {
      const h = await harness();
      const evil = { ...fleetDoc('web'), spec: { ...fleetDoc('web').spec, evil: 1 } };
      expect(expectStatus(await h.admin('POST', `${API}/fleets`, evil), 422, 'Invalid')).toBe(
        'Fleet is invalid: spec.evil: unknown key',
      );
      const typo = fleetDoc('web', { rolloutPolicy: { sucessThreshold: 0.5 } as never });
      expect(expectStatus(await h.admin('PUT', `${API}/fleets/web`, typo), 422, 'Invalid')).toBe(
        'Fleet is invalid: spec.rolloutPolicy.sucessThreshold: unknown key',
      );
      const batchTypo = fleetDoc('web', { rolloutPolicy: { batches: [{ limit: 1, selecter: {} }] } as never });
      expect(expectStatus(await h.admin('POST', `${API}/fleets`, batchTypo), 422, 'Invalid')).toBe(
        'Fleet is invalid: spec.rolloutPolicy.batches[0].selecter: unknown key',
      );
      expect((await h.admin('GET', `${API}/fleets`)).json().items).toEqual([]);
      await runningFleet(h, ['web-01']);
      const rollout = rolloutDoc('roll-v2', 'v2', { onFailur: 'halt' } as never);
      expect(expectStatus(await h.admin('POST', `${API}/rollouts`, rollout), 422, 'Invalid')).toBe(
        'Rollout is invalid: spec.onFailur: unknown key',
      );
      expectStatus(await h.admin('GET', `${API}/rollouts/roll-v2`), 404, 'NotFound');
    });
  });

  describe('hosts and fleets', () => {
    const enrollAs = (h: Harness, token: string, name: string, labels?: Record<string, string>) =>
      h.app.inject({ method: 'POST', url: '/host/v1/enroll', payload: { token, name, labels } });
    const tokenFor = async (h: Harness, labels: Record<string, string>) =>
      (await h.admin('POST', `${API}/enrollment-tokens`, { labels })).json().token as string;

    it("takes a host's labels from its enrollment token, never from the host", async () => {
      const h = await harness();
      await runningFleet(h, ['web-01']);
      expect(
        (await h.admin('POST', `${API}/fleets`, fleetDoc('prod', { selector: { matchLabels: { env: 'prod' } } })))
          .statusCode,
      ).toBe(201);
      const prodDigest = digest(9);
      expect((await h.admin('POST', `${API}/releases`, releaseDoc('p1', 'prod', prodDigest))).statusCode).toBe(201);
      const token = await tokenFor(h, { role: 'web' });
      const sneaky = await enrollAs(h, token, 'intruder', { role: 'web', env: 'prod' });
      expect(expectStatus(sneaky, 403, 'Forbidden')).toMatch(
        /^labels env=prod: a host's labels come from its enrollment token/,
      );
      expectStatus(await h.admin('GET', `${API}/hosts/intruder`), 404, 'NotFound');
      // The refusal consumed nothing: the same token still enrolls the host, with the token's labels only.
      const honest = await enrollAs(h, token, 'intruder', { role: 'web' });
      expect(honest.statusCode, honest.body).toBe(201);
      expect((await h.admin('GET', `${API}/hosts/intruder`)).json().metadata.labels).toEqual({ role: 'web' });
      const desired = await h.host(honest.json().credential, 'GET', '/host/v1/desired');
      expect(desired.json()).toEqual({ version: 'none', image: null, digest: null });
    });

    it("refuses a fleet, a host's labels or an enrollment that would put a host in two fleets, with the names", async () => {
      const h = await harness();
      await runningFleet(h, ['web-01', 'web-02']);
      const zoneA = fleetDoc('zone-a', { selector: { matchLabels: { zone: 'a' } } });
      expect(expectStatus(await h.admin('POST', `${API}/fleets`, zoneA), 409, 'Conflict')).toBe(
        "host web-01 would be in fleets web and zone-a; host web-02 would be in fleets web and zone-a: a host belongs to one fleet; narrow fleet zone-a's selector or relabel the hosts",
      );
      expectStatus(await h.admin('PUT', `${API}/fleets/zone-a`, zoneA), 409, 'Conflict');
      // Narrowed to hosts of no other fleet, it is fine; then no host may join both.
      const narrowed = fleetDoc('zone-a', {
        selector: { matchLabels: { zone: 'a' }, matchExpressions: [{ key: 'fleet', operator: 'DoesNotExist' }] },
      });
      expect((await h.admin('POST', `${API}/fleets`, narrowed)).statusCode).toBe(201);
      const widened = await h.admin('PUT', `${API}/fleets/zone-a`, zoneA);
      expect(expectStatus(widened, 409, 'Conflict')).toMatch(/^host web-01 would be in fleets web and zone-a;/);
      expect(
        (await h.admin('POST', `${API}/fleets`, fleetDoc('db', { selector: { matchLabels: { role: 'db' } } })))
          .statusCode,
      ).toBe(201);
      const relabel = await h.admin('PUT', `${API}/hosts/web-02`, hostDoc('web-02', { fleet: 'web', role: 'db' }));
      expect(expectStatus(relabel, 409, 'Conflict')).toBe(
        'host web-02 would be in fleets db and web: a host belongs to one fleet; give it labels only one fleet selects',
      );
      expect((await h.admin('GET', `${API}/hosts/web-02`)).json().metadata.labels).toEqual({ fleet: 'web', zone: 'a' });
      expectStatus(
        await h.admin('POST', `${API}/hosts`, hostDoc('both', { fleet: 'web', role: 'db' })),
        409,
        'Conflict',
      );
      const token = await tokenFor(h, { fleet: 'web', role: 'db' });
      expect(expectStatus(await enrollAs(h, token, 'both'), 409, 'Conflict')).toMatch(
        /^host both would be in fleets db and web/,
      );
      expectStatus(await h.admin('GET', `${API}/hosts/both`), 404, 'NotFound');
      // Moving a host from one fleet to another is a relabel like any other.
      const moved = await h.admin('PUT', `${API}/hosts/web-02`, hostDoc('web-02', { role: 'db' }));
      expect([moved.statusCode, moved.json().status.fleet]).toEqual([200, 'db']);
    });

    it('leaves a host two fleets still select (a database from before the rule) out of both, everywhere', async () => {
      const h = await harness();
      const credentials = await runningFleet(h, ['web-01', 'web-02']);
      await h.admin('PUT', `${API}/hosts/web-02`, hostDoc('web-02', { fleet: 'web', zone: 'b' }));
      // Written past the store's check, as an older controller could have.
      await h.store.db
        .insertInto('fleets')
        .values({
          name: 'zone-a',
          resource_version: 1,
          created_at: new Date(T0).toISOString(),
          doc: JSON.stringify(fleetDoc('zone-a', { selector: { matchLabels: { zone: 'a' } } })),
        })
        .execute();
      // What migration 0008 does when it upgrades such a database: each host's fleet from the selectors. Such a
      // database had no prepared answers either (migration 0010 came later and started with none).
      await assignAllHostFleets(h.store.db);
      await dropAllAnswers(h.store.db);
      const desired = await h.host(credentials['web-01']!, 'GET', '/host/v1/desired');
      expect(desired.json()).toEqual({ version: 'none', image: null, digest: null });
      expect((await h.admin('GET', `${API}/hosts/web-01`)).json().status.fleet).toBeUndefined();
      const rollout = await h.admin('POST', `${API}/rollouts`, rolloutDoc('roll-v2', 'v2'));
      expect(Object.keys(rollout.json().status.hosts)).toEqual(['web-02']);
    });

    it('lets a host an admin registered enroll and get its credential, once', async () => {
      const h = await harness();
      await runningFleet(h, ['web-01']);
      expect((await h.admin('POST', `${API}/hosts`, hostDoc('web-09', { fleet: 'web' }))).statusCode).toBe(201);
      const clash = await enrollAs(h, await tokenFor(h, { fleet: 'db' }), 'web-09');
      expect(expectStatus(clash, 409, 'Conflict')).toBe(
        'host web-09 was registered with fleet=web, and the token says fleet=db',
      );
      const claimed = await enrollAs(h, await tokenFor(h, { zone: 'b' }), 'web-09', { fleet: 'web' });
      expect(claimed.statusCode, claimed.body).toBe(201);
      expect((await h.admin('GET', `${API}/hosts/web-09`)).json().metadata.labels).toEqual({ fleet: 'web', zone: 'b' });
      const desired = await h.host(claimed.json().credential, 'GET', '/host/v1/desired');
      expect(desired.json().digest).toBe(V1);
      const again = await enrollAs(h, await tokenFor(h, {}), 'web-09');
      expect(expectStatus(again, 409, 'AlreadyExists')).toMatch(/^host web-09 is enrolled already/);
      expectStatus(await enrollAs(h, await tokenFor(h, {}), 'web-01'), 409, 'AlreadyExists');
    });
  });

  describe('names', () => {
    it('refuses labels with NUL or "=" and image names with ".."', async () => {
      const h = await harness();
      const bad: Array<Record<string, string>> = [
        { 'role\u0000x': 'web' },
        { role: 'web\u0000' },
        { 'role=web': 'x' },
        { role: 'a=b' },
      ];
      for (const labels of bad) {
        const token = await h.admin('POST', `${API}/enrollment-tokens`, { labels });
        expect(expectStatus(token, 422, 'Invalid')).toMatch(/^enrollment token request is invalid: labels/);
        const host = await h.admin('POST', `${API}/hosts`, hostDoc('h1', labels));
        expect(expectStatus(host, 422, 'Invalid')).toMatch(/^Host is invalid: metadata\.labels/);
      }
      const selector = fleetDoc('web', { selector: { matchLabels: { fleet: 'a=b' } } });
      expectStatus(await h.admin('POST', `${API}/fleets`, selector), 422, 'Invalid');
      for (const image of ['quay.io/example/../os', 'quay.io/../os', 'quay..io/os', 'quay.io/example//os']) {
        const fleet = await h.admin('POST', `${API}/fleets`, fleetDoc('web', { image }));
        expect(expectStatus(fleet, 422, 'Invalid')).toMatch(/^Fleet is invalid: spec\.image: /);
      }
      expect((await h.admin('POST', `${API}/fleets`, fleetDoc('web'))).statusCode).toBe(201);
      const release = releaseDoc('v1', 'web', V1);
      release.spec.image = `quay.io/example/../os@${V1}`;
      expect(expectStatus(await h.admin('POST', `${API}/releases`, release), 422, 'Invalid')).toMatch(
        /^Release is invalid: spec\.image: /,
      );
      expect((await h.admin('GET', `${API}/hosts`)).json().items).toEqual([]);
    });
  });

  describe('releases', () => {
    it("names a fleet that exists, and an image in that fleet's repository", async () => {
      const h = await harness();
      expect(expectStatus(await h.admin('POST', `${API}/releases`, releaseDoc('v1', 'nope', V1)), 422, 'Invalid')).toBe(
        'spec.fleet: fleet nope not found',
      );
      expectStatus(await h.admin('PUT', `${API}/releases/v1`, releaseDoc('v1', 'nope', V1)), 422, 'Invalid');
      expect((await h.admin('POST', `${API}/fleets`, fleetDoc('web'))).statusCode).toBe(201);
      const elsewhere = releaseDoc('stray', 'web', V1);
      elsewhere.spec.image = `quay.io/example/other@${V1}`;
      expect(expectStatus(await h.admin('POST', `${API}/releases`, elsewhere), 422, 'Invalid')).toBe(
        "spec.image: quay.io/example/other is not fleet web's repository quay.io/example/os",
      );
      expectStatus(await h.admin('PUT', `${API}/releases/stray`, elsewhere), 422, 'Invalid');
      expect((await h.admin('GET', `${API}/releases`)).json().items).toEqual([]);
      expect((await h.admin('POST', `${API}/releases`, releaseDoc('v1', 'web', V1))).statusCode).toBe(201);
    });
  });

  describe('numbers and nesting out of range', () => {
    it('answers 422 naming the field, and stores nothing, for durations past any clock and 8,000-deep JSON', async () => {
      const h = await harness();
      const ttl = await h.admin('POST', `${API}/enrollment-tokens`, { labels: {}, ttl: '999999999999d' });
      expect(expectStatus(ttl, 422, 'Invalid')).toMatch(/^enrollment token request is invalid: ttl: /);
      await runningFleet(h, ['web-01']);
      const slow = rolloutDoc('roll-v2', 'v2', { updateTimeout: '999999999999d' });
      expect(expectStatus(await h.admin('POST', `${API}/rollouts`, slow), 422, 'Invalid')).toMatch(
        /^Rollout is invalid: spec\.updateTimeout: /,
      );
      expectStatus(await h.admin('GET', `${API}/rollouts/roll-v2`), 404, 'NotFound');
      const credential = await h.enroll('deep', { fleet: 'web' });
      // Written as text: JSON.stringify itself cannot write a value this deep.
      const report = JSON.stringify({ bootc: { ...bootcStatus(V2), extra: 'DEEP' }, health: { state: 'healthy' } });
      const deep = report.replace('"DEEP"', `${'['.repeat(8000)}"bottom"${']'.repeat(8000)}`);
      const sent = await h.app.inject({
        method: 'POST',
        url: '/host/v1/status',
        headers: { authorization: `Bearer ${credential}`, 'content-type': 'application/json' },
        payload: deep,
      });
      expect(expectStatus(sent, 422, 'Invalid')).toMatch(
        /^status report is invalid: bootc\.extra(\[0\])+: nested deeper than/,
      );
      expect((await h.store.getHost('deep'))?.resource.status?.report).toBeUndefined();
    });
  });

  describe('FleetLock for enrolled hosts only', () => {
    const call = (h: Harness, operation: string, id: string, group: string, url = `/v1/${operation}`) =>
      h.app.inject({
        method: 'POST',
        url,
        headers: { 'fleet-lock-protocol': 'true' },
        payload: { client_params: { id, group } },
      });
    const holders = async (h: Harness) =>
      (await h.admin('GET', `${API}/locks`))
        .json()
        .items.map((each: { fleet: string; group: string; id: string }) => [each.fleet, each.group, each.id]);

    it('locks for the enrolled host, by its name or Zincati id, in the group its fleet decides', async () => {
      const h = await harness();
      // One reboot slot per zone: two hosts in zone a, at most 50% down.
      await runningFleet(h, ['web-01'], { disruptionBudget: { groupBy: 'zone', maxUnavailable: '50%' } });
      const zincatiId = 'f3a05b9c2d7e4a1b8c6d0e9f1a2b3c4d';
      const token = (await h.admin('POST', `${API}/enrollment-tokens`, { labels: { fleet: 'web', zone: 'a' } })).json();
      const enrolled = await h.app.inject({
        method: 'POST',
        url: '/host/v1/enroll',
        payload: { token: token.token, name: 'web-02', fleetLockId: zincatiId },
      });
      expect(enrolled.statusCode, enrolled.body).toBe(201);

      const ghost = await call(h, 'pre-reboot', 'never-enrolled', 'a');
      expect([ghost.statusCode, ghost.json().value]).toEqual([
        403,
        expect.stringMatching(/^client_params\.id: never-enrolled is not an enrolled host/),
      ]);
      // A group of the client's own making is not a slot of its own: the fleet's budget says zone a.
      expect((await call(h, 'pre-reboot', zincatiId, 'made-up')).statusCode).toBe(200);
      expect(await holders(h)).toEqual([['web', 'a', 'web-02']]);
      const full = await call(h, 'pre-reboot', 'web-01', 'another-made-up');
      expect([full.statusCode, full.json().kind]).toEqual([409, 'failed_lock_semaphore_full']);
      expect((await call(h, 'pre-reboot', 'web-01', 'a', '/fleets/other/v1/pre-reboot')).statusCode).toBe(404);
      expect((await h.admin('POST', `${API}/fleets`, fleetDoc('other'))).statusCode).toBe(201);
      expect((await call(h, 'pre-reboot', 'web-01', 'a', '/fleets/other/v1/pre-reboot')).statusCode).toBe(403);
      // Giving back is the host's, in whatever group it says.
      expect((await call(h, 'steady-state', zincatiId, 'whatever')).statusCode).toBe(200);
      expect((await call(h, 'pre-reboot', 'web-01', 'a')).statusCode).toBe(200);
      expect(await holders(h)).toEqual([['web', 'a', 'web-01']]);
      // An id is one host's.
      const again = (await h.admin('POST', `${API}/enrollment-tokens`, { labels: { fleet: 'web' } })).json();
      const taken = await h.app.inject({
        method: 'POST',
        url: '/host/v1/enroll',
        payload: { token: again.token, name: 'web-03', fleetLockId: zincatiId },
      });
      expect(expectStatus(taken, 409, 'Conflict')).toBe(`fleetLockId: ${zincatiId} is already host web-02's`);
    });

    it('bounds ids and groups, and stores nothing for anything else', async () => {
      const h = await harness();
      await runningFleet(h, ['web-01']);
      const long = await call(h, 'pre-reboot', 'x'.repeat(100_000), 'a');
      expect([long.statusCode, long.json().value]).toEqual([400, expect.stringMatching(/^client_params\.id: /)]);
      expect(long.body.length).toBeLessThan(500);
      const group = await call(h, 'pre-reboot', 'web-01', 'g'.repeat(100_000));
      expect([group.statusCode, group.json().value]).toEqual([400, expect.stringMatching(/^client_params\.group: /)]);
      for (let n = 0; n < 20; n++) expect((await call(h, 'pre-reboot', `stranger-${n}`, 'a')).statusCode).toBe(403);
      expect(await holders(h)).toEqual([]);
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

    it('counts wrong admin guesses apart from enrollment and FleetLock from the same address', async () => {
      const h = await harness({ limits: { anonymous: { perMinute: 60, burst: 3 } } });
      const token = (await h.admin('POST', `${API}/enrollment-tokens`, {})).json().token as string;
      const guess = () =>
        h.app.inject({ method: 'GET', url: `${API}/fleets`, headers: { authorization: 'Bearer not-the-token' } });
      for (let n = 0; n < 3; n++) expectStatus(await guess(), 401, 'Unauthorized');
      expectStatus(await guess(), 429, 'TooManyRequests');
      const enrolled = await h.app.inject({ method: 'POST', url: '/host/v1/enroll', payload: { token, name: 'h1' } });
      expect(enrolled.statusCode, enrolled.body).toBe(201);
      // Wrong host credentials count as guesses too, not against the address's anonymous calls.
      expectStatus(await h.host('plh_wrong', 'GET', '/host/v1/desired'), 429, 'TooManyRequests');
      const lock = await h.app.inject({
        method: 'POST',
        url: '/v1/pre-reboot',
        headers: { 'fleet-lock-protocol': 'true' },
        payload: { client_params: { id: 'h1', group: 'default' } },
      });
      expect(lock.statusCode, lock.body).toBe(200);
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
      // No disruption budget: the host's group is FleetLock's default, whatever group the client named.
      expect(samples.get('patchline_fleetlock_holders{fleet="web",group="default"}')).toBe(1);
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

describe("the registry gateway's challenge", () => {
  it('builds the token realm from the configured URL, never from a Host header that could add parameters', async () => {
    const dir = await tempDir('patchline-challenge-');
    const store = await Store.open(join(dir, 'controller.db'));
    const plain = await createServer({ store, adminToken: ADMIN, gateway: { cacheDir: join(dir, 'cache') } });
    const configured = await createServer({
      store,
      adminToken: ADMIN,
      gateway: { cacheDir: join(dir, 'cache'), publicUrl: 'https://patchline.example:8443' },
    });
    try {
      const challenge = async (server: PatchlineServer, host: string) =>
        (await server.app.inject({ method: 'GET', url: '/v2/', headers: { host } })).headers['www-authenticate'];
      const injected = 'evil.example",scope="repository:fleets/prod/os:pull';
      expect(await challenge(plain, 'controller.example:8080')).toBe(
        'Bearer realm="http://controller.example:8080/v2/token",service="patchline"',
      );
      expect(await challenge(plain, injected)).toBe('Basic realm="patchline"');
      for (const host of ['controller.example:8080', injected]) {
        expect(await challenge(configured, host)).toBe(
          'Bearer realm="https://patchline.example:8443/v2/token",service="patchline"',
        );
      }
    } finally {
      await plain.app.close();
      await configured.app.close();
      await store.close();
    }
  });
});

describe("the registry gateway's bearer tokens", () => {
  it('die with the credential they were issued for: a host deleted and enrolled again starts without one', async () => {
    const dir = await tempDir('patchline-bearer-');
    const store = await Store.open(join(dir, 'controller.db'));
    const { app } = await createServer({ store, adminToken: ADMIN, gateway: { cacheDir: join(dir, 'cache') } });
    const admin = { authorization: `Bearer ${ADMIN}` };
    const enroll = async () => {
      const token = (
        await app.inject({ method: 'POST', url: `${API}/enrollment-tokens`, headers: admin, payload: {} })
      ).json().token as string;
      return (await app.inject({ method: 'POST', url: '/host/v1/enroll', payload: { token, name: 'web-01' } })).json()
        .credential as string;
    };
    const bearerFor = async (credential: string) => {
      const basic = Buffer.from(`web-01:${credential}`).toString('base64');
      const answer = await app.inject({
        method: 'GET',
        url: '/v2/token?service=patchline',
        headers: { authorization: `Basic ${basic}` },
      });
      expect(answer.statusCode, answer.body).toBe(200);
      return answer.json().token as string;
    };
    const ping = async (bearer: string) =>
      (await app.inject({ method: 'GET', url: '/v2/', headers: { authorization: `Bearer ${bearer}` } })).statusCode;
    try {
      const old = await bearerFor(await enroll());
      expect(await ping(old)).toBe(200);
      expect((await app.inject({ method: 'DELETE', url: `${API}/hosts/web-01`, headers: admin })).statusCode).toBe(200);
      expect(await ping(old)).toBe(401);
      const fresh = await bearerFor(await enroll());
      expect(await ping(old)).toBe(401);
      expect(await ping(fresh)).toBe(200);
    } finally {
      await app.close();
      await store.close();
    }
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
