// `npm run bench:gateway`: issue 7's benchmark. The ~1 GB, 64-layer bootc-shaped image of make-image.ts in a real
// docker-registry (the upstream), and the built `patchline serve` with its registry gateway in front of it, with a
// fleet tracking that repository, a release of the image and N enrolled hosts (default 10,000). Measures:
//
// 1. Pull throughput of the whole image (manifest, config, every layer), straight from the registry and through the
//    gateway with a cold and then a warm blob cache, with two clients that do the same on both sides:
//    - skopeo (the containers/image library bootc pulls with) copying to `dir:` on /dev/shm (tmpfs), so disk writes
//      do not dominate; skopeo checks every blob's digest;
//    - a Node HTTP client that reads every blob and throws it away (keep-alive, 6 blobs at a time like
//      containers/image), counting bytes only.
//    Each round restarts `patchline serve` on a fresh cache folder (cold), pulls once (cold) and again (warm), and
//    pulls straight from the registry in the same round; the ratio is per round, then the median.
// 2. Manifest requests per second: GET /v2/fleets/NAME/os/manifests/TAG, every request with the next host's HTTP
//    Basic credential (round-robin over all N hosts, so consecutive requests never share a credential), from a
//    closed-loop load generator in this process with keep-alive, at several concurrencies; p50/p99 latency, server
//    CPU (utime+stime from /proc) and RSS. Then the same with the token flow containers/image uses after a Bearer
//    challenge (GET /v2/token with the Basic credential, then the manifest with the token).
//
// --profile adds one more cold pull with the server under `node --cpu-prof` (bench/results/gateway-cold.cpuprofile)
// and lists where its time went. --direct-only (or a `patchline serve` without --gateway-cache) measures the registry
// side and the enrollment only.
//
//   npm run bench:gateway [-- --reps N] [--hosts N] [--seconds S] [--concurrency 1,8,32,128] [--no-build]
//                            [--clients skopeo,node] [--tag TAG] [--direct-only] [--skip-manifests] [--profile] [--pin]
//
// BENCH_IMAGE_BYTES (make-image.ts) makes a smaller image, for a smoke run. Writes bench/results/gateway.md and
// gateway.json. The load generator and the pulling clients share the machine's cores with the server and the
// registry; the report says how loaded the machine was.

import { type ChildProcess, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Rollout } from '../src/fleet/index.js';
import { sha256Digest } from '../src/oci/digest.js';
import { freePort, startRegistry, type TestRegistry } from '../test/helpers/registry.js';
import { until } from '../test/helpers/until.js';
import { benchArgs } from './lib/args.js';
import { CLI, ROOT } from './lib/dist.js';
import { hostStatus } from './lib/host-status.js';
import { type Reply, type RequestOptions, request as sendRequest } from './lib/http-request.js';
import { machine } from './lib/machine.js';
import type { LayoutManifest } from './lib/oci-layout.js';
import { background, buildDist, cleanUpOnExit, cleanupSync, dropTemp, must, tempDir } from './lib/processes.js';
import { type CpuProfile, type ProfileSummary, summarizeProfile } from './lib/profile.js';
import { resultPath, writeResults } from './lib/results.js';
import { median, percentile } from './lib/stats.js';
import { buildImage, IMAGE_DIR, TAG as IMAGE_TAG } from './make-image.js';

const CLK_TCK = 100;
const SINK_ROOT = '/dev/shm';
const CLIENT_NAMES = ['skopeo', 'node'] as const;
type Client = (typeof CLIENT_NAMES)[number];

const args = benchArgs();
const REPS = Math.max(1, args.number('reps', 3));
const HOSTS = args.number('hosts', 10_000);
const STEP_SECONDS = args.number('seconds', 10);
const CONCURRENCY = (args.option('concurrency') ?? '1,8,32,128').split(',').map(Number);
const CLIENTS = (args.option('clients') ?? 'skopeo,node').split(',') as Client[];
if (!Number.isInteger(HOSTS) || HOSTS < 1) throw new Error(`--hosts wants a whole number of at least 1, not ${HOSTS}`);
if (!CONCURRENCY.every((each) => Number.isInteger(each) && each >= 1)) {
  throw new Error(`--concurrency wants whole numbers of at least 1, separated by commas, not ${CONCURRENCY.join(',')}`);
}
for (const client of CLIENTS) {
  if (!CLIENT_NAMES.includes(client)) {
    throw new Error(`--clients: "${client}" is not one of ${CLIENT_NAMES.join(', ')}`);
  }
}
const FLEET = 'bench';
const UPSTREAM_REPO = 'bench/os';
const UPSTREAM_TAG = '1';
/** What a host pulls from the gateway: CONTROLLER/fleets/NAME/os:TAG. */
const GATEWAY_REPO = `fleets/${FLEET}/os`;
const GATEWAY_TAG = args.option('tag') ?? 'latest';
// --pin: skopeo and the registry on CPU 0, `patchline serve` on CPU 1, for direct and gateway pulls alike, as when the
// gateway runs on a machine of its own: the ratio then shows what the gateway costs the pull, not how two shared cores
// were split between it and the client.
const PIN = args.flag('pin');

