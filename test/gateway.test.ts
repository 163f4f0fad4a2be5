/**
 * The registry gateway against real components: a real docker-registry with htpasswd auth as the upstream (behind a
 * recording proxy, so we see what the gateway asked upstream), the gateway inside the server in front of it, and
 * skopeo, which pulls with the containers/image library bootc uses, as each host's puller.
 *
 * Oracles: digests are computed from what skopeo reads straight from the upstream registry (`skopeo inspect --raw`),
 * blob bytes are fetched straight from the registry, and the rollout's answer for each host is the host API's
 * desired-state poll, which the gateway's tag answers must equal.
 */

import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OciLayoutWriter } from '../src/oci/layout-writer.js';
import { type Fault, type FaultProxy, startFaultProxy } from './helpers/fault-proxy.js';
import { bootcStatus } from './helpers/fleet-docs.js';
import { authFile, type GatewayHarness, release, run, sha256, skopeo, startGateway } from './helpers/gateway.js';
import { makeLayoutImage } from './helpers/images.js';
import { pseudoBytes } from './helpers/pseudo-bytes.js';
import { hasBinary, startRegistry, type TestRegistry } from './helpers/registry.js';
import { makeTar } from './helpers/tar.js';
import { tempDir } from './helpers/tmp.js';
import { until } from './helpers/until.js';

const missing = ['docker-registry', 'skopeo'].filter((name) => !hasBinary(name));
if (missing.length > 0) console.warn(`skipping the gateway tests: ${missing.join(', ')} not installed`);

const UPSTREAM_USER = 'gateway';
const UPSTREAM_PASSWORD = 'upstream-secret';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';

interface Pushed {
  digest: string;
  raw: Buffer;
}

interface Upstream {
  registry: TestRegistry;
  proxy: FaultProxy;
  auth: string;
  /** The repository fleets track, through the proxy: 127.0.0.1:PORT/web/os. */
  repository: string;
  v1: Pushed;
  v2: Pushed & { amd64: string; arm64: string };
  v3: Pushed & { layer: { digest: string; size: number }; config: { digest: string; size: number } };
  v4: Pushed;
  stranger: Pushed;
}

let upstream: Upstream;
const servers: GatewayHarness[] = [];

/** Pushes a layout to the registry with skopeo and reads back, with skopeo, what the registry holds. */
async function push(registry: TestRegistry, source: string, tag: string, extra: string[] = []): Promise<Pushed> {
  const target = `docker://${registry.host}/web/os:${tag}`;
  const creds = `${UPSTREAM_USER}:${UPSTREAM_PASSWORD}`;
  await skopeo('copy', '--quiet', ...extra, '--dest-tls-verify=false', '--dest-creds', creds, source, target);
  const raw = await skopeo('inspect', '--raw', '--tls-verify=false', '--creds', creds, target);
  return { digest: sha256(raw), raw };
}

async function layer(seed: string, size: number): Promise<Buffer> {
  return makeTar([{ name: `usr/lib/${seed}.bin`, content: pseudoBytes(seed, size) }]);
}

async function makeUpstream(): Promise<Upstream> {
  const registry = await startRegistry({ kind: 'htpasswd', users: { [UPSTREAM_USER]: UPSTREAM_PASSWORD } });
  const proxy = await startFaultProxy(registry.url);
  const dir = await tempDir('patchline-gateway-images-');
  const base = await layer('base', 300_000);

  // v1: a Docker schema 2 image (skopeo converts it on push), so Docker media types are served too.
  const v1Layout = await makeLayoutImage(dir, 'v1', [
    [{ name: 'usr/lib/base.bin', content: pseudoBytes('base', 300_000) }],
    [{ name: 'usr/bin/app', content: 'v1' }],
  ]);
  const v1 = await push(registry, v1Layout.ref, 'v1', ['--format', 'v2s2']);

  // v2: an OCI index over amd64 and arm64 images that share their base layer.
  const v2Dir = join(dir, 'v2');
  const amd = new OciLayoutWriter(v2Dir);
  await amd.addLayer(base);
  await amd.addLayer(await layer('app-v2-amd64', 50_000));
  const amdDescriptor = await amd.finish({ platform: { os: 'linux', architecture: 'amd64' } });
  const arm = new OciLayoutWriter(v2Dir);
  await arm.addLayer(base);
  await arm.addLayer(await layer('app-v2-arm64', 50_000));
  const armDescriptor = await arm.finish({ platform: { os: 'linux', architecture: 'arm64' } });
  await arm.finishIndex([amdDescriptor, armDescriptor], 'v2');
  const v2 = await push(registry, `oci:${v2Dir}:v2`, 'v2', ['--all']);

  // v3: one uncompressed 3 MB layer, many chunks on the wire, for the corruption test.
  const v3Layout = await makeLayoutImage(dir, 'v3', [[{ name: 'big.bin', content: pseudoBytes('big', 3_000_000) }]], {
    compression: 'none',
  });
  const v3 = await push(registry, v3Layout.ref, 'v3');
  const v3Manifest = JSON.parse(v3.raw.toString()) as {
    config: { digest: string; size: number };
    layers: Array<{ digest: string; size: number }>;
  };

  const v4Layout = await makeLayoutImage(dir, 'v4', [[{ name: 'usr/bin/app', content: 'v4' }]]);
  const v4 = await push(registry, v4Layout.ref, 'v4');
  // In the same upstream repository, but no release names it.
  const strangerLayout = await makeLayoutImage(dir, 'stranger', [[{ name: 'secret', content: 'not for hosts' }]]);
  const stranger = await push(registry, strangerLayout.ref, 'stranger');

  return {
    registry,
    proxy,
    auth: await authFile(proxy.host, UPSTREAM_USER, UPSTREAM_PASSWORD),
    repository: `${proxy.host}/web/os`,
    v1,
    v2: { ...v2, amd64: amdDescriptor.digest, arm64: armDescriptor.digest },
    v3: { ...v3, layer: v3Manifest.layers[0] ?? { digest: '', size: 0 }, config: v3Manifest.config },
    v4,
    stranger,
  };
}

beforeAll(async () => {
  if (missing.length > 0) return;
  upstream = await makeUpstream();
}, 180_000);

afterAll(async () => {
  for (const server of servers.splice(0)) await server.close();
  await upstream?.proxy.stop();
  await upstream?.registry.stop();
});

interface Fleet {
  gateway: GatewayHarness;
  credentials: Record<string, string>;
}

/**
 * Fleet `web` (hosts web-01..03 in zone a) on v1, rolled out, with releases v2 (index), v3 and v4 waiting; fleet `db`
 * (host db-01) elsewhere on the same upstream.
 */
