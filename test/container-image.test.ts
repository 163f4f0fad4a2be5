/**
 * Patchline's own container image, built from the repository's Containerfile with podman as users build it, on a
 * local stand-in for the public Node 20 base (no image can be pulled here; see helpers/node-base-image.ts), then run
 * with its default command: `serve` answers /healthz and the image's HEALTHCHECK, scans work inside the container,
 * and skopeo on the host pulls an image through the container's registry gateway from a real docker-registry.
 *
 * The build needs Debian's package mirror and the npm registry (host network for the build). Podman's storage is kept
 * between runs so unchanged layers (the toolchain, `npm ci`) are reused as any CI cache would; the host's npm cache is
 * mounted into the build for the same reason. The first build takes minutes (better-sqlite3 is compiled).
 */

import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { projectRoot } from './helpers/cli.js';
import { release, run, sha256, skopeo } from './helpers/gateway.js';
import { nodeBaseTar } from './helpers/node-base-image.js';
import { isUnavailable } from './helpers/real-images.js';
import { freePort, hasBinary, startRegistry, type TestRegistry } from './helpers/registry.js';
import { tempDir } from './helpers/tmp.js';
import { until } from './helpers/until.js';

const TOOLS = ['podman', 'runc', 'skopeo', 'docker-registry'];
const IMAGE = 'localhost/patchline:container-test';
// podman as root in this sandbox (TOOLS.md); the build's RUN steps reach the mirror and the registry on the host network.
const CONTAINERS_CONF = `[containers]
default_ulimits = ["nofile=1024:4096", "nproc=1024:1024"]
netns = "host"
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "none"
`;
// Kept between runs; podman refuses a runroot path longer than 50 characters.
const STORAGE = join(tmpdir(), 'patchline-container-image-storage');
const RUNROOT = '/tmp/pl-ctimg-run';

let unavailable: string | undefined;
let env: NodeJS.ProcessEnv;
let registry: TestRegistry | undefined;
let container: string | undefined;
let controllerUrl: string;
let version: string;
const adminToken = randomBytes(24).toString('hex');

function podman(args: string[], timeoutMs = 120_000) {
  return run('podman', args, timeoutMs, env);
}

async function podmanOk(args: string[], timeoutMs = 120_000): Promise<string> {
  const result = await podman(args, timeoutMs);
  if (result.status !== 0) throw new Error(`podman ${args.join(' ')} exited ${result.status}:\n${result.stderr}`);
  return result.stdout.toString('utf8');
}

beforeAll(async () => {
  const missing = TOOLS.filter((tool) => !hasBinary(tool));
  if (missing.length > 0 || process.getuid?.() !== 0) {
    unavailable = `the container image test needs root and ${TOOLS.join(', ')} (missing: ${missing.join(', ')})`;
    if (process.env.CI) throw new Error(unavailable);
    return;
  }
  const baseTar = await nodeBaseTar();
  if (isUnavailable(baseTar)) {
    unavailable = `the container image test needs a Debian rootfs: ${baseTar.unavailable}`;
    return;
  }
  version = (JSON.parse(await readFile(join(projectRoot, 'package.json'), 'utf8')) as { version: string }).version;
  const work = await tempDir('patchline-container-image-');
  await mkdir(STORAGE, { recursive: true });
  await writeFile(join(work, 'containers.conf'), CONTAINERS_CONF);
  await writeFile(
    join(work, 'storage.conf'),
    `[storage]\ndriver = "overlay"\ngraphroot = "${STORAGE}"\nrunroot = "${RUNROOT}"\n`,
  );
  env = {
    ...process.env,
    CONTAINERS_CONF: join(work, 'containers.conf'),
    CONTAINERS_STORAGE_CONF: join(work, 'storage.conf'),
  };

  const base = `localhost/patchline-node-base:${process.version}`;
  if ((await podman(['image', 'exists', base])).status !== 0) {
    await podmanOk([
      'import',
      '--change',
      'ENV=PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      baseTar,
      base,
    ]);
  }
  const npmCache = spawnSync('npm', ['config', 'get', 'cache'], { encoding: 'utf8' }).stdout.trim();
  const started = Date.now();
  await podmanOk(
    [
      'build',
      '--format',
      'docker',
      '--network',
      'host',
      '--build-arg',
      `BASE=${base}`,
      '--build-arg',
      'COMMIT=container-test-commit',
      '--build-arg',
      'CREATED=2026-01-01T00:00:00Z',
      ...(npmCache === '' ? [] : ['--volume', `${npmCache}:/root/.npm`]),
      '-t',
      IMAGE,
      '-f',
      join(projectRoot, 'Containerfile'),
      projectRoot,
    ],
    1_800_000,
  );
  console.info(`podman build of the Containerfile took ${Math.round((Date.now() - started) / 1000)} s`);

  registry = await startRegistry();
  const port = await freePort();
  container = `patchline-container-test-${process.pid}`;
  // The default command, with only the port moved off 8080 (the host network is shared with other tests).
  await podmanOk([
    'run',
    '--detach',
    '--name',
    container,
    '--network',
    'host',
    '--env',
    `PATCHLINE_LISTEN=0.0.0.0:${port}`,
    '--env',
    `PATCHLINE_ADMIN_TOKEN=${adminToken}`,
    // Podman schedules health checks with systemd timers, and there is no systemd here: the test runs it itself.
    '--health-interval',
    'disable',
    IMAGE,
  ]);
  controllerUrl = `http://127.0.0.1:${port}`;
  await until(
    'the container to answer /healthz',
    async () => {
      const response = await fetch(`${controllerUrl}/healthz`).catch(() => undefined);
      return response?.ok ? true : undefined;
    },
    60_000,
  );
}, 2_400_000);

