// `npm run bench:fleet`: issue 6's benchmark. One `patchline serve` (the built CLI, a child process) on SQLite, then
// the same on PostgreSQL, with N simulated bootc hosts (default 10,000) that each report once a minute:
// POST /host/v1/status with a `bootc status --format=json` document, then GET /host/v1/desired (no long poll).
// Writes bench/results/fleet.md and fleet.json.
//
//   npm run bench:fleet [-- --hosts N] [--backends sqlite,postgres] [--step-seconds S] [--real-seconds S]
//                          [--max-rate CYCLES_PER_S] [--rollout-seconds S] [--rollout-rate CYCLES_PER_S] [--no-build]
//                          [--profile DIR] [--trace FILE] [--pg-statements]
//
// Time is compressed the honest way: the hosts' cycles are spread evenly over time (an open-loop schedule, each
// request timed from the moment it was due, so a server that falls behind pays for its queue), first at the real rate
// (N per minute), then faster, step by step, until p99 passes 100 ms. Server CPU is read from /proc/<pid>/stat (for
// PostgreSQL, the postmaster's processes are added), RSS from /proc/<pid>/status. Hosts per core at one report a
// minute = cycles per second × 60 / cores the server used, at the fastest step whose p99 stayed under 100 ms.
// Then a rollout over all hosts (canary 1%, 10%, 50%, rest), with hosts booting whatever they are told at their
// next cycle, at a compressed cycle rate: time to finish, and latency while it runs.
//
// The load generator runs on the same machine (2 shared cores), so it takes CPU from the server at high rates.

import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { digest } from '../test/helpers/fleet-docs.js';
import { freePort } from '../test/helpers/registry.js';
import { until } from '../test/helpers/until.js';
import { benchArgs } from './lib/args.js';
import { CLI, ROOT } from './lib/dist.js';
import { hostStatus } from './lib/host-status.js';
import { type Reply, type RequestOptions, request as sendRequest } from './lib/http-request.js';
import { writeResults } from './lib/results.js';

const REPO = 'bench.example/os';
const CLK_TCK = 100;

const args = benchArgs();
const HOSTS = args.number('hosts', 10_000);
const STEP_SECONDS = args.number('step-seconds', 12);
const BACKENDS = (args.option('backends') ?? 'sqlite,postgres').split(',');
const REAL_SECONDS = args.number('real-seconds', 30);
const MAX_RATE = args.number('max-rate', 4000);
const ROLLOUT_SECONDS = args.number('rollout-seconds', 150);
// Cycles a second during the rollout; by default hosts / 10 (each host every 10 s), at most the fastest idle step.
const ROLLOUT_RATE = args.option('rollout-rate') === undefined ? undefined : args.number('rollout-rate', 0);
const PROFILE_DIR = args.option('profile');
// Diagnostics for PostgreSQL: pg_stat_statements and lock waits in its log, the rollout's top statements printed.
const PG_STATEMENTS = args.flag('pg-statements');
// Every request's start (ms since the bench began), path and latency, one line each, to see when latency comes.
const TRACE_FILE = args.option('trace');
const trace: string[] = [];
const BENCH_START = performance.now();
function traced(kind: string, due: number) {
  const ms = performance.now() - due;
  if (TRACE_FILE !== undefined) trace.push(`${(due - BENCH_START).toFixed(1)} ${kind} ${ms.toFixed(1)}`);
  return ms;
}
const P99_LIMIT_MS = 100;

const V1 = digest(1);
const V2 = digest(2);

// ── processes ────────────────────────────────────────────────────────────────────────────────────────────────────

/** CPU seconds (user + system) and RSS of a process. */
function usage(pid: number) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpu = (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
    // Children that exited and were waited for (PostgreSQL backends whose connection closed) leave their CPU here.
    const reapedCpu = (Number(fields[13]) + Number(fields[14])) / CLK_TCK;
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    return { cpu, reapedCpu, rssMb: rssKb / 1024, ppid: Number(fields[1]) };
  } catch {
    return { cpu: 0, reapedCpu: 0, rssMb: 0, ppid: -1 };
  }
}

