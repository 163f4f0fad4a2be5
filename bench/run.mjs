#!/usr/bin/env node
// `npm run bench`: measures `patchline inspect --list` on the ~1 GB, 64-layer bootc-shaped image of make-image.mjs,
// from an OCI layout and through a local docker-registry on 127.0.0.1, next to the physical floor (`gzip -dc` of
// every layer). Writes bench/results/latest.md and latest.json.
//
//   npm run bench [-- --reps N] [--no-build] [--skip-registry] [--profile]
//
// --profile also records a CPU profile (node --cpu-prof) of the every-layer case and prints the functions with the
// most self time.

import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { summarizeProfile } from './lib/profile.js';
import { buildImage, HALF_DIR, IMAGE_DIR, TAG } from './make-image.js';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const REPO_DIR = dirname(BENCH_DIR);
const RESULTS_DIR = join(BENCH_DIR, 'results');
const BIN = join(REPO_DIR, 'dist', 'cli', 'bin.js');
const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const option = (name) => {
  const at = args.indexOf(name);
  return at === -1 ? undefined : args[at + 1];
};
const REPS = Math.max(1, Number(option('--reps') ?? process.env.BENCH_REPS ?? 3));

const EXACT = ['usr/lib/os-release', 'var/lib/rpm/rpmdb.sqlite', 'etc/os-release'];
const ABSENT = ['opt/absent/not-in-this-image'];
const GLOB = ['**/os-release'];

const log = (message) => process.stderr.write(`[bench] ${message}\n`);

// ---------------------------------------------------------------------------------------------------------------
// Processes and clean-up: every child and temp folder is tracked, and released on exit, error or signal.

const children = new Set();
const tempDirs = new Set();
let registryProcess;

function cleanupSync() {
  for (const child of children) {
    try {
      child.kill('SIGKILL');
    } catch {}
  }
  if (registryProcess && registryProcess.exitCode === null) {
    try {
      registryProcess.kill('SIGKILL');
    } catch {}
  }
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    log(`${signal}: stopping`);
    cleanupSync();
    process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 1));
  });
}
process.on('exit', cleanupSync);

async function tempDir(prefix) {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

async function dropTemp(dir) {
  await rm(dir, { recursive: true, force: true });
  tempDirs.delete(dir);
}

/** Runs a command to its end; resolves with its exit code, output (when piped) and wall time in seconds. */
function run(command, commandArgs, { stdout = 'pipe', stderr = 'pipe', env } = {}) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(command, commandArgs, { stdio: ['ignore', stdout, stderr], env: env ?? process.env });
    children.add(child);
    const out = [];
    const err = [];
    child.stdout?.on('data', (chunk) => out.push(chunk));
    child.stderr?.on('data', (chunk) => err.push(chunk));
    child.on('error', (error) => {
      children.delete(child);
      reject(error);
    });
    child.on('close', (code, signal) => {
      children.delete(child);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      resolve({ code, signal, seconds, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() });
    });
  });
}