afterAll(async () => {
  if (container) await podman(['rm', '--force', '--time', '5', container]);
  await registry?.stop();
  // Old builds' layers would pile up in the kept storage. The build stage is untagged (dangling) yet it is the layer
  // cache of the next run's build, so only what a day's runs have not reused goes.
  if (env) await podman(['image', 'prune', '--force', '--filter', 'until=24h']);
});

describe('the Patchline container image', () => {
  beforeEach(({ skip }) => {
    if (unavailable !== undefined) skip(unavailable);
  });

  it('is labelled, runs as a non-root user with /data as its volume and `serve` as its default command', async () => {
    const [inspected] = JSON.parse(await podmanOk(['image', 'inspect', IMAGE])) as Array<{
      Config: {
        User: string;
        Entrypoint: string[];
        Cmd: string[];
        Volumes: Record<string, object>;
        Labels: Record<string, string>;
        Env: string[];
      };
      Healthcheck?: { Test: string[] };
    }>;
    expect(inspected?.Config.Entrypoint).toEqual(['patchline']);
    expect(inspected?.Config.Cmd).toEqual([
      'serve',
      '--database',
      '/data/patchline.db',
      '--gateway-cache',
      '/data/gateway',
    ]);
    expect(inspected?.Config.Env).toContain('PATCHLINE_LISTEN=0.0.0.0:8080');
    expect(Object.keys(inspected?.Config.Volumes ?? {})).toEqual(['/data']);
    expect(inspected?.Config.User).toBe('patchline');
    expect(inspected?.Config.Labels).toMatchObject({
      'org.opencontainers.image.title': 'patchline',
      'org.opencontainers.image.version': version,
      'org.opencontainers.image.revision': 'container-test-commit',
      'org.opencontainers.image.created': '2026-01-01T00:00:00Z',
      'org.opencontainers.image.licenses': 'Apache-2.0',
      'org.opencontainers.image.base.name': `localhost/patchline-node-base:${process.version}`,
    });
    expect(inspected?.Healthcheck?.Test.join(' ')).toContain('/healthz');

    const [uid, gid] = await Promise.all(['-u', '-g'].map((flag) => podmanOk(['exec', container ?? '', 'id', flag])));
    expect([Number(uid), Number(gid)]).toEqual([10001, 10001]);
    // The controller's database is where the default command puts it, on the volume.
    const data = await podmanOk(['exec', container ?? '', 'ls', '/data']);
    expect(data.split('\n')).toContain('patchline.db');
  });

  it('answers its HEALTHCHECK and reports the version and commit it was built with', async () => {
    const health = await podman(['healthcheck', 'run', container ?? '']);
    expect(health.status, health.stderr).toBe(0);
    const info = JSON.parse(await podmanOk(['exec', container ?? '', 'patchline', 'version', '-f', 'json'])) as {
      version: string;
      commit: string;
    };
    expect(info).toMatchObject({ version, commit: 'container-test-commit' });
  });

  it('scans a registry image from inside the container', async () => {
    const demo = `docker://${registry?.host}/site/os:v1`;
    await skopeo(
      'copy',
      '--quiet',
      '--dest-tls-verify=false',
      `oci:${join(projectRoot, 'examples/bootc-demo')}:latest`,
      demo,
    );
    const imported = await podman([
      'exec',
      container ?? '',
      'patchline',
      'db',
      'import',
      '/opt/patchline/examples/demo-advisories',
    ]);
    expect(imported.status, imported.stderr).toBe(0);
    const scan = await podman([
      'exec',
      container ?? '',
      'patchline',
      'scan',
      demo.slice('docker://'.length),
      '-f',
      'json',
    ]);
    expect(scan.status, scan.stderr).toBe(0);
    const findings = (
      JSON.parse(scan.stdout.toString('utf8')) as {
        findings: Array<{ id: string; status: string; package: { name: string } }>;
      }
    ).findings;
    expect(findings.map((finding) => [finding.id, finding.package.name, finding.status])).toContainEqual([
      'FEDORA-DEMO-2026-0001',
      'openssl-libs',
      'fix-available',
    ]);
  });

  it("runs with the Quadlet unit's settings: the admin token from a secret file, a named volume, a read-only root", async () => {
    const unit = await readFile(join(projectRoot, 'deploy/systemd/patchline.container'), 'utf8');
    const suffix = `test-${process.pid}`;
    const token = randomBytes(24).toString('hex');
    const port = await freePort();
    const secretFile = join(await tempDir('patchline-quadlet-secret-'), 'token');
    await writeFile(secretFile, token);
    // Names made unique so parallel runs on one machine do not collide; the port moves off 8080 as above.
    const rename = (value: string) =>
      value.replace(/^patchline-admin-token|^patchline-data|^patchline$/, (name) => `${name}-${suffix}`);
    await podmanOk(['secret', 'create', rename('patchline-admin-token'), secretFile]);
    const args = ['run', '--detach', '--network', 'host', '--health-interval', 'disable'];
    args.push('--env', `PATCHLINE_LISTEN=0.0.0.0:${port}`);
    let exec: string[] = [];
    for (const [key, value] of quadletContainerKeys(unit)) {
      if (key === 'Image' || key === 'PublishPort') continue;
      else if (key === 'ContainerName') args.push('--name', rename(value));
      else if (key === 'Volume') args.push('--volume', rename(value));
      else if (key === 'Secret') args.push('--secret', rename(value));
      else if (key === 'Exec') exec = value.split(/\s+/);
      else if (key === 'NoNewPrivileges' && value === 'true') args.push('--security-opt', 'no-new-privileges');
      else if (key === 'DropCapability') args.push('--cap-drop', value);
      else if (key === 'ReadOnly' && value === 'true') args.push('--read-only');
      else throw new Error(`the test does not translate the Quadlet key ${key}=${value}: add it`);
    }
    const name = rename('patchline');
    try {
      await podmanOk([...args, IMAGE, ...exec]);
      const url = `http://127.0.0.1:${port}`;
      await until('the Quadlet-style container to answer /healthz', async () => {
        const response = await fetch(`${url}/healthz`).catch(() => undefined);
        return response?.ok ? true : undefined;
      });
      const fleets = (authorization: string) =>
        fetch(`${url}/apis/patchline.dev/v1/fleets`, { headers: { authorization: `Bearer ${authorization}` } });
      expect((await fleets(token)).status).toBe(200);
      expect((await fleets(adminToken)).status).toBe(401);
      expect((await podmanOk(['exec', name, 'ls', '/data'])).split('\n')).toContain('patchline.db');
    } finally {
      await podman(['rm', '--force', '--time', '5', name]);
      await podman(['volume', 'rm', '--force', rename('patchline-data')]);
      await podman(['secret', 'rm', rename('patchline-admin-token')]);
    }
  });

  it("lets a host pull a fleet's release through the container's registry gateway", async () => {
    const upstream = `${registry?.host}/site/os`;
    const raw = await skopeo('inspect', '--raw', '--tls-verify=false', `docker://${upstream}:v1`);
    const digest = sha256(raw);
    const api = `${controllerUrl}/apis/patchline.dev/v1`;
    const post = async (path: string, body: unknown) => {
      const response = await fetch(`${api}/${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(response.status, await response.clone().text()).toBe(201);
      return response.json() as Promise<Record<string, unknown>>;
    };
    await post('fleets', {
      apiVersion: 'patchline.dev/v1',
      kind: 'Fleet',
      metadata: { name: 'site' },
      spec: { selector: { matchLabels: { fleet: 'site' } }, image: upstream },
    });
    await post('releases', release('v1', 'site', `${upstream}@${digest}`));
    const { token } = (await post('enrollment-tokens', { labels: { fleet: 'site' } })) as { token: string };
    const enrolled = await fetch(`${controllerUrl}/host/v1/enroll`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token, name: 'edge-1' }),
    });
    expect(enrolled.status).toBe(201);
    const { credential } = (await enrolled.json()) as { credential: string };
    await post('rollouts', {
      apiVersion: 'patchline.dev/v1',
      kind: 'Rollout',
      metadata: { name: 'r1' },
      spec: { release: 'v1' },
    });

    const out = join(await tempDir('patchline-container-pull-'), 'pulled');
    await skopeo(
      'copy',
      '--quiet',
      '--src-tls-verify=false',
      '--src-creds',
      `edge-1:${credential}`,
      `docker://${controllerUrl.replace('http://', '')}/fleets/site/os:latest`,
      `oci:${out}:x`,
    );
    const index = JSON.parse(await readFile(join(out, 'index.json'), 'utf8')) as {
      manifests: Array<{ digest: string }>;
    };
    expect(index.manifests.map((manifest) => manifest.digest)).toEqual([digest]);
    // The gateway cached what it served under the volume, where the default command puts its cache.
    const cached = await podmanOk(['exec', container ?? '', 'ls', '/data/gateway/manifests/sha256']);
    expect(cached.split('\n')).toContain(digest.slice('sha256:'.length));
  }, 120_000);
});

/** The [Container] section of a Quadlet unit as key, value pairs in order. */
function quadletContainerKeys(unit: string): Array<[string, string]> {
  const section = /^\[Container\]\n([\s\S]*?)(?=^\[|(?![\s\S]))/m.exec(unit)?.[1] ?? '';
  return section
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('#'))
    .map((line) => {
      const at = line.indexOf('=');
      return [line.slice(0, at), line.slice(at + 1)];
    });
}
