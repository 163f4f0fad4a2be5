import { execFile as execFileCallback, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PatchlineError } from '../src/core/index.js';
import { BlobCache } from '../src/oci/blob-cache.js';
import { type Digest, sha256Digest } from '../src/oci/digest.js';
import { OCI_MANIFEST } from '../src/oci/media-types.js';
import { parseRegistryReference } from '../src/oci/reference.js';
import {
  openRegistrySource,
  pushImage,
  RegistryClient,
  type RegistryClientOptions,
  type RetryClock,
} from '../src/oci/registry/index.js';
import type { Descriptor } from '../src/oci/schemas.js';
import { type FaultProxy, startFaultProxy } from './helpers/fault-proxy.js';
import { buildImage, buildIndex, type MemoryImage, memorySource, writeOciLayout } from './helpers/memory-image.js';
import { freePort, hasBinary, startRegistry, type TestRegistry } from './helpers/registry.js';
import { grantUsers, parseScope, startTokenServer, type TokenServer } from './helpers/token-server.js';

const execFile = promisify(execFileCallback);
const required = ['docker-registry', 'skopeo', 'openssl'];
const missing = required.filter((name) => !hasBinary(name));
if (missing.length > 0) console.warn(`registry tests skipped: ${missing.join(', ')} not installed`);
const suite = describe.skipIf(missing.length > 0);

let work: string;
let emptyAuthFile: string;

/** skopeo, kept away from any credentials this machine may hold. */
async function skopeo(...args: string[]): Promise<string> {
  const { stdout } = await execFile('skopeo', ['--insecure-policy', ...args], {
    env: { ...process.env, REGISTRY_AUTH_FILE: emptyAuthFile },
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout;
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The rejection of a promise, which must be a PatchlineError. */
async function failure(promise: Promise<unknown>): Promise<PatchlineError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof PatchlineError)) throw new Error(`expected a PatchlineError, got ${String(error)}`);
  return error;
}

/** Tests talk only to 127.0.0.1 and never read this machine's auth files. */
const quick: RegistryClientOptions = { authFiles: [], retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 50 } };

function ref(host: string, name: string) {
  return parseRegistryReference(`${host}/${name}`);
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'patchline-registry-test-'));
  emptyAuthFile = join(work, 'empty-auth.json');
  await writeFile(emptyAuthFile, '{"auths":{}}');
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

