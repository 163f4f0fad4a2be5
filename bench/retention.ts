// `npm run bench:retention`: issue 16's measurement. What the controller's SQLite store takes per host, per report and
// per rollout, and what a prune gives back, measured on the built store (dist/) with N hosts (default 10,000):
//
//   npm run bench:retention [-- --hosts N] [--report-rounds R] [--no-build]
//
// 1. N hosts enrolled (a token, a credential), each with a full `bootc status` report: bytes per host (SQLite's page
//    counts, and dbstat for each table with its indexes).
// 2. R more rounds of reports from every host (a minute apart): the hosts' bytes again. Only each host's latest report
//    is kept, so this should not grow.
// 3. Three rollouts over all hosts (canary 1%, 10%, 50%, rest), each host booting what it is told at its next report:
//    bytes of host records and events per host per rollout, and events per host per rollout.
// 4. A prune keeping one finished rollout: what it deleted, how long, in how many batches; the file does not shrink
//    (SQLite keeps freed pages), and a fourth rollout reuses them: the file stays the same size.
// Writes bench/results/retention.md and retention.json.

import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import type { PruneResult } from '../src/store/index.js';
import { digest } from '../test/helpers/fleet-docs.js';
import { benchArgs } from './lib/args.js';
import { fromDist, ROOT } from './lib/dist.js';
import { hostStatus } from './lib/host-status.js';
import { writeResults } from './lib/results.js';

const REPO = 'bench.example/os';

const args = benchArgs();
const HOSTS = args.number('hosts', 10_000);
const REPORT_ROUNDS = args.number('report-rounds', 5);

if (!args.flag('no-build')) {
  const built = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
  if (built.status !== 0) process.exit(1);
}
const { Store, DEFAULT_RETENTION } = await fromDist<typeof import('../src/store/index.js')>('store/index.js');
const { decideRollout } = await fromDist<typeof import('../src/fleet/index.js')>('fleet/index.js');

const load = () =>
  loadavg()
    .map((n) => n.toFixed(2))
    .join(' ');
const MIN = 60_000;
const DAY = 86_400_000;
let now = Date.parse('2026-12-01T00:00:00Z');

/** A report as bench/fleet.ts's hosts send it (bootc 1.x status, health). */
function report(at: number, booted: string, rollback: string | undefined) {
  return {
    receivedAt: new Date(at).toISOString(),
    bootc: hostStatus(REPO, booted, rollback),
    health: { state: 'healthy' as const },
  };
}

/** Page counts of the whole file, and bytes (whole pages) of each table with its indexes. */
interface FileStat {
  tables: Record<string, number>;
  pages: number;
  free: number;
  size: number;
}

/** Bytes (whole pages) of each table with its indexes, from SQLite's dbstat. */
function tableBytes(path: string): FileStat {
  const sql = `SELECT coalesce(m.tbl_name, s.name) AS tbl, sum(s.pgsize) AS bytes
    FROM dbstat AS s LEFT JOIN sqlite_master AS m ON m.name = s.name GROUP BY tbl`;
  const out = spawnSync(process.execPath, ['-e', dbstatScript(path, sql)], { cwd: ROOT, encoding: 'utf8' });
  if (out.status !== 0) throw new Error(out.stderr);
  return JSON.parse(out.stdout) as FileStat;
}

function dbstatScript(path: string, sql: string) {
  return `const D = require('better-sqlite3'); const db = new D(${JSON.stringify(path)}, { readonly: true });
    const rows = db.prepare(${JSON.stringify(sql)}).all();
    const pages = db.pragma('page_count', { simple: true }); const free = db.pragma('freelist_count', { simple: true });
    const size = db.pragma('page_size', { simple: true });
    console.log(JSON.stringify({ tables: Object.fromEntries(rows.map((r) => [r.tbl, r.bytes])), pages, free, size }));`;
}

const dir = await mkdtemp(join(tmpdir(), 'patchline-bench-retention-'));
const path = join(dir, 'controller.db');
const store = await Store.open(path);
const names = Array.from({ length: HOSTS }, (_, n) => `host-${String(n).padStart(6, '0')}`);
const booted = new Map(names.map((name) => [name, { booted: digest(1), rollback: undefined as string | undefined }]));