/** With --pin, keeps a process and all its threads (and any it starts later) on one CPU. */
function pinTo(cpu: number, pid: number): void {
  if (!PIN) return;
  const result = spawnSync('taskset', ['-a', '-p', '-c', String(cpu), String(pid)], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`taskset could not pin ${pid} to CPU ${cpu}: ${result.stderr}`);
}
/** What containers/image sends when it asks for a manifest. */
const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v1+prettyjws',
].join(', ');
const PULL_PARALLEL = 6;
/** The image's manifest digest, from make-image.ts. */
let IMAGE_DIGEST: string | undefined;

const log = (line: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} [gateway] ${line}\n`);

// ── processes and clean-up: every child and temp folder is released on exit, error or signal ─────────────────────

cleanUpOnExit(log);

interface Daemon {
  child: ChildProcess;
  /** The end of its stdout and stderr, for error messages. */
  output(): string;
  stop(): Promise<void>;
}

/** A long-running child (the server) with its last output kept for error messages. */
function daemon(command: string, commandArgs: string[], env: NodeJS.ProcessEnv): Daemon {
  const child = background(command, commandArgs, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-8000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}

/** Waits until `url` answers 200; fails at once, with the child's output, if the child exits first. */
async function answering(url: string, process: Daemon, what: string): Promise<void> {
  try {
    await until(
      `${what} to answer ${url}`,
      async () => {
        if (process.child.exitCode !== null) throw new Error(`${what} exited with ${process.child.exitCode}`);
        const status = await fetch(url).then(
          async (response) => {
            await response.body?.cancel();
            return response.status;
          },
          () => 0,
        );
        return status === 200 ? true : undefined;
      },
      30_000,
    );
  } catch (error) {
    throw new Error(`${(error as Error).message}:\n${process.output()}`);
  }
}

interface Usage {
  /** CPU seconds (user + system) of the whole process. */
  cpu: number;
  /** CPU seconds of its main thread (for Node, the event loop). */
  mainCpu: number;
  /** CPU seconds of each live thread, by thread id. */
  threads: Map<string, number>;
  rssMb: number;
}

/** CPU seconds (user + system) from a /proc stat file. */
function cpuOf(statFile: string): number {
  const text = readFileSync(statFile, 'utf8');
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

/**
 * CPU seconds (user + system) of a process and of its main thread (for Node, the event loop; the rest is worker and
 * thread-pool threads), and RSS (MB), from /proc.
 */
function usage(pid: number): Usage {
  try {
    const cpu = cpuOf(`/proc/${pid}/stat`);
    const mainCpu = cpuOf(`/proc/${pid}/task/${pid}/stat`);
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    return { cpu, mainCpu, threads: threadCpu(pid), rssMb: rssKb / 1024 };
  } catch {
    return { cpu: Number.NaN, mainCpu: Number.NaN, threads: new Map(), rssMb: Number.NaN };
  }
}

/** CPU seconds of each live thread of a process, by thread id (a thread that exited is only in the process's total). */
function threadCpu(pid: number): Map<string, number> {
  const threads = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      threads.set(tid, cpuOf(`/proc/${pid}/task/${tid}/stat`));
    } catch {
      // It exited in between.
    }
  }
  return threads;
}

/** The CPU the busiest thread other than the main one used between two usage() samples (a worker thread, if any). */
function busiestOtherThread(pid: number, before: Usage, after: Usage): number {
  let busiest = 0;
  for (const [tid, cpu] of after.threads) {
    if (tid !== String(pid)) busiest = Math.max(busiest, cpu - (before.threads.get(tid) ?? 0));
  }
  return busiest;
}

/** Samples a process's RSS every 100 ms until stopped; the returned function stops and gives the peak. */
function peakRss(pid: number): () => number {
  let peak = usage(pid).rssMb;
  const timer = setInterval(() => {
    peak = Math.max(peak, usage(pid).rssMb);
  }, 100);
  return () => {
    clearInterval(timer);
    return Math.max(peak, usage(pid).rssMb);
  };
}

/** The median of the finite values (a process that was gone gives NaN; a column with none left shows –). */
const finiteMedian = (values: number[]) => median(values.filter((value) => Number.isFinite(value)));

// ── patchline serve ──────────────────────────────────────────────────────────────────────────────────────────────

function serveHelp(): string {
  return spawnSync(process.execPath, [CLI, 'serve', '--help'], { encoding: 'utf8' }).stdout;
}

interface Server {
  url: string;
  port: number;
  token: string;
  pid: number;
  output(): string;
  stop(): Promise<void>;
}

/**
 * One `patchline serve` on the given SQLite file and gateway cache folder. The admin and anonymous rate limits are
 * raised so that enrolling 10,000 hosts takes seconds (setup only); host calls, which are what is measured, keep
 * their default per-credential limit.
 */
async function startServe({
  database,
  cacheDir,
  token,
  nodeArgs = [],
}: {
  database: string;
  cacheDir?: string;
  token: string;
  nodeArgs?: string[];
}): Promise<Server> {
  const port = await freePort();
  const flags = [
    'serve',
    '--listen',
    `127.0.0.1:${port}`,
    '--database',
    database,
    '--log-level',
    'warn',
    '--admin-rate-limit',
    '10000000',
    '--anonymous-rate-limit',
    '10000000',
  ];
  if (cacheDir !== undefined && serveHelp().includes('--gateway-cache')) flags.push('--gateway-cache', cacheDir);
  const server = daemon(process.execPath, [...nodeArgs, CLI, ...flags], { PATCHLINE_ADMIN_TOKEN: token });
  const url = `http://127.0.0.1:${port}`;
  await answering(`${url}/healthz`, server, 'patchline serve');
  pinTo(1, server.child.pid!);
  return { url, port, token, pid: server.child.pid!, output: server.output, stop: server.stop };
}

