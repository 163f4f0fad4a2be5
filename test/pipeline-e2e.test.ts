/**
 * Hands-off patching end to end, with the real tools and no network: a local apt repository (dpkg-deb,
 * dpkg-scanpackages, served over HTTP) holds the package, a Debian base image (debootstrap) sits in a real
 * docker-registry, `patchline pipeline run --every` keeps reconciling with `podman build`, and two fleets of
 * simulated bootc hosts (canary, production) learn what to boot only through the controller's registry gateway.
 * The test only changes the world (a new package, an advisory in the Debian tracker's own formats) and waits.
 *
 * Oracles: what each host booted is tracked in this process, independently of the controller; the package each
 * image holds is read back by `dpkg-query` from the image podman built; the ledger is read through the CLI.
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, normalize } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ReleaseDiff } from '../src/report/release-diff.js';
import { cliPath, ensureBuilt, projectRoot } from './helpers/cli.js';
import { runCliAsync } from './helpers/cli-async.js';
import { ADMIN, type GatewayHarness, run, sha256, skopeo, startGateway } from './helpers/gateway.js';
import { GatewayBootcHost } from './helpers/gateway-bootc-host.js';
import { runHosts } from './helpers/http-bootc-host.js';
import { debianRootfs, isUnavailable } from './helpers/real-images.js';
import { hasBinary, startRegistry, type TestRegistry } from './helpers/registry.js';
import { tempDir } from './helpers/tmp.js';
import { until } from './helpers/until.js';

const TOOLS = ['podman', 'runc', 'docker-registry', 'skopeo', 'dpkg-deb', 'dpkg-scanpackages'];
const PACKAGE = 'hello-patchline';
const HOST_TICK_MS = 1000;

// podman as root in this sandbox (TOOLS.md), with the host's network so a RUN reaches the loopback apt repository.
const CONTAINERS_CONF = `[containers]
default_ulimits = ["nofile=1024:4096", "nproc=1024:1024"]
netns = "host"
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "none"
`;

let unavailable: string | undefined;
let work: string;
let registry: TestRegistry;
let aptServer: Server;
let aptUrl: string;
let env: NodeJS.ProcessEnv;
let gateway: GatewayHarness;
let hosts: GatewayBootcHost[] = [];
let hostLoop: { stop: () => Promise<void> } | undefined;
let pipelineLoop: { child: ChildProcess; output: () => string } | undefined;
/** Canary hosts fail the health checks of every image booted while this is on. */
const sickness = { on: false, known: new Set<string>() };
const advisories: Array<{ dsa: string; cve: string; version: string }> = [];