/** A process and its children (PostgreSQL's backends), summed, with the CPU of the children that exited. */
function treeUsage(pid: number) {
  let cpu = usage(pid).reapedCpu;
  let rssMb = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const each = usage(Number(entry));
    if (Number(entry) === pid || each.ppid === pid) {
      cpu += each.cpu;
      rssMb += each.rssMb;
    }
  }
  return { cpu, rssMb };
}

interface Postgres {
  url: string;
  pid: number;
  /** Runs SQL through psql and answers its unaligned output. */
  psql(query: string): string;
  stop(): Promise<void>;
}

// Not test/helpers/postgres.ts: that one runs with fsync off for speed, and this one measures with durable settings.
async function startPostgres(): Promise<Postgres> {
  const root = '/usr/lib/postgresql';
  const version = readdirSync(root).sort((a, b) => Number(b) - Number(a))[0];
  if (version === undefined) throw new Error(`no PostgreSQL under ${root}`);
  const bin = join(root, version, 'bin');
  const dir = await mkdtemp(join(tmpdir(), 'patchline-bench-pg-'));
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const uid = Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout);
    const gid = Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout);
    chownSync(dir, uid, gid);
  }
  const run = (command: string, list: string[]): [string, string[]] =>
    asRoot ? ['runuser', ['-u', 'postgres', '--', command, ...list]] : [command, list];
  const data = join(dir, 'data');
  const init = spawnSync(...run(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '-A', 'trust', '--no-sync']), {
    encoding: 'utf8',
  });
  if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr}`);
  const port = await freePort();
  // Durable settings as shipped (fsync on), so the numbers are not flattered; only the socket folder moves.
  const child = spawn(
    ...run(join(bin, 'postgres'), [
      '-D',
      data,
      '-p',
      String(port),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      `unix_socket_directories=${dir}`,
      ...(PG_STATEMENTS
        ? [
            '-c',
            'shared_preload_libraries=pg_stat_statements',
            '-c',
            'log_lock_waits=on',
            '-c',
            'deadlock_timeout=50ms',
          ]
        : []),
    ]),
    { stdio: PG_STATEMENTS ? ['ignore', 'inherit', 'inherit'] : 'ignore' },
  );
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  for (let i = 0; i < 300; i++) {
    if (spawnSync(join(bin, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(port)]).status === 0) break;
    await sleep(100);
  }
  // runuser is the child; the postmaster is its child.
  await sleep(300);
  const postmaster = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
  return {
    url,
    pid: postmaster,
    psql: (query) =>
      spawnSync(
        join(bin, 'psql'),
        ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-A', '-F', ' | ', '-c', query],
        {
          encoding: 'utf8',
        },
      ).stdout,
    async stop() {
      try {
        process.kill(postmaster, 'SIGINT');
      } catch {}
      await new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', () => resolve())));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

// Creating 10,000 enrollment tokens at the admin API's default 100 calls a second takes 100 s of setup; where the
// server lets the limit be raised, it is (setup only: the measured host calls keep their default per-host limit).
function adminLimitFlag() {
  const help = spawnSync(process.execPath, [CLI, 'serve', '--help'], { encoding: 'utf8' }).stdout;
  return help.includes('--admin-rate-limit') ? ['--admin-rate-limit', '1000000'] : [];
}

interface Server {
  url: string;
  port: number;
  token: string;
  pid: number;
  stop(): Promise<void>;
}

async function startServe(database: string): Promise<Server> {
  const port = await freePort();
  const token = randomBytes(24).toString('hex');
  const child = spawn(
    process.execPath,
    [
      ...(PROFILE_DIR === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`]),
      CLI,
      'serve',
      '--listen',
      `127.0.0.1:${port}`,
      '--database',
      database,
      '--log-level',
      'warn',
      ...adminLimitFlag(),
    ],
    { env: { ...process.env, PATCHLINE_ADMIN_TOKEN: token }, stdio: ['ignore', 'inherit', 'inherit'] },
  );
  const url = `http://127.0.0.1:${port}`;
  await until('patchline serve to answer', async () =>
    (await fetch(`${url}/healthz`).catch(() => undefined))?.ok ? true : undefined,
  );
  return {
    url,
    port,
    token,
    pid: child.pid!,
    async stop() {
      child.kill('SIGTERM');
      await new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', () => resolve())));
    },
  };
}

