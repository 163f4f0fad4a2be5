// How long `patchline --version`, `--help` and one command's `--help` take to start and exit, next to `node -e 0` in
// the same run (the floor: Node's own start), so a busy machine slows both alike. Runs are interleaved for the same
// reason. Usage: npm run bench:cli-startup -- [--runs 30] [--no-build] [--compare OTHER_CHECKOUT (built, e.g. main)]
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { CLI, ROOT } from './lib/dist.js';
import { load1 } from './lib/machine.js';
import { median, percentile } from './lib/stats.js';

const args = process.argv.slice(2);
const runs = Number(args[args.indexOf('--runs') + 1] ?? 30) || 30;
if (!args.includes('--no-build')) execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });

const CASES = [
  { name: 'node -e 0', argv: ['-e', '0'] },
  { name: 'patchline --version', argv: [CLI, '--version'] },
  { name: 'patchline --help', argv: [CLI, '--help'] },
  { name: 'patchline scan --help', argv: [CLI, 'scan', '--help'] },
  { name: 'patchline serve --help', argv: [CLI, 'serve', '--help'] },
];
const compare = args.includes('--compare') ? args[args.indexOf('--compare') + 1] : undefined;
if (compare) {
  const other = join(compare, 'dist/cli/bin.js');
  CASES.push({ name: `${compare}: --version`, argv: [other, '--version'] });
  CASES.push({ name: `${compare}: --help`, argv: [other, '--help'] });
}

const times = new Map(CASES.map((each) => [each.name, [] as number[]]));
const loadBefore = load1();
for (let round = -2; round < runs; round++) {
  for (const each of CASES) {
    const start = process.hrtime.bigint();
    const result = spawnSync(process.execPath, each.argv, { stdio: 'ignore' });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (result.status !== 0) throw new Error(`${each.name} exited with ${result.status}`);
    if (round >= 0) times.get(each.name)?.push(ms); // the first two rounds warm the page cache
  }
}

console.log(
  `${runs} runs each, interleaved; load average ${loadBefore.toFixed(2)} before, ${load1().toFixed(2)} after`,
);
console.log('| command | median ms | p10 ms | p90 ms |');
console.log('|---|---:|---:|---:|');
for (const [name, values] of times) {
  const f = (value: number) => value.toFixed(0);
  console.log(`| \`${name}\` | ${f(median(values))} | ${f(percentile(values, 10))} | ${f(percentile(values, 90))} |`);
}