interface RetentionResults {
  hosts: number;
  reportRounds: number;
  loadavg: string;
  hostBytesPerHost: number;
  reportBytes: number;
  reportMs: number;
  walBytesAfterReportRounds: number;
  hostBytesPerHostAfterRounds: number;
  rolloutSteps: number[];
  rolloutSeconds: number;
  rolloutHostBytesPerHostPerRollout: number;
  eventBytesPerHostPerRollout: number;
  eventsPerHostPerRollout: number;
  fileBytesAfterThreeRollouts: number;
  pruneMs: number;
  pruned: PruneResult;
  walBytesAfterPrune: number;
  freePagesAfterPrune: number;
  fileBytesAfterPrune: number;
  fileBytesAfterFourthRolloutAndPrune: number;
  loadavgAfter: string;
  projection: { hosts: number; monthDailyRollouts: number; bound: number };
}
// Filled in below as each figure is measured.
const results = { hosts: HOSTS, reportRounds: REPORT_ROUNDS, loadavg: load() } as RetentionResults;

async function reportAll(at: number) {
  for (const name of names) {
    const host = booted.get(name)!;
    await store.recordReport(name, report(at, host.booted, host.rollback));
  }
}

/** What a prune ends with: the log folded into the file, so the file's pages are all there is to measure. */
async function checkpoint() {
  await sql`PRAGMA wal_checkpoint(TRUNCATE)`.execute(store.db);
}

