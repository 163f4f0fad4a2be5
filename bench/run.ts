// `npm run bench`: measures `patchline inspect --list` on the ~1 GB, 64-layer bootc-shaped image of make-image.ts,
// from an OCI layout and through a local docker-registry on 127.0.0.1, next to the physical floor (`gzip -dc` of
// every layer). Writes bench/results/latest.md and latest.json.
//
//   npm run bench [-- --reps N] [--no-build] [--skip-registry] [--profile]
//
// --profile also records a CPU profile (node --cpu-prof) of the every-layer case and prints the functions with the
// most self time.

import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startRegistry, type TestRegistry } from '../test/helpers/registry.js';
import { benchArgs } from './lib/args.js';
import { CLI as BIN } from './lib/dist.js';
import { load1, machine } from './lib/machine.js';
import { layerBlobs } from './lib/oci-layout.js';
import {
  buildDist,
  cleanUpOnExit,
  cleanupSync,
  dropTemp,
  ensureTime,
  must,
  spawnRun,
  TIME,
  tempDir,
} from './lib/processes.js';
import { type ProfileSummary, summarizeProfile } from './lib/profile.js';
import { resultPath, writeResults } from './lib/results.js';
import { median } from './lib/stats.js';
import { buildImage, HALF_DIR, IMAGE_DIR, type ImageMeta, TAG } from './make-image.js';

const args = benchArgs();
const REPS = Math.max(1, args.number('reps', Number(process.env.BENCH_REPS ?? 3)));

const EXACT = ['usr/lib/os-release', 'var/lib/rpm/rpmdb.sqlite', 'etc/os-release'];
const ABSENT = ['opt/absent/not-in-this-image'];
const GLOB = ['**/os-release'];

const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);
// Every child and temp folder is tracked, and released on exit, error or signal.
cleanUpOnExit(log);

// ---------------------------------------------------------------------------------------------------------------
// Peak memory: GNU time's %M (max RSS of the child, KiB). Installed if missing; otherwise a preload that reports
// process.resourceUsage().maxRSS at exit.

let timeBinary: string | undefined = TIME;
const RSS_PRELOAD = `data:text/javascript,${encodeURIComponent(
  "import{writeFileSync}from'node:fs';process.on('exit',()=>{const u=process.resourceUsage();try{writeFileSync(process.env.BENCH_RSS_FILE,[0,u.userCPUTime/1e6,u.systemCPUTime/1e6,u.maxRSS].join(' '))}catch{}})",
)}`;

async function ensureTimeOrPreload() {
  try {
    await ensureTime(log);
  } catch {
    log('/usr/bin/time is unavailable: peak memory comes from process.resourceUsage() in the child');
    timeBinary = undefined;
  }
}

/** The part of `patchline inspect --format json` the bench reads. */
interface InspectStats {
  layers: number;
  layersRead: number;
  layerReads: number;
  bytesRead: number;
  bytesUncompressed: number;
  bytesDownloaded: number;
}
interface InspectRun {
  seconds: number;
  cpuSeconds: number;
  rssMiB: number;
  stats: InspectStats;
  files: Array<{ layer?: { index: number } }>;
}
/** A run as recorded: with its check and its ratio to the round's floor. */
interface RecordedRun extends InspectRun {
  check: string;
  floorSeconds: number;
  ratio: number;
}
type CaseKind = 'exact' | 'absent' | 'glob';
interface Case {
  label: string;
  kind: CaseKind;
  lists: string[];
  source: string;
}

/** The last line of GNU time's (or the preload's) output file: its numbers. */
async function usageNumbers(file: string): Promise<number[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return (text.trim().split('\n').at(-1) ?? '').split(/\s+/).map(Number);
}

