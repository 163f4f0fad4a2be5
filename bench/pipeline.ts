// `npm run bench:pipeline`: issue 13's benchmark. From "a fix is importable" to "every host booted it", with
// N simulated bootc hosts (default 1,000) in two fleets (canary, production), a real docker-registry, a local apt
// repository served over HTTP, `podman build` and `patchline serve` (the built CLI, child processes).
// Writes bench/results/pipeline.md and pipeline.json.
//
//   npm run bench:pipeline [-- --hosts N] [--canaries N] [--cycle-seconds S] [--no-build]
//
// What is measured: the wall time of each step as the run records it (build, verify, smoke test, gate, publish,
// release), the time the pass spent before the build (detect: registering, scanning the current image, deciding),
// the promotion pass that starts production, and the hosts' own updates (their timer is --cycle-seconds, compressed
// from bootc's 15 minutes; hosts ask the host API, which the registry gateway answers from the same decision).
// Patchline's overhead is everything but the build, the user's test command and the hosts' timers. Beside it, in the
// same run, the floors: `podman build` is the build itself, and `skopeo copy` of the same OCI layout to the same
// registry is the publish floor.

import { randomBytes } from 'node:crypto';
import { createReadStream, existsSync, readdirSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join, normalize } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Rollout } from '../src/fleet/index.js';
import { freePort, startRegistry } from '../test/helpers/registry.js';
import { until } from '../test/helpers/until.js';
import { benchArgs } from './lib/args.js';
import { CLI } from './lib/dist.js';
import { background, cleanUpOnExit, must, spawnRun, tempDir } from './lib/processes.js';
import { writeResults } from './lib/results.js';

const PACKAGE = 'hello-patchline';

const args = benchArgs();
const HOSTS = args.number('hosts', 1000);
const CANARIES = args.number('canaries', 10);
const CYCLE_MS = args.number('cycle-seconds', 10) * 1000;
const log = (line: string) => process.stderr.write(`bench: ${line}\n`);
cleanUpOnExit(log);

/** Waits for a probe's answer; the whole pipeline may take minutes on a loaded machine. */
const waitFor = <T>(what: string, probe: () => Promise<T | undefined>) => until(what, probe, 600_000);

// ── the world: registry, apt repository, base image, controller ───────────────────────────────────────────────────

const work = await tempDir('patchline-bench-pipeline-');
if (!args.flag('no-build')) await must('npm', ['run', 'build']);

const registryServer = await startRegistry();
const registry = registryServer.host;

const apt = join(work, 'apt');
await mkdir(apt);
const aptServer = http.createServer((request, response) => {
  const path = normalize(join(apt, new URL(request.url ?? '/', 'http://x').pathname));
  if (!path.startsWith(apt) || !existsSync(path)) return response.writeHead(404).end();
  createReadStream(path).pipe(response);
});
await new Promise<void>((resolve) => aptServer.listen(0, '127.0.0.1', resolve));
const aptUrl = `http://127.0.0.1:${(aptServer.address() as AddressInfo).port}/`;

async function publishPackage(version: string) {
  const tree = join(work, `pkg-${version}`);
  await mkdir(join(tree, 'DEBIAN'), { recursive: true });
  await mkdir(join(tree, 'usr/bin'), { recursive: true });
  await writeFile(
    join(tree, 'DEBIAN/control'),
    `Package: ${PACKAGE}\nVersion: ${version}\nArchitecture: all\nMaintainer: bench <bench@patchline.invalid>\nDescription: bench package\n`,
  );
  await writeFile(join(tree, `usr/bin/${PACKAGE}`), `#!/bin/sh\necho ${version}\n`, { mode: 0o755 });
  await must('dpkg-deb', ['--build', '--root-owner-group', tree, join(apt, `${PACKAGE}_${version}_all.deb`)]);
  const index = await must('sh', ['-c', 'cd "$1" && dpkg-scanpackages --multiversion .', 'sh', apt]);
  await writeFile(join(apt, 'Packages'), index.stdout);
}
await publishPackage('1.0-1');