async function webFleet(challenge: 'bearer' | 'basic' = 'bearer'): Promise<Fleet> {
  const gateway = await startGateway({ upstreamAuthFile: upstream.auth, challenge });
  servers.push(gateway);
  const repository = upstream.repository;
  for (const name of ['web', 'db']) {
    const created = await gateway.admin('POST', 'fleets', {
      apiVersion: 'patchline.dev/v1',
      kind: 'Fleet',
      metadata: { name },
      spec: { selector: { matchLabels: { fleet: name } }, image: repository },
    });
    expect(created.status, created.body).toBe(201);
  }
  const releases = [
    release('v1', 'web', `${repository}@${upstream.v1.digest}`),
    release('v2', 'web', `${repository}@${upstream.v2.digest}`, [upstream.v2.amd64, upstream.v2.arm64]),
    release('v3', 'web', `${repository}@${upstream.v3.digest}`),
    release('v4', 'web', `${repository}@${upstream.v4.digest}`),
    release('db-v1', 'db', `${repository}@${upstream.v4.digest}`),
  ];
  for (const each of releases) expect((await gateway.admin('POST', 'releases', each)).status).toBe(201);
  const credentials: Record<string, string> = {};
  for (const [name, fleet] of [
    ['web-01', 'web'],
    ['web-02', 'web'],
    ['web-03', 'web'],
    ['db-01', 'db'],
  ] as const) {
    credentials[name] = await gateway.enroll(name, { fleet, zone: 'a' });
    await report(gateway, credentials[name], fleet === 'web' ? upstream.v1.digest : upstream.v4.digest);
  }
  for (const [name, version] of [
    ['roll-v1', 'v1'],
    ['roll-db', 'db-v1'],
  ]) {
    const rolled = await gateway.admin('POST', 'rollouts', {
      apiVersion: 'patchline.dev/v1',
      kind: 'Rollout',
      metadata: { name },
      spec: { release: version },
    });
    expect((rolled.json() as { status: { phase: string } }).status.phase, rolled.body).toBe('succeeded');
  }
  return { gateway, credentials };
}

async function report(
  gateway: GatewayHarness,
  credential: string,
  booted: string,
  options: { rollback?: string; healthy?: boolean } = {},
): Promise<void> {
  const response = await gateway.server.app.inject({
    method: 'POST',
    url: '/host/v1/status',
    headers: { authorization: `Bearer ${credential}` },
    payload: {
      bootc: bootcStatus(booted, undefined, options.rollback),
      health: options.healthy === false ? { state: 'unhealthy', failedChecks: ['app.service'] } : { state: 'healthy' },
    },
  });
  expect(response.statusCode, response.body).toBe(204);
}

function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

/** What skopeo, as host `name`, gets for the fleet's tag: the raw manifest's digest. */
async function tagDigest(fleet: Fleet, name: string, repository = 'fleets/web/os'): Promise<string> {
  const creds = `${name}:${fleet.credentials[name]}`;
  const raw = await skopeo(
    'inspect',
    '--raw',
    '--tls-verify=false',
    '--creds',
    creds,
    `docker://${fleet.gateway.address}/${repository}:latest`,
  );
  return sha256(raw);
}

/** The host API's answer for the same host: the oracle for the gateway's tag answer. */
async function polled(fleet: Fleet, name: string): Promise<string> {
  const response = await fleet.gateway.server.app.inject({
    method: 'GET',
    url: '/host/v1/desired',
    headers: { authorization: `Bearer ${fleet.credentials[name]}` },
  });
  return (response.json() as { digest: string }).digest;
}

async function registryError(response: Response): Promise<{ status: number; code: string; message: string }> {
  const text = await response.text();
  const body = JSON.parse(text) as { errors?: Array<{ code: string; message: string }> };
  if (body.errors === undefined) throw new Error(`not a registry error (HTTP ${response.status}): ${text}`);
  return { status: response.status, code: body.errors[0]?.code ?? '', message: body.errors[0]?.message ?? '' };
}

/** Reads a blob with a raw HTTP request: how many bytes arrived, and whether the response ended cleanly. */
function rawGet(url: string, authorization: string): Promise<{ status: number; bytes: Buffer; complete: boolean }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { headers: { authorization } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, bytes: Buffer.concat(chunks), complete: response.complete }),
      );
      response.on('error', () =>
        resolve({ status: response.statusCode ?? 0, bytes: Buffer.concat(chunks), complete: false }),
      );
      response.on('aborted', () => undefined);
    });
    request.on('error', reject);
    request.end();
  });
}

/** The blob straight from the upstream registry: the oracle for what the gateway serves. */
async function upstreamBlob(digest: string): Promise<Buffer> {
  const response = await fetch(`${upstream.registry.url}/v2/web/os/blobs/${digest}`, {
    headers: { authorization: basic(UPSTREAM_USER, UPSTREAM_PASSWORD) },
  });
  expect(response.status).toBe(200);
  return Buffer.from(await response.arrayBuffer());
}

function blobGets(digest?: string): number {
  return upstream.proxy.requests.filter(
    (each) =>
      each.method === 'GET' && each.path.includes('/blobs/') && (digest === undefined || each.path.endsWith(digest)),
  ).length;
}

