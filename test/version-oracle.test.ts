import { execFile, spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { isPatchlineError } from '../src/core/index.js';
import { compareDebVersions, parseDebVersion } from '../src/version/dpkg.js';
import { compareEvr, type Evr, parseEvr } from '../src/version/rpm.js';
import { seededRandom } from './helpers/seeded-random.js';

/*
 * Random and real version pairs against the real package managers: `dpkg --compare-versions` for Debian versions and
 * python3-rpm 4.18 (rpm.ver to parse, rpm.labelCompare to compare) for rpm EVRs. Nothing expected is written here by
 * hand. The generators are seeded, so a failure reproduces; failing pairs are printed with the oracle's answer.
 */

const SEED = 20_260_822;
const SHARED = resolve(import.meta.dirname, '../../shared');
const HAVE_SHARED = existsSync(SHARED);
// The system interpreter: python3-rpm is a Debian package, absent from any other python3 on the PATH.
const PYTHON = '/usr/bin/python3';
const HAVE_RPM_PYTHON = spawnSync(PYTHON, ['-c', 'import rpm'], { stdio: 'ignore' }).status === 0;
const HAVE_DPKG = spawnSync('dpkg', ['--version'], { stdio: 'ignore' }).status === 0;

class Random {
  readonly next: () => number;
  constructor(seed: number) {
    this.next = seededRandom(seed);
  }
  below(n: number): number {
    return Math.floor(this.next() * n);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)]!;
  }
}

/** Digit runs that exercise leading zeros and numbers too long for any integer type. */
function digits(random: Random): string {
  return random.pick([
    String(random.below(10)),
    String(random.below(100)),
    `0${random.below(10)}`,
    `00${random.below(100)}`,
    '0',
    String(random.below(100000)),
    '123456789012345678901234567890',
  ]);
}

const LETTERS = ['a', 'b', 'z', 'A', 'Z', 'rc', 'alpha', 'beta', 'git', 'p', 'el', 'fc', 'dfsg', 'deb', 'ubuntu'];

/** A version-like string built from pieces: digit and letter runs with the separators `separators` offers. */
function versionText(random: Random, separators: readonly string[], pieces: number): string {
  let text = '';
  for (let i = 0; i < pieces; i++) {
    const choice = random.below(3);
    if (choice === 0) text += digits(random);
    else if (choice === 1) text += random.pick(LETTERS);
    else text += random.pick(separators);
  }
  return text;
}

// rpm: `~` and `^` are special; every other non-alphanumeric character, non-ASCII ones included, separates.
const RPM_SEPARATORS = ['.', '.', '.', '_', '+', '~', '~', '^', '^', '', 'é', '%', ':'];

function randomEvr(random: Random): string {
  const epoch = random.chance(0.3) ? `${random.pick(['0', '1', '2', '00', '10', ''])}:` : '';
  const version = versionText(random, RPM_SEPARATORS, 1 + random.below(6));
  const release = random.chance(0.7) ? `-${versionText(random, RPM_SEPARATORS, random.below(5))}` : '';
  return `${epoch}${version}${release}`;
}

// Debian: `~ + . - :` are allowed; `_`, a space, `é` and `!` are not, and dpkg says why.
const DEB_SEPARATORS = ['.', '.', '.', '+', '+', '~', '~', '-', ':', '', '_', ' ', 'é', '!'];

function randomDebVersion(random: Random): string {
  const epoch = random.chance(0.25) ? `${random.pick(['0', '1', '2', '00', '10', '', 'a', '-1'])}:` : '';
  const upstream = `${random.chance(0.9) ? digits(random) : ''}${versionText(random, DEB_SEPARATORS, random.below(6))}`;
  const revision = random.chance(0.6) ? `-${versionText(random, DEB_SEPARATORS, random.below(4))}` : '';
  return `${epoch}${upstream}${revision}`;
}