const podmanEnv = {
  CONTAINERS_CONF: join(work, 'containers.conf'),
  CONTAINERS_STORAGE_CONF: join(work, 'storage.conf'),
};
const runroot = await tempDir('pl-bench-', '/tmp');
await writeFile(
  podmanEnv.CONTAINERS_CONF,
  '[containers]\ndefault_ulimits = ["nofile=1024:4096", "nproc=1024:1024"]\nnetns = "host"\n[engine]\nruntime = "runc"\ncgroup_manager = "cgroupfs"\nevents_logger = "none"\n',
);
await writeFile(
  podmanEnv.CONTAINERS_STORAGE_CONF,
  `[storage]\ndriver = "overlay"\ngraphroot = "${join(work, 'storage')}"\nrunroot = "${runroot}"\n`,
);

// The Debian rootfs the tests build (debootstrap, cached in the temporary folder), or a fresh one.
const cached = readdirSync(tmpdir())
  .filter((name) => name.startsWith('patchline-real-images-'))
  .map((name) => join(tmpdir(), name, 'debian', 'rootfs'))
  .find((path) => existsSync(join(path, 'var/lib/dpkg/status')));
let rootfs = cached;
if (rootfs === undefined) {
  rootfs = join(work, 'rootfs');
  const sources = await readFile('/etc/apt/sources.list.d/debian.sources', 'utf8').catch(() => '');
  const mirror = /^URIs:\s*(\S+)/m.exec(sources)?.[1] ?? 'http://deb.debian.org/debian';
  log(`debootstrap from ${mirror}`);
  await must('debootstrap', ['--variant=minbase', 'bookworm', rootfs, mirror]);
}
await must('tar', ['--numeric-owner', '-C', rootfs, '-cf', join(work, 'base.tar'), '.']);
await must('podman', ['import', join(work, 'base.tar'), 'localhost/bench-base:1'], {
  env: { ...process.env, ...podmanEnv },
});
await must('podman', ['push', '--tls-verify=false', 'localhost/bench-base:1', `docker://${registry}/base/debian:12`], {
  env: { ...process.env, ...podmanEnv },
});

const serverPort = await freePort();
const token = randomBytes(24).toString('hex');
const env = {
  ...podmanEnv,
  PATCHLINE_SERVER: `http://127.0.0.1:${serverPort}`,
  PATCHLINE_ADMIN_TOKEN: token,
  XDG_CACHE_HOME: join(work, 'cache'),
};
const limits = ['--admin-rate-limit', '1000000', '--anonymous-rate-limit', '1000000', '--host-rate-limit', '100000'];
const serve = background(
  process.execPath,
  [
    CLI,
    'serve',
    '--listen',
    `127.0.0.1:${serverPort}`,
    '--database',
    join(work, 'controller.db'),
    '--tick',
    '1s',
    '--log-level',
    'warn',
    ...limits,
  ],
  { env },
);
await waitFor('the controller', async () =>
  (await fetch(`${env.PATCHLINE_SERVER}/healthz`).catch(() => undefined))?.ok ? true : undefined,
);