/** One `patchline inspect` run: wall seconds, CPU seconds (user + system), peak RSS (MiB), the JSON it printed. */
async function inspect(
  reference: string,
  lists: string[],
  { cacheDir, registry = false, nodeArgs = [] }: { cacheDir?: string; registry?: boolean; nodeArgs?: string[] } = {},
): Promise<InspectRun> {
  const cli = [
    ...nodeArgs,
    BIN,
    'inspect',
    reference,
    ...lists.flatMap((path) => ['--list', path]),
    '--format',
    'json',
    ...(registry ? ['--tls-verify=false'] : []),
    ...(cacheDir ? ['--cache-dir', cacheDir] : []),
  ];
  const scratch = await tempDir('patchline-bench-rss-');
  const rssFile = join(scratch, 'rss');
  const result = timeBinary
    ? await spawnRun(timeBinary, ['-f', '%e %U %S %M', '-o', rssFile, process.execPath, ...cli])
    : await spawnRun(process.execPath, ['--import', RSS_PRELOAD, ...cli], {
        env: { ...process.env, BENCH_RSS_FILE: rssFile },
      });
  const usage = await usageNumbers(rssFile);
  await dropTemp(scratch);
  if (result.code !== 0)
    throw new Error(`inspect ${reference} ${lists.join(' ')} failed: ${result.stderr.slice(-2000)}`);
  const [, user = Number.NaN, system = Number.NaN, kib = Number.NaN] = usage;
  const output = JSON.parse(result.stdout) as { stats: InspectStats; files?: InspectRun['files'] };
  return {
    seconds: result.seconds,
    cpuSeconds: user + system,
    rssMiB: kib / 1024,
    stats: output.stats,
    files: output.files ?? [],
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Measurements.

async function warmPageCache(blobs: string[]) {
  for (const blob of blobs) await must('cat', [blob], { stdout: 'ignore' });
}

/** Wall and CPU seconds of a shell loop over every layer blob, one after another (or two at a time). */
interface LoopTime {
  seconds: number;
  cpuSeconds: number;
}

async function timedLoop(script: string, blobs: string[]): Promise<LoopTime> {
  const scratch = await tempDir('patchline-bench-floor-');
  const file = join(scratch, 'time');
  const command = timeBinary ? timeBinary : 'sh';
  const commandArgs = timeBinary
    ? ['-f', '%e %U %S', '-o', file, 'sh', '-c', script, 'floor', ...blobs]
    : ['-c', script, 'floor', ...blobs];
  const result = await must(command, commandArgs, { stdout: 'ignore' });
  const [, user = Number.NaN, system = Number.NaN] = await usageNumbers(file);
  await dropTemp(scratch);
  return { seconds: result.seconds, cpuSeconds: timeBinary ? user + system : Number.NaN };
}

const FLOOR = 'for f do gzip -dc "$f" >/dev/null || exit 1; done';
const FLOOR_TWO_WAY = 'printf "%s\\0" "$@" | xargs -0 -P 2 -n 1 sh -c \'gzip -dc "$0" >/dev/null\'';
const FLOOR_DIGESTS = 'for f do sha256sum "$f" >/dev/null && gzip -dc "$f" | sha256sum >/dev/null || exit 1; done';

function check(kind: CaseKind, result: InspectRun, newestLayer: number): string {
  if (kind === 'exact') {
    const ok = result.files.length === EXACT.length && result.files.every((f) => f.layer?.index === newestLayer);
    return ok ? 'ok' : `expected ${EXACT.length} files from layer ${newestLayer}, got ${JSON.stringify(result.files)}`;
  }
  if (kind === 'absent') return result.files.length === 0 ? 'ok' : 'an absent path was listed';
  return result.files.length >= 2 ? 'ok' : `glob matched ${result.files.length} paths`;
}

function logRun(c: Case, result: RecordedRun) {
  log(
    `${c.source} | ${c.label}: ${result.seconds.toFixed(2)} s (×${result.ratio.toFixed(2)} floor), ` +
      `cpu ${result.cpuSeconds.toFixed(1)} s, ${result.rssMiB.toFixed(0)} MiB, ${result.stats.layersRead}/${result.stats.layers} layers, ` +
      `${(result.stats.bytesRead / 1e6).toFixed(1)} MB read, ${(result.stats.bytesDownloaded / 1e6).toFixed(1)} MB downloaded` +
      `${result.check === 'ok' ? '' : ` CHECK: ${result.check}`}`,
  );
}

function summarize(c: Case, runs: RecordedRun[]) {
  const seconds = runs.map((r) => r.seconds);
  return {
    label: c.label,
    source: c.source,
    kind: c.kind,
    lists: c.lists,
    seconds: median(seconds),
    secondsMin: Math.min(...seconds),
    secondsMax: Math.max(...seconds),
    ratio: median(runs.map((r) => r.ratio)),
    cpuSeconds: median(runs.map((r) => r.cpuSeconds)),
    rssMiB: median(runs.map((r) => r.rssMiB)),
    rssMiBMax: Math.max(...runs.map((r) => r.rssMiB)),
    layers: runs[0]!.stats.layers,
    layersRead: median(runs.map((r) => r.stats.layersRead)),
    layerReads: median(runs.map((r) => r.stats.layerReads)),
    bytesRead: median(runs.map((r) => r.stats.bytesRead)),
    bytesUncompressed: median(runs.map((r) => r.stats.bytesUncompressed)),
    bytesDownloaded: median(runs.map((r) => r.stats.bytesDownloaded)),
    bytesDownloadedMax: Math.max(...runs.map((r) => r.stats.bytesDownloaded)),
    checks: [...new Set(runs.map((r) => r.check))],
    runs: runs.map((r) => ({
      seconds: r.seconds,
      floorSeconds: r.floorSeconds,
      cpuSeconds: r.cpuSeconds,
      rssMiB: r.rssMiB,
      stats: r.stats,
    })),
  };
}

async function profileAllLayers(reference: string): Promise<ProfileSummary> {
  const dir = await tempDir('patchline-bench-prof-');
  const cacheDir = await tempDir('patchline-bench-cache-');
  await inspect(reference, ABSENT, { cacheDir, nodeArgs: ['--cpu-prof', '--cpu-prof-dir', dir] });
  const file = (await readdir(dir)).find((name) => name.endsWith('.cpuprofile'));
  if (!file) throw new Error(`node --cpu-prof wrote no profile into ${dir}`);
  const profile = JSON.parse(await readFile(join(dir, file), 'utf8'));
  await writeFile(await resultPath('all-layers.cpuprofile'), JSON.stringify(profile));
  await dropTemp(dir);
  await dropTemp(cacheDir);
  return summarizeProfile(profile);
}

// ---------------------------------------------------------------------------------------------------------------
// Report.

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(bytes < 1e7 ? 1 : 0)} MB`;
const range = (m: Measurement) => `${m.seconds.toFixed(2)} s (${m.secondsMin.toFixed(2)}–${m.secondsMax.toFixed(2)})`;

type Measurement = ReturnType<typeof summarize>;
/** One round's floor: the sequential loop always, the two informational ones in the OCI rounds. */
interface FloorRound {
  sequential: LoopTime;
  parallel?: LoopTime;
  digests?: LoopTime;
}
interface Results {
  date: string;
  machine: ReturnType<typeof machine>;
  reps: number;
  load: number[];
  meta: ImageMeta;
  floor: FloorRound[];
  measurements: Measurement[];
  push?: { seconds: number };
  profile?: ProfileSummary;
}

function report(results: Results): string {
  const { meta, floor, measurements, push, profile, load } = results;
  const floorRow = (label: string, key: keyof FloorRound) => {
    const rounds = floor.filter((f) => f[key]);
    const seconds = rounds.map((f) => f[key]!.seconds);
    const cpu = median(rounds.map((f) => f[key]!.cpuSeconds));
    const ratio = median(rounds.map((f) => f[key]!.seconds / f.sequential.seconds));
    return (
      `| ${label} | OCI layout | ${meta.layers.length}/${meta.layers.length} | ${mb(meta.compressed)} | ${mb(meta.uncompressed)} | – | ` +
      `${median(seconds).toFixed(2)} s (${Math.min(...seconds).toFixed(2)}–${Math.max(...seconds).toFixed(2)}) | ` +
      `${ratio.toFixed(2)} | ${Number.isNaN(cpu) ? '–' : `${cpu.toFixed(1)} s`} | – |`
    );
  };
  const largest = meta.layers.reduce((a, b) => (b.uncompressed > a.uncompressed ? b : a));
  const newest = meta.layers.at(-1)!;
  const lines: string[] = [];
  lines.push(`# Patchline benchmark, ${results.date}`);
  lines.push('');
  lines.push(
    `Machine: ${results.machine.cpus} CPUs (${results.machine.cpuModel}), ${results.machine.memoryGiB} GiB RAM, ` +
      `Node ${results.machine.node}. ${REPS} rounds; each round measures the floor and then every case, and "× floor" ` +
      `is the median of each run's ratio to its own round's floor. Page cache warm. Load average (1 min) at the ` +
      `start of the rounds: ${load.map((l) => l.toFixed(1)).join(', ')}.`,
  );
  lines.push('');
  lines.push(
    `Image: ${meta.layers.length} gzip layers, ${mb(meta.compressed)} compressed, ${mb(meta.uncompressed)} uncompressed ` +
      `(ratio ${meta.ratio.toFixed(2)}); largest layer ${mb(largest.size)} → ${mb(largest.uncompressed)}; newest layer ` +
      `${mb(newest.size)} → ${mb(newest.uncompressed)}. Half image: ${meta.half.layers} of its ` +
      `layers, ${mb(meta.half.compressed)} → ${mb(meta.half.uncompressed)}.`,
  );
  lines.push('');
  lines.push(
    '| Case | Source | Layers read | Read (compressed) | Uncompressed | Downloaded | Wall time, median (min–max) | × floor | CPU (user+sys) | Peak RSS |',
  );
  lines.push('|---|---|---|---|---|---|---|---|---|---|');
  lines.push(floorRow('**floor**: `gzip -dc` of every layer, one after another', 'sequential'));
  lines.push(floorRow('(info) `gzip -dc`, two layers at a time', 'parallel'));
  lines.push(floorRow('(info) `gzip -dc` + `sha256sum` of blob and tar', 'digests'));
  for (const m of measurements) {
    const flagged = m.checks.length === 1 && m.checks[0] === 'ok' ? '' : ' ⚠';
    lines.push(
      `| ${m.label}${flagged} | ${m.source} | ${m.layersRead}/${m.layers} | ${mb(m.bytesRead)} | ${mb(m.bytesUncompressed)} | ` +
        `${m.source.startsWith('registry') ? mb(m.bytesDownloaded) : '–'} | ${range(m)} | ${m.ratio.toFixed(2)} | ` +
        `${Number.isNaN(m.cpuSeconds) ? '–' : `${m.cpuSeconds.toFixed(1)} s`} | ${m.rssMiB.toFixed(0)} MiB |`,
    );
  }
  lines.push('');
  if (push)
    lines.push(`Setup, not measured above: push to the local registry with skopeo, ${push.seconds.toFixed(1)} s.`);
  const notes: string[] = [];
  for (const m of measurements) {
    for (const c of m.checks.filter((c) => c !== 'ok')) notes.push(`⚠ ${m.label} (${m.source}): ${c}`);
    if (m.source.includes('warm') && m.bytesDownloadedMax !== 0) {
      notes.push(
        `⚠ ${m.label} (${m.source}): downloaded up to ${m.bytesDownloadedMax} bytes; a warm cache should download 0`,
      );
    }
  }
  if (notes.length > 0) lines.push('', ...notes);
  if (profile) {
    lines.push('');
    lines.push(
      `CPU profile of the every-layer case from the OCI layout (main thread only; inflate runs on libuv's thread pool; ` +
        `${(profile.totalMs / 1000).toFixed(2)} s sampled), top self time:`,
    );
    lines.push('');
    lines.push('| Self time | Share | Function |');
    lines.push('|---|---|---|');
    for (const row of profile.functions.slice(0, 15)) {
      lines.push(`| ${row.ms.toFixed(0)} ms | ${(row.share * 100).toFixed(1)} % | \`${row.name}\` |`);
    }
  }
  return `${lines.join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------------------------------

async function main() {
  if (!args.flag('no-build')) await buildDist(log, BIN);
  await ensureTimeOrPreload();
  const meta = await buildImage();
  const newestLayer = meta.layers.length - 1;
  const full = `oci:${IMAGE_DIR}:${TAG}`;
  const half = `oci:${HALF_DIR}:${TAG}`;
  const blobs = await layerBlobs(IMAGE_DIR);
  await warmPageCache(blobs);

  const floor: FloorRound[] = [];
  const load: number[] = [];
  const runs = new Map<Case, RecordedRun[]>();
  const cases: Case[] = [];
  const record = (c: Case, inspected: InspectRun, floorSeconds: number) => {
    const result: RecordedRun = {
      ...inspected,
      check: check(c.kind, inspected, newestLayer),
      floorSeconds,
      ratio: inspected.seconds / floorSeconds,
    };
    logRun(c, result);
    const caseRuns = runs.get(c) ?? [];
    if (caseRuns.length === 0) {
      runs.set(c, caseRuns);
      cases.push(c);
    }
    caseRuns.push(result);
  };
  const measureFloor = async (withInfo: boolean) => {
    load.push(load1());
    const round: FloorRound = { sequential: await timedLoop(FLOOR, blobs) };
    if (withInfo) {
      round.parallel = await timedLoop(FLOOR_TWO_WAY, blobs);
      round.digests = await timedLoop(FLOOR_DIGESTS, blobs);
    }
    log(`floor: gzip -dc of ${blobs.length} layers ${round.sequential.seconds.toFixed(2)} s`);
    floor.push(round);
    return round.sequential.seconds;
  };

  const ociCases = (
    [
      { label: `exact paths in the newest layer: ${EXACT.join(', ')}`, kind: 'exact', reference: full, lists: EXACT },
      { label: `absent path, every layer read: ${ABSENT[0]}`, kind: 'absent', reference: full, lists: ABSENT },
      { label: `glob, every layer read: ${GLOB[0]}`, kind: 'glob', reference: full, lists: GLOB },
      { label: 'absent path, every layer read (half-size image)', kind: 'absent', reference: half, lists: ABSENT },
    ] as const
  ).map((c): Case & { reference: string } => ({
    ...c,
    source: c.reference === half ? `OCI layout, ${meta.half.layers} layers` : 'OCI layout',
  }));
  for (let round = 0; round < REPS; round++) {
    const floorSeconds = await measureFloor(true);
    for (const c of ociCases) {
      const cacheDir = await tempDir('patchline-bench-cache-');
      record(c, await inspect(c.reference, c.lists, { cacheDir }), floorSeconds);
      await dropTemp(cacheDir);
    }
  }

  let push: { seconds: number } | undefined;
  if (!args.flag('skip-registry')) {
    const registry: TestRegistry = await startRegistry();
    try {
      const remote = `docker://${registry.host}/bench:1`;
      log(`skopeo copy to ${remote}`);
      push = await must('skopeo', ['copy', '--quiet', full, remote, '--dest-tls-verify=false']);
      const registryCases = ['cold', 'warm'].map((cache): Case[] => [
        { label: 'exact paths in the newest layer', kind: 'exact', lists: EXACT, source: `registry, ${cache} cache` },
        { label: 'absent path, every layer read', kind: 'absent', lists: ABSENT, source: `registry, ${cache} cache` },
      ]);
      for (let round = 0; round < REPS; round++) {
        const floorSeconds = await measureFloor(false);
        for (let i = 0; i < 2; i++) {
          const cacheDir = await tempDir('patchline-bench-cache-');
          for (const pair of registryCases) {
            const c = pair[i]!;
            record(c, await inspect(remote, c.lists, { cacheDir, registry: true }), floorSeconds);
          }
          await dropTemp(cacheDir);
        }
      }
    } finally {
      await registry.stop();
    }
  }

  let profile: ProfileSummary | undefined;
  if (args.flag('profile')) {
    log('CPU profile of the every-layer case');
    profile = await profileAllLayers(full);
  }

  const order = (c: Case) => (c.source.startsWith('registry') ? (c.source.includes('cold') ? 1 : 2) : 0);
  const measurements = cases
    .map((c, i) => ({ c, i }))
    .sort((a, b) => order(a.c) - order(b.c) || a.i - b.i)
    .map(({ c }) => summarize(c, runs.get(c)!));
  const results: Results = {
    date: new Date().toISOString().slice(0, 10),
    machine: machine(),
    reps: REPS,
    load,
    meta,
    floor,
    measurements,
    ...(push ? { push: { seconds: push.seconds } } : {}),
    ...(profile ? { profile } : {}),
  };
  const markdown = report(results);
  await writeResults('latest', markdown, results);
  process.stdout.write(markdown);
  if (profile) {
    process.stdout.write('\nSelf time by file:\n');
    for (const row of profile.files.slice(0, 15)) {
      process.stdout.write(
        `  ${row.ms.toFixed(0).padStart(7)} ms ${(row.share * 100).toFixed(1).padStart(5)} %  ${row.name}\n`,
      );
    }
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${error instanceof Error ? error.stack : error}\n`);
  cleanupSync();
  process.exitCode = 1;
});