// ── HTTP ─────────────────────────────────────────────────────────────────────────────────────────────────────────

const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });

/** One request on the keep-alive agent; resolves with status, headers and body (or only the byte count). */
function request(port: number, method: string, path: string, options: RequestOptions = {}): Promise<Reply> {
  return sendRequest(port, method, path, { agent, ...options });
}

function admin(server: Server, method: string, path: string, body?: unknown): Promise<Reply> {
  return request(server.port, method, `/apis/patchline.dev/v1/${path}`, {
    body,
    headers: { authorization: `Bearer ${server.token}` },
  });
}

/** An admin call that must succeed; its JSON answer, typed by the caller. */
async function mustAdmin<T>(server: Server, method: string, path: string, body?: unknown): Promise<T> {
  const response = await admin(server, method, path, body);
  if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${response.text.slice(0, 500)}`);
  return (response.text === '' ? undefined : JSON.parse(response.text)) as T;
}

interface EnrolledHost {
  name: string;
  credential: string;
}

const basic = (host: EnrolledHost) => `Basic ${Buffer.from(`${host.name}:${host.credential}`).toString('base64')}`;

// ── the fleet: a release of the upstream image, N enrolled hosts that run it ─────────────────────────────────────

/** Runs `work` for every index below `count`, `width` at a time. */
async function inParallel(count: number, width: number, work: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (;;) {
      const index = next++;
      if (index >= count) return;
      await work(index);
    }
  };
  await Promise.all(Array.from({ length: width }, worker));
}

/** N hosts, each with its own enrollment token and credential, all in the fleet; 32 at a time. */
async function enrollHosts(server: Server, count: number): Promise<{ hosts: EnrolledHost[]; seconds: number }> {
  const hosts = new Array<EnrolledHost>(count);
  const started = Date.now();
  await inParallel(count, 32, async (index) => {
    const name = `host-${String(index).padStart(6, '0')}`;
    const { token } = await mustAdmin<{ token: string }>(server, 'POST', 'enrollment-tokens', {
      labels: { fleet: FLEET },
    });
    const enrolled = await request(server.port, 'POST', '/host/v1/enroll', { body: { token, name } });
    if (enrolled.status !== 201) throw new Error(`enroll ${name}: ${enrolled.status} ${enrolled.text}`);
    hosts[index] = { name, credential: (JSON.parse(enrolled.text) as { credential: string }).credential };
  });
  return { hosts, seconds: (Date.now() - started) / 1000 };
}

/** The host `index` places on, round the list. */
const hostAt = (hosts: readonly EnrolledHost[], index: number) => hosts[index % hosts.length]!;

/**
 * The fleet tracks the upstream repository; release r1 is the image; every host reports that it runs r1, and a
 * rollout of r1 (nothing to change) makes it the fleet's current release, which the gateway then serves.
 */
async function setUpFleet(server: Server, registry: TestRegistry, digest: string, hosts: EnrolledHost[]) {
  const repository = `${registry.host}/${UPSTREAM_REPO}`;
  await mustAdmin(server, 'POST', 'fleets', {
    apiVersion: 'patchline.dev/v1',
    kind: 'Fleet',
    metadata: { name: FLEET },
    spec: { selector: { matchLabels: { fleet: FLEET } }, image: repository },
  });
  await mustAdmin(server, 'POST', 'releases', {
    apiVersion: 'patchline.dev/v1',
    kind: 'Release',
    metadata: { name: 'r1' },
    spec: { fleet: FLEET, image: `${repository}@${digest}`, gate: { passed: true } },
  });
  const report = { bootc: hostStatus(repository, digest), health: { state: 'healthy' } };
  await inParallel(hosts.length, 32, async (index) => {
    const host = hostAt(hosts, index);
    const response = await request(server.port, 'POST', '/host/v1/status', {
      body: report,
      headers: { authorization: `Bearer ${host.credential}` },
    });
    if (response.status !== 204) throw new Error(`status of ${host.name}: ${response.status} ${response.text}`);
  });
  await mustAdmin(server, 'POST', 'rollouts', {
    apiVersion: 'patchline.dev/v1',
    kind: 'Rollout',
    metadata: { name: 'r1' },
    spec: { release: 'r1' },
  });
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const phase = (await mustAdmin<Rollout>(server, 'GET', 'rollouts/r1')).status?.phase;
    if (phase === 'succeeded') return;
    if (phase === 'halted' || phase === 'rolled-back' || phase === 'aborted') {
      throw new Error(`rollout r1 ended ${phase}`);
    }
    await sleep(500);
  }
  throw new Error('rollout r1 did not finish in 120 s');
}

// ── pulling the whole image ──────────────────────────────────────────────────────────────────────────────────────

/**
 * A source: where to pull from and with which credential. `registry` is the upstream itself; `gateway` is
 * CONTROLLER/fleets/NAME/os:TAG with one host's credential.
 */
interface Source {
  port: number;
  host: string;
  repo: string;
  tag: string;
  user?: EnrolledHost;
}

function directSource(registry: TestRegistry): Source {
  const [, port] = registry.host.split(':');
  return { port: Number(port), host: registry.host, repo: UPSTREAM_REPO, tag: UPSTREAM_TAG };
}

function gatewaySource(server: Server, host: EnrolledHost): Source {
  return { port: server.port, host: `127.0.0.1:${server.port}`, repo: GATEWAY_REPO, tag: GATEWAY_TAG, user: host };
}

interface Pull {
  seconds: number;
  bytes: number;
  /** Node client only: the average size of the reads the blobs arrived in. */
  averageReadKiB?: number;
}

/** skopeo copy to `dir:` on tmpfs; skopeo verifies every blob's digest as it goes. */
async function pullSkopeo(source: Source, sinkRoot: string): Promise<Pull> {
  const sink = await tempDir('patchline-bench-pull-', sinkRoot);
  try {
    const creds = source.user === undefined ? [] : ['--src-creds', `${source.user.name}:${source.user.credential}`];
    const result = await must(PIN ? 'taskset' : 'skopeo', [
      ...(PIN ? ['-c', '0', 'skopeo'] : []),
      'copy',
      '--quiet',
      '--src-tls-verify=false',
      ...creds,
      `docker://${source.host}/${source.repo}:${source.tag}`,
      `dir:${join(sink, 'image')}`,
    ]);
    let bytes = 0;
    for (const name of await readdir(join(sink, 'image'))) bytes += (await stat(join(sink, 'image', name))).size;
    return { seconds: result.seconds, bytes };
  } finally {
    await dropTemp(sink);
  }
}