const cli = (list: string[]) => spawnRun(process.execPath, [CLI, ...list], { env: { ...process.env, ...env } });
const api = async (method: string, path: string, body?: unknown) => {
  const response = await fetch(`${env.PATCHLINE_SERVER}/apis/patchline.dev/v1/${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return text === '' ? undefined : JSON.parse(text);
};

const repository = `${registry}/os/web`;
for (const [fleet, policy] of [
  ['canary', { successThreshold: 1 }],
  ['production', { batches: [{ limit: '10%' }], successThreshold: 0.9 }],
] as const) {
  await api('POST', 'fleets', {
    apiVersion: 'patchline.dev/v1',
    kind: 'Fleet',
    metadata: { name: fleet },
    spec: {
      selector: { matchLabels: { ring: fleet } },
      image: repository,
      rolloutPolicy: { updateTimeout: '10m', ...policy },
    },
  });
}

// ── hosts: report, ask what to run, boot it at the next cycle ────────────────────────────────────────────────────

const baseDigest = JSON.parse(
  (await must('skopeo', ['inspect', '--tls-verify=false', `docker://${registry}/base/debian:12`])).stdout,
).Digest;
function bootc(digest: string) {
  const entry = {
    image: { image: { image: repository, transport: 'registry' }, imageDigest: digest, version: null, timestamp: null },
    cachedUpdate: null,
    incompatible: false,
    pinned: false,
    store: 'ostreeContainer',
  };
  return {
    apiVersion: 'org.containers.bootc/v1',
    kind: 'BootcHost',
    metadata: { name: 'host' },
    spec: { image: { image: repository, transport: 'registry' } },
    status: { staged: null, booted: entry, rollback: null, rollbackQueued: false, type: 'bootcHost' },
  };
}
log(`enrolling ${HOSTS} hosts`);
interface SimulatedHost {
  name: string;
  ring: 'canary' | 'production';
  credential: string;
  booted: string;
  desired: string | undefined;
}
const hosts: SimulatedHost[] = [];
for (let index = 0; index < HOSTS; index++) {
  const ring: SimulatedHost['ring'] = index < CANARIES ? 'canary' : 'production';
  const { token: enrollment } = await api('POST', 'enrollment-tokens', { labels: { ring } });
  const name = `host-${String(index).padStart(5, '0')}`;
  const response = await fetch(`${env.PATCHLINE_SERVER}/host/v1/enroll`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token: enrollment, name }),
  });
  if (response.status !== 201) throw new Error(`enroll ${name}: ${response.status} ${await response.text()}`);
  const { credential } = (await response.json()) as { credential: string };
  hosts.push({ name, ring, credential, booted: baseDigest, desired: undefined });
}
let hostsRunning = true;
const hostLoop = (async () => {
  // Each host's timer fires once a cycle, spread evenly over it.
  while (hostsRunning) {
    const started = Date.now();
    await Promise.all(
      hosts.map(async (host, index) => {
        await sleep(((index * CYCLE_MS) / hosts.length) % CYCLE_MS);
        if (host.desired !== undefined && host.desired !== host.booted) host.booted = host.desired;
        const headers = { authorization: `Bearer ${host.credential}`, 'content-type': 'application/json' };
        await fetch(`${env.PATCHLINE_SERVER}/host/v1/status`, {
          method: 'POST',
          headers,
          body: JSON.stringify({ bootc: bootc(host.booted), health: { state: 'healthy' } }),
        })
          .then((response) => response.arrayBuffer())
          .catch(() => {});
        const desired = await fetch(`${env.PATCHLINE_SERVER}/host/v1/desired`, { headers })
          .then((response) => (response.status === 200 ? (response.json() as Promise<{ digest?: string }>) : undefined))
          .catch(() => undefined);
        if (desired?.digest) host.desired = desired.digest;
      }),
    );
    await sleep(Math.max(0, CYCLE_MS - (Date.now() - started)));
  }
})();

// ── the pipeline ─────────────────────────────────────────────────────────────────────────────────────────────────