// ── HTTP ─────────────────────────────────────────────────────────────────────────────────────────────────────────

// Which host cycles next, across steps, so every host reports in turn.
let cursor = 0;

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

/** One request on the keep-alive agent (or from a host's own address). */
function request(port: number, method: string, path: string, options: RequestOptions = {}): Promise<Reply> {
  return sendRequest(port, method, path, { agent, ...options });
}

function admin(server: Server, method: string, path: string, body?: unknown) {
  return request(server.port, method, `/apis/patchline.dev/v1/${path}`, {
    body,
    headers: { authorization: `Bearer ${server.token}` },
  });
}

/** Retries 429s: the admin API allows 100 calls a second (bursts of 600), enrollment 10 per address. */
async function withRetry(call: () => Promise<Reply>): Promise<Reply> {
  for (;;) {
    const response = await call();
    if (response.status !== 429) return response;
    await sleep(200 + Math.random() * 300);
  }
}

// ── hosts ────────────────────────────────────────────────────────────────────────────────────────────────────────

interface SimulatedHost {
  name: string;
  credential: string;
  booted: string;
  rollback: string | undefined;
  /** The version of the last desired answer, sent back so the server can answer 204. */
  known: string | undefined;
}

async function enrollAll(server: Server) {
  const hosts = new Array<SimulatedHost>(HOSTS);
  let next = 0;
  const started = Date.now();
  async function worker() {
    for (;;) {
      const index = next++;
      if (index >= HOSTS) return;
      const name = `host-${String(index).padStart(6, '0')}`;
      const zone = `z${index % 10}`;
      const made = await withRetry(() =>
        admin(server, 'POST', 'enrollment-tokens', { labels: { fleet: 'bench', zone } }),
      );
      const { token } = JSON.parse(made.text);
      const localAddress = `127.0.${1 + (Math.floor(index / 250) % 200)}.${1 + (index % 250)}`;
      const enrolled = await withRetry(() =>
        request(server.port, 'POST', '/host/v1/enroll', { body: { token, name }, localAddress }),
      );
      if (enrolled.status !== 201) throw new Error(`enroll ${name}: ${enrolled.status} ${enrolled.text}`);
      hosts[index] = {
        name,
        credential: JSON.parse(enrolled.text).credential,
        booted: V1,
        rollback: undefined,
        known: undefined,
      };
    }
  }
  await Promise.all(Array.from({ length: 32 }, worker));
  return { hosts, seconds: (Date.now() - started) / 1000 };
}

/** One host cycle: report, then ask what to run; a host told to run another image boots it by its next cycle. */
async function cycle(server: Server, host: SimulatedHost, latencies: number[], errors: string[]) {
  const headers = { authorization: `Bearer ${host.credential}` };
  const due = performance.now();
  const report = await request(server.port, 'POST', '/host/v1/status', {
    body: { bootc: hostStatus(REPO, host.booted, host.rollback), health: { state: 'healthy' } },
    headers,
  }).catch((error: Error) => ({ status: 0, text: error.message }));
  latencies.push(traced('status', due));
  if (report.status !== 204) errors.push(`status ${report.status} ${report.text.slice(0, 100)}`);
  const start = performance.now();
  const query = host.known === undefined ? 'wait=0' : `wait=0&knownVersion=${host.known}`;
  const desired = await request(server.port, 'GET', `/host/v1/desired?${query}`, { headers }).catch((error: Error) => ({
    status: 0,
    text: error.message,
  }));
  latencies.push(traced('desired', start));
  if (desired.status === 200) {
    const answer = JSON.parse(desired.text);
    host.known = answer.version;
    if (answer.digest !== null && answer.digest !== host.booted) {
      host.rollback = host.booted;
      host.booted = answer.digest;
    }
  } else if (desired.status !== 204) {
    errors.push(`desired ${desired.status} ${desired.text.slice(0, 100)}`);
  }
}