/** A small edit of a version, so that pairs are close: the case where orderings disagree. */
function mutate(random: Random, version: string, separators: readonly string[]): string {
  const at = random.below(version.length + 1);
  switch (random.below(7)) {
    case 0: // bump or change one digit
      return version.replace(/\d(?!.*\d)/, String(random.below(10)));
    case 1: // insert a separator or a special character
      return version.slice(0, at) + random.pick(separators) + version.slice(at);
    case 2: // append a pre-release or post-release marker
      return version + random.pick(['~rc1', '~', '^git1', '+1', '.1', 'a', '.0']);
    case 3: // drop a character
      return version.slice(0, at) + version.slice(at + 1);
    case 4: // a leading zero
      return version.replace(/(\D|^)(\d)/, '$10$2');
    case 5: // add or change the epoch
      return version.includes(':')
        ? version.replace(/^[^:]*:/, `${random.below(3)}:`)
        : `${random.below(3)}:${version}`;
    default: // drop what follows the last hyphen, or add a release
      return version.includes('-') ? version.slice(0, version.lastIndexOf('-')) : `${version}-1`;
  }
}

/**
 * Pairs from random versions, from each real version and an edit of it, and from real versions that sort next to
 * each other as text (same package, neighbouring releases).
 */
function makePairs(
  random: Random,
  real: readonly string[],
  generate: (random: Random) => string,
  separators: readonly string[],
  count: number,
): [string, string][] {
  const pairs: [string, string][] = [];
  const sorted = [...real].sort();
  while (pairs.length < count) {
    const kind = real.length === 0 ? 0 : random.below(4);
    if (kind === 0) pairs.push([generate(random), generate(random)]);
    else if (kind === 1) {
      const a = generate(random);
      pairs.push([a, mutate(random, a, separators)]);
    } else if (kind === 2) {
      const a = random.pick(real);
      pairs.push(random.chance(0.5) ? [a, mutate(random, a, separators)] : [mutate(random, a, separators), a]);
    } else {
      const index = random.below(sorted.length - 1);
      pairs.push([sorted[index]!, sorted[index + 1]!]);
    }
  }
  return pairs;
}

function unique(values: Iterable<string>): string[] {
  return [...new Set(values)];
}

/** Runs a program with `input` on stdin and returns its stdout; it must exit 0. */
function run(command: string, args: string[], input: string): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolvePromise(Buffer.concat(out).toString('utf8'));
      else reject(new Error(`${command} exited ${code}: ${Buffer.concat(err).toString('utf8')}`));
    });
    child.stdin.end(input);
  });
}

function problemOf(error: unknown): string {
  if (!isPatchlineError(error)) throw error;
  return error.message;
}

// ---------------------------------------------------------------------------------------------------------- rpm --

const RPM_ORACLE = `
import json, sys, rpm

def parse(text):
    try:
        v = rpm.ver(text)
    except Exception:
        return None
    return [v.e, v.v, v.r]

for line in sys.stdin.buffer:
    a, b = line.decode('utf-8').rstrip('\\n').split('\\t')
    pa, pb = parse(a), parse(b)
    order = None
    if pa is not None and pb is not None:
        try:
            order = rpm.labelCompare(tuple(pa), tuple(pb))
        except ValueError:
            order = None
    sys.stdout.write(json.dumps([pa, pb, order]) + '\\n')
`;

type RpmFields = [string | null, string, string | null] | null;

/** Real EVRs: every fixed version of the AlmaLinux OSV database, and the packages of the rpm database fixtures. */
async function realEvrs(): Promise<string[]> {
  const { stdout } = await promisify(execFile)(
    'tar',
    ['-xzOf', resolve(SHARED, 'fixtures/vuln/osv-almalinux/almalinux-osv-database.tar.gz')],
    { maxBuffer: 256 * 1024 * 1024 },
  );
  const fixed = [...stdout.matchAll(/"fixed": *"([^"]+)"/g)].map((match) => match[1]!);
  const installed: string[] = [];
  for (const name of readdirSync(resolve(SHARED, 'fixtures/rpmdb'))) {
    const expected = resolve(SHARED, 'fixtures/rpmdb', name, 'expected.tsv');
    if (!existsSync(expected)) continue;
    for (const line of readFileSync(expected, 'utf8').split('\n').filter(Boolean)) {
      const [, epoch, version, release] = line.split('\t');
      installed.push(`${epoch === '(none)' ? '' : `${epoch}:`}${version}-${release}`);
    }
  }
  return unique([...fixed, ...installed]);
}

