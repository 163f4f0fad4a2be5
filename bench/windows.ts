// `npm run bench:windows`: issue 16's micro-benchmark. CPU time of one maintenance-window question, the way the
// controller asks it on its request and tick path (fleet/decide.ts): when does the next reboot window open, and is a
// window open now. "new" is dist/fleet/windows.js (croner on the zone-less clock, docs/decisions/0043); "minute walk"
// is the search it replaced, asking cronFiresAt about every minute, kept here as the floor/peer.
//
//   npm run bench:windows [-- --no-build]
//
// Single-threaded. "first call" is the first call in a fresh process (a child per case and method): that pays for
// the time-zone offsets local-time.ts then keeps per quarter hour, as a controller's first tick after a start does.
// "warm" runs the case in-process until it has taken at least --min-ms (default 300) of wall time and at least
// --min-calls calls (default 3), after one warm-up call, and reports the mean per call. The machine's load average is
// printed beside the figures.

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { MaintenanceWindow } from '../src/fleet/windows.js';
import { fromDist, ROOT } from './lib/dist.js';
import { selfCommand } from './lib/processes.js';

const argv = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const at = argv.indexOf(`--${name}`);
  return at >= 0 ? Number(argv[at + 1]) : fallback;
};
const MIN_MS = option('min-ms', 300);
const MIN_CALLS = option('min-calls', 3);

const firstCall = argv.indexOf('--first-call');
if (firstCall < 0 && !argv.includes('--no-build')) {
  const built = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  if (built.status !== 0) throw new Error('npm run build failed');
}
const { cronFiresAt, cronSchedule } = await fromDist<typeof import('../src/fleet/cron.js')>('fleet/cron.js');
const { isWindowOpen, nextWindowOpening, maintenanceWindowSchema } =
  await fromDist<typeof import('../src/fleet/windows.js')>('fleet/windows.js');
const { parseDuration } = await fromDist<typeof import('../src/fleet/duration.js')>('fleet/duration.js');

const MINUTE_MS = 60_000;
const YEAR_MS = 366 * 24 * 60 * MINUTE_MS;

/** The two questions, as windows.ts answers them and as the minute walk did. */
interface WindowQuestions {
  isWindowOpen(window: MaintenanceWindow, now: number): boolean;
  nextWindowOpening(windows: MaintenanceWindow[], now: number): number | undefined;
}

/** The search windows.ts did before croner: ask cronFiresAt about every minute. */
const minuteWalk: WindowQuestions = {
  isWindowOpen(window, now) {
    const schedule = cronSchedule(window.schedule);
    for (let start = Math.floor(now / MINUTE_MS) * MINUTE_MS; start > now - parseDuration(window.duration); ) {
      if (cronFiresAt(schedule, window.timeZone, start)) return true;
      start -= MINUTE_MS;
    }
    return false;
  },
  nextWindowOpening(windows, now, horizonMs = YEAR_MS) {
    if (windows.some((window) => minuteWalk.isWindowOpen(window, now))) return now;
    for (let start = Math.floor(now / MINUTE_MS) * MINUTE_MS + MINUTE_MS; start <= now + horizonMs; ) {
      if (windows.some((window) => cronFiresAt(cronSchedule(window.schedule), window.timeZone, start))) return start;
      start += MINUTE_MS;
    }
    return undefined;
  },
};

const window = (schedule: string, timeZone: string, duration: string) =>
  maintenanceWindowSchema.parse({ schedule, timeZone, duration });
const at = (iso: string) => Date.parse(iso);

/** Mean wall time per call; each call asks at a moment a few minutes on, so no answer is handed back from a cache. */
function measure(call: (shift: number) => unknown) {
  call(0);
  const started = performance.now();
  let calls = 0;
  while (calls < MIN_CALLS || performance.now() - started < MIN_MS) {
    call(calls * 7 * MINUTE_MS);
    calls++;
  }
  return { ms: (performance.now() - started) / calls, calls };
}

