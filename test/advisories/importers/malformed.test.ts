import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { Importer } from '../../../src/advisories/advisory.js';
import { alpineSecdbImporter } from '../../../src/advisories/importers/alpine-secdb.js';
import { debianTrackerImporter } from '../../../src/advisories/importers/debian-tracker.js';
import { fedoraBodhiImporter } from '../../../src/advisories/importers/fedora-bodhi.js';
import { osvImporter } from '../../../src/advisories/importers/osv.js';
import { seededRandom } from '../../helpers/seeded-random.js';

const SHARED = resolve(import.meta.dirname, '../../../../shared');
const HAVE_SHARED = existsSync(SHARED);
const SKIPPED = HAVE_SHARED ? '' : ' (skipped: ../shared is absent)';
const VULN = resolve(SHARED, 'fixtures/vuln');

const CASES: ReadonlyArray<[string, string, Importer]> = [
  ['osv', 'osv-rocky/RLSA-2024_3671.json', osvImporter],
  ['osv', 'osv-debian/DSA-3029-1.json', osvImporter],
  ['debian-tracker', 'debian-tracker/vunnel-debian-tracker-subset.json', debianTrackerImporter],
  ['alpine-secdb', 'alpine-secdb/alpine-secdb-v3.11-main.yaml', alpineSecdbImporter],
  ['fedora-bodhi', 'fedora-bodhi/FEDORA-EPEL-2017-a8886eb42e.json', fedoraBodhiImporter],
];
const ROUNDS = 150;

/** Values a broken or hostile document holds where a well-formed one has something else. */
const ODD_VALUES: readonly unknown[] = [
  null,
  0,
  -1,
  1.5,
  true,
  '',
  ' ',
  '0',
  '2:',
  '-',
  'CVE-',
  '\u0000',
  'x'.repeat(10_000),
  [],
  [null],
  {},
  { __proto__: null },
  { constructor: 'x' },
];

type Json = unknown;

/** Every path to a value inside a document. */
function paths(value: Json, prefix: Array<string | number> = []): Array<Array<string | number>> {
  const here = [prefix];
  if (Array.isArray(value)) return here.concat(value.flatMap((item, index) => paths(item, [...prefix, index])));
  if (typeof value === 'object' && value !== null) {
    return here.concat(Object.entries(value).flatMap(([key, item]) => paths(item, [...prefix, key])));
  }
  return here;
}

/** A deep copy of `document` with the value at `path` replaced (or the key deleted when `replacement` is a symbol). */
function mutate(document: Json, path: Array<string | number>, replacement: unknown): Json {
  if (path.length === 0) return replacement;
  const copy = structuredClone(document) as Record<string | number, unknown>;
  let parent = copy;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  const last = path[path.length - 1] as string | number;
  if (typeof replacement === 'symbol') delete parent[last];
  else parent[last] = replacement;
  return copy;
}

describe.skipIf(!HAVE_SHARED)(`importers on mutated real documents never throw${SKIPPED}`, () => {
  it.each(CASES)(`%s: ${ROUNDS} mutations of %s`, (_, file, importer) => {
    const text = readFileSync(resolve(VULN, file), 'utf8');
    const document: Json = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
    const all = paths(document);
    const random = seededRandom(file.length * 7919);
    let problems = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const path = all[Math.floor(random() * all.length)] ?? [];
      const pick = Math.floor(random() * (ODD_VALUES.length + 1));
      const replacement = pick === ODD_VALUES.length ? Symbol('delete') : ODD_VALUES[pick];
      const input = `${file}#${round}`;
      const result = importer.parse(mutate(document, path, replacement), input);
      for (const problem of result.problems) {
        expect(problem.input).toBe(input);
        expect(problem.problem.length).toBeGreaterThan(0);
      }
      problems += result.problems.length;
    }
    // Most mutations break something the importer checks; a run with none would mean nothing was checked.
    expect(problems).toBeGreaterThan(ROUNDS / 10);
  });
});