try {
  // 1. Hosts with one report each.
  await store.createFleet(
    {
      apiVersion: 'patchline.dev/v1',
      kind: 'Fleet',
      metadata: { name: 'web' },
      spec: {
        selector: { matchLabels: { fleet: 'web' } },
        image: REPO,
        rolloutPolicy: { batches: [{ limit: '1%' }, { limit: '10%' }, { limit: '50%' }], successThreshold: 1 },
      },
    },
    now,
  );
  for (const name of names) {
    const { token } = await store.createEnrollmentToken({ fleet: 'web' }, DAY, now);
    await store.enroll(token, name, {}, now);
  }
  await reportAll(now);
  await checkpoint();
  const fresh = tableBytes(path);
  // Every table (hosts, their credentials, the fleet): what the store holds per host before any rollout.
  const used = (stat: FileStat) => (stat.pages - stat.free) * stat.size;
  results.hostBytesPerHost = used(fresh) / HOSTS;
  results.reportBytes = JSON.stringify(report(now, digest(1), digest(2))).length;

  // 2. More rounds of reports.
  const reportStart = performance.now();
  for (let round = 1; round <= REPORT_ROUNDS; round++) {
    now += MIN;
    await reportAll(now);
  }
  results.reportMs = (performance.now() - reportStart) / (REPORT_ROUNDS * HOSTS);
  // Before any explicit checkpoint: how far SQLite's automatic checkpoints let the log grow under reports alone.
  results.walBytesAfterReportRounds = statSync(`${path}-wal`).size;
  await checkpoint();
  const reported = tableBytes(path);
  results.hostBytesPerHostAfterRounds = used(reported) / HOSTS;

  // 3. Three rollouts over all hosts.
  let release = 1;
  async function rollout(): Promise<number> {
    release++;
    now += DAY;
    const name = `v${release}`;
    await store.createRelease(
      {
        apiVersion: 'patchline.dev/v1',
        kind: 'Release',
        metadata: { name },
        spec: { fleet: 'web', image: `${REPO}@${digest(release)}`, gate: { passed: true } },
      },
      now,
    );
    await store.createRollout(
      { apiVersion: 'patchline.dev/v1', kind: 'Rollout', metadata: { name: `roll-${name}` }, spec: { release: name } },
      now,
    );
    for (let step = 0; step < 100; step++) {
      const { decision } = await store.decide(`roll-${name}`, now, decideRollout);
      if (decision.rolloutPhase === 'succeeded') return step;
      if (decision.rolloutPhase !== 'progressing') {
        throw new Error(`rollout ${name} ended ${decision.rolloutPhase}`);
      }
      now += MIN;
      for (const host of names) {
        const desired = await store.desiredFor(host, now);
        const state = booted.get(host)!;
        if (desired !== undefined && desired.digest !== state.booted) {
          booted.set(host, { booted: desired.digest, rollback: state.booted });
          await store.recordServed(host, desired.digest, now);
        }
      }
      await reportAll(now);
    }
    throw new Error(`rollout ${name} did not finish in 100 steps`);
  }
  const before = tableBytes(path);
  const rolloutStart = performance.now();
  const steps: number[] = [];
  for (let n = 0; n < 3; n++) steps.push(await rollout());
  results.rolloutSteps = steps;
  results.rolloutSeconds = (performance.now() - rolloutStart) / 3000;
  await checkpoint();
  const rolled = tableBytes(path);
  const events = Number(
    (
      await store.db
        .selectFrom('events')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );
  const delta = (table: string) => ((rolled.tables[table] ?? 0) - (before.tables[table] ?? 0)) / (3 * HOSTS);
  results.rolloutHostBytesPerHostPerRollout = delta('rollout_hosts');
  results.eventBytesPerHostPerRollout = delta('events');
  results.eventsPerHostPerRollout = events / (3 * HOSTS);
  results.fileBytesAfterThreeRollouts = statSync(path).size;

  // 4. Prune to one finished rollout, then one more rollout into the freed pages.
  const pruneStart = performance.now();
  const pruned = await store.prune(now, { ...DEFAULT_RETENTION, finishedRolloutsPerFleet: 1 });
  results.pruneMs = performance.now() - pruneStart;
  results.pruned = pruned;
  results.walBytesAfterPrune = statSync(`${path}-wal`).size;
  const afterPrune = tableBytes(path);
  results.freePagesAfterPrune = afterPrune.free;
  results.fileBytesAfterPrune = statSync(path).size;
  await rollout();
  await store.prune(now, { ...DEFAULT_RETENTION, finishedRolloutsPerFleet: 1 });
  results.fileBytesAfterFourthRolloutAndPrune = statSync(path).size;
  results.loadavgAfter = load();
} finally {
  await store.close();
  await rm(dir, { recursive: true, force: true });
}

// The stated size: 100,000 hosts, one fleet, the defaults (50 finished rollouts kept, events 90 days).
const FLEET = 100_000;
const perRollout = results.rolloutHostBytesPerHostPerRollout + results.eventBytesPerHostPerRollout;
const projection = (rollouts: number) => FLEET * (results.hostBytesPerHostAfterRounds + rollouts * perRollout);
results.projection = {
  hosts: FLEET,
  monthDailyRollouts: projection(30),
  bound: projection(DEFAULT_RETENTION.finishedRolloutsPerFleet + 2),
};

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
const lines = [
  `# Controller store retention (SQLite), ${HOSTS} hosts`,
  '',
  `Date: ${new Date().toISOString().slice(0, 10)}; CPU: ${cpus()[0]?.model ?? 'unknown'} (${cpus().length} cores, shared); load average before: ${results.loadavg}, after: ${results.loadavgAfter}.`,
  '',
  '| measure | value |',
  '| --- | --- |',
  `| whole store before any rollout, bytes per host (one report each) | ${results.hostBytesPerHost.toFixed(0)} |`,
  `| the same after ${REPORT_ROUNDS} more reports from every host | ${results.hostBytesPerHostAfterRounds.toFixed(0)} |`,
  `| a report's JSON | ${results.reportBytes} bytes |`,
  `| recordReport, mean | ${results.reportMs.toFixed(3)} ms |`,
  `| -wal after ${REPORT_ROUNDS * HOSTS} reports (automatic checkpoints only) | ${mb(results.walBytesAfterReportRounds)} |`,
  `| host records (rollout_hosts), bytes per host per rollout | ${results.rolloutHostBytesPerHostPerRollout.toFixed(0)} |`,
  `| events, bytes per host per rollout | ${results.eventBytesPerHostPerRollout.toFixed(0)} |`,
  `| events per host per rollout | ${results.eventsPerHostPerRollout.toFixed(2)} |`,
  `| file after 3 rollouts | ${mb(results.fileBytesAfterThreeRollouts)} |`,
  `| prune to 1 finished rollout: deleted | ${JSON.stringify(results.pruned.deleted)} in ${results.pruned.batches} batches, ${results.pruneMs.toFixed(0)} ms |`,
  `| -wal after the prune | ${results.walBytesAfterPrune} bytes |`,
  `| file after the prune / after a 4th rollout and prune | ${mb(results.fileBytesAfterPrune)} / ${mb(results.fileBytesAfterFourthRolloutAndPrune)} |`,
  `| 100,000 hosts, a month of daily rollouts (30 kept) | ${mb(results.projection.monthDailyRollouts)} |`,
  `| 100,000 hosts, bound with the defaults (50 finished + latest + one in progress) | ${mb(results.projection.bound)} |`,
  '',
];
await writeResults('retention', lines.join('\n'), results);
process.stdout.write(lines.join('\n'));