/**
 * Open loop: cycle i is due at start + i / rate, hosts taken round-robin; each request's latency counts from when it
 * was due, so queueing in this process or the server is not hidden.
 */
interface Usage {
  cpu: number;
  rssMb: number;
  dbCpu: number;
}

async function runLoad(
  server: Server,
  hosts: SimulatedHost[],
  rate: number,
  seconds: number,
  measure: () => Usage,
  onTick?: () => Promise<'stop' | undefined>,
) {
  const latencies: number[] = [];
  const errors: string[] = [];
  const pending = new Set<Promise<void>>();
  const start = performance.now();
  const total = Math.round(rate * seconds);
  let sent = 0;
  const before = measure();
  while (sent < total) {
    const elapsed = (performance.now() - start) / 1000;
    const due = Math.min(total, Math.floor(elapsed * rate) + 1);
    while (sent < due) {
      const host = hosts[cursor % hosts.length]!;
      cursor++;
      sent++;
      const promise: Promise<void> = cycle(server, host, latencies, errors).finally(() => pending.delete(promise));
      pending.add(promise);
    }
    if (pending.size > 5000) {
      errors.push('overloaded: more than 5000 cycles in flight');
      break;
    }
    if ((await onTick?.()) === 'stop') break;
    await sleep(2);
  }
  await Promise.all(pending);
  const wall = (performance.now() - start) / 1000;
  const after = measure();
  latencies.sort((a, b) => a - b);
  const pick = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? Number.NaN;
  const cores = (after.cpu - before.cpu) / wall;
  return {
    rate,
    seconds: wall,
    requests: latencies.length,
    p50: pick(0.5),
    p99: pick(0.99),
    max: latencies.at(-1),
    errors: errors.length,
    firstError: errors[0],
    serverCores: cores,
    // PostgreSQL's share of serverCores (its postmaster and backends); 0 on SQLite, which runs in the controller.
    dbCores: ((after.dbCpu ?? 0) - (before.dbCpu ?? 0)) / wall,
    rssMb: after.rssMb,
    hostsPerCore: cores > 0 ? (rate * 60) / cores : Number.NaN,
  };
}

// ── one backend ──────────────────────────────────────────────────────────────────────────────────────────────────

type Step = Awaited<ReturnType<typeof runLoad>>;
interface BackendResult {
  backend: string;
  hosts: number;
  steps: Step[];
  enrollSeconds?: number;
  maxRateOk?: number;
  hostsPerCore?: number;
  rollout?: { rate: number; phase: string | undefined; seconds: number | undefined; onV2: number; load: Step };
}