function fieldsOf(evr: Evr): RpmFields {
  return [evr.epoch === undefined ? null : String(evr.epoch), evr.version, evr.release ?? null];
}

/** Our answer in the oracle's shape: parsed fields (null where we refuse the version) and the order. */
function ours(a: string, b: string): { a: RpmFields | string; b: RpmFields | string; order: number | null } {
  const parsed = [a, b].map((text) => {
    try {
      return parseEvr(text);
    } catch (error) {
      return problemOf(error);
    }
  });
  const [x, y] = parsed as [Evr | string, Evr | string];
  const order = typeof x === 'string' || typeof y === 'string' ? null : compareEvr(x, y);
  return {
    a: typeof x === 'string' ? x : fieldsOf(x),
    b: typeof y === 'string' ? y : fieldsOf(y),
    order,
  };
}

describe.skipIf(!HAVE_RPM_PYTHON || !HAVE_SHARED)(
  `rpm EVRs against python3-rpm${HAVE_RPM_PYTHON ? '' : ' (skipped: /usr/bin/python3 has no rpm module; apt-get install python3-rpm)'}${HAVE_SHARED ? '' : ' (skipped: ../shared is absent)'}`,
  () => {
    it('parses and orders 6,000 random and real pairs as rpm.ver and rpm.labelCompare do', async () => {
      const random = new Random(SEED);
      const pairs = makePairs(random, await realEvrs(), randomEvr, RPM_SEPARATORS, 6000);
      const output = await run(PYTHON, ['-c', RPM_ORACLE], pairs.map(([a, b]) => `${a}\t${b}\n`).join(''));
      const answers = output.trimEnd().split('\n');
      expect(answers).toHaveLength(pairs.length);

      const failures: string[] = [];
      pairs.forEach(([a, b], index) => {
        const [pa, pb, order] = JSON.parse(answers[index]!) as [RpmFields, RpmFields, number | null];
        const got = ours(a, b);
        // rpm refuses to compare an EVR whose version is empty; we refuse it when parsing.
        const refusedA = pa === null || pa[1] === '';
        const refusedB = pb === null || pb[1] === '';
        const agrees =
          (refusedA ? typeof got.a === 'string' : JSON.stringify(got.a) === JSON.stringify(pa)) &&
          (refusedB ? typeof got.b === 'string' : JSON.stringify(got.b) === JSON.stringify(pb)) &&
          got.order === (refusedA || refusedB ? null : order);
        if (!agrees) {
          failures.push(
            `${JSON.stringify([a, b])}: rpm ${JSON.stringify([pa, pb, order])}, ours ${JSON.stringify(got)}`,
          );
        }
      });
      expect(failures, `seed ${SEED}`).toEqual([]);
      // The pairs must exercise every outcome, or the test proves little.
      const orders = answers.map((answer) => (JSON.parse(answer) as unknown[])[2]);
      expect(new Set(orders)).toEqual(new Set([-1, 0, 1, null]));
    });
  },
);

// --------------------------------------------------------------------------------------------------------- dpkg --

// For each `a<TAB>b` line: `@pair`, what dpkg says about bad syntax, then `@rc <lt> <gt>` (gt only when not lt).
// `--` keeps a version that starts with a hyphen from being read as an option.
const DPKG_ORACLE = `
while IFS='\t' read -r a b; do
  printf '@pair\\n'
  dpkg --compare-versions -- "$a" lt "$b" 2>&1
  lt=$?
  gt=-
  if [ "$lt" -eq 1 ]; then
    dpkg --compare-versions -- "$a" gt "$b" 2>/dev/null
    gt=$?
  fi
  printf '@rc %s %s\\n' "$lt" "$gt"
done
`;

interface DpkgAnswer {
  /** The first "version '…' has bad syntax: …" dpkg printed, as [version, problem]. */
  badSyntax?: [string, string];
  order?: number;
}