const yearly = [window('0 3 1 1 *', 'Europe/Berlin', '6h')];
const nightly = [window('0 2 * * *', 'Europe/Berlin', '4h')];
const leapDay = [window('0 2 29 2 *', 'Europe/Berlin', '2h')];
const longWindow = window('0 2 * * sun', 'America/New_York', '2d');
const cases: Array<[string, (way: WindowQuestions, shift: number) => unknown]> = [
  [
    'next opening, yearly window (2024-01-02 → 2025-01-01)',
    (w, s) => w.nextWindowOpening(yearly, at('2024-01-02T12:00:00Z') + s),
  ],
  ['next opening, nightly window (from noon)', (w, s) => w.nextWindowOpening(nightly, at('2024-05-14T12:00:00Z') + s)],
  [
    'next opening, 29 February (from 2025-03-01)',
    (w, s) => w.nextWindowOpening(leapDay, at('2025-03-01T00:00:00Z') + s),
  ],
  [
    'is open, 4h nightly window, closed (looks back 4h)',
    (w, s) => w.isWindowOpen(nightly[0]!, at('2024-05-14T12:00:00Z') + s),
  ],
  [
    'is open, 2-day weekly window, closed (looks back 2 days)',
    (w, s) => w.isWindowOpen(longWindow, at('2024-05-16T12:00:00Z') + s),
  ],
];

if (firstCall >= 0) {
  // A child: time one first call and say how long it took.
  const [, call] = cases[Number(argv[firstCall + 1])]!;
  const way: WindowQuestions = argv[firstCall + 2] === 'walk' ? minuteWalk : { isWindowOpen, nextWindowOpening };
  const started = performance.now();
  call(way, 0);
  console.log(performance.now() - started);
  process.exit(0);
}

/** The first call's wall time in a fresh process. */
function firstCallMs(index: number, way: 'walk' | 'new') {
  const [command, commandArgs] = selfCommand(fileURLToPath(import.meta.url), ['--first-call', String(index), way]);
  const child = spawnSync(command, commandArgs, { encoding: 'utf8' });
  if (child.status !== 0) throw new Error(`first-call child failed: ${child.stderr}`);
  return Number(child.stdout.trim());
}

const load = readFileSync('/proc/loadavg', 'utf8').trim().split(' ').slice(0, 3).join(' ');
console.log(
  `# bench:windows ${new Date().toISOString()}  ${cpus()[0]?.model ?? '?'} × ${cpus().length}, node ${process.version}`,
);
console.log(`load average before: ${load}\n`);
console.log(
  '| question | minute walk, first call | new, first call | minute walk, warm | new, warm | new answer | walk answer |',
);
console.log('| --- | ---: | ---: | ---: | ---: | --- | --- |');
const newWay: WindowQuestions = { isWindowOpen, nextWindowOpening };
const show = (value: unknown) =>
  typeof value === 'number' ? new Date(value).toISOString().slice(0, 16) : String(value);
for (const [index, [name, call]] of cases.entries()) {
  const walkFirst = firstCallMs(index, 'walk');
  const freshFirst = firstCallMs(index, 'new');
  const walk = measure((shift) => call(minuteWalk, shift));
  const fresh = measure((shift) => call(newWay, shift));
  console.log(
    `| ${name} | ${walkFirst.toFixed(1)} ms | ${freshFirst.toFixed(1)} ms | ` +
      `${walk.ms.toFixed(3)} ms (${walk.calls} calls) | ${fresh.ms.toFixed(3)} ms (${fresh.calls} calls) | ` +
      `${show(call(newWay, 0))} | ${show(call(minuteWalk, 0))} |`,
  );
}
console.log(`\nload average after: ${readFileSync('/proc/loadavg', 'utf8').trim().split(' ').slice(0, 3).join(' ')}`);