async function benchBackend(name: string): Promise<BackendResult> {
  const pg = name === 'postgres' ? await startPostgres() : undefined;
  const dir = await mkdtemp(join(tmpdir(), 'patchline-bench-'));
  const server = await startServe(pg?.url ?? join(dir, 'controller.db'));
  const measure = (): Usage => {
    const own = usage(server.pid);
    const db = pg === undefined ? { cpu: 0, rssMb: 0 } : treeUsage(pg.pid);
    return { cpu: own.cpu + db.cpu, rssMb: own.rssMb, dbCpu: db.cpu };
  };
  const result: BackendResult = { backend: name, hosts: HOSTS, steps: [] };
  try {
    log(`${name}: enrolling ${HOSTS} hosts`);
    const { hosts, seconds } = await enrollAll(server);
    result.enrollSeconds = seconds;
    await admin(server, 'POST', 'fleets', {
      apiVersion: 'patchline.dev/v1',
      kind: 'Fleet',
      metadata: { name: 'bench' },
      spec: { selector: { matchLabels: { fleet: 'bench' } }, image: REPO },
    });
    for (const [release, image] of [
      ['v1', V1],
      ['v2', V2],
    ] as const) {
      await admin(server, 'POST', 'releases', {
        apiVersion: 'patchline.dev/v1',
        kind: 'Release',
        metadata: { name: release },
        spec: { fleet: 'bench', image: `${REPO}@${image}`, gate: { passed: true } },
      });
    }
    // Every host reports once, so all are known and online; then v1 (what they run) becomes the current release.
    await runLoad(server, hosts, Math.min(1000, HOSTS / 10), HOSTS / Math.min(1000, HOSTS / 10), measure);
    await admin(server, 'POST', 'rollouts', {
      apiVersion: 'patchline.dev/v1',
      kind: 'Rollout',
      metadata: { name: 'v1' },
      spec: { release: 'v1' },
    });
    await waitPhase(server, 'v1', 120);

    const realRate = HOSTS / 60;
    const rates = [realRate, 250, 500, 750, 1000, 1500, 2000, 3000, 4000].filter(
      (rate) => rate >= realRate && rate <= MAX_RATE,
    );
    for (const rate of rates) {
      const step = await runLoad(server, hosts, rate, rate === realRate ? REAL_SECONDS : STEP_SECONDS, measure);
      result.steps.push(step);
      log(
        `${name}: ${rate.toFixed(0)} cycles/s: p50 ${step.p50.toFixed(1)} ms, p99 ${step.p99.toFixed(1)} ms, ` +
          `server ${step.serverCores.toFixed(2)} cores (database ${step.dbCores.toFixed(2)}), ` +
          `RSS ${step.rssMb.toFixed(0)} MB, errors ${step.errors}`,
      );
      if (step.p99 > P99_LIMIT_MS || step.errors > step.requests / 100) break;
    }
    const ok = result.steps.filter((step) => step.p99 <= P99_LIMIT_MS && step.errors <= step.requests / 100);
    const best = ok.at(-1);
    result.maxRateOk = best?.rate;
    result.hostsPerCore = best?.hostsPerCore;

    // The rollout: by default hosts cycle every 10 s (6× compressed); canary 1%, then 10%, 50%, and the rest.
    const rolloutRate = ROLLOUT_RATE ?? Math.min(HOSTS / 10, best?.rate ?? realRate);
    if (PG_STATEMENTS && pg !== undefined) {
      pg.psql('create extension if not exists pg_stat_statements');
      pg.psql('select pg_stat_statements_reset()');
    }
    const created = Date.now();
    traced('mark:rollout-created', performance.now());
    await admin(server, 'POST', 'rollouts', {
      apiVersion: 'patchline.dev/v1',
      kind: 'Rollout',
      metadata: { name: 'v2' },
      spec: {
        release: 'v2',
        batches: [{ limit: '1%' }, { limit: '10%' }, { limit: '50%' }],
        updateTimeout: '10m',
      },
    });
    let phase: string | undefined;
    let rolloutSeconds: number | undefined;
    let lastPoll = 0;
    const rolloutStep = await runLoad(server, hosts, rolloutRate, ROLLOUT_SECONDS, measure, async () => {
      if (Date.now() - lastPoll < 5000) return undefined;
      lastPoll = Date.now();
      const view = JSON.parse((await admin(server, 'GET', 'rollouts/v2')).text);
      phase = view.status?.phase;
      traced(`mark:${phase}:${view.status?.batch ?? ''}`, performance.now());
      if (phase === 'succeeded' || phase === 'halted' || phase === 'rolled-back') {
        rolloutSeconds = (Date.now() - created) / 1000;
        return 'stop';
      }
      return undefined;
    });
    result.rollout = {
      rate: rolloutRate,
      phase,
      seconds: rolloutSeconds,
      onV2: hosts.filter((host) => host.booted === V2).length,
      load: rolloutStep,
    };
    if (PG_STATEMENTS && pg !== undefined) {
      log(
        pg.psql(
          'select calls, round(total_exec_time) as total_ms, round(mean_exec_time::numeric, 3) as mean_ms, rows, ' +
            "left(regexp_replace(query, '\\s+', ' ', 'g'), 160) from pg_stat_statements " +
            'order by total_exec_time desc limit 25',
        ),
      );
    }
    log(
      `${name}: rollout ${phase} in ${rolloutSeconds ?? `> ${ROLLOUT_SECONDS}`} s; ${result.rollout.onV2} hosts on v2`,
    );
  } finally {
    await server.stop();
    await pg?.stop();
    await rm(dir, { recursive: true, force: true });
  }
  return result;
}