describe.skipIf(missing.length > 0)('the registry gateway', () => {
  it('answers each host the digest its rollout wants now, counts it as served, and sends it back after a rollback', async () => {
    const fleet = await webFleet();
    const { gateway } = fleet;
    for (const name of ['web-01', 'web-02', 'web-03']) expect(await tagDigest(fleet, name)).toBe(upstream.v1.digest);

    const started = await gateway.admin('POST', 'rollouts', {
      apiVersion: 'patchline.dev/v1',
      kind: 'Rollout',
      metadata: { name: 'roll-v2' },
      spec: { release: 'v2', batches: [{ limit: 1 }] },
    });
    const hosts = (started.json() as { status: { hosts: Record<string, { state: string }> } }).status.hosts;
    const selected = Object.keys(hosts).filter((name) => hosts[name]?.state === 'selected');
    expect(selected).toHaveLength(1);
    const canary = selected[0] ?? '';
    const others = ['web-01', 'web-02', 'web-03'].filter((name) => name !== canary);

    // The canary alone is told v2 (the index); the others keep v1. The tag answer is the desired-state answer.
    expect(await tagDigest(fleet, canary)).toBe(upstream.v2.digest);
    for (const name of others) expect(await tagDigest(fleet, name)).toBe(upstream.v1.digest);
    for (const name of [canary, ...others]) expect(await tagDigest(fleet, name)).toBe(await polled(fleet, name));
    const served = (await gateway.store.getHost(canary))?.resource.status?.lastServed;
    expect(served?.digest).toBe(upstream.v2.digest);
    await gateway.server.controller.tick();
    const progressed = (await gateway.admin('GET', 'rollouts/roll-v2')).json() as {
      status: { hosts: Record<string, { state: string }> };
    };
    // Served through the gateway, the canary moved on exactly as if it had polled the host API.
    expect(progressed.status.hosts[canary]?.state).toBe('updating');

    // The canary boots v2's amd64 image and fails its health checks: the rollout rolls back, and the same tag now
    // answers v1 again.
    await report(gateway, fleet.credentials[canary] ?? '', upstream.v2.amd64, {
      rollback: upstream.v1.digest,
      healthy: false,
    });
    await gateway.server.controller.tick();
    await gateway.server.controller.tick();
    const after = (await gateway.admin('GET', 'rollouts/roll-v2')).json() as { status: { phase: string } };
    expect(['rolling-back', 'rolled-back']).toContain(after.status.phase);
    for (const name of [canary, ...others]) expect(await tagDigest(fleet, name)).toBe(upstream.v1.digest);
  }, 120_000);

  it('negotiates media types: Docker and OCI manifests and indexes, HEAD and GET, with Docker-Content-Digest', async () => {
    const fleet = await webFleet();
    const url = `${fleet.gateway.url}/v2/fleets/web/os/manifests`;
    const authorization = basic('web-01', fleet.credentials['web-01'] ?? '');
    const get = (reference: string, accept: string | undefined, method = 'GET') =>
      fetch(`${url}/${reference}`, { method, headers: { authorization, ...(accept ? { accept } : {}) } });

    // v1 is a Docker manifest: served as such, refused to a client that reads only OCI.
    const docker = await get('latest', `${DOCKER_MANIFEST}, ${OCI_MANIFEST}`);
    expect(docker.status).toBe(200);
    expect(docker.headers.get('content-type')).toBe(DOCKER_MANIFEST);
    expect(docker.headers.get('docker-content-digest')).toBe(upstream.v1.digest);
    expect(Buffer.from(await docker.arrayBuffer()).equals(upstream.v1.raw)).toBe(true);
    const ociOnly = await get(upstream.v1.digest, OCI_MANIFEST);
    expect(await registryError(ociOnly)).toMatchObject({ status: 404, code: 'MANIFEST_UNKNOWN' });

    // HEAD has GET's headers and no body.
    const head = await get(upstream.v1.digest, undefined, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.headers.get('docker-content-digest')).toBe(upstream.v1.digest);
    expect(head.headers.get('content-length')).toBe(String(upstream.v1.raw.length));
    expect(head.headers.get('content-type')).toBe(DOCKER_MANIFEST);

    // v2 is an index: by digest as it is; its platform manifests by their digests.
    const index = await get(upstream.v2.digest, `${OCI_INDEX}, ${OCI_MANIFEST}`);
    expect(index.headers.get('content-type')).toBe(OCI_INDEX);
    expect(sha256(Buffer.from(await index.arrayBuffer()))).toBe(upstream.v2.digest);
    const arm = await get(upstream.v2.arm64, OCI_MANIFEST);
    expect(arm.status).toBe(200);
    expect(arm.headers.get('docker-content-digest')).toBe(upstream.v2.arm64);
    expect(sha256(Buffer.from(await arm.arrayBuffer()))).toBe(upstream.v2.arm64);

    // A tag whose answer is the index, asked by a client that reads no index, gets the linux/amd64 manifest.
    await fleet.gateway.admin('POST', 'rollouts', {
      apiVersion: 'patchline.dev/v1',
      kind: 'Rollout',
      metadata: { name: 'roll-v2' },
      spec: { release: 'v2' },
    });
    const child = await get('latest', OCI_MANIFEST);
    expect(child.status).toBe(200);
    expect(child.headers.get('docker-content-digest')).toBe(upstream.v2.amd64);
    const whole = await get('latest', `${OCI_INDEX}, ${OCI_MANIFEST}`);
    expect(whole.headers.get('docker-content-digest')).toBe(upstream.v2.digest);
  }, 120_000);

  it('pulls whole images with skopeo through the token flow and through Basic', async () => {
    for (const challenge of ['bearer', 'basic'] as const) {
      const fleet = await webFleet(challenge);
      const ping = await fetch(`${fleet.gateway.url}/v2/`);
      expect(ping.status).toBe(401);
      expect(ping.headers.get('www-authenticate')).toBe(
        challenge === 'bearer'
          ? `Bearer realm="${fleet.gateway.url}/v2/token",service="patchline"`
          : 'Basic realm="patchline"',
      );
      const out = join(await tempDir('patchline-pull-'), 'image');
      await skopeo(
        'copy',
        '--quiet',
        '--src-tls-verify=false',
        '--src-creds',
        `web-02:${fleet.credentials['web-02']}`,
        `docker://${fleet.gateway.address}/fleets/web/os:latest`,
        `oci:${out}:pulled`,
      );
      // skopeo checked every blob against its digest; what it stored is what the upstream registry holds.
      const manifest = JSON.parse(upstream.v1.raw.toString()) as {
        config: { digest: string };
        layers: Array<{ digest: string }>;
      };
      for (const blob of [manifest.config, ...manifest.layers]) {
        const stored = await readFile(join(out, 'blobs', 'sha256', blob.digest.slice(7)));
        expect(stored.equals(await upstreamBlob(blob.digest)), blob.digest).toBe(true);
      }
    }
  }, 180_000);

  it("issues tokens only for the host's own repository, on its own credential", async () => {
    const fleet = await webFleet();
    const tokenUrl = `${fleet.gateway.url}/v2/token?service=patchline&scope=`;
    const web01 = basic('web-01', fleet.credentials['web-01'] ?? '');
    const noAuth = await fetch(`${tokenUrl}repository:fleets/web/os:pull`);
    expect(noAuth.status).toBe(401);
    expect(noAuth.headers.get('www-authenticate')).toBe('Basic realm="patchline"');
    // Another host's credential under this host's name is refused.
    const swapped = await fetch(`${tokenUrl}repository:fleets/web/os:pull`, {
      headers: { authorization: basic('web-01', fleet.credentials['web-02'] ?? '') },
    });
    expect(swapped.status).toBe(401);

    const own = (await (
      await fetch(`${tokenUrl}repository:fleets/web/os:pull`, { headers: { authorization: web01 } })
    ).json()) as {
      token: string;
      expires_in: number;
    };
    expect(own.expires_in).toBe(300);
    const withToken = await fetch(`${fleet.gateway.url}/v2/fleets/web/os/manifests/latest`, {
      headers: { authorization: `Bearer ${own.token}` },
    });
    expect(withToken.headers.get('docker-content-digest')).toBe(upstream.v1.digest);

    // A token asked for the db fleet grants nothing there.
    const other = (await (
      await fetch(`${tokenUrl}repository:fleets/db/os:pull`, { headers: { authorization: web01 } })
    ).json()) as {
      token: string;
    };
    const denied = await fetch(`${fleet.gateway.url}/v2/fleets/db/os/manifests/latest`, {
      headers: { authorization: `Bearer ${other.token}` },
    });
    expect(await registryError(denied)).toMatchObject({ status: 403, code: 'DENIED' });
    // The web token does not open db either, and a forged token opens nothing.
    const crossed = await fetch(`${fleet.gateway.url}/v2/fleets/db/os/manifests/latest`, {
      headers: { authorization: `Bearer ${own.token}` },
    });
    expect((await registryError(crossed)).code).toBe('DENIED');
    const [payload] = own.token.split('.');
    const forged = Buffer.from(JSON.stringify({ host: 'db-01', repository: 'fleets/db/os', exp: 4102444800 })).toString(
      'base64url',
    );
    const forgedResponse = await fetch(`${fleet.gateway.url}/v2/fleets/db/os/manifests/latest`, {
      headers: { authorization: `Bearer ${forged}.${own.token.slice((payload ?? '').length + 1)}` },
    });
    expect(await registryError(forgedResponse)).toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
    // A second controller sharing the admin token and the database (or this one restarted) accepts it too.
    const second = await startGateway({ upstreamAuthFile: upstream.auth }, { database: fleet.gateway.database });
    servers.push(second);
    const elsewhere = await fetch(`${second.url}/v2/`, { headers: { authorization: `Bearer ${own.token}` } });
    expect(elsewhere.status).toBe(200);
    // The token expires with the server's clock.
    fleet.gateway.now.offsetMs = 301_000;
    const expired = await fetch(`${fleet.gateway.url}/v2/fleets/web/os/manifests/latest`, {
      headers: { authorization: `Bearer ${own.token}` },
    });
    expect(expired.status).toBe(401);
    expect(expired.headers.get('www-authenticate')).toContain('error="invalid_token"');
  }, 120_000);

  it("serves only what the fleet's releases reference, to the fleet's own hosts, read-only", async () => {
    const fleet = await webFleet();
    const base = `${fleet.gateway.url}/v2`;
    const web01 = basic('web-01', fleet.credentials['web-01'] ?? '');
    const db01 = basic('db-01', fleet.credentials['db-01'] ?? '');
    const get = (path: string, authorization = web01, method = 'GET') =>
      fetch(`${base}/${path}`, { method, headers: { authorization } });

    // The newest release names an image upstream no longer has: it holds nothing, and hides nothing either.
    const gone = release('gone', 'web', `${upstream.repository}@sha256:${'9'.repeat(64)}`);
    expect((await fleet.gateway.admin('POST', 'releases', gone)).status).toBe(201);
    const v1Layer = (JSON.parse(upstream.v1.raw.toString()) as { layers: Array<{ digest: string }> }).layers[0]?.digest;
    expect((await get(`fleets/web/os/blobs/${v1Layer}`, web01, 'HEAD')).status).toBe(200);

    // A manifest and a blob in the same upstream repository, but in no release: 404, and skopeo cannot pull it.
    expect(await registryError(await get(`fleets/web/os/manifests/${upstream.stranger.digest}`))).toMatchObject({
      status: 404,
      code: 'MANIFEST_UNKNOWN',
    });
    const strangerLayer = (JSON.parse(upstream.stranger.raw.toString()) as { layers: Array<{ digest: string }> })
      .layers[0]?.digest;
    expect(await registryError(await get(`fleets/web/os/blobs/${strangerLayer}`))).toMatchObject({
      status: 404,
      code: 'BLOB_UNKNOWN',
    });
    const refused = await run('skopeo', [
      'inspect',
      '--raw',
      '--tls-verify=false',
      '--creds',
      `web-01:${fleet.credentials['web-01']}`,
      `docker://${fleet.gateway.address}/fleets/web/os@${upstream.stranger.digest}`,
    ]);
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toMatch(/manifest unknown/i);

    // Another fleet's repository: denied, by tag, digest and blob, even for content both fleets share.
    for (const path of ['fleets/db/os/manifests/latest', `fleets/db/os/manifests/${upstream.v4.digest}`]) {
      expect(await registryError(await get(path))).toMatchObject({ status: 403, code: 'DENIED' });
    }
    expect(await tagDigest(fleet, 'db-01', 'fleets/db/os')).toBe(upstream.v4.digest);
    expect((await registryError(await get('fleets/web/os/manifests/latest', db01))).code).toBe('DENIED');
    const crossSkopeo = await run('skopeo', [
      'inspect',
      '--raw',
      '--tls-verify=false',
      '--creds',
      `db-01:${fleet.credentials['db-01']}`,
      `docker://${fleet.gateway.address}/fleets/web/os:latest`,
    ]);
    expect(crossSkopeo.status).not.toBe(0);

    const tags = await skopeo(
      'list-tags',
      '--tls-verify=false',
      '--creds',
      `web-01:${fleet.credentials['web-01']}`,
      `docker://${fleet.gateway.address}/fleets/web/os`,
    );
    expect(JSON.parse(tags.toString())).toEqual({
      Repository: `${fleet.gateway.address}/fleets/web/os`,
      Tags: ['latest'],
    });
    expect((await registryError(await get('fleets/db/os/tags/list'))).code).toBe('DENIED');

    // Wrong or missing credentials: 401 with the challenge; unknown repositories: 404; writes: 405.
    const anonymous = await fetch(`${base}/fleets/web/os/manifests/latest`);
    expect(await registryError(anonymous)).toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
    expect(anonymous.headers.get('www-authenticate')).toContain('scope="repository:fleets/web/os:pull"');
    expect((await get('fleets/web/os/manifests/latest', basic('web-01', 'guess'))).status).toBe(401);
    expect(await registryError(await get('library/alpine/manifests/latest'))).toMatchObject({
      status: 404,
      code: 'NAME_UNKNOWN',
    });
    expect(await registryError(await get('web/os/manifests/latest'))).toMatchObject({ code: 'NAME_UNKNOWN' });
    expect(await registryError(await get('fleets/web/os/manifests/latest', web01, 'PUT'))).toMatchObject({
      status: 405,
      code: 'UNSUPPORTED',
    });
    expect((await get('fleets/web/os/blobs/uploads/', web01, 'POST')).status).toBe(405);

    // Hostile references: not a digest, traversal, oversized.
    expect(await registryError(await get('fleets/web/os/blobs/sha256:..%2F..%2Fetc%2Fpasswd'))).toMatchObject({
      status: 400,
      code: 'DIGEST_INVALID',
    });
    expect((await get('fleets/web/os/manifests/..%2F..%2Fv1')).status).toBe(400);
    expect((await get(`fleets/web/os/manifests/${'a'.repeat(128)}`)).status).toBe(200);
    expect(await registryError(await get(`fleets/web/os/manifests/${'a'.repeat(129)}`))).toMatchObject({
      status: 400,
      code: 'TAG_INVALID',
    });
    expect((await get(`fleets/web/os/manifests/${'a'.repeat(5000)}`)).status).toBe(404);
    expect((await get('fleets/web/os/manifests/latest', `Basic ${'A'.repeat(10_000)}`)).status).toBe(401);
    const huge = await fetch(`${base}/fleets/web/os/manifests/latest`, {
      headers: { authorization: web01, 'x-padding': 'x'.repeat(64 * 1024) },
    });
    expect(huge.status).toBe(431);
  }, 120_000);

  it('never passes on a blob that does not match its digest, and keeps it out of the cache', async () => {
    const fleet = await webFleet();
    const { digest, size } = upstream.v3.layer;
    const stored = join(
      upstream.registry.storageDir,
      'docker/registry/v2/blobs/sha256',
      digest.slice(7, 9),
      digest.slice(7),
      'data',
    );
    const original = await readFile(stored);
    expect(original.length).toBe(size);
    // Same length, one byte changed in the middle: only the digest can tell.
    const corrupt = Buffer.from(original);
    corrupt[size >> 1] = (corrupt[size >> 1] ?? 0) ^ 0xff;
    await writeFile(stored, corrupt);
    try {
      const url = `${fleet.gateway.url}/v2/fleets/web/os/blobs/${digest}`;
      const authorization = basic('web-01', fleet.credentials['web-01'] ?? '');
      // Twice, each time with three clients at once: the one whose request started the download, and two that read
      // the download as it grows.
      for (let attempt = 0; attempt < 2; attempt++) {
        const all = await Promise.all([0, 1, 2].map(() => rawGet(url, authorization)));
        for (const got of all) {
          expect(got.status).toBe(200);
          expect(got.complete).toBe(false);
          expect(got.bytes.length).toBeLessThan(size);
          // Everything that was passed on is the upstream's bytes up to the held-back tail.
          expect(got.bytes.equals(corrupt.subarray(0, got.bytes.length))).toBe(true);
        }
      }
      const pulled = await run('skopeo', [
        'copy',
        '--quiet',
        '--src-tls-verify=false',
        '--src-creds',
        `web-01:${fleet.credentials['web-01']}`,
        `docker://${fleet.gateway.address}/fleets/web/os@${upstream.v3.digest}`,
        `oci:${join(await tempDir('patchline-pull-'), 'image')}:x`,
      ]);
      expect(pulled.status).not.toBe(0);
      // A range of it is not served either: ranges come only from a verified copy.
      const range = await fetch(url, { headers: { authorization, range: 'bytes=0-9' } });
      expect(await registryError(range)).toMatchObject({ status: 503, code: 'UNAVAILABLE' });
      // Nothing of it in the cache: no entry, and the temporary file of each failed download removed.
      const cached = join(fleet.gateway.cacheDir, 'blobs', 'sha256');
      const left = async () =>
        (existsSync(cached) ? await readdir(cached) : []).filter((name) => name.startsWith(digest.slice(7)));
      // The failed downloads remove their temporary files as they end: wait for that rather than for a while.
      await until('the failed downloads to clean up', async () => ((await left()).length === 0 ? true : undefined));
      expect(await left()).toEqual([]);
    } finally {
      await writeFile(stored, original);
    }
    // Once upstream is right again, the blob is served whole and verified.
    const fixed = await rawGet(
      `${fleet.gateway.url}/v2/fleets/web/os/blobs/${digest}`,
      basic('web-01', fleet.credentials['web-01'] ?? ''),
    );
    expect(fixed.complete).toBe(true);
    expect(sha256(fixed.bytes)).toBe(digest);
  }, 120_000);

  it('refuses a blob corrupted on the wire, in its first byte, its last, or on a resumed connection, and caches none of it', async () => {
    const fleet = await webFleet();
    const { digest, size } = upstream.v3.layer;
    const url = `${fleet.gateway.url}/v2/fleets/web/os/blobs/${digest}`;
    const authorization = basic('web-01', fleet.credentials['web-01'] ?? '');
    const cached = join(fleet.gateway.cacheDir, 'blobs', 'sha256');
    const left = async () =>
      (existsSync(cached) ? await readdir(cached) : []).filter((name) => name.startsWith(digest.slice(7)));
    const cases: Fault[][] = [
      [{ kind: 'corrupt', atByte: 0 }],
      // In the tail the verifier holds back: only the digest, computed beside the event loop, can refuse it.
      [{ kind: 'corrupt', atByte: size - 1 }],
      // The connection breaks after 1 MB; the Range request for the rest brings the wrong byte.
      [
        { kind: 'cut', afterBytes: 1_000_000 },
        { kind: 'corrupt', atByte: 1000 },
      ],
    ];
    for (const faults of cases) {
      upstream.proxy.reset();
      for (const fault of faults)
        upstream.proxy.inject({ method: 'GET', path: new RegExp(`/blobs/${digest}$`), times: 1, fault });
      const got = await rawGet(url, authorization);
      expect([got.status, got.complete], JSON.stringify(faults)).toEqual([200, false]);
      expect(got.bytes.length).toBeLessThan(size);
      // One download, with exactly the faults it was given: nothing of it was fetched again behind our back.
      expect(upstream.proxy.requests.filter((each) => each.path.endsWith(digest)).map((each) => each.fault)).toEqual(
        faults.map((fault) => fault.kind),
      );
      await until('the failed download to clean up', async () => ((await left()).length === 0 ? true : undefined));
    }
    // A blob that arrives in one chunk (the config) is held back whole, so a mismatch fails it before its response
    // starts: a clean 503 the client retries, no byte of it sent, nothing of it cached.
    const config = upstream.v3.config;
    upstream.proxy.reset();
    upstream.proxy.inject({
      method: 'GET',
      path: new RegExp(`/blobs/${config.digest}$`),
      times: 1,
      fault: { kind: 'corrupt', atByte: 0 },
    });
    const refused = await fetch(`${fleet.gateway.url}/v2/fleets/web/os/blobs/${config.digest}`, {
      headers: { authorization },
    });
    expect(refused.headers.get('retry-after')).toBe('30');
    expect(await registryError(refused)).toMatchObject({ status: 503, code: 'UNAVAILABLE' });
    const configLeft = async () =>
      (existsSync(cached) ? await readdir(cached) : []).filter((name) => name.startsWith(config.digest.slice(7)));
    await until('the failed download to clean up', async () => ((await configLeft()).length === 0 ? true : undefined));
    // Upstream delivers it right: served whole, and now cached with the right bytes.
    upstream.proxy.reset();
    const fixed = await rawGet(url, authorization);
    expect([fixed.complete, sha256(fixed.bytes)]).toEqual([true, digest]);
    expect(sha256(await readFile(join(cached, digest.slice(7))))).toBe(digest);
  }, 120_000);

  it('serves cold pulls of one blob that arrive during its download from that one download', async () => {
    const fleet = await webFleet();
    const { digest } = upstream.v3.layer;
    const url = `${fleet.gateway.url}/v2/fleets/web/os/blobs/${digest}`;
    const as = (name: string) => basic(name, fleet.credentials[name] ?? '');
    upstream.proxy.reset();
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    upstream.proxy.inject({
      method: 'GET',
      path: new RegExp(`/blobs/${digest}$`),
      times: 1,
      fault: { kind: 'hold', afterBytes: 2_000_000, release: released },
    });
    const first = rawGet(url, as('web-01'));
    const upstreamAt = async (bytes: number) =>
      upstream.proxy.requests.find((each) => each.path.endsWith(digest) && each.sent === bytes) ? true : undefined;
    // Upstream has sent 2 MB and holds the rest: the download is half-way when the others ask.
    await until('upstream to hold the blob half-way', () => upstreamAt(2_000_000));
    const others = ['web-02', 'web-03', 'web-01'].map((name) => rawGet(url, as(name)));
    const following = async () => {
      const text = await (await fetch(`${fleet.gateway.url}/metrics`)).text();
      const line = text
        .split('\n')
        .find((each) => each.startsWith('patchline_gateway_blob_opens_total{source="shared-download"} '));
      return line?.endsWith(' 3') ? true : undefined;
    };
    await until('the three later requests to follow the download', following);
    release();
    const all = await Promise.all([first, ...others]);
    for (const got of all) expect([got.complete, sha256(got.bytes)]).toEqual([true, digest]);
    expect(blobGets(digest)).toBe(1);
    expect(sha256(await readFile(join(fleet.gateway.cacheDir, 'blobs', 'sha256', digest.slice(7))))).toBe(digest);
  }, 120_000);

  it('answers Range requests from a verified copy', async () => {
    const fleet = await webFleet();
    const { digest, size } = upstream.v3.layer;
    const expected = await upstreamBlob(digest);
    const url = `${fleet.gateway.url}/v2/fleets/web/os/blobs/${digest}`;
    const authorization = basic('web-02', fleet.credentials['web-02'] ?? '');
    const ranged = (range: string) => fetch(url, { headers: { authorization, range } });

    const middle = await ranged('bytes=1000-1999');
    expect(middle.status).toBe(206);
    expect(middle.headers.get('content-range')).toBe(`bytes 1000-1999/${size}`);
    expect(Buffer.from(await middle.arrayBuffer()).equals(expected.subarray(1000, 2000))).toBe(true);
    const open = await ranged(`bytes=${size - 10}-`);
    expect(Buffer.from(await open.arrayBuffer()).equals(expected.subarray(size - 10))).toBe(true);
    const suffix = await ranged('bytes=-5');
    expect(suffix.headers.get('content-range')).toBe(`bytes ${size - 5}-${size - 1}/${size}`);
    expect(Buffer.from(await suffix.arrayBuffer()).equals(expected.subarray(size - 5))).toBe(true);
    const beyond = await ranged(`bytes=${size}-`);
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get('content-range')).toBe(`bytes */${size}`);
    // Several ranges are not served as such: the whole blob is (RFC 9110 allows ignoring Range).
    const several = await ranged('bytes=0-1,5-6');
    expect(several.status).toBe(200);
    expect(sha256(Buffer.from(await several.arrayBuffer()))).toBe(digest);
    const head = await fetch(url, { method: 'HEAD', headers: { authorization } });
    expect([head.status, head.headers.get('content-length'), head.headers.get('accept-ranges')]).toEqual([
      200,
      String(size),
      'bytes',
    ]);
  }, 120_000);

  it('answers a host the image it runs while no rollout speaks for it, and refuses a host that never said', async () => {
    const gateway = await startGateway({ upstreamAuthFile: upstream.auth });
    servers.push(gateway);
    const created = await gateway.admin('POST', 'fleets', {
      apiVersion: 'patchline.dev/v1',
      kind: 'Fleet',
      metadata: { name: 'web' },
      spec: { selector: { matchLabels: { fleet: 'web' } }, image: upstream.repository },
    });
    expect(created.status, created.body).toBe(201);
    await gateway.admin('POST', 'releases', release('v1', 'web', `${upstream.repository}@${upstream.v1.digest}`));
    const credentials: Record<string, string> = {};
    for (const name of ['on-v1', 'elsewhere', 'silent'])
      credentials[name] = await gateway.enroll(name, { fleet: 'web' });
    await report(gateway, credentials['on-v1'] ?? '', upstream.v1.digest);
    await report(gateway, credentials.elsewhere ?? '', upstream.stranger.digest);
    const tag = (name: string) =>
      fetch(`${gateway.url}/v2/fleets/web/os/manifests/latest`, {
        headers: { authorization: basic(name, credentials[name] ?? '') },
      });
    expect((await tag('on-v1')).headers.get('docker-content-digest')).toBe(upstream.v1.digest);
    // Keeping a host where it is tells it nothing new: it is not recorded as served.
    expect((await gateway.store.getHost('on-v1'))?.resource.status?.lastServed).toBeUndefined();
    // A host that runs an image of the fleet's repository no release names is answered that image: nothing new.
    expect((await tag('elsewhere')).headers.get('docker-content-digest')).toBe(upstream.stranger.digest);
    expect((await gateway.store.getHost('elsewhere'))?.resource.status?.lastServed).toBeUndefined();
    // A host that never said what it runs cannot be answered that.
    const refused = await registryError(await tag('silent'));
    expect(refused).toMatchObject({ status: 404, code: 'MANIFEST_UNKNOWN' });
    expect(refused.message).toBe(
      'host silent has not reported the image it runs, and no release of fleet web is meant for it yet',
    );
  }, 60_000);

  it('answers a host of a fleet with no release yet the image it runs, as bootc reads it', async () => {
    const gateway = await startGateway({ upstreamAuthFile: upstream.auth });
    servers.push(gateway);
    const created = await gateway.admin('POST', 'fleets', {
      apiVersion: 'patchline.dev/v1',
      kind: 'Fleet',
      metadata: { name: 'web' },
      spec: { selector: { matchLabels: { fleet: 'web' } }, image: upstream.repository },
    });
    expect(created.status, created.body).toBe(201);
    const credential = await gateway.enroll('new-host', { fleet: 'web' });
    await report(gateway, credential, upstream.v1.digest);
    // bootc's update check: the tag's manifest is the one it booted, so there is nothing to do (no 404 to fail on).
    const fleet: Fleet = { gateway, credentials: { 'new-host': credential } };
    expect(await tagDigest(fleet, 'new-host')).toBe(upstream.v1.digest);
    expect((await gateway.store.getHost('new-host'))?.resource.status?.lastServed).toBeUndefined();
  }, 60_000);

  it("reveals a new digest only when the fleet's reboot window is open too, to hosts that apply it at once", async () => {
    const gateway = await startGateway({ upstreamAuthFile: upstream.auth }, { handTicked: true });
    servers.push(gateway);
    const hour = 3_600_000;
    const day = 24 * hour;
    // Noon UTC on the coming day: downloads are allowed any time, reboots only 02:00-04:00 UTC.
    const noon = Math.ceil(Date.now() / day) * day + 12 * hour;
    gateway.now.offsetMs = noon - Date.now();
    const created = await gateway.admin('POST', 'fleets', {
      apiVersion: 'patchline.dev/v1',
      kind: 'Fleet',
      metadata: { name: 'web' },
      spec: {
        selector: { matchLabels: { fleet: 'web' } },
        image: upstream.repository,
        maintenanceWindows: { reboot: [{ schedule: '0 2 * * *', timeZone: 'UTC', duration: '2h' }] },
      },
    });
    expect(created.status, created.body).toBe(201);
    await gateway.admin('POST', 'releases', release('v1', 'web', `${upstream.repository}@${upstream.v1.digest}`));
    await gateway.admin('POST', 'releases', release('v3', 'web', `${upstream.repository}@${upstream.v3.digest}`));
    const credential = await gateway.enroll('web-01', { fleet: 'web' });
    await report(gateway, credential, upstream.v1.digest);
    for (const [name, version] of [
      ['roll-v1', 'v1'],
      ['roll-v3', 'v3'],
    ]) {
      await gateway.admin('POST', 'rollouts', {
        apiVersion: 'patchline.dev/v1',
        kind: 'Rollout',
        metadata: { name },
        spec: { release: version, updateTimeout: '1h' },
      });
    }
    const state = async () =>
      ((await gateway.admin('GET', 'rollouts/roll-v3')).json() as { status: { hosts: Record<string, unknown> } }).status
        .hosts['web-01'] as { state: string };
    expect(await state()).toMatchObject({ state: 'selected' });
    const fleet: Fleet = { gateway, credentials: { 'web-01': credential } };
    // Selected at noon, but bootc would reboot into it at once: it is told v1, and not counted as served.
    expect(await tagDigest(fleet, 'web-01')).toBe(upstream.v1.digest);
    expect((await gateway.store.getHost('web-01'))?.resource.status?.lastServed?.digest).not.toBe(upstream.v3.digest);
    // Waiting for the window is not slowness: hours later, past the 1h update timeout, it is still selected.
    gateway.now.offsetMs += 13 * hour;
    await report(gateway, credential, upstream.v1.digest);
    await gateway.server.controller.tick();
    expect(await state()).toMatchObject({ state: 'selected' });
    expect(await tagDigest(fleet, 'web-01')).toBe(upstream.v1.digest);
    // 02:30: both windows are open; it learns of v3 and starts.
    gateway.now.offsetMs += 1.5 * hour;
    await report(gateway, credential, upstream.v1.digest);
    expect(await tagDigest(fleet, 'web-01')).toBe(upstream.v3.digest);
    await gateway.server.controller.tick();
    expect(await state()).toMatchObject({ state: 'updating', reason: 'release-served' });
  }, 60_000);

  it("reveals a new digest to a selected host only inside the fleet's download window", async () => {
    const gateway = await startGateway({ upstreamAuthFile: upstream.auth }, { handTicked: true });
    servers.push(gateway);
    const hour = 3_600_000;
    const day = 24 * hour;
    // The clock at 02:30 UTC on the coming day, inside the 02:00-03:00 UTC download window.
    const inside = Math.ceil(Date.now() / day) * day + 2.5 * hour;
    gateway.now.offsetMs = inside - Date.now();
    const created = await gateway.admin('POST', 'fleets', {
      apiVersion: 'patchline.dev/v1',
      kind: 'Fleet',
      metadata: { name: 'web' },
      spec: {
        selector: { matchLabels: { fleet: 'web' } },
        image: upstream.repository,
        maintenanceWindows: { download: [{ schedule: '0 2 * * *', timeZone: 'UTC', duration: '1h' }] },
      },
    });
    expect(created.status, created.body).toBe(201);
    await gateway.admin('POST', 'releases', release('v1', 'web', `${upstream.repository}@${upstream.v1.digest}`));
    await gateway.admin('POST', 'releases', release('v3', 'web', `${upstream.repository}@${upstream.v3.digest}`));
    const credential = await gateway.enroll('web-01', { fleet: 'web' });
    await report(gateway, credential, upstream.v1.digest);
    for (const [name, version] of [
      ['roll-v1', 'v1'],
      ['roll-v3', 'v3'],
    ]) {
      await gateway.admin('POST', 'rollouts', {
        apiVersion: 'patchline.dev/v1',
        kind: 'Rollout',
        metadata: { name },
        spec: { release: version },
      });
    }
    const rollout = (await gateway.admin('GET', 'rollouts/roll-v3')).json() as {
      status: { hosts: Record<string, { state: string }> };
    };
    expect(rollout.status.hosts['web-01']?.state).toBe('selected');
    const tag = async () =>
      (
        await fetch(`${gateway.url}/v2/fleets/web/os/manifests/latest`, {
          method: 'HEAD',
          headers: { authorization: basic('web-01', credential) },
        })
      ).headers.get('docker-content-digest');
    // Selected in the window, but it asks after the window closed: it keeps v1 until the next window opens. (The
    // host reports as it does every minute, so the controller never takes it for offline.)
    gateway.now.offsetMs += 2 * hour;
    await report(gateway, credential, upstream.v1.digest);
    expect(await tag()).toBe(upstream.v1.digest);
    await gateway.server.controller.tick();
    gateway.now.offsetMs += day - 2 * hour;
    await report(gateway, credential, upstream.v1.digest);
    await gateway.server.controller.tick();
    expect(await tag()).toBe(upstream.v3.digest);
  }, 60_000);

  it('carries on when the upstream connection breaks mid-blob, and the client sees one whole verified blob', async () => {
    const fleet = await webFleet();
    const amd = (
      JSON.parse(
        Buffer.from(
          await (
            await fetch(`${fleet.gateway.url}/v2/fleets/web/os/manifests/${upstream.v2.amd64}`, {
              headers: { authorization: basic('web-01', fleet.credentials['web-01'] ?? '') },
            })
          ).arrayBuffer(),
        ).toString(),
      ) as { layers: Array<{ digest: string }> }
    ).layers[1]?.digest;
    const layer = amd ?? '';
    upstream.proxy.reset();
    upstream.proxy.inject({
      method: 'GET',
      path: new RegExp(`/blobs/${layer}$`),
      times: 1,
      fault: { kind: 'cut', afterBytes: 10_000 },
    });
    const got = await rawGet(
      `${fleet.gateway.url}/v2/fleets/web/os/blobs/${layer}`,
      basic('web-02', fleet.credentials['web-02'] ?? ''),
    );
    expect([got.complete, sha256(got.bytes)]).toEqual([true, layer]);
    const asked = upstream.proxy.requests.filter((each) => each.path.endsWith(layer));
    // The registry client asked again for the rest (from wherever its last delivered byte was); one download in all.
    expect(asked.map((each) => each.fault)).toEqual(['cut', undefined]);
    expect(asked[1]?.range ?? 'bytes=0-').toMatch(/^bytes=\d+-$/);
  }, 60_000);

  it('answers 503 with Retry-After, within its timeouts, when upstream accepts and stalls; a stalled blob is resumed', async () => {
    const fleet = await webFleet();
    upstream.proxy.reset();
    // Every request for v1's manifest is accepted and never answered.
    upstream.proxy.inject({
      method: 'GET',
      path: new RegExp(`/manifests/${upstream.v1.digest}$`),
      times: 100,
      fault: { kind: 'stall' },
    });
    const tag = await fetch(`${fleet.gateway.url}/v2/fleets/web/os/manifests/latest`, {
      headers: { authorization: basic('web-01', fleet.credentials['web-01'] ?? '') },
    });
    expect(tag.headers.get('retry-after')).toBe('30');
    const error = await registryError(tag);
    expect(error).toMatchObject({ status: 503, code: 'UNAVAILABLE' });
    expect(error.message).toContain('no response within 4s');
    // Each attempt waits 4 s; none starts 8 s after the first did: at most two attempts for that answer.
    expect(upstream.proxy.requests.filter((each) => each.fault === 'stall').length).toBeLessThanOrEqual(2);
    // skopeo, as bootc, gets the same answer.
    const creds = `web-02:${fleet.credentials['web-02']}`;
    const refused = await run('skopeo', [
      'inspect',
      '--raw',
      '--tls-verify=false',
      '--creds',
      creds,
      `docker://${fleet.gateway.address}/fleets/web/os:latest`,
    ]);
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toContain('503');
    upstream.proxy.reset();
    expect(await tagDigest(fleet, 'web-02')).toBe(upstream.v1.digest);

    // A layer whose body stops after 10,000 bytes and then says nothing: the rest is asked for again with a Range
    // request, and the host gets the whole verified blob.
    const layer = (JSON.parse(upstream.v1.raw.toString()) as { layers: Array<{ digest: string }> }).layers[0]?.digest;
    upstream.proxy.inject({
      method: 'GET',
      path: new RegExp(`/blobs/${layer}$`),
      times: 1,
      fault: { kind: 'stall', afterBytes: 10_000 },
    });
    const got = await rawGet(
      `${fleet.gateway.url}/v2/fleets/web/os/blobs/${layer}`,
      basic('web-03', fleet.credentials['web-03'] ?? ''),
    );
    expect([got.complete, sha256(got.bytes)]).toEqual([true, layer]);
    const asked = upstream.proxy.requests.filter((each) => each.path.endsWith(layer ?? ''));
    expect(asked.map((each) => each.fault)).toEqual(['stall', undefined]);
    expect(asked[1]?.range).toMatch(/^bytes=\d+-$/);
  }, 90_000);

  // Last: it stops the upstream proxy.
  it('downloads each layer from upstream once, serves it from the cache when upstream is down, and says 503 for the rest', async () => {
    const fleet = await webFleet();
    upstream.proxy.reset();
    const copy = async (name: string, reference = 'latest') => {
      const out = join(await tempDir('patchline-pull-'), 'image');
      return run('skopeo', [
        'copy',
        '--quiet',
        '--src-tls-verify=false',
        '--src-creds',
        `${name}:${fleet.credentials[name]}`,
        `docker://${fleet.gateway.address}/fleets/web/os${reference.startsWith('sha256:') ? '@' : ':'}${reference}`,
        `oci:${out}:x`,
      ]);
    };
    const manifest = JSON.parse(upstream.v1.raw.toString()) as {
      config: { digest: string };
      layers: Array<{ digest: string }>;
    };
    const v1Blobs = [manifest.config, ...manifest.layers].map((each) => each.digest);
    expect((await copy('web-01')).status).toBe(0);
    for (const digest of v1Blobs) expect(blobGets(digest), digest).toBe(1);
    const afterFirst = blobGets();
    expect((await copy('web-02')).status).toBe(0);
    expect(blobGets()).toBe(afterFirst);

    // Four hosts asking at once for a layer nobody fetched yet: one upstream download.
    const armManifest = JSON.parse(
      Buffer.from(
        await (
          await fetch(`${fleet.gateway.url}/v2/fleets/web/os/manifests/${upstream.v2.arm64}`, {
            headers: { authorization: basic('web-01', fleet.credentials['web-01'] ?? '') },
          })
        ).arrayBuffer(),
      ).toString(),
    ) as { layers: Array<{ digest: string }> };
    const appLayer = armManifest.layers[1]?.digest ?? '';
    const together = await Promise.all(
      ['web-01', 'web-02', 'web-03', 'web-01'].map((name) =>
        rawGet(`${fleet.gateway.url}/v2/fleets/web/os/blobs/${appLayer}`, basic(name, fleet.credentials[name] ?? '')),
      ),
    );
    for (const got of together) expect([got.complete, sha256(got.bytes)]).toEqual([true, appLayer]);
    expect(blobGets(appLayer)).toBe(1);

    // Upstream goes away: what was pulled before is pulled again from the cache alone.
    await upstream.proxy.stop();
    expect((await copy('web-03')).status).toBe(0);
    expect(await tagDigest(fleet, 'web-03')).toBe(upstream.v1.digest);
    // What the cache does not hold is a clear 503, for manifests and blobs alike: v5, released after upstream went
    // away, was never fetched.
    const authorization = basic('web-01', fleet.credentials['web-01'] ?? '');
    const repository = upstream.repository;
    expect(
      (await fleet.gateway.admin('POST', 'releases', release('v5', 'web', `${repository}@${upstream.stranger.digest}`)))
        .status,
    ).toBe(201);
    const v5 = await registryError(
      await fetch(`${fleet.gateway.url}/v2/fleets/web/os/manifests/${upstream.stranger.digest}`, {
        headers: { authorization },
      }),
    );
    expect(v5).toMatchObject({ status: 503, code: 'UNAVAILABLE' });
    expect(v5.message).toMatch(/upstream registry cannot serve manifest .* connection refused/);
    const v3Layer = await registryError(
      await fetch(`${fleet.gateway.url}/v2/fleets/web/os/blobs/${upstream.v3.layer.digest}`, {
        headers: { authorization },
      }),
    );
    expect(v3Layer).toMatchObject({ status: 503, code: 'UNAVAILABLE' });
    // A host whose rollout now wants v4 is not told so while v4 cannot be served: it keeps its image, and the
    // rollout does not count it as served.
    await fleet.gateway.admin('POST', 'rollouts', {
      apiVersion: 'patchline.dev/v1',
      kind: 'Rollout',
      metadata: { name: 'roll-v5' },
      spec: { release: 'v5' },
    });
    const told = await run('skopeo', [
      'inspect',
      '--raw',
      '--tls-verify=false',
      '--creds',
      `web-02:${fleet.credentials['web-02']}`,
      `docker://${fleet.gateway.address}/fleets/web/os:latest`,
    ]);
    expect(told.status).not.toBe(0);
    expect(told.stderr).toMatch(/503|unavailable/i);
    expect((await fleet.gateway.store.getHost('web-02'))?.resource.status?.lastServed?.digest).not.toBe(
      upstream.stranger.digest,
    );
  }, 180_000);
});