beforeAll(async () => {
  const missing = TOOLS.filter((tool) => !hasBinary(tool));
  if (missing.length > 0) {
    unavailable = `the pipeline end-to-end test needs ${missing.join(', ')}`;
    // scripts/test.sh installs them: in CI their absence is a failure, not a reason to skip the heart of the product.
    if (process.env.CI) throw new Error(unavailable);
    return;
  }
  const rootfs = await debianRootfs();
  if (isUnavailable(rootfs)) {
    unavailable = `the pipeline end-to-end test needs a Debian rootfs: ${rootfs.unavailable}`;
    return;
  }
  ensureBuilt();
  work = await tempDir('patchline-pipeline-e2e-');
  // podman refuses a runroot path longer than 50 characters.
  const runroot = await tempDir('pl-pipe-');
  await writeFile(join(work, 'containers.conf'), CONTAINERS_CONF);
  await writeFile(
    join(work, 'storage.conf'),
    `[storage]\ndriver = "overlay"\ngraphroot = "${join(work, 'storage')}"\nrunroot = "${runroot}"\n`,
  );
  env = {
    CONTAINERS_CONF: join(work, 'containers.conf'),
    CONTAINERS_STORAGE_CONF: join(work, 'storage.conf'),
    PATCHLINE_SERVER: '',
    PATCHLINE_ADMIN_TOKEN: ADMIN,
    XDG_CACHE_HOME: join(work, 'cache'),
  };

  registry = await startRegistry();
  await mkdir(join(work, 'apt'), { recursive: true });
  aptServer = await serveFolder(join(work, 'apt'));
  aptUrl = `http://127.0.0.1:${(aptServer.address() as AddressInfo).port}/`;
  await publishPackage('1.0-1');

  // The base image: the Debian rootfs, imported and pushed where the Containerfile's FROM names it.
  const podman = (...args: string[]) => run('podman', args, 600_000, { ...process.env, ...env });
  const baseTar = join(work, 'base.tar');
  await run('tar', ['--numeric-owner', '-C', rootfs, '-cf', baseTar, '.']);
  const imported = await podman('import', baseTar, 'localhost/pipeline-e2e-base:1');
  expect(imported.status, imported.stderr).toBe(0);
  const pushed = await podman(
    'push',
    '--tls-verify=false',
    'localhost/pipeline-e2e-base:1',
    `docker://${registry.host}/base/debian:12`,
  );
  expect(pushed.status, pushed.stderr).toBe(0);

  // The advisory database holds Debian 12 data from the start (an OS with no data would be an error).
  await writeAdvisories();

  gateway = await startGateway({}, { tickMs: 500 });
  env.PATCHLINE_SERVER = gateway.url;
  const repository = `${registry.host}/os/web`;
  for (const [fleet, updateTimeout] of [
    ['canary', '60s'],
    ['production', '60s'],
  ] as const) {
    const created = await gateway.admin('POST', 'fleets', {
      apiVersion: 'patchline.dev/v1',
      kind: 'Fleet',
      metadata: { name: fleet },
      spec: {
        selector: { matchLabels: { ring: fleet } },
        image: repository,
        rolloutPolicy: { updateTimeout, successThreshold: 1, onFailure: 'rollback' },
      },
    });
    expect(created.status, created.body).toBe(201);
  }
  const baseDigest = sha256(
    await skopeo('inspect', '--raw', '--tls-verify=false', `docker://${registry.host}/base/debian:12`),
  );
  const members = [
    ...['canary-1', 'canary-2'].map((name) => ({ name, fleet: 'canary' })),
    ...['prod-1', 'prod-2', 'prod-3', 'prod-4'].map((name) => ({ name, fleet: 'production' })),
  ];
  hosts = await Promise.all(
    members.map(async ({ name, fleet }) => {
      const credential = await gateway.enroll(name, { ring: fleet });
      const sick = {
        has: (digest: string) => fleet === 'canary' && sickness.on && !sickness.known.has(digest),
      } as ReadonlySet<string>;
      const host = new GatewayBootcHost(
        gateway.url,
        gateway.address,
        false,
        {
          name,
          labels: { ring: fleet },
          booted: baseDigest,
          repository,
          sickImages: sick,
          greenboot: true,
          downloadMs: 200,
          rebootMs: 400,
        },
        fleet,
      );
      host.credential = credential;
      return host;
    }),
  );

  const dir = join(work, 'source');
  await mkdir(dir);
  await writeFile(
    join(dir, 'Containerfile'),
    [
      `FROM ${registry.host}/base/debian:12`,
      'ARG PATCHLINE_FIXES',
      `RUN echo "deb [trusted=yes] ${aptUrl} ./" > /etc/apt/sources.list.d/local.list \\`,
      '  && apt-get update -o Dir::Etc::sourcelist=/etc/apt/sources.list.d/local.list -o Dir::Etc::sourceparts=- \\',
      `  && apt-get install -y --no-install-recommends ${PACKAGE} && rm -rf /var/lib/apt/lists/*`,
      '',
    ].join('\n'),
  );
  await writeFile(
    join(work, 'policy.yaml'),
    'apiVersion: patchline.dev/v1\nkind: Policy\nmetadata: {name: velocity}\nspec:\n  fixes: {maxAge: 7d}\n',
  );
  await writeFile(
    join(dir, 'pipeline.yaml'),
    `apiVersion: patchline.dev/v1
kind: Pipeline
metadata: {name: web-os}
spec:
  source: {containerfile: Containerfile, context: .}
  triggers: {baseImage: true, fixes: true}
  test:
    - {name: smoke, run: [podman, run, --rm, "{{image}}", /usr/bin/${PACKAGE}]}
    - {gate: {policy: ../policy.yaml}}
  publish: {repository: ${repository}, tags: [latest, "{{date}}"]}
  promote:
    - {fleet: canary}
    - {fleet: production, after: {fleet: canary, rollout: succeeded}}
`,
  );
}, 600_000);

afterAll(async () => {
  pipelineLoop?.child.kill('SIGKILL');
  await hostLoop?.stop();
  await gateway?.close();
  await registry?.stop();
  await new Promise((done) => (aptServer === undefined ? done(undefined) : aptServer.close(() => done(undefined))));
});