suite('registry without auth', () => {
  let registry: TestRegistry;
  let proxy: FaultProxy;
  let small: MemoryImage;
  /** One layer of 1.5 MiB random bytes, so a body can be cut well inside it. */
  let big: MemoryImage;
  let bigLayer: Descriptor;

  beforeAll(async () => {
    registry = await startRegistry();
    proxy = await startFaultProxy(registry.url);
    small = await buildImage([{ 'etc/os-release': 'ID=test\n' }, { 'usr/bin/tool': 'binary' }]);
    big = await buildImage([{ 'var/data.bin': randomBytes(1536 * 1024) }]);
    const manifest = JSON.parse(big.top.bytes.toString()) as { layers: Descriptor[] };
    bigLayer = manifest.layers[0]!;
    await pushImage(
      memorySource(big),
      undefined,
      ref(registry.host, 'big:1'),
      new RegistryClient(registry.host, quick),
    );
  });

  afterAll(async () => {
    await proxy?.stop();
    await registry?.stop();
  });

  describe('interoperability with skopeo', () => {
    it('pushes an image that skopeo inspects and copies with the same digests', async () => {
      const client = new RegistryClient(registry.host, quick);
      const result = await pushImage(memorySource(small), undefined, ref(registry.host, 'ours/app:v1'), client);
      expect(result).toEqual({ digest: small.top.digest, blobsPushed: 3, blobsSkipped: 0 });

      const inspected = JSON.parse(
        await skopeo('inspect', '--tls-verify=false', `docker://${registry.host}/ours/app:v1`),
      ) as { Digest: string; Layers: string[]; Labels: Record<string, string> };
      expect(inspected.Digest).toBe(small.top.digest);
      expect(inspected.Labels['org.example.test']).toBe('patchline');
      const raw = await skopeo('inspect', '--raw', '--tls-verify=false', `docker://${registry.host}/ours/app:v1`);
      expect(sha256Digest(raw)).toBe(small.top.digest);

      const dir = join(work, 'copied-by-skopeo');
      await skopeo('copy', '--src-tls-verify=false', `docker://${registry.host}/ours/app:v1`, `oci:${dir}:copied`);
      const index = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')) as { manifests: Descriptor[] };
      expect(index.manifests[0]?.digest).toBe(small.top.digest);
      for (const [digest, bytes] of small.blobs) {
        expect(await readFile(join(dir, 'blobs', 'sha256', digest.slice(7)))).toEqual(bytes);
      }
    });

    it('pushes a multi-platform index that skopeo copies whole', async () => {
      const arm = await buildImage([{ 'etc/arch': 'arm64' }], 'arm64');
      const index = buildIndex([
        { image: small, architecture: 'amd64' },
        { image: arm, architecture: 'arm64' },
      ]);
      const client = new RegistryClient(registry.host, quick);
      const result = await pushImage(memorySource(index), undefined, ref(registry.host, 'ours/multi:v1'), client);
      expect(result.digest).toBe(index.top.digest);

      const raw = await skopeo('inspect', '--raw', '--tls-verify=false', `docker://${registry.host}/ours/multi:v1`);
      expect(sha256Digest(raw)).toBe(index.top.digest);
      const dir = join(work, 'multi-by-skopeo');
      await skopeo(
        'copy',
        '--all',
        '--src-tls-verify=false',
        `docker://${registry.host}/ours/multi:v1`,
        `oci:${dir}:m`,
      );
      const layout = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')) as { manifests: Descriptor[] };
      expect(layout.manifests[0]?.digest).toBe(index.top.digest);
      const armManifest = await client.getManifest('ours/multi', arm.top.digest);
      expect(armManifest.bytes).toEqual(arm.top.bytes);
    });

    it('skips blobs the registry already has', async () => {
      const client = new RegistryClient(registry.host, quick);
      const source = memorySource(small);
      const again = await pushImage(source, undefined, ref(registry.host, 'ours/app:v2'), client);
      expect(again).toEqual({ digest: small.top.digest, blobsPushed: 0, blobsSkipped: 3 });
      expect(source.opened.size).toBe(0);
    });

    it('reads what skopeo pushed, byte for byte', async () => {
      const image = await buildImage([{ 'etc/hostname': 'skopeo-made\n' }]);
      const dir = join(work, 'layout-for-skopeo');
      await writeOciLayout(dir, image, 'src');
      await skopeo('copy', '--dest-tls-verify=false', `oci:${dir}:src`, `docker://${registry.host}/theirs/app:v1`);

      const client = new RegistryClient(registry.host, quick);
      const manifest = await client.getManifest('theirs/app', 'v1');
      expect(manifest).toEqual({ bytes: image.top.bytes, mediaType: OCI_MANIFEST, digest: image.top.digest });
      for (const [digest, bytes] of image.blobs) {
        expect(await readAll(await client.getBlob('theirs/app', digest))).toEqual(bytes);
      }
      expect(await client.listTags('theirs/app')).toEqual(['v1']);
      expect(await client.headManifest('theirs/app', 'v1')).toEqual({
        digest: image.top.digest,
        mediaType: OCI_MANIFEST,
        size: image.top.bytes.length,
      });
      expect(await client.headManifest('theirs/app', 'v2')).toBeUndefined();
    });
  });

  describe('blob transfer details', () => {
    it('follows a redirect to where the blob is stored', async () => {
      proxy.reset();
      const client = new RegistryClient(proxy.host, quick);
      proxy.inject({
        method: 'GET',
        path: /\/blobs\/sha256:/,
        times: 1,
        fault: {
          kind: 'respond',
          status: 307,
          headers: { location: `${registry.url}/v2/big/blobs/${bigLayer.digest}` },
        },
      });
      const bytes = await readAll(await client.getBlob('big', bigLayer.digest));
      expect(sha256Digest(bytes)).toBe(bigLayer.digest);
      expect(proxy.requests.map((r) => r.fault)).toEqual(['respond']);
    });

    it('mounts a blob from another repository instead of uploading it', async () => {
      const client = new RegistryClient(registry.host, quick);
      expect(await client.blobExists('mounted/here', bigLayer.digest)).toBe(false);
      expect(await client.mountBlob('mounted/here', bigLayer.digest, 'big')).toBe(true);
      expect(await client.blobExists('mounted/here', bigLayer.digest)).toBe(true);
      expect(await client.mountBlob('mounted/here', sha256Digest('absent'), 'big')).toBe(false);
    });
  });

  describe('registry source', () => {
    it('downloads a blob once, then serves it from the cache', async () => {
      const cache = new BlobCache(await mkdtemp(join(work, 'cache-')));
      const source = await openRegistrySource(ref(registry.host, 'big:1'), { ...quick, cache });
      const manifest = await source.getManifest();
      expect(manifest.digest).toBe(big.top.digest);
      expect(source.name).toBe(`docker://${registry.host}/big:1`);

      const first = await readAll(await source.openBlob(bigLayer));
      expect(sha256Digest(first)).toBe(bigLayer.digest);
      expect(source.bytesDownloaded()).toBe(bigLayer.size);
      expect(await cache.has(bigLayer.digest)).toBe(true);

      // Compared by digest: a deep toEqual over megabytes is slow.
      const second = await readAll(await source.openBlob(bigLayer));
      expect(sha256Digest(second)).toBe(bigLayer.digest);
      expect(source.bytesDownloaded()).toBe(bigLayer.size);
    });

    it('fetches by the digest of a digest reference, not by its tag', async () => {
      const cache = new BlobCache(await mkdtemp(join(work, 'cache-')));
      const pinned = parseRegistryReference(`${registry.host}/ours/app:nonexistent-tag@${small.top.digest}`);
      const source = await openRegistrySource(pinned, { ...quick, cache });
      expect((await source.getManifest()).digest).toBe(small.top.digest);
    });
  });

  describe('failures', () => {
    it('says manifest unknown for a missing tag, and repository not found for a missing repository', async () => {
      const client = new RegistryClient(registry.host, quick);
      const tag = await failure(client.getManifest('ours/app', 'no-such-tag'));
      expect(tag.kind).toBe('not-found');
      expect(tag.input).toBe(`${registry.host}/ours/app:no-such-tag`);
      expect(tag.message).toMatch(/manifest unknown/);
      expect(tag.message).toContain(`GET ${registry.url}/v2/ours/app/manifests/no-such-tag`);

      const repo = await failure(client.getManifest('nobody/here', 'v1'));
      expect(repo.kind).toBe('not-found');
      expect(repo.message).toMatch(/repository not found|manifest unknown/);
    });

    it('says blob unknown for a missing blob', async () => {
      const client = new RegistryClient(registry.host, quick);
      const digest = sha256Digest('not stored anywhere');
      const error = await failure(client.getBlob('ours/app', digest));
      expect(error.kind).toBe('not-found');
      expect(error.input).toBe(`${registry.host}/ours/app@${digest}`);
      expect(error.message).toMatch(/blob unknown/);
      expect(await client.blobExists('ours/app', digest)).toBe(false);
    });

    it('rejects manifest bytes that do not match the digest asked for', async () => {
      const client = new RegistryClient(proxy.host, quick);
      proxy.inject({
        path: /\/manifests\/sha256:/,
        times: 1,
        fault: { kind: 'respond', status: 200, headers: { 'content-type': OCI_MANIFEST }, body: '{"schemaVersion":2}' },
      });
      const error = await failure(client.getManifest('ours/app', small.top.digest));
      expect(error.kind).toBe('integrity');
      expect(error.message).toMatch(/content digest is sha256:.*expected/);
    });

    it('rejects a tag whose Docker-Content-Digest disagrees with the bytes', async () => {
      const client = new RegistryClient(proxy.host, quick);
      proxy.inject({
        path: /\/manifests\/v1$/,
        times: 1,
        fault: {
          kind: 'respond',
          status: 200,
          headers: { 'content-type': OCI_MANIFEST, 'docker-content-digest': small.top.digest },
          body: '{"schemaVersion":2,"lie":true}',
        },
      });
      expect((await failure(client.getManifest('ours/app', 'v1'))).kind).toBe('integrity');
    });

    it('refuses a manifest larger than the limit', async () => {
      const client = new RegistryClient(registry.host, { ...quick, maxJsonBytes: 100 });
      const error = await failure(client.getManifest('ours/app', 'v1'));
      expect(error.kind).toBe('limit');
      expect(error.message).toMatch(/more than the limit of 100 bytes/);
    });

    it('waits as Retry-After asks on 429, then succeeds', async () => {
      proxy.reset();
      const slept: number[] = [];
      const clock: RetryClock = { now: Date.now, sleep: async (ms) => void slept.push(ms), random: () => 0.5 };
      const client = new RegistryClient(proxy.host, { ...quick, retry: { clock } });
      proxy.inject({
        path: /\/manifests\/v1$/,
        times: 1,
        fault: { kind: 'respond', status: 429, headers: { 'retry-after': '2' }, body: '' },
      });
      expect((await client.getManifest('ours/app', 'v1')).digest).toBe(small.top.digest);
      expect(slept).toEqual([2000]);
      expect(proxy.requests.filter((r) => r.path.endsWith('/manifests/v1'))).toHaveLength(2);
    });

    it('reports persistent 429 as rate limiting after the bounded attempts', async () => {
      proxy.reset();
      const client = new RegistryClient(proxy.host, quick);
      proxy.inject({
        path: /\/manifests\/v1$/,
        times: 10,
        fault: {
          kind: 'respond',
          status: 429,
          body: '{"errors":[{"code":"TOOMANYREQUESTS","message":"slow down"}]}',
        },
      });
      const error = await failure(client.getManifest('ours/app', 'v1'));
      expect(error.kind).toBe('registry');
      expect(error.message).toMatch(/rate limiting requests and still was after 3 attempts/);
      expect(error.message).toContain('HTTP 429 TOOMANYREQUESTS: slow down');
      expect(proxy.requests).toHaveLength(3);
    });

    it('retries a passing 503, and reports a lasting one with its status', async () => {
      proxy.reset();
      const client = new RegistryClient(proxy.host, quick);
      proxy.inject({ path: /\/blobs\//, times: 1, fault: { kind: 'respond', status: 503, body: 'down' } });
      expect(await client.blobExists('ours/app', small.top.digest)).toBe(false);

      proxy.inject({
        path: /\/manifests\//,
        times: 10,
        fault: { kind: 'respond', status: 503, body: '{"errors":[{"code":"UNAVAILABLE","message":"maintenance"}]}' },
      });
      const error = await failure(client.getManifest('ours/app', 'v1'));
      expect(error.kind).toBe('registry');
      expect(error.message).toMatch(/server error 3 attempts in a row \(HTTP 503 UNAVAILABLE: maintenance/);
    });

    it('reports 403 as access denied', async () => {
      proxy.reset();
      const client = new RegistryClient(proxy.host, quick);
      proxy.inject({
        path: /\/manifests\//,
        times: 1,
        fault: { kind: 'respond', status: 403, body: '{"errors":[{"code":"DENIED","message":"no pulls for you"}]}' },
      });
      const error = await failure(client.getManifest('ours/app', 'v1'));
      expect(error.kind).toBe('auth');
      expect(error.message).toMatch(/access denied by 127\.0\.0\.1:\d+ \(HTTP 403 DENIED: no pulls for you/);
    });

    it('reports a refused connection naming the host', async () => {
      const port = await freePort();
      const client = new RegistryClient(`127.0.0.1:${port}`, quick);
      const error = await failure(client.getManifest('x', 'v1'));
      expect(error.kind).toBe('registry');
      expect(error.message).toContain(`cannot connect to 127.0.0.1:${port}: connection refused`);
      expect(error.message).toContain('3 attempts');
    });

    it('reports a TLS failure when the certificate is not trusted', async () => {
      const dir = await mkdtemp(join(work, 'tls-'));
      execFileSync(
        'openssl',
        ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1'].concat([
          '-keyout',
          join(dir, 'key.pem'),
          '-out',
          join(dir, 'cert.pem'),
        ]),
        { stdio: 'ignore' },
      );
      const server = createHttpsServer(
        { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) },
        (_req, res) => res.end('{}'),
      );
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
        const client = new RegistryClient(host, { ...quick, plainHttp: false });
        expect(client.baseUrl).toBe(`https://${host}`);
        const error = await failure(client.getManifest('x', 'v1'));
        expect(error.kind).toBe('registry');
        expect(error.message).toMatch(/TLS failure talking to 127\.0\.0\.1:\d+: .*self.signed/);
      } finally {
        server.closeAllConnections();
        server.close();
      }
    });
  });

  describe('resuming a broken blob download', () => {
    it('continues with a Range request and yields the exact bytes', async () => {
      proxy.reset();
      const client = new RegistryClient(proxy.host, quick);
      proxy.inject({ method: 'GET', path: /\/blobs\//, times: 2, fault: { kind: 'cut', afterBytes: 300_000 } });
      const bytes = await readAll(await client.getBlob('big', bigLayer.digest));
      expect(bytes.length).toBe(bigLayer.size);
      expect(sha256Digest(bytes)).toBe(bigLayer.digest);
      const gets = proxy.requests.filter((r) => r.method === 'GET');
      expect(gets.map((r) => [r.range, r.fault])).toEqual([
        [undefined, 'cut'],
        ['bytes=300000-', 'cut'],
        ['bytes=600000-', undefined],
      ]);
    });

    it('starts from an offset when asked', async () => {
      const client = new RegistryClient(registry.host, quick);
      const tail = await readAll(await client.getBlob('big', bigLayer.digest, { offset: bigLayer.size - 10 }));
      expect(tail).toEqual(big.blobs.get(bigLayer.digest as Digest)!.subarray(-10));
    });

    it('gives up after the bounded number of resumptions', async () => {
      proxy.reset();
      const client = new RegistryClient(proxy.host, { ...quick, maxResumes: 2 });
      proxy.inject({ method: 'GET', path: /\/blobs\//, times: 10, fault: { kind: 'cut', afterBytes: 100_000 } });
      const error = await failure(client.getBlob('big', bigLayer.digest).then(readAll));
      expect(error.kind).toBe('registry');
      expect(error.message).toMatch(/broke off at byte 300000 and still did after 2 resumptions/);
    });

    it('still fills the cache correctly through a registry source', async () => {
      proxy.reset();
      const cache = new BlobCache(await mkdtemp(join(work, 'cache-')));
      const source = await openRegistrySource(ref(proxy.host, 'big:1'), { ...quick, cache });
      proxy.inject({ method: 'GET', path: /\/blobs\//, times: 1, fault: { kind: 'cut', afterBytes: 500_000 } });
      const bytes = await readAll(await source.openBlob(bigLayer));
      expect(sha256Digest(bytes)).toBe(bigLayer.digest);
      expect(source.bytesDownloaded()).toBe(bigLayer.size);
      expect(sha256Digest(await readAll(cache.open(bigLayer.digest as Digest)))).toBe(bigLayer.digest);
    });
  });

  describe('upload retries', () => {
    it('re-opens the source stream when a blob PUT must be retried', async () => {
      proxy.reset();
      const image = await buildImage([{ 'etc/retry': 'once more' }]);
      const source = memorySource(image);
      proxy.inject({ method: 'PUT', path: /\/blobs\/uploads\//, times: 1, fault: { kind: 'respond', status: 502 } });
      const client = new RegistryClient(proxy.host, quick);
      const result = await pushImage(source, undefined, ref(proxy.host, 'retried:1'), client);
      expect(result.digest).toBe(image.top.digest);
      // The config goes first, so its PUT met the fault: it was opened twice, the layer once.
      const manifest = JSON.parse(image.top.bytes.toString()) as { config: Descriptor; layers: Descriptor[] };
      expect(source.opened.get(manifest.config.digest)).toBe(2);
      expect(source.opened.get(manifest.layers[0]!.digest)).toBe(1);
      expect(proxy.requests.filter((r) => r.method === 'PUT' && r.fault === 'respond')).toHaveLength(1);
    });

    it('refuses to push a blob whose bytes do not match its digest', async () => {
      const image = await buildImage([{ 'etc/a': 'a' }]);
      const [layer] = [...image.blobs.keys()];
      image.blobs.set(layer!, Buffer.from('tampered'));
      const client = new RegistryClient(registry.host, quick);
      const error = await failure(pushImage(memorySource(image), undefined, ref(registry.host, 'tampered:1'), client));
      expect(error.kind).toBe('integrity');
      expect(error.message).toContain(`blob ${layer}`);
      expect(await client.headManifest('tampered', '1')).toBeUndefined();
    });
  });
});

suite('registry with htpasswd basic auth', () => {
  let registry: TestRegistry;
  let image: MemoryImage;

  beforeAll(async () => {
    registry = await startRegistry({ kind: 'htpasswd', users: { alice: 'wonderland' } });
    image = await buildImage([{ 'etc/basic': 'auth' }]);
  });
  afterAll(async () => {
    await registry?.stop();
  });

  it('asks for credentials when it has none', async () => {
    const client = new RegistryClient(registry.host, quick);
    const error = await failure(client.getManifest('private/app', 'v1'));
    expect(error.kind).toBe('auth');
    expect(error.message).toMatch(/authentication required: 127\.0\.0\.1:\d+ does not allow anonymous access/);
  });

  it('says the credentials were rejected, naming the user', async () => {
    const client = new RegistryClient(registry.host, { ...quick, credentials: { username: 'alice', password: 'x' } });
    const error = await failure(client.getManifest('private/app', 'v1'));
    expect(error.kind).toBe('auth');
    expect(error.message).toMatch(/rejected the credentials of user "alice" \(HTTP 401/);
  });

  it('pushes and pulls with credentials from an auth file, and skopeo reads the result', async () => {
    const authFile = join(work, 'basic-auth.json');
    const auth = Buffer.from('alice:wonderland').toString('base64');
    await writeFile(authFile, JSON.stringify({ auths: { [registry.host]: { auth } } }));
    const client = new RegistryClient(registry.host, { ...quick, authFiles: [authFile] });
    await pushImage(memorySource(image), undefined, ref(registry.host, 'private/app:v1'), client);
    expect((await client.getManifest('private/app', 'v1')).digest).toBe(image.top.digest);

    const inspected = JSON.parse(
      await skopeo(
        'inspect',
        '--tls-verify=false',
        '--creds',
        'alice:wonderland',
        `docker://${registry.host}/private/app:v1`,
      ),
    ) as { Digest: string };
    expect(inspected.Digest).toBe(image.top.digest);
  });
});

suite('registry with bearer token auth', () => {
  let tokens: TokenServer;
  let registry: TestRegistry;
  let image: MemoryImage;
  const bob = { username: 'bob', password: 'builder' };

  beforeAll(async () => {
    tokens = await startTokenServer({ bob: 'builder' });
    registry = await startRegistry({
      kind: 'token',
      realm: tokens.realm,
      service: tokens.service,
      issuer: tokens.issuer,
      rootCertBundle: tokens.rootCertBundle,
    });
    image = await buildImage([{ 'etc/token': 'auth' }]);
    await pushImage(memorySource(image), undefined, ref(registry.host, 'team/app:v1'), tokenClient(bob));
  });
  afterAll(async () => {
    await registry?.stop();
    await tokens?.stop();
  });

  function tokenClient(credentials?: { username: string; password: string }): RegistryClient {
    return new RegistryClient(registry.host, credentials ? { ...quick, credentials } : quick);
  }

  it('gets a token for the scope with basic credentials, then reuses it', async () => {
    tokens.setPolicy(grantUsers({ bob: 'builder' }));
    tokens.requests.length = 0;
    const client = tokenClient(bob);
    expect((await client.getManifest('team/app', 'v1')).digest).toBe(image.top.digest);
    await client.getManifest('team/app', image.top.digest);
    expect(await client.blobExists('team/app', image.top.digest)).toBe(false);
    expect(tokens.requests).toEqual([
      { username: 'bob', password: 'builder', service: tokens.service, scopes: ['repository:team/app:pull'] },
    ]);
  });

  it('fetches a fresh token once when the registry refuses a cached one', async () => {
    tokens.setPolicy(grantUsers({ bob: 'builder' }));
    const proxy = await startFaultProxy(registry.url);
    try {
      const client = new RegistryClient(proxy.host, { ...quick, credentials: bob });
      await client.getManifest('team/app', 'v1');
      tokens.requests.length = 0;
      proxy.reset();
      // As if the token had been revoked: one 401 with the registry's own challenge.
      proxy.inject({
        path: /\/manifests\//,
        times: 1,
        fault: {
          kind: 'respond',
          status: 401,
          headers: { 'www-authenticate': `Bearer realm="${tokens.realm}",service="${tokens.service}"` },
        },
      });
      expect((await client.getManifest('team/app', 'v1')).digest).toBe(image.top.digest);
      expect(tokens.requests).toHaveLength(1);
      expect(proxy.requests.map((r) => r.fault)).toEqual(['respond', undefined]);
    } finally {
      await proxy.stop();
    }
  });

  it('asked for pull and push scope when it pushed', async () => {
    tokens.requests.length = 0;
    const other = await buildImage([{ 'etc/other': 'x' }]);
    await pushImage(memorySource(other), undefined, ref(registry.host, 'team/other:v1'), tokenClient(bob));
    expect(tokens.requests.map((r) => r.scopes)).toContainEqual(['repository:team/other:pull,push']);
  });

  it('pulls anonymously when the token server gives anonymous pull tokens', async () => {
    tokens.setPolicy((request) =>
      request.username === undefined
        ? { access: request.scopes.map(parseScope).map((a) => ({ ...a!, actions: ['pull'] })) }
        : { status: 401 },
    );
    tokens.requests.length = 0;
    const client = tokenClient();
    expect((await client.getManifest('team/app', 'v1')).digest).toBe(image.top.digest);
    expect(tokens.requests[0]?.username).toBeUndefined();
  });

  it('skopeo pulls from the same token-protected registry', async () => {
    tokens.setPolicy(grantUsers({ bob: 'builder' }));
    const inspected = JSON.parse(
      await skopeo('inspect', '--tls-verify=false', '--creds', 'bob:builder', `docker://${registry.host}/team/app:v1`),
    ) as { Digest: string };
    expect(inspected.Digest).toBe(image.top.digest);
  });

  it('says authentication is required when anonymous users get no access', async () => {
    tokens.setPolicy(grantUsers({ bob: 'builder' }));
    const error = await failure(tokenClient().getManifest('team/app', 'v1'));
    expect(error.kind).toBe('auth');
    expect(error.message).toMatch(
      /authentication required: .* does not grant repository:team\/app:pull to anonymous users/,
    );
  });

  it('says the token server rejected wrong credentials', async () => {
    tokens.setPolicy(grantUsers({ bob: 'builder' }));
    const error = await failure(tokenClient({ username: 'bob', password: 'wrong' }).getManifest('team/app', 'v1'));
    expect(error.kind).toBe('auth');
    expect(error.message).toMatch(/token server rejected the credentials of user "bob" \(HTTP 401/);
  });

  it('says access is denied when the token server refuses the scope', async () => {
    tokens.setPolicy(() => ({ status: 403 }));
    const error = await failure(tokenClient(bob).getManifest('team/app', 'v1'));
    expect(error.kind).toBe('auth');
    expect(error.message).toMatch(/access denied: the token server refused repository:team\/app:pull to user "bob"/);
  });

  it('says access is denied when the token grants less than a push needs', async () => {
    tokens.setPolicy((request) => ({
      access: request.scopes.map(parseScope).map((a) => ({ ...a!, actions: ['pull'] })),
    }));
    const other = await buildImage([{ 'etc/denied': 'x' }]);
    const error = await failure(
      pushImage(memorySource(other), undefined, ref(registry.host, 'team/app:v2'), tokenClient(bob)),
    );
    expect(error.kind).toBe('auth');
    expect(error.message).toMatch(
      /access denied: 127\.0\.0\.1:\d+ does not grant repository:team\/app:pull,push to user "bob" \(HTTP 401 insufficient_scope/,
    );
  });
});
