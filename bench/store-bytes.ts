// Bytes in the PostgreSQL store, for docs/scale.md: per host (hosts, credentials, tokens), per rollout (rollout_hosts,
// events), WAL per report and per last-seen write, and the time of one decision over every host. It calls the store
// API directly (no HTTP, no controller process), on an empty PostgreSQL database you give it, with N hosts
// (default 10,000) that report a real-shaped `bootc status`; time is passed in, so nothing sleeps.
//
//   npm run build && npm run bench:store-bytes -- postgres://user@host:port/empty-database [HOSTS]
//
// Hosts in the rollout boot what they are told by their next report and are healthy at once, so each passes
// pending → selected → healthy; a real host also passes updating, rebooting and verifying (more events per host).
import pg from 'pg';
import type { Rollout, RolloutPhase } from '../src/fleet/index.js';
import { digest } from '../test/helpers/fleet-docs.js';
import { fromDist } from './lib/dist.js';
import { hostStatus } from './lib/host-status.js';
import { median } from './lib/stats.js';

const { decideRollout } = await fromDist<typeof import('../src/fleet/index.js')>('fleet/index.js');
const { Store } = await fromDist<typeof import('../src/store/index.js')>('store/index.js');

const url = process.argv[2];
if (url === undefined || !/^postgres(ql)?:\/\//.test(url)) {
  process.stderr.write('usage: npm run bench:store-bytes -- postgres://… [HOSTS] (an empty database: it is filled)\n');
  process.exit(2);
}
const HOSTS = Number(process.argv[3] ?? 10_000);
const REPO = 'bench.example/os';
const V1 = digest(1);
const V2 = digest(2);
const iso = (ms: number) => new Date(ms).toISOString();

const client = new pg.Client({ connectionString: url });
await client.connect();
const sql = async (text: string) => (await client.query(text)).rows;
const lsn = async () => (await sql('select pg_current_wal_lsn() as l'))[0].l;
const walSince = async (from: string) =>
  Number((await sql(`select pg_wal_lsn_diff(pg_current_wal_lsn(), '${from}') as d`))[0].d);

const store = await Store.open(url);
let now = Date.parse('2026-12-07T12:00:00Z');

const report = (booted: string, rollback: string | undefined) => ({
  receivedAt: iso(now),
  bootc: hostStatus(REPO, booted, rollback),
  health: { state: 'healthy' as const },
});