/** Runs the pairs through dpkg in two processes at once (dpkg starts in about 5 ms, and there are two cores). */
async function askDpkg(pairs: [string, string][]): Promise<DpkgAnswer[]> {
  const half = Math.ceil(pairs.length / 2);
  const chunks = [pairs.slice(0, half), pairs.slice(half)];
  const outputs = await Promise.all(
    chunks.map((chunk) => run('sh', ['-c', DPKG_ORACLE], chunk.map(([a, b]) => `${a}\t${b}\n`).join(''))),
  );
  const answers: DpkgAnswer[] = [];
  for (const line of outputs.join('').split('\n')) {
    if (line === '@pair') {
      answers.push({});
      continue;
    }
    const answer = answers.at(-1)!;
    const syntax = /^dpkg: (?:warning|error): version '(.*)' has bad syntax: (.*)$/.exec(line);
    const rc = /^@rc (\d) (\d|-)$/.exec(line);
    if (syntax && !answer.badSyntax) answer.badSyntax = [syntax[1]!, syntax[2]!];
    else if (rc && rc[1] === '0') answer.order = -1;
    else if (rc && rc[1] === '1') answer.order = rc[2] === '0' ? 1 : 0;
  }
  return answers;
}

/** Real Debian versions: those of the generated vectors and of the dpkg status fixtures. */
function realDebVersions(): string[] {
  const vercmp = readFileSync(resolve(SHARED, 'fixtures/vercmp/debian-generated.txt'), 'utf8');
  const generated = vercmp.split('\n').flatMap((line) => {
    const [a, , b] = line.split(' ');
    return a && b ? [a, b] : [];
  });
  const status = ['debian12-minbase.status', 'texlive.status'].flatMap((name) =>
    [...readFileSync(resolve(SHARED, 'fixtures/dpkg', name), 'utf8').matchAll(/^Version: (.+)$/gm)].map((m) => m[1]!),
  );
  return unique([...generated, ...status]);
}

describe.skipIf(!HAVE_DPKG || !HAVE_SHARED)(
  `Debian versions against dpkg --compare-versions${HAVE_SHARED ? '' : ' (skipped: ../shared is absent)'}`,
  () => {
    it('orders 2,000 random and real pairs, and refuses what dpkg calls bad syntax, in its words', async () => {
      const random = new Random(SEED);
      // dpkg reads an empty argument as "no version" rather than parsing it: no pair holds one.
      const generate = (r: Random) => randomDebVersion(r) || '0';
      const pairs = makePairs(random, realDebVersions(), generate, DEB_SEPARATORS, 2000).map(
        ([a, b]) => [a || '0', b || '0'] as [string, string],
      );
      const answers = await askDpkg(pairs);
      expect(answers).toHaveLength(pairs.length);

      const failures: string[] = [];
      pairs.forEach(([a, b], index) => {
        const answer = answers[index]!;
        let expected: DpkgAnswer;
        try {
          const x = parseDebVersion(a);
          try {
            const y = parseDebVersion(b);
            expected = { order: compareDebVersions(x, y) };
          } catch (error) {
            expected = { badSyntax: [b, problemOf(error).replace(`${b}: not a valid Debian version: `, '')] };
          }
        } catch (error) {
          expected = { badSyntax: [a, problemOf(error).replace(`${a}: not a valid Debian version: `, '')] };
        }
        // dpkg compares anyway after a warning; we refuse, so its order is beside the point then.
        const got = expected.badSyntax ? { badSyntax: answer.badSyntax } : answer;
        if (JSON.stringify(got) !== JSON.stringify(expected)) {
          failures.push(`${JSON.stringify([a, b])}: dpkg ${JSON.stringify(answer)}, ours ${JSON.stringify(expected)}`);
        }
      });
      expect(failures, `seed ${SEED}`).toEqual([]);
      const outcomes = new Set(answers.map((answer) => (answer.badSyntax ? 'bad syntax' : answer.order)));
      expect(outcomes).toEqual(new Set([-1, 0, 1, 'bad syntax']));
    }, 120_000);
  },
);