beforeEach(({ skip }) => {
  if (unavailable !== undefined) skip(unavailable);
});

/** A static file server for the apt repository, as a mirror would be. */
function serveFolder(root: string): Promise<Server> {
  const server = createServer((request, response) => {
    const path = normalize(join(root, decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname)));
    if (!path.startsWith(root)) {
      response.writeHead(403).end();
      return;
    }
    const stream = createReadStream(path);
    stream.on('error', () => response.writeHead(404).end());
    stream.on('open', () => stream.pipe(response));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** Builds PACKAGE at VERSION with dpkg-deb and adds it to the repository's index. */
async function publishPackage(version: string): Promise<void> {
  const tree = join(work, `pkg-${version}`);
  await mkdir(join(tree, 'DEBIAN'), { recursive: true });
  await mkdir(join(tree, 'usr', 'bin'), { recursive: true });
  await writeFile(
    join(tree, 'DEBIAN', 'control'),
    `Package: ${PACKAGE}\nVersion: ${version}\nArchitecture: all\nMaintainer: Patchline tests <tests@patchline.invalid>\nDescription: the package the pipeline test patches\n`,
  );
  await writeFile(join(tree, 'usr', 'bin', PACKAGE), `#!/bin/sh\necho ${PACKAGE} ${version}\n`, { mode: 0o755 });
  const built = await run('dpkg-deb', [
    '--build',
    '--root-owner-group',
    tree,
    join(work, 'apt', `${PACKAGE}_${version}_all.deb`),
  ]);
  expect(built.status, built.stderr).toBe(0);
  const index = await run('sh', ['-c', 'cd "$1" && dpkg-scanpackages --multiversion .', 'sh', join(work, 'apt')]);
  expect(index.status, index.stderr).toBe(0);
  await writeFile(join(work, 'apt', 'Packages'), index.stdout);
}

/**
 * The Debian security tracker's JSON and DSA list, as `db update` would fetch them, imported with `db import`:
 * an unrelated issue (so the database holds Debian 12 data from the start) and every advisory published so far.
 */
async function writeAdvisories(): Promise<void> {
  const tracker: Record<string, Record<string, unknown>> = {
    'other-patchline': {
      'CVE-2026-10000': {
        description: 'an issue in a package the image does not have',
        releases: { bookworm: { status: 'resolved', fixed_version: '2.0-1', urgency: 'high' } },
      },
    },
    [PACKAGE]: {},
  };
  const list: string[] = [];
  const today = new Date().toUTCString().slice(5, 16);
  for (const advisory of advisories) {
    (tracker[PACKAGE] as Record<string, unknown>)[advisory.cve] = {
      description: `an issue fixed in ${advisory.version}`,
      releases: { bookworm: { status: 'resolved', fixed_version: advisory.version, urgency: 'high' } },
    };
    list.push(`[${today}] ${advisory.dsa} ${PACKAGE} - security update`, `\t{${advisory.cve}}`);
    list.push(`\t[bookworm] - ${PACKAGE} ${advisory.version}`);
  }
  await writeFile(join(work, 'tracker.json'), JSON.stringify(tracker));
  await writeFile(join(work, 'DSA-list.txt'), `${list.join('\n')}\n`);
  const imported = await runCliAsync(
    ['db', 'import', '--db', join(work, 'advisories.db'), join(work, 'tracker.json'), join(work, 'DSA-list.txt')],
    env,
  );
  expect(imported.status, imported.stderr).toBe(0);
}

async function publishAdvisory(dsa: string, cve: string, version: string): Promise<void> {
  advisories.push({ dsa, cve, version });
  await writeAdvisories();
}

function pipelineArgs(file: string): string[] {
  return [
    'pipeline',
    'run',
    '-f',
    file,
    '--db',
    join(work, 'advisories.db'),
    '--state-dir',
    join(work, 'state'),
    '--tls-verify=false',
  ];
}

function startPipelineLoop(): { child: ChildProcess; output: () => string } {
  const child = spawn(
    process.execPath,
    [cliPath, ...pipelineArgs(join(work, 'source', 'pipeline.yaml')), '--every', '1s'],
    { cwd: projectRoot, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  return { child, output: () => output };
}

interface ExposureView {
  fleet: string;
  advisory: string;
  state: string;
  note?: string;
  stages: Record<string, string | undefined>;
  releases: string[];
}

async function exposures(): Promise<ExposureView[]> {
  const listed = await runCliAsync(['exposure', '-o', 'json'], env);
  expect(listed.status, listed.stderr).toBe(0);
  return (JSON.parse(listed.stdout) as { items: ExposureView[] }).items;
}

async function exposureOf(fleet: string, advisory: string): Promise<ExposureView | undefined> {
  return (await exposures()).find((item) => item.fleet === fleet && item.advisory === advisory);
}

interface RunView {
  metadata: { name: string };
  status: {
    outcome: string;
    image?: { digest: string; pushed: boolean };
    shipped?: Array<{ advisory: string }>;
    missing?: Array<{ fix: { advisory: string }; reason: string }>;
    releases?: Array<{ fleet: string; release: string }>;
  };
}

async function runs(): Promise<RunView[]> {
  const listed = await gateway.admin('GET', 'pipelines/web-os/runs');
  // 404 until the pipeline's first pass registers it.
  return listed.status === 404 ? [] : (listed.json() as { items: RunView[] }).items;
}

/** The version of PACKAGE in an image of the registry, read by dpkg-query from the image's own database. */
async function packageVersionIn(digest: string): Promise<string> {
  const dir = join(await tempDir('patchline-pipeline-check-'), 'image');
  await skopeo(
    'copy',
    '--quiet',
    '--src-tls-verify=false',
    `docker://${registry.host}/os/web@${digest}`,
    `oci:${dir}:x`,
  );
  const bundle = join(dir, '..', 'bundle');
  const unpacked = await run('umoci', ['raw', 'unpack', '--rootless', '--image', `${dir}:x`, bundle]);
  expect(unpacked.status, unpacked.stderr).toBe(0);
  const query = await run('dpkg-query', [
    `--admindir=${join(bundle, 'var/lib/dpkg')}`,
    '-W',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own format syntax
    '-f=${Version}',
    PACKAGE,
  ]);
  expect(query.status, query.stderr).toBe(0);
  return query.stdout.toString();
}

describe('hands-off patching', () => {
  it('ships the first image to both fleets with no one deciding anything', async () => {
    pipelineLoop = startPipelineLoop();
    hostLoop = runHosts(hosts, HOST_TICK_MS);
    const shipped = await until(
      'the first image to run on every host',
      async () => {
        const done = (await runs()).find((each) => each.status.outcome === 'shipped');
        const digest = done?.status.image?.digest;
        return digest !== undefined && hosts.every((host) => host.host.booted === digest) ? digest : undefined;
      },
      300_000,
    );
    expect(await packageVersionIn(shipped)).toBe('1.0-1');
    sickness.known.add(shipped);
  }, 330_000);

  it('turns a published fix into an image on every host and closes its exposure, stage by stage', async () => {
    await publishPackage('1.0-2');
    await publishAdvisory('DSA-9901-1', 'CVE-2026-10001', '1.0-2');
    const closed = await until(
      'CVE-2026-10001 to be closed on both fleets',
      async () => {
        const canary = await exposureOf('canary', 'DSA-9901-1');
        const production = await exposureOf('production', 'DSA-9901-1');
        return canary?.state === 'closed' && production?.state === 'closed' ? { canary, production } : undefined;
      },
      300_000,
    );
    const run = (await runs()).find((each) => each.status.shipped?.some((fix) => fix.advisory === 'DSA-9901-1'));
    const digest = run?.status.image?.digest ?? '';
    expect(hosts.every((host) => host.host.booted === digest)).toBe(true);
    expect(await packageVersionIn(digest)).toBe('1.0-2');
    for (const exposure of [closed.canary, closed.production]) {
      // Every stage from the publisher's date to the last host, in order.
      const order = ['published', 'seen', 'detected', 'built', 'released', 'rolloutStarted', 'completed'];
      expect(Object.keys(exposure.stages), exposure.fleet).toEqual(expect.arrayContaining(order));
      const times = order.map((stage) => Date.parse(exposure.stages[stage] ?? 'missing'));
      for (let index = 1; index < times.length; index++) {
        expect(times[index]).toBeGreaterThanOrEqual(times[index - 1] ?? 0);
      }
      // The window closed when the fleet's last host booted the image, which the hosts themselves saw.
      expect(exposure.releases.length).toBe(1);
    }
    const table = await runCliAsync(['exposure', '--fleet', 'production'], env);
    expect(table.stdout).toMatch(/production\s+DSA-9901-1\s+hello-patchline\s+CVE-2026-10001\s+closed/);
    // The canary release, made in the pass that built the image, keeps its diff from the first image: the fix
    // shipped and the package it upgraded.
    const canaryRelease = run?.status.releases?.find((each) => each.fleet === 'canary')?.release;
    const diff = (await gateway.admin('GET', `releases/${canaryRelease}/diff`)).json() as ReleaseDiff;
    expect(diff.new.digest).toBe(digest);
    // The scan reports Debian tracker findings by CVE.
    expect(diff.advisories.computed && diff.advisories.fixesGained.map((fix) => fix.id)).toContain('CVE-2026-10001');
    expect(diff.packages.upgraded).toContainEqual(
      expect.objectContaining({ name: PACKAGE, from: '1.0-1', to: '1.0-2' }),
    );
    sickness.known.add(digest);
  }, 330_000);

  it('reports a fix that is not installable yet, makes no release, and ships it when the package arrives', async () => {
    const releasesBefore = ((await gateway.admin('GET', 'releases')).json() as { items: unknown[] }).items.length;
    await publishAdvisory('DSA-9902-1', 'CVE-2026-10002', '1.0-3');
    const waiting = await until(
      'a run to report DSA-9902-1 as not installable',
      async () =>
        (await runs()).find(
          (each) =>
            each.status.outcome !== 'running' &&
            each.status.missing?.some((missing) => missing.fix.advisory === 'DSA-9902-1'),
        ),
      240_000,
    );
    expect(waiting.status.outcome).toBe('no-change');
    expect(waiting.status.missing?.[0]?.reason).toMatch(
      /^fix not installable yet: the new image still has hello-patchline 1\.0-2/,
    );
    expect((await exposureOf('canary', 'DSA-9902-1'))?.state).toBe('not-installable');
    expect(((await gateway.admin('GET', 'releases')).json() as { items: unknown[] }).items.length).toBe(releasesBefore);

    await publishPackage('1.0-3');
    await until(
      'CVE-2026-10002 to be closed on both fleets',
      async () =>
        (await exposureOf('canary', 'DSA-9902-1'))?.state === 'closed' &&
        (await exposureOf('production', 'DSA-9902-1'))?.state === 'closed'
          ? true
          : undefined,
      300_000,
    );
    for (const host of hosts) sickness.known.add(host.host.booted);
  }, 600_000);

  it('halts and rolls back an image that fails the canary, never offers it again, and reports the exposure blocked', async () => {
    sickness.on = true;
    await publishPackage('1.0-4');
    await publishAdvisory('DSA-9903-1', 'CVE-2026-10003', '1.0-4');
    const blocked = await until(
      'CVE-2026-10003 to be blocked',
      async () => {
        const exposure = await exposureOf('canary', 'DSA-9903-1');
        return exposure?.state === 'blocked' ? exposure : undefined;
      },
      300_000,
    );
    expect(blocked.note).toMatch(
      /^blocked on failed release web-os-canary-[0-9a-f]{12} \(rollout rolled-back on canary/,
    );
    expect((await exposureOf('production', 'DSA-9903-1'))?.state).toBe('blocked');
    const failedRun = (await runs()).find((each) => each.status.shipped?.some((fix) => fix.advisory === 'DSA-9903-1'));
    const failedDigest = failedRun?.status.image?.digest ?? '';
    // The canaries are back on the image before it; production never saw a release of the failed one.
    await until('the canaries to be back', async () =>
      hosts.every((host) => host.host.booted !== failedDigest) ? true : undefined,
    );
    const production = (
      (await gateway.admin('GET', 'releases?fleet=production')).json() as { items: Array<{ spec: { image: string } }> }
    ).items;
    expect(production.some((release) => release.spec.image.endsWith(failedDigest))).toBe(false);
    // Two more passes later, nothing was rebuilt or offered again.
    const runsBefore = (await runs()).length;
    const output = pipelineLoop?.output ?? (() => '');
    const seen = output().split('blocked on a failed release').length;
    await until('two more passes', async () =>
      output().split('blocked on a failed release').length >= seen + 2 ? true : undefined,
    );
    expect((await runs()).length).toBe(runsBefore);
  }, 400_000);
});

describe('pipeline run with bad input', () => {
  it('refuses an invalid Pipeline, naming the path and line', async () => {
    const file = join(work, 'bad.yaml');
    await writeFile(
      file,
      'apiVersion: patchline.dev/v1\nkind: Pipeline\nmetadata: {name: bad}\nspec:\n  build: {command: [true]}\n  trigers: {fixes: true}\n  publish: {repository: 127.0.0.1:1/x}\n',
    );
    const result = await runCliAsync(pipelineArgs(file), env);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/bad\.yaml.*spec\.trigers.*line 6/s);
  });

  it('reports a failing build with its output and makes no release', async () => {
    const dir = await tempDir('patchline-pipeline-failing-');
    await writeFile(
      join(dir, 'Containerfile'),
      `FROM ${registry.host}/base/debian:12\nRUN echo the compiler broke && false\n`,
    );
    await writeFile(
      join(dir, 'pipeline.yaml'),
      `apiVersion: patchline.dev/v1\nkind: Pipeline\nmetadata: {name: failing}\nspec:\n  source: {containerfile: Containerfile}\n  publish: {repository: ${registry.host}/os/failing}\n  promote: [{fleet: canary}]\n`,
    );
    const result = await runCliAsync(pipelineArgs(join(dir, 'pipeline.yaml')), env);
    expect(result.status, result.stderr).toBe(1);
    expect(result.stdout).toMatch(/^build-failed \(run failing-/m);
    expect(result.stdout).toContain('the compiler broke');
    const releases = (await gateway.admin('GET', 'releases')).json() as { items: Array<{ spec: { image: string } }> };
    expect(releases.items.some((release) => release.spec.image.includes('/os/failing'))).toBe(false);
  }, 300_000);

  it('reports a refused push, and records an image pushed without a release when the controller refuses it', async () => {
    const dir = await tempDir('patchline-pipeline-push-');
    await writeFile(join(dir, 'Containerfile'), `FROM ${registry.host}/base/debian:12\nRUN echo built > /etc/built\n`);
    const closed = await startRegistry({ kind: 'htpasswd', users: { someone: 'secret' } });
    try {
      await writeFile(
        join(dir, 'refused.yaml'),
        `apiVersion: patchline.dev/v1\nkind: Pipeline\nmetadata: {name: refused}\nspec:\n  source: {containerfile: Containerfile}\n  publish: {repository: ${closed.host}/os/refused}\n`,
      );
      const refused = await runCliAsync(pipelineArgs(join(dir, 'refused.yaml')), env);
      expect(refused.status, refused.stderr).toBe(2);
      expect(refused.stdout).toMatch(/^publish-failed .*the push failed/m);
    } finally {
      await closed.stop();
    }
    // The fleet does not exist: the image is pushed, the release is refused, and the run says exactly that.
    await writeFile(
      join(dir, 'orphan.yaml'),
      `apiVersion: patchline.dev/v1\nkind: Pipeline\nmetadata: {name: orphan}\nspec:\n  source: {containerfile: Containerfile}\n  publish: {repository: ${registry.host}/os/orphan}\n  promote: [{fleet: nowhere}]\n`,
    );
    const orphan = await runCliAsync(pipelineArgs(join(dir, 'orphan.yaml')), env);
    expect(orphan.status, orphan.stderr).toBe(2);
    const recorded = (await gateway.admin('GET', 'pipelines/orphan/runs')).json() as { items: RunView[] };
    const record = recorded.items[0];
    expect(record?.status.outcome).toBe('release-failed');
    expect(record?.status.image?.pushed).toBe(true);
    const tagged = await skopeo(
      'inspect',
      '--raw',
      '--tls-verify=false',
      `docker://${registry.host}/os/orphan@${record?.status.image?.digest}`,
    );
    expect(sha256(tagged)).toBe(record?.status.image?.digest);
    const local = JSON.parse(
      await readFile(join(work, 'state', 'orphan', record?.metadata.name ?? '', 'run.json'), 'utf8'),
    ) as RunView;
    expect(local.status.outcome).toBe('release-failed');
  }, 300_000);

  it('exits 2 when the controller cannot be reached, before building anything', async () => {
    const result = await runCliAsync(pipelineArgs(join(work, 'source', 'pipeline.yaml')), {
      ...env,
      PATCHLINE_SERVER: 'http://127.0.0.1:1',
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('cannot reach the controller');
  });
});