async function waitPhase(server: Server, rollout: string, seconds: number) {
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    const view = JSON.parse((await admin(server, 'GET', `rollouts/${rollout}`)).text);
    if (['succeeded', 'halted', 'rolled-back', 'aborted'].includes(view.status?.phase)) return view.status.phase;
    await sleep(500);
  }
  throw new Error(`rollout ${rollout} did not finish in ${seconds} s`);
}

function log(line: string) {
  process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
}

// ── main ─────────────────────────────────────────────────────────────────────────────────────────────────────────

if (!args.flag('no-build')) {
  const build = spawnSync('npm', ['run', 'build'], { cwd: ROOT, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`build failed:\n${build.stdout}${build.stderr}`);
}
if (!existsSync(CLI)) throw new Error(`${CLI} is missing; run npm run build`);
const results: BackendResult[] = [];
for (const backend of BACKENDS) results.push(await benchBackend(backend));
await writeResults('fleet', markdown(results), results);
if (TRACE_FILE !== undefined) writeFileSync(TRACE_FILE, `${trace.join('\n')}\n`);
process.stdout.write(markdown(results));

function markdown(all: BackendResult[]) {
  const lines: string[] = [];
  for (const result of all) {
    lines.push(`### ${result.backend === 'sqlite' ? 'SQLite' : 'PostgreSQL'}, ${result.hosts} hosts`, '');
    lines.push(`Enrolled in ${result.enrollSeconds?.toFixed(0)} s (token + enroll per host).`, '');
    lines.push(
      '| cycles/s | = hosts at 1/min | requests | p50 ms | p99 ms | max ms | server cores | RSS MB | hosts/core | errors |',
    );
    lines.push('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const step of result.steps) {
      lines.push(
        `| ${step.rate.toFixed(0)} | ${(step.rate * 60).toFixed(0)} | ${step.requests} | ${step.p50.toFixed(1)} | ` +
          `${step.p99.toFixed(1)} | ${step.max?.toFixed(0)} | ${step.serverCores.toFixed(2)} | ${step.rssMb.toFixed(0)} | ` +
          `${Number.isFinite(step.hostsPerCore) ? step.hostsPerCore.toFixed(0) : '-'} | ${step.errors}${step.firstError ? ` (${step.firstError})` : ''} |`,
      );
    }
    lines.push('');
    lines.push(
      `Fastest step with p99 ≤ ${P99_LIMIT_MS} ms: ${result.maxRateOk?.toFixed(0) ?? 'none'} cycles/s, ` +
        `${result.hostsPerCore ? `≈ ${Math.round(result.hostsPerCore)} hosts per core` : 'n/a'} at one report a minute.`,
    );
    const rollout = result.rollout;
    if (rollout !== undefined) {
      const load = rollout.load;
      lines.push(
        `Rollout v1 → v2 (1%, 10%, 50%, rest) with hosts cycling at ${rollout.rate.toFixed(0)}/s: ` +
          `${rollout.phase ?? 'unfinished'} in ${rollout.seconds?.toFixed(0) ?? `> ${ROLLOUT_SECONDS}`} s, ${rollout.onV2} hosts on v2` +
          (load === undefined
            ? '.'
            : `; p50 ${load.p50.toFixed(1)} ms, p99 ${load.p99.toFixed(1)} ms, server ${load.serverCores.toFixed(2)} cores ` +
              `(database ${load.dbCores.toFixed(2)}), ≈ ${Math.round(load.hostsPerCore)} hosts per core at that rate.`),
      );
    }
    lines.push('');
  }
  return `${lines.join('\n')}\n`;
}