async function must(command, commandArgs, options) {
  const result = await run(command, commandArgs, options);
  if (result.code !== 0) {
    throw new Error(
      `${command} ${commandArgs.join(' ')} failed (${result.code ?? result.signal}): ${result.stderr.slice(-2000)}`,
    );
  }
  return result;
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

// ---------------------------------------------------------------------------------------------------------------
// Peak memory: GNU time's %M (max RSS of the child, KiB). Installed if missing; otherwise a preload that reports
// process.resourceUsage().maxRSS at exit.

let timeBinary = '/usr/bin/time';
const RSS_PRELOAD = `data:text/javascript,${encodeURIComponent(
  "import{writeFileSync}from'node:fs';process.on('exit',()=>{const u=process.resourceUsage();try{writeFileSync(process.env.BENCH_RSS_FILE,[0,u.userCPUTime/1e6,u.systemCPUTime/1e6,u.maxRSS].join(' '))}catch{}})",
)}`;

async function ensureTime() {
  if (existsSync(timeBinary)) return;
  if (process.getuid?.() === 0) {
    log('installing the `time` package for peak-memory measurement');
    const result = await run('apt-get', ['install', '-y', '--no-install-recommends', 'time']);
    if (result.code === 0 && existsSync(timeBinary)) return;
  }
  log('/usr/bin/time is unavailable: peak memory comes from process.resourceUsage() in the child');
  timeBinary = undefined;
}

/** One `patchline inspect` run: wall seconds, CPU seconds (user + system), peak RSS (MiB), the JSON it printed. */
async function inspect(reference, lists, { cacheDir, registry = false, nodeArgs = [] } = {}) {
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
  let result;
  if (timeBinary) {
    result = await run(timeBinary, ['-f', '%e %U %S %M', '-o', rssFile, process.execPath, ...cli]);
  } else {
    result = await run(process.execPath, ['--import', RSS_PRELOAD, ...cli], {
      env: { ...process.env, BENCH_RSS_FILE: rssFile },
    });
  }
  const usage = (await readFile(rssFile, 'utf8').catch(() => '')).trim().split('\n').at(-1).split(/\s+/).map(Number);
  await dropTemp(scratch);
  if (result.code !== 0)
    throw new Error(`inspect ${reference} ${lists.join(' ')} failed: ${result.stderr.slice(-2000)}`);
  const [, user, system, kib] = usage;
  const output = JSON.parse(result.stdout);
  return {
    seconds: result.seconds,
    cpuSeconds: user + system,
    rssMiB: kib / 1024,
    stats: output.stats,
    files: output.files ?? [],
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The registry: CNCF distribution on 127.0.0.1, storage in a temp folder.

async function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function startRegistry() {
  const dir = await tempDir('patchline-bench-registry-');
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const config = join(dir, 'config.yml');
  await writeFile(
    config,
    [
      'version: 0.1',
      'log: {level: warn, accesslog: {disabled: true}}',
      `storage: {filesystem: {rootdirectory: ${join(dir, 'data')}}, delete: {enabled: true}}`,
      `http: {addr: "${host}", secret: patchline-bench}`,
      '',
    ].join('\n'),
  );
  registryProcess = spawn('docker-registry', ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let registryLog = '';
  registryProcess.stderr.on('data', (chunk) => {
    registryLog = (registryLog + chunk).slice(-4000);
  });
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (registryProcess.exitCode !== null) break;
    const ok = await fetch(`http://${host}/v2/`).then(
      (response) => response.ok,
      () => false,
    );
    if (ok) return { host, dir };
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`docker-registry did not start on ${host}: ${registryLog}`);
}

async function stopRegistry(registry) {
  const child = registryProcess;
  if (child && child.exitCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
  registryProcess = undefined;
  if (registry) await dropTemp(registry.dir);
}

// ---------------------------------------------------------------------------------------------------------------
// Measurements.

async function layerBlobs(dir) {
  const index = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8'));
  const manifestHex = index.manifests[0].digest.slice('sha256:'.length);
  const manifest = JSON.parse(await readFile(join(dir, 'blobs', 'sha256', manifestHex), 'utf8'));
  return manifest.layers.map((layer) => join(dir, 'blobs', 'sha256', layer.digest.slice('sha256:'.length)));
}

async function warmPageCache(blobs) {
  for (const blob of blobs) await must('cat', [blob], { stdout: 'ignore' });
}

/** Wall and CPU seconds of a shell loop over every layer blob, one after another (or two at a time). */
async function timedLoop(script, blobs) {
  const scratch = await tempDir('patchline-bench-floor-');
  const file = join(scratch, 'time');
  const command = timeBinary ? timeBinary : 'sh';
  const commandArgs = timeBinary
    ? ['-f', '%e %U %S', '-o', file, 'sh', '-c', script, 'floor', ...blobs]
    : ['-c', script, 'floor', ...blobs];
  const result = await must(command, commandArgs, { stdout: 'ignore' });
  const usage = (await readFile(file, 'utf8').catch(() => '')).trim().split('\n').at(-1).split(/\s+/).map(Number);
  await dropTemp(scratch);
  return { seconds: result.seconds, cpuSeconds: timeBinary ? usage[1] + usage[2] : Number.NaN };
}

const FLOOR = 'for f do gzip -dc "$f" >/dev/null || exit 1; done';
const FLOOR_TWO_WAY = 'printf "%s\\0" "$@" | xargs -0 -P 2 -n 1 sh -c \'gzip -dc "$0" >/dev/null\'';
const FLOOR_DIGESTS = 'for f do sha256sum "$f" >/dev/null && gzip -dc "$f" | sha256sum >/dev/null || exit 1; done';

function check(kind, result, newestLayer) {
  if (kind === 'exact') {
    const ok = result.files.length === EXACT.length && result.files.every((f) => f.layer?.index === newestLayer);
    return ok ? 'ok' : `expected ${EXACT.length} files from layer ${newestLayer}, got ${JSON.stringify(result.files)}`;
  }
  if (kind === 'absent') return result.files.length === 0 ? 'ok' : 'an absent path was listed';
  return result.files.length >= 2 ? 'ok' : `glob matched ${result.files.length} paths`;
}

function logRun(c, result) {
  log(
    `${c.source} | ${c.label}: ${result.seconds.toFixed(2)} s (×${result.ratio.toFixed(2)} floor), ` +
      `cpu ${result.cpuSeconds.toFixed(1)} s, ${result.rssMiB.toFixed(0)} MiB, ${result.stats.layersRead}/${result.stats.layers} layers, ` +
      `${(result.stats.bytesRead / 1e6).toFixed(1)} MB read, ${(result.stats.bytesDownloaded / 1e6).toFixed(1)} MB downloaded` +
      `${result.check === 'ok' ? '' : ` CHECK: ${result.check}`}`,
  );
}

function summarize(c, runs) {
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
    layers: runs[0].stats.layers,
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

async function profileAllLayers(reference) {
  const dir = await tempDir('patchline-bench-prof-');
  const cacheDir = await tempDir('patchline-bench-cache-');
  await inspect(reference, ABSENT, { cacheDir, nodeArgs: ['--cpu-prof', '--cpu-prof-dir', dir] });
  const file = (await readdir(dir)).find((name) => name.endsWith('.cpuprofile'));
  const profile = JSON.parse(await readFile(join(dir, file), 'utf8'));
  await mkdir(RESULTS_DIR, { recursive: true });
  await writeFile(join(RESULTS_DIR, 'all-layers.cpuprofile'), JSON.stringify(profile));
  await dropTemp(dir);
  await dropTemp(cacheDir);
  return summarizeProfile(profile);
}

// ---------------------------------------------------------------------------------------------------------------
// Report.

const mb = (bytes) => `${(bytes / 1e6).toFixed(bytes < 1e7 ? 1 : 0)} MB`;
const range = (m) => `${m.seconds.toFixed(2)} s (${m.secondsMin.toFixed(2)}–${m.secondsMax.toFixed(2)})`;

function machine() {
  const cpuModel =
    (readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.*)$/m) ?? [])[1] ?? cpus()[0]?.model;
  return { cpus: cpus().length, cpuModel, memoryGiB: Math.round(totalmem() / 1024 ** 3), node: process.version };
}

function report(results) {
  const { meta, floor, measurements, push, profile, load } = results;
  const floorRow = (label, key) => {
    const rounds = floor.filter((f) => f[key]);
    const seconds = rounds.map((f) => f[key].seconds);
    const cpu = median(rounds.map((f) => f[key].cpuSeconds));
    const ratio = median(rounds.map((f) => f[key].seconds / f.sequential.seconds));
    return (
      `| ${label} | OCI layout | ${meta.layers.length}/${meta.layers.length} | ${mb(meta.compressed)} | ${mb(meta.uncompressed)} | – | ` +
      `${median(seconds).toFixed(2)} s (${Math.min(...seconds).toFixed(2)}–${Math.max(...seconds).toFixed(2)}) | ` +
      `${ratio.toFixed(2)} | ${Number.isNaN(cpu) ? '–' : `${cpu.toFixed(1)} s`} | – |`
    );
  };
  const largest = meta.layers.reduce((a, b) => (b.uncompressed > a.uncompressed ? b : a));
  const lines = [];
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
      `${mb(meta.layers.at(-1).size)} → ${mb(meta.layers.at(-1).uncompressed)}. Half image: ${meta.half.layers} of its ` +
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
  const notes = [];
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
  if (!flag('--no-build')) {
    log('npm run build');
    const built = await run('npm', ['run', 'build'], { stdout: 'ignore' });
    if (built.code !== 0) {
      if (!existsSync(BIN)) throw new Error(`npm run build failed and there is no dist/: ${built.stderr.slice(-2000)}`);
      log(`npm run build failed; measuring the existing dist/ (${built.stderr.trim().split('\n').at(-1)})`);
    }
  }
  await ensureTime();
  const meta = await buildImage();
  const newestLayer = meta.layers.length - 1;
  const full = `oci:${IMAGE_DIR}:${TAG}`;
  const half = `oci:${HALF_DIR}:${TAG}`;
  const blobs = await layerBlobs(IMAGE_DIR);
  await warmPageCache(blobs);

  const floor = [];
  const load = [];
  const runs = new Map();
  const cases = [];
  const record = (c, result, floorSeconds) => {
    result.check = check(c.kind, result, newestLayer);
    result.floorSeconds = floorSeconds;
    result.ratio = result.seconds / floorSeconds;
    logRun(c, result);
    if (!runs.has(c)) {
      runs.set(c, []);
      cases.push(c);
    }
    runs.get(c).push(result);
  };
  const measureFloor = async (withInfo) => {
    load.push(loadavg()[0]);
    const round = { sequential: await timedLoop(FLOOR, blobs) };
    if (withInfo) {
      round.parallel = await timedLoop(FLOOR_TWO_WAY, blobs);
      round.digests = await timedLoop(FLOOR_DIGESTS, blobs);
    }
    log(`floor: gzip -dc of ${blobs.length} layers ${round.sequential.seconds.toFixed(2)} s`);
    floor.push(round);
    return round.sequential.seconds;
  };

  const ociCases = [
    { label: `exact paths in the newest layer: ${EXACT.join(', ')}`, kind: 'exact', reference: full, lists: EXACT },
    { label: `absent path, every layer read: ${ABSENT[0]}`, kind: 'absent', reference: full, lists: ABSENT },
    { label: `glob, every layer read: ${GLOB[0]}`, kind: 'glob', reference: full, lists: GLOB },
    { label: 'absent path, every layer read (half-size image)', kind: 'absent', reference: half, lists: ABSENT },
  ].map((c) => ({ ...c, source: c.reference === half ? `OCI layout, ${meta.half.layers} layers` : 'OCI layout' }));
  for (let round = 0; round < REPS; round++) {
    const floorSeconds = await measureFloor(true);
    for (const c of ociCases) {
      const cacheDir = await tempDir('patchline-bench-cache-');
      record(c, await inspect(c.reference, c.lists, { cacheDir }), floorSeconds);
      await dropTemp(cacheDir);
    }
  }

  let push;
  if (!flag('--skip-registry')) {
    const registry = await startRegistry();
    try {
      const remote = `docker://${registry.host}/bench:1`;
      log(`skopeo copy to ${remote}`);
      push = await must('skopeo', ['copy', '--quiet', full, remote, '--dest-tls-verify=false']);
      const registryCases = ['cold', 'warm'].map((cache) => [
        { label: 'exact paths in the newest layer', kind: 'exact', lists: EXACT, source: `registry, ${cache} cache` },
        { label: 'absent path, every layer read', kind: 'absent', lists: ABSENT, source: `registry, ${cache} cache` },
      ]);
      for (let round = 0; round < REPS; round++) {
        const floorSeconds = await measureFloor(false);
        for (let i = 0; i < 2; i++) {
          const cacheDir = await tempDir('patchline-bench-cache-');
          for (const cases of registryCases) {
            record(cases[i], await inspect(remote, cases[i].lists, { cacheDir, registry: true }), floorSeconds);
          }
          await dropTemp(cacheDir);
        }
      }
    } finally {
      await stopRegistry(registry);
    }
  }

  let profile;
  if (flag('--profile')) {
    log('CPU profile of the every-layer case');
    profile = await profileAllLayers(full);
  }

  const order = (c) => (c.source.startsWith('registry') ? (c.source.includes('cold') ? 1 : 2) : 0);
  const measurements = cases
    .map((c, i) => ({ c, i }))
    .sort((a, b) => order(a.c) - order(b.c) || a.i - b.i)
    .map(({ c }) => summarize(c, runs.get(c)));
  const results = {
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
  await mkdir(RESULTS_DIR, { recursive: true });
  await writeFile(join(RESULTS_DIR, 'latest.md'), markdown);
  await writeFile(join(RESULTS_DIR, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
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

main().catch((error) => {
  process.stderr.write(`bench: ${error.stack ?? error}\n`);
  cleanupSync();
  process.exitCode = 1;
});