async function inParallel<T>(items: readonly T[], width: number, work: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

const names = Array.from({ length: HOSTS }, (_, i) => `host-${String(i).padStart(7, '0')}`);
await store.createFleet(
  {
    apiVersion: 'patchline.dev/v1',
    kind: 'Fleet',
    metadata: { name: 'f' },
    spec: { selector: { matchLabels: { fleet: 'f' } }, image: REPO },
  },
  now,
);
for (const [name, image] of [
  ['v1', V1],
  ['v2', V2],
] as const) {
  await store.createRelease(
    {
      apiVersion: 'patchline.dev/v1',
      kind: 'Release',
      metadata: { name },
      spec: { fleet: 'f', image: `${REPO}@${image}`, gate: { passed: true } },
    },
    now,
  );
}
const t = performance.now();
await inParallel(names, 10, async (name) => {
  const { token } = await store.createEnrollmentToken({ fleet: 'f', zone: `z${name.at(-1)}` }, 3_600_000, now);
  await store.enroll(token, name, {}, now);
});
console.log(`enrolled ${HOSTS} in ${((performance.now() - t) / 1000).toFixed(1)} s`);

async function reportRound(label: string, booted: string, rollback: string | undefined) {
  const from = await lsn();
  const start = performance.now();
  await inParallel(names, 10, (name) => store.recordReport(name, report(booted, rollback)));
  const wal = await walSince(from);
  console.log(
    `${label}: WAL ${(wal / HOSTS).toFixed(0)} B per report, ${((performance.now() - start) / HOSTS).toFixed(3)} ms wall per report`,
  );
}
await sql('checkpoint');
await reportRound('first report (after checkpoint)', V1, undefined);
now += 60_000;
await sql('checkpoint');
await reportRound('second report, same content (after checkpoint)', V1, undefined);
now += 60_000;
await reportRound('third report, same content (no checkpoint between)', V1, undefined);

for (const [label, offset] of [
  ['recordSeen 5 s after the report (skipped by the condition)', 5_000],
  ['recordSeen 20 s after the report (writes)', 20_000],
] as const) {
  const from = await lsn();
  await inParallel(names, 10, (name) => store.recordSeen(name, now + offset));
  console.log(`${label}: WAL ${((await walSince(from)) / HOSTS).toFixed(0)} B per call`);
}

async function sizes(label: string) {
  await sql('vacuum analyze');
  const rows =
    await sql(`select relname, n_live_tup, pg_total_relation_size(relid) as total, pg_relation_size(relid) as heap
    from pg_stat_user_tables where relname in ('hosts','host_credentials','enrollment_tokens','rollout_hosts','events','rollouts') order by relname`);
  console.log(`-- sizes ${label}`);
  for (const row of rows) {
    console.log(
      `${row.relname}: ${row.n_live_tup} rows, total ${(Number(row.total) / 1e6).toFixed(1)} MB (${(Number(row.total) / Math.max(1, Number(row.n_live_tup))).toFixed(0)} B/row incl. indexes and toast)`,
    );
  }
  const avg = await sql(
    'select avg(pg_column_size(h.*))::int as row, avg(length(report))::int as report, avg(length(observed))::int as observed, avg(length(doc))::int as doc from hosts h',
  );
  console.log(
    `hosts: avg stored row ${avg[0].row} B; report JSON ${avg[0].report} chars, observed ${avg[0].observed}, doc ${avg[0].doc}`,
  );
}
await sizes('after reports');

// A rollout that makes v1 current (every host already runs it), then v2 over all hosts in batches.
async function runRollout(
  name: string,
  release: string,
  target: string,
  previous: string | undefined,
  batches: Rollout['spec']['batches'],
) {
  await store.createRollout(
    {
      apiVersion: 'patchline.dev/v1',
      kind: 'Rollout',
      metadata: { name },
      spec: { release, ...(batches ? { batches } : {}), updateTimeout: '1h' },
    },
    now,
  );
  const from = await lsn();
  const booted = new Map(names.map((each) => [each, previous ?? target]));
  const ticks = [];
  for (let loop = 0; loop < 80; loop++) {
    let pure = 0;
    const start = performance.now();
    const { decision } = await store.decide(name, now, (state, at) => {
      const p = performance.now();
      const out = decideRollout(state, at);
      pure = performance.now() - p;
      return out;
    });
    ticks.push({ total: performance.now() - start, pure });
    if ((['succeeded', 'halted', 'rolled-back'] as RolloutPhase[]).includes(decision.rolloutPhase)) {
      console.log(`${name}: ${decision.rolloutPhase} after ${loop + 1} ticks`);
      break;
    }
    now += 60_000;
    // Every host asks what to run; those told the target boot it and report it.
    await inParallel(names, 10, async (host) => {
      if (booted.get(host) === target) {
        await store.recordReport(host, report(target, previous));
        return;
      }
      const desired = await store.desiredFor(host, now);
      if (desired?.digest === target) {
        await store.recordServed(host, target, now);
        booted.set(host, target);
      }
      await store.recordReport(host, report(booted.get(host)!, booted.get(host) === target ? previous : undefined));
    });
    now += 60_000;
  }
  const wal = await walSince(from);
  const events = await sql(
    `select count(*)::int as n, sum(length(doc))::int as bytes from events where rollout = '${name}'`,
  );
  const records = await sql(
    `select count(*)::int as n, sum(length(record))::int as bytes from rollout_hosts where rollout = '${name}'`,
  );
  const totals = ticks.map((each) => each.total);
  const pures = ticks.map((each) => each.pure);
  console.log(
    `${name}: ${records[0].n} rollout_hosts rows (${(records[0].bytes / Math.max(1, records[0].n)).toFixed(0)} B record JSON each), ` +
      `${events[0].n} events (${(events[0].bytes / Math.max(1, events[0].n)).toFixed(0)} B JSON each); WAL during rollout incl. reports ${(wal / 1e6).toFixed(0)} MB; ` +
      `decide() per tick: median ${median(totals).toFixed(0)} ms, max ${Math.max(...totals).toFixed(0)} ms, ` +
      `of which decideRollout median ${median(pures).toFixed(0)} ms (${ticks.length} ticks)`,
  );
}
await runRollout('r1', 'v1', V1, undefined, undefined);
now += 60_000;
await reportRound('report before r2', V1, undefined);
await runRollout('r2', 'v2', V2, V1, [{ limit: '1%' }, { limit: '10%' }, { limit: '50%' }]);
await sizes('after two rollouts');
await store.close();
await client.end();