/** Reads the manifest and every blob over keep-alive HTTP, 6 at a time, and discards the bytes. */
async function pullNode(source: Source): Promise<Pull> {
  const started = process.hrtime.bigint();
  const auth: Record<string, string> = source.user === undefined ? {} : { authorization: basic(source.user) };
  const manifest = await request(source.port, 'GET', `/v2/${source.repo}/manifests/${source.tag}`, {
    headers: { ...auth, accept: MANIFEST_ACCEPT },
  });
  if (manifest.status !== 200) throw new Error(`manifest: ${manifest.status} ${manifest.text.slice(0, 300)}`);
  // The oracle: make-image.ts's own manifest digest (the image as written, before any registry saw it).
  const got = sha256Digest(manifest.text);
  if (got !== IMAGE_DIGEST) throw new Error(`manifest ${got} from ${source.host}, expected ${IMAGE_DIGEST}`);
  const document = JSON.parse(manifest.text) as LayoutManifest;
  const blobs = [document.config, ...document.layers];
  let bytes = manifest.bytes;
  let reads = 0;
  await inParallel(blobs.length, PULL_PARALLEL, async (index) => {
    const blob = blobs[index]!;
    const response = await request(source.port, 'GET', `/v2/${source.repo}/blobs/${blob.digest}`, {
      headers: auth,
      discard: true,
    });
    if (response.status !== 200 || response.bytes !== blob.size) {
      throw new Error(`blob ${blob.digest}: ${response.status}, ${response.bytes} of ${blob.size} bytes`);
    }
    bytes += response.bytes;
    reads += response.reads;
  });
  // How many pieces the blobs arrived in: what the sender's writes and the socket made of them.
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, bytes, averageReadKiB: bytes / reads / 1024 };
}

interface MeasuredPull extends Pull {
  mbps: number;
  serverCpu: number;
  serverMainCpu: number;
  serverBusiestOtherThreadCpu: number;
  registryCpu: number;
  clientCpu: number;
  serverPeakRssMb: number;
}

/** One pull with the server's and the registry's CPU over it; the Node client's own CPU too. */
async function measuredPull(
  client: Client,
  source: Source,
  { server, registry }: { server?: Server; registry: TestRegistry },
): Promise<MeasuredPull> {
  const serverBefore = server ? usage(server.pid) : undefined;
  const registryBefore = usage(registry.pid).cpu;
  const ownBefore = process.cpuUsage();
  const stopPeak = server ? peakRss(server.pid) : () => Number.NaN;
  const result = client === 'skopeo' ? await pullSkopeo(source, SINK_ROOT) : await pullNode(source);
  const own = process.cpuUsage(ownBefore);
  const serverAfter = server ? usage(server.pid) : undefined;
  const measured = server !== undefined && serverBefore !== undefined && serverAfter !== undefined;
  return {
    ...result,
    mbps: result.bytes / result.seconds / 1e6,
    serverCpu: measured ? serverAfter.cpu - serverBefore.cpu : Number.NaN,
    serverMainCpu: measured ? serverAfter.mainCpu - serverBefore.mainCpu : Number.NaN,
    serverBusiestOtherThreadCpu: measured ? busiestOtherThread(server.pid, serverBefore, serverAfter) : Number.NaN,
    registryCpu: usage(registry.pid).cpu - registryBefore,
    clientCpu: client === 'node' ? (own.user + own.system) / 1e6 : Number.NaN,
    serverPeakRssMb: stopPeak(),
  };
}