const source = join(work, 'source');
await mkdir(source);
await writeFile(
  join(source, 'Containerfile'),
  `FROM ${registry}/base/debian:12\nARG PATCHLINE_FIXES\nRUN echo "deb [trusted=yes] ${aptUrl} ./" > /etc/apt/sources.list.d/local.list && apt-get update -o Dir::Etc::sourcelist=/etc/apt/sources.list.d/local.list -o Dir::Etc::sourceparts=- && apt-get install -y --no-install-recommends ${PACKAGE} && rm -rf /var/lib/apt/lists/*\n`,
);
await writeFile(
  join(source, 'policy.yaml'),
  'apiVersion: patchline.dev/v1\nkind: Policy\nmetadata: {name: velocity}\nspec:\n  fixes: {maxAge: 7d}\n',
);
await writeFile(
  join(source, 'pipeline.yaml'),
  `apiVersion: patchline.dev/v1\nkind: Pipeline\nmetadata: {name: web-os}\nspec:\n  source: {containerfile: Containerfile}\n  test:\n    - {name: smoke, run: [podman, run, --rm, "{{image}}", /usr/bin/${PACKAGE}]}\n    - {gate: {policy: policy.yaml}}\n  publish: {repository: ${repository}, tags: [latest]}\n  promote:\n    - {fleet: canary}\n    - {fleet: production, after: {fleet: canary, rollout: succeeded}}\n`,
);
const db = join(work, 'advisories.db');
async function importAdvisories(fixed: string | undefined) {
  const tracker: Record<string, unknown> = {
    'other-patchline': { 'CVE-2026-20000': { releases: { bookworm: { status: 'resolved', fixed_version: '2.0-1' } } } },
  };
  const list: string[] = [];
  if (fixed !== undefined) {
    tracker[PACKAGE] = { 'CVE-2026-20001': { releases: { bookworm: { status: 'resolved', fixed_version: fixed } } } };
    list.push(
      `[${new Date().toUTCString().slice(5, 16)}] DSA-9999-1 ${PACKAGE} - security update`,
      '\t{CVE-2026-20001}',
      `\t[bookworm] - ${PACKAGE} ${fixed}`,
    );
  }
  await writeFile(join(work, 'tracker.json'), JSON.stringify(tracker));
  await writeFile(join(work, 'DSA-list.txt'), `${list.join('\n')}\n`);
  return cli(['db', 'import', '--db', db, join(work, 'tracker.json'), join(work, 'DSA-list.txt')]);
}
await importAdvisories(undefined);
const pass = async () => {
  const result = await cli([
    'pipeline',
    'run',
    '-f',
    join(source, 'pipeline.yaml'),
    '--db',
    db,
    '--state-dir',
    join(work, 'state'),
    '--tls-verify=false',
  ]);
  if (result.code === 2) throw new Error(`pipeline run: ${result.stdout}${result.stderr}`);
  return result;
};
const runs = async () => (await api('GET', 'pipelines/web-os/runs')).items;
const everyHostOn = (digest: string, ring?: SimulatedHost['ring']) =>
  hosts.filter((host) => ring === undefined || host.ring === ring).every((host) => host.booted === digest);
const rolloutOf = async (fleet: string, digest: string): Promise<Rollout | undefined> =>
  ((await api('GET', `rollouts?fleet=${fleet}`)).items as Rollout[]).find((rollout) =>
    rollout.spec.release.endsWith(digest.slice(7, 19)),
  );

async function shipEverywhere() {
  const first = await pass();
  const run = (await runs())[0];
  const digest = run.status.image.digest;
  await waitFor('the canaries', async () =>
    (await rolloutOf('canary', digest))?.status?.phase === 'succeeded' ? true : undefined,
  );
  const canaryDone = Date.now();
  const promotion = await pass();
  await waitFor('every host', async () => (everyHostOn(digest) ? true : undefined));
  return { first, run, digest, canaryDone, promotion };
}

log('the first image, everywhere (warm-up: not measured)');
await shipEverywhere();

log('measuring: a fix appears');
await publishPackage('1.0-2');
const importStarted = Date.now();
const imported = await importAdvisories('1.0-2');
const fixImportable = Date.now();
const measured = await shipEverywhere();
const allBooted = Date.now();
const exposure = await waitFor('the exposure to close', async () => {
  const items = ((await api('GET', 'exposures')).items as Array<{ advisory: string; state: string }>).filter(
    (item) => item.advisory === 'DSA-9999-1',
  );
  return items.length === 2 && items.every((item) => item.state === 'closed') ? items : undefined;
});