async function dirBytes(dir: string): Promise<number> {
  let total = 0;
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  for (const entry of entries) {
    if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name))).size;
  }
  return total;
}

// ── manifest requests per second ─────────────────────────────────────────────────────────────────────────────────

type Flow = 'basic' | 'token';

/**
 * One manifest answer for a host: with its Basic credential on the request itself, or (`token`) the way
 * containers/image does after a Bearer challenge: a token from /v2/token with the Basic credential, then the
 * manifest with that token.
 */
async function manifestOf(server: Server, host: EnrolledHost, path: string, flow: Flow): Promise<Reply> {
  let authorization = basic(host);
  if (flow === 'token') {
    const scope = encodeURIComponent(`repository:${GATEWAY_REPO}:pull`);
    const issued = await request(server.port, 'GET', `/v2/token?scope=${scope}`, { headers: { authorization } });
    if (issued.status !== 200) return issued;
    authorization = `Bearer ${(JSON.parse(issued.text) as { token: string }).token}`;
  }
  return request(server.port, 'GET', path, { headers: { authorization, accept: MANIFEST_ACCEPT } });
}

interface LoadStep {
  concurrency: number;
  seconds: number;
  requests: number;
  ok: number;
  rps: number;
  p50: number;
  p99: number;
  max: number;
  statuses: Record<string, number>;
  firstError: string | undefined;
  serverCores: number;
  loadGeneratorCores: number;
  serverRssMb: number;
  serverPeakRssMb: number;
}

/**
 * Closed loop: `concurrency` workers, each sending its next request when the last one is answered, for `seconds` or
 * until `count` requests have been sent.
 */