interface RunStep {
  name: string;
  startedAt: string;
  finishedAt: string;
}
const steps: Record<string, number> = Object.fromEntries(
  (measured.run.status.steps as RunStep[]).map((step) => [
    step.name,
    (Date.parse(step.finishedAt) - Date.parse(step.startedAt)) / 1000,
  ]),
);
const passSeconds = measured.first.seconds;
const detect = (Date.parse(measured.run.status.steps[0].startedAt) - Date.parse(measured.run.status.startedAt)) / 1000;
const preRun =
  passSeconds - (Date.parse(measured.run.status.finishedAt) - Date.parse(measured.run.status.startedAt)) / 1000;
const build = steps.build ?? 0;
const smoke = steps['test smoke'] ?? 0;
const overhead = passSeconds - build - smoke + measured.promotion.seconds;
// Starting the CLI (node loading every command) is paid once per process: twice here, once in `--every` mode.
const startup = (await cli(['--version'])).seconds;

// The publish floor: the same layout to the same registry, by skopeo.
const layout = join(work, 'state', 'web-os', measured.run.metadata.name, 'image');
const floor = await must('skopeo', [
  'copy',
  '--quiet',
  '--dest-tls-verify=false',
  `oci:${layout}:latest`,
  `docker://${registry}/floor/web:copy`,
]);

hostsRunning = false;
await hostLoop;
serve.kill('SIGTERM');
aptServer.close();
await registryServer.stop();

const rows: Array<[string, number | undefined, string]> = [
  ['import the advisory (`db import`)', imported.seconds, 'the fix becomes importable'],
  ['CLI process start (`patchline --version`, the same load)', startup, 'Patchline, once per process'],
  [
    'pass: register, list runs, match the current image, decide (detect; less the process start)',
    preRun + detect - startup,
    'Patchline',
  ],
  ['build (`podman build` + write the OCI layout)', build, 'the build itself'],
  ['verify (scan the new image, diff with the current one)', steps.verify, 'Patchline'],
  ['test: smoke (`podman run`)', smoke, "the user's test"],
  ['test: gate', steps['gate policy.yaml'], 'Patchline'],
  [
    'publish (push by digest, then the tag)',
    steps.publish,
    `Patchline; floor: skopeo copy ${floor.seconds.toFixed(2)} s`,
  ],
  ['release + rollout on canary', steps.release, 'Patchline'],
  [
    'canary hosts update (host timers)',
    (measured.canaryDone - Date.parse(measured.run.status.finishedAt)) / 1000,
    'hosts',
  ],
  [
    'promotion pass (production release + rollout; less the process start)',
    measured.promotion.seconds - startup,
    'Patchline',
  ],
  [
    `production hosts update (${HOSTS - CANARIES} hosts, batches 10% then the rest)`,
    (allBooted - measured.canaryDone) / 1000 - measured.promotion.seconds,
    'hosts',
  ],
];
const result = {
  date: new Date().toISOString(),
  machine: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}`,
  hosts: HOSTS,
  canaries: CANARIES,
  cycleSeconds: CYCLE_MS / 1000,
  fixImportableToAllBootedSeconds: (allBooted - fixImportable) / 1000,
  importSeconds: (fixImportable - importStarted) / 1000,
  patchlineOverheadSeconds: overhead,
  processStartSeconds: startup,
  rows: rows.map(([stage, seconds, who]) => ({ stage, seconds, who })),
  exposure,
};
const table = [
  '| stage | seconds | whose time |',
  '|---|---:|---|',
  ...rows.map(([stage, seconds, who]) => `| ${stage} | ${Number(seconds ?? 0).toFixed(2)} | ${who} |`),
].join('\n');
const summary = `${table}\n\nFix importable → every host booted: ${result.fixImportableToAllBootedSeconds.toFixed(1)} s. Patchline's own time (both passes, less the build and the smoke test): ${overhead.toFixed(2)} s as two \`pipeline run\` processes, ${(overhead - startup).toFixed(2)} s in one \`--every\` process (target: under 10 s).\n`;
await writeResults(
  'pipeline',
  `# Pipeline: fix importable to every host (${result.date}, ${result.machine})\n\n${summary}`,
  result,
);
process.stdout.write(summary);
process.exit(0);