async function manifestLoad(
  server: Server,
  hosts: readonly EnrolledHost[],
  concurrency: number,
  {
    seconds = Number.POSITIVE_INFINITY,
    count,
    flow = 'basic',
    expected,
  }: { seconds?: number; count?: number; flow?: Flow; expected: string },
  cursor: { next: number },
): Promise<LoadStep> {
  const latencies: number[] = [];
  const statuses = new Map<number | 'wrong digest', number>();
  let firstError: string | undefined;
  const path = `/v2/${GATEWAY_REPO}/manifests/${GATEWAY_TAG}`;
  const before = usage(server.pid);
  const stopPeak = peakRss(server.pid);
  const ownBefore = process.cpuUsage();
  const started = performance.now();
  const end = started + seconds * 1000;
  const last = count === undefined ? Number.POSITIVE_INFINITY : cursor.next + count;
  const worker = async () => {
    while (performance.now() < end && cursor.next < last) {
      const host = hostAt(hosts, cursor.next++);
      const sent = performance.now();
      const response = await manifestOf(server, host, path, flow).catch(
        (error: Error): Reply => ({ status: 0, headers: {}, bytes: 0, reads: 0, text: error.message }),
      );
      latencies.push(performance.now() - sent);
      // The oracle: the digest the upstream registry gave the release's manifest when it was pushed.
      const status =
        response.status === 200 && response.headers['docker-content-digest'] !== expected
          ? 'wrong digest'
          : response.status;
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      if (status !== 200 && firstError === undefined) {
        firstError = `${response.status} ${response.text.slice(0, 200)}`;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const wall = (performance.now() - started) / 1000;
  const after = usage(server.pid);
  const own = process.cpuUsage(ownBefore);
  const ok = statuses.get(200) ?? 0;
  return {
    concurrency,
    seconds: wall,
    requests: latencies.length,
    ok,
    rps: ok / wall,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: latencies.length === 0 ? Number.NaN : Math.max(...latencies),
    statuses: Object.fromEntries(statuses),
    firstError,
    serverCores: (after.cpu - before.cpu) / wall,
    loadGeneratorCores: (own.user + own.system) / 1e6 / wall,
    serverRssMb: after.rssMb,
    serverPeakRssMb: stopPeak(),
  };
}

// ── machine and report ───────────────────────────────────────────────────────────────────────────────────────────

function versions() {
  const version = (command: string, list: string[]) =>
    spawnSync(command, list, { encoding: 'utf8' }).stdout?.trim() ?? '';
  return {
    skopeo: version('skopeo', ['--version']),
    registry: version('docker-registry', ['--version']),
    commit: version('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD']),
  };
}

/** The 1, 5 and 15 minute load averages. */
const load = () => loadavg().map((value) => Number(value.toFixed(2)));
const fixed = (value: number, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : '–');

type Cache = 'cold' | 'warm';

interface Round {
  load: number[];
  pulls: Partial<Record<Client, Partial<Record<'direct' | Cache, MeasuredPull>>>>;
}

interface Results {
  date: string;
  machine: ReturnType<typeof machine> & ReturnType<typeof versions>;
  loadStart: number[];
  loadEnd?: number[];
  reps: number;
  clients: Client[];
  meta: { layers: Array<{ size: number }>; compressed: number; digest: string };
  registryStorage: string;
  cacheRoot: string;
  rounds: Round[];
  pushSeconds?: number;
  enrollSeconds?: number;
  cacheBytes?: number;
  profile?: ProfileSummary & {
    pull: MeasuredPull;
    /** The busiest worker thread's profile (the cache writer's), with its time not idle. */
    worker?: ProfileSummary & { busyMs: number };
  };
  manifests?: { hosts: number; enrollSeconds: number | undefined; steps: Array<LoadStep & { label: string }> };
}

function markdown(results: Results): string {
  const { meta } = results;
  const lines: string[] = [];
  lines.push(`# Registry gateway benchmark, ${results.date}`, '');
  const m = results.machine;
  lines.push(
    `Machine: nproc ${m.cpus}, ${m.cpuModel}, ${m.memoryGiB} GiB RAM, Node ${m.node}, ${m.skopeo}, ${m.registry}; ` +
      `code at ${m.commit}. Load average (1, 5, 15 min) at the start ${results.loadStart.join(', ')}, at the end ` +
      `${results.loadEnd?.join(', ')}; at the start of each round: ${results.rounds.map((r) => r.load[0]).join(', ')}.`,
    '',
    `Image: ${meta.layers.length} layers, ${(meta.compressed / 1e6).toFixed(0)} MB compressed; upstream ` +
      `docker-registry on 127.0.0.1 (no auth), storage on ${results.registryStorage}. Gateway blob cache on ` +
      `${results.cacheRoot}. skopeo writes to \`dir:\` on ${SINK_ROOT} (tmpfs); the Node client discards what it ` +
      `reads. ${results.reps} rounds; each: direct, gateway cold (fresh cache, server restarted), gateway warm.` +
      (PIN ? ' Pinned (--pin): skopeo and the registry on CPU 0, `patchline serve` on CPU 1.' : ''),
    '',
  );
  lines.push('## Pull throughput', '');
  lines.push(
    '| Client | Source | MB/s, median (min–max) | Wall s, median | Gateway ÷ direct, median of rounds | Gateway ÷ direct per round | Server CPU s | of it on the event loop | Registry CPU s | Server peak RSS MB | Client CPU s (Node) | Average read KiB (Node) |',
    '|---|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|',
  );
  for (const client of results.clients) {
    for (const source of ['direct', 'cold', 'warm'] as const) {
      const runs = results.rounds.flatMap((r) => r.pulls[client]?.[source] ?? []);
      if (runs.length === 0) continue;
      const mbps = runs.map((r) => r.mbps);
      const ratios =
        source === 'direct'
          ? []
          : results.rounds.flatMap((r) => {
              const pulled = r.pulls[client]?.[source];
              const direct = r.pulls[client]?.direct;
              return pulled && direct ? [pulled.mbps / direct.mbps] : [];
            });
      lines.push(
        `| ${client} | ${source === 'direct' ? 'registry, direct' : `gateway, ${source} cache`} | ` +
          `${fixed(finiteMedian(mbps), 0)} (${fixed(Math.min(...mbps), 0)}–${fixed(Math.max(...mbps), 0)}) | ` +
          `${fixed(finiteMedian(runs.map((r) => r.seconds)), 2)} | ${source === 'direct' ? '1.00' : fixed(finiteMedian(ratios), 2)} | ` +
          `${ratios.map((ratio) => fixed(ratio, 2)).join(', ') || '–'} | ` +
          `${fixed(finiteMedian(runs.map((r) => r.serverCpu)))} | ${fixed(finiteMedian(runs.map((r) => r.serverMainCpu)))} | ` +
          `${fixed(finiteMedian(runs.map((r) => r.registryCpu)))} | ` +
          `${fixed(finiteMedian(runs.map((r) => r.serverPeakRssMb)), 0)} | ${fixed(finiteMedian(runs.map((r) => r.clientCpu)))} | ` +
          `${fixed(finiteMedian(runs.map((r) => r.averageReadKiB ?? Number.NaN)))} |`,
      );
    }
  }
  lines.push('');
  if (results.cacheBytes !== undefined) {
    lines.push(`Gateway cache after a cold pull: ${(results.cacheBytes / 1e6).toFixed(0)} MB.`, '');
  }
  if (results.profile) {
    const { pull, totalMs, functions, files } = results.profile;
    lines.push(
      `### CPU profile of the server, one cold pull (Node client, ${fixed(pull.mbps, 0)} MB/s, ` +
        `${fixed(totalMs / 1000, 2)} s sampled; written to bench/results/gateway-cold.cpuprofile)`,
      '',
      '| Self time | Share | Function |',
      '|---:|---:|---|',
      ...functions.map((row) => `| ${row.ms.toFixed(0)} ms | ${(row.share * 100).toFixed(1)} % | \`${row.name}\` |`),
      '',
      '| Self time | Share | File |',
      '|---:|---:|---|',
      ...files
        .slice(0, 12)
        .map((row) => `| ${row.ms.toFixed(0)} ms | ${(row.share * 100).toFixed(1)} % | \`${row.name}\` |`),
      '',
    );
    const { worker } = results.profile;
    if (worker !== undefined) {
      lines.push(
        `Its busiest worker thread (the cache writer): ${fixed(worker.totalMs / 1000, 2)} s sampled, ` +
          `${fixed(worker.busyMs / 1000, 2)} s not idle.`,
        '',
        '| Self time | Share | Function |',
        '|---:|---:|---|',
        ...worker.functions.map(
          (row) => `| ${row.ms.toFixed(0)} ms | ${(row.share * 100).toFixed(1)} % | \`${row.name}\` |`,
        ),
        '',
      );
    }
  }
  if (results.manifests) {
    const mf = results.manifests;
    lines.push('## Manifest requests', '');
    lines.push(
      `${mf.hosts} enrolled hosts (enrolled in ${fixed(mf.enrollSeconds ?? Number.NaN, 0)} s); every request GET ` +
        `\`/v2/${GATEWAY_REPO}/manifests/${GATEWAY_TAG}\` with the next host's Basic credential; closed loop, ` +
        `keep-alive, ${STEP_SECONDS} s per step, load generator in the same machine.`,
      '',
      '| Concurrency | Requests | OK/s | p50 ms | p99 ms | max ms | Server cores | Server CPU ms per request | Load generator cores | Server RSS MB (peak) | Other statuses |',
      '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
    );
    for (const step of mf.steps) {
      const other = Object.entries(step.statuses)
        .filter(([status]) => status !== '200')
        .map(([status, count]) => `${status}: ${count}`)
        .join(', ');
      lines.push(
        `| ${step.label} | ${step.requests} | ${fixed(step.rps, 0)} | ${fixed(step.p50, 2)} | ` +
          `${fixed(step.p99, 2)} | ${fixed(step.max, 0)} | ${fixed(step.serverCores, 2)} | ` +
          `${fixed((step.serverCores * 1000) / (step.requests / step.seconds), 2)} | ${fixed(step.loadGeneratorCores, 2)} | ` +
          `${fixed(step.serverRssMb, 0)} (${fixed(step.serverPeakRssMb, 0)}) | ${other || '–'}${step.firstError ? ` (${step.firstError})` : ''} |`,
      );
    }
    lines.push('');
  }
  return `${lines.join('\n')}\n`;
}

// ── main ─────────────────────────────────────────────────────────────────────────────────────────────────────────

/** A CPU profile of the server over one cold pull (Node client): where the gateway's time goes. */
async function profileColdPull(
  database: string,
  token: string,
  host: EnrolledHost,
  registry: TestRegistry,
): Promise<Results['profile']> {
  const profileDir = await tempDir('patchline-bench-profile-');
  const cacheDir = await tempDir('patchline-bench-cache-');
  const server = await startServe({
    database,
    cacheDir,
    token,
    nodeArgs: ['--cpu-prof', '--cpu-prof-dir', profileDir],
  });
  let pulled: MeasuredPull;
  try {
    pulled = await measuredPull('node', gatewaySource(server, host), { server, registry });
  } finally {
    await server.stop();
  }
  const readProfile = async (name: string) => JSON.parse(await readFile(join(profileDir, name), 'utf8')) as CpuProfile;
  // CPU.DATE.TIME.PID.THREAD.SEQ.cpuprofile: thread 0 is the event loop; worker threads write their own.
  const names = await readdir(profileDir);
  const file = names.find((name) => /\.0\.\d+\.cpuprofile$/.test(name));
  log(`profiled cold pull: ${pulled.mbps.toFixed(0)} MB/s; profile ${file ?? 'missing'}`);
  let profile: Results['profile'];
  if (file !== undefined) {
    const mainProfile = await readProfile(file);
    profile = { pull: pulled, ...summarizeProfile(mainProfile, 20) };
    await writeFile(await resultPath('gateway-cold.cpuprofile'), JSON.stringify(mainProfile));
    // The cache writer thread's own profile (the busiest worker's), where hashing and file writes went.
    for (const name of names.filter((each) => each !== file)) {
      const summary = summarizeProfile(await readProfile(name), 8);
      const busyMs = summary.totalMs - (summary.functions.find((row) => row.name === '(idle)')?.ms ?? 0);
      if (profile.worker === undefined || busyMs > profile.worker.busyMs) profile.worker = { ...summary, busyMs };
    }
  }
  await dropTemp(profileDir);
  await dropTemp(cacheDir);
  return profile;
}

async function main() {
  if (!args.flag('no-build')) await buildDist(log, CLI);
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing; run npm run build`);
  const hasGateway = !args.flag('direct-only') && serveHelp().includes('--gateway-cache');
  if (!hasGateway) log('measuring the direct side only (--direct-only, or no --gateway-cache in `patchline serve`)');
  const meta = await buildImage();
  IMAGE_DIGEST = meta.digest;
  const results: Results = {
    date: new Date().toISOString().slice(0, 16).replace('T', ' '),
    machine: { ...machine(), ...versions() },
    loadStart: load(),
    reps: REPS,
    clients: CLIENTS,
    meta: { layers: meta.layers, compressed: meta.compressed, digest: meta.digest },
    registryStorage: tmpdir(),
    cacheRoot: tmpdir(),
    rounds: [],
  };

  const registry = await startRegistry();
  pinTo(0, registry.pid);
  const work = await tempDir('patchline-bench-gateway-');
  const database = join(work, 'controller.db');
  const token = randomBytes(24).toString('hex');
  let server: Server | undefined;
  try {
    log(`pushing the image to ${registry.host}/${UPSTREAM_REPO}:${UPSTREAM_TAG}`);
    const push = await must('skopeo', [
      'copy',
      '--quiet',
      '--dest-tls-verify=false',
      `oci:${IMAGE_DIR}:${IMAGE_TAG}`,
      `docker://${registry.host}/${UPSTREAM_REPO}:${UPSTREAM_TAG}`,
    ]);
    results.pushSeconds = push.seconds;
    const direct = directSource(registry);
    const pushed = await request(direct.port, 'GET', `/v2/${UPSTREAM_REPO}/manifests/${UPSTREAM_TAG}`, {
      headers: { accept: MANIFEST_ACCEPT },
    });
    const digest = pushed.headers['docker-content-digest'];
    if (typeof digest !== 'string') throw new Error(`the registry gave no Docker-Content-Digest: ${pushed.status}`);
    log(`pushed in ${push.seconds.toFixed(1)} s: ${digest}`);

    server = await startServe({ database, cacheDir: await tempDir('patchline-bench-cache-'), token });
    log(`enrolling ${HOSTS} hosts`);
    const enrolled = await enrollHosts(server, HOSTS);
    const hosts = enrolled.hosts;
    results.enrollSeconds = enrolled.seconds;
    log(`enrolled in ${enrolled.seconds.toFixed(1)} s; fleet, release r1, reports, rollout r1`);
    const setupStarted = Date.now();
    await setUpFleet(server, registry, digest, hosts);
    log(`fleet set up in ${((Date.now() - setupStarted) / 1000).toFixed(1)} s`);
    await server.stop();
    server = undefined;

    // One pull that is not measured: the registry's files into the page cache, both processes warmed up.
    await pullNode(direct);
    for (let round = 0; round < REPS; round++) {
      const entry: Round = { load: load(), pulls: {} };
      results.rounds.push(entry);
      for (const client of CLIENTS) {
        const pulled = await measuredPull(client, direct, { registry });
        entry.pulls[client] = { direct: pulled };
        log(`round ${round + 1} ${client} direct: ${pulled.mbps.toFixed(0)} MB/s (${pulled.seconds.toFixed(2)} s)`);
      }
      if (!hasGateway) continue;
      for (const [index, client] of CLIENTS.entries()) {
        const cacheDir = await tempDir('patchline-bench-cache-');
        server = await startServe({ database, cacheDir, token });
        const source = gatewaySource(server, hostAt(hosts, round * CLIENTS.length + index));
        for (const cache of ['cold', 'warm'] as const) {
          const pulled = await measuredPull(client, source, { server, registry });
          entry.pulls[client] = { ...entry.pulls[client], [cache]: pulled };
          log(
            `round ${round + 1} ${client} gateway ${cache}: ${pulled.mbps.toFixed(0)} MB/s (${pulled.seconds.toFixed(2)} s, ` +
              `server CPU ${pulled.serverCpu.toFixed(1)} s, ${pulled.serverMainCpu.toFixed(1)} s of it on the event loop, ` +
              `${pulled.serverBusiestOtherThreadCpu.toFixed(1)} s on its busiest other thread, ` +
              `registry CPU ${pulled.registryCpu.toFixed(1)} s)`,
          );
          if (cache === 'cold') results.cacheBytes = await dirBytes(cacheDir);
        }
        await server.stop();
        server = undefined;
        await dropTemp(cacheDir);
      }
    }

    if (hasGateway && args.flag('profile')) {
      results.profile = await profileColdPull(database, token, hostAt(hosts, 0), registry);
    }

    if (hasGateway && !args.flag('skip-manifests')) {
      server = await startServe({ database, cacheDir: await tempDir('patchline-bench-cache-'), token });
      const cursor = { next: 0 };
      const steps: Array<LoadStep & { label: string }> = [];
      // Every host once first: nothing about any credential is warm yet.
      const first = await manifestLoad(server, hosts, 32, { count: hosts.length, expected: digest }, cursor);
      steps.push({ ...first, label: "each host's first request (32)" });
      for (const concurrency of CONCURRENCY) {
        const step = await manifestLoad(
          server,
          hosts,
          concurrency,
          { seconds: STEP_SECONDS, expected: digest },
          cursor,
        );
        steps.push({ ...step, label: `${concurrency}` });
        log(
          `manifests at concurrency ${concurrency}: ${step.rps.toFixed(0)}/s, p50 ${step.p50.toFixed(2)} ms, ` +
            `p99 ${step.p99.toFixed(2)} ms, server ${step.serverCores.toFixed(2)} cores, RSS ${step.serverRssMb.toFixed(0)} MB`,
        );
      }
      const tokenStep = await manifestLoad(
        server,
        hosts,
        32,
        { seconds: STEP_SECONDS, flow: 'token', expected: digest },
        cursor,
      );
      steps.push({ ...tokenStep, label: '32, token then manifest (one pair = one request here)' });
      log(
        `token + manifest pairs at concurrency 32: ${tokenStep.rps.toFixed(0)}/s, p99 ${tokenStep.p99.toFixed(2)} ms`,
      );
      results.manifests = { hosts: hosts.length, enrollSeconds: results.enrollSeconds, steps };
      await server.stop();
      server = undefined;
    }
  } finally {
    await server?.stop();
    await registry.stop();
    await dropTemp(work);
  }
  results.loadEnd = load();
  const text = markdown(results);
  await writeResults('gateway', text, results);
  process.stdout.write(text);
}

main().catch((error: Error) => {
  process.stderr.write(`bench:gateway: ${error.stack ?? error}\n`);
  cleanupSync();
  process.exitCode = 1;
});
