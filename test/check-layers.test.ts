import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { tempDir } from './helpers/tmp.js';

const run = promisify(execFile);
const repository = join(import.meta.dirname, '..');
const checker = join(repository, 'scripts/check-layers.mjs');
const codemod = join(repository, 'scripts/fix-index-imports.mjs');

/** Runs a script and returns its exit code and output instead of throwing on a non-zero exit. */
async function node(script: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [script, ...args]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** A repository root holding the given files (path → text). */
async function plant(files: Record<string, string>): Promise<string> {
  const root = await tempDir('patchline-layers-');
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), text);
  }
  return root;
}

describe('scripts/check-layers.mjs', () => {
  it('passes on src/ as it is', async () => {
    const result = await node(checker);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it('reports upward and sideways imports, non-index imports, own-index imports and test code in src/', async () => {
    const root = await plant({
      'src/oci/index.ts': "export { digestOf } from './digest.js';\n",
      'src/oci/digest.ts': 'export const digestOf = (text: string) => text;\n',
      // oci is the bottom of the image side: it may import neither scan (up) nor fleet (sideways).
      'src/oci/pull.ts': "import { scan } from '../scan/index.js';\nimport { fleet } from '../fleet/index.js';\n",
      'src/oci/cycle.ts': "import { digestOf } from './index.js';\n",
      'src/scan/index.ts': 'export const scan = 1;\n',
      'src/scan/match.ts':
        "import { digestOf } from '../oci/digest.js';\nimport { tmp } from '../../test/helpers/tmp.js';\n",
      // Allowed: scan reaches oci through inventory and rootfs, and root files are core.
      'src/scan/ok.ts': [
        "import { digestOf } from '../oci/index.js';",
        "import { fail } from '../errors.js';",
        "import { parse } from '../core/duration.js';",
        '',
      ].join('\n'),
      // A src/core/ without an index.ts is imported file by file, as the root files are.
      'src/core/duration.ts': 'export const parse = 1;\n',
      'src/fleet/index.ts': 'export const fleet = 1;\n',
      'src/errors.ts': 'export const fail = 1;\n',
      'src/widgets/index.ts': 'export const widget = 1;\n',
    });
    const result = await node(checker, root);
    expect(result.code).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toEqual([
      expect.stringMatching(/^src\/oci\/cycle\.ts:1 {2}own-index {2}oci → oci \(src\/oci\/index\.ts\)/),
      expect.stringMatching(
        /^src\/oci\/pull\.ts:1 {2}layer {2}oci → scan \(src\/scan\/index\.ts\): oci may import only core, http$/,
      ),
      expect.stringMatching(/^src\/oci\/pull\.ts:2 {2}layer {2}oci → fleet \(src\/fleet\/index\.ts\)/),
      expect.stringMatching(
        /^src\/scan\/match\.ts:1 {2}index {2}scan → oci \(src\/oci\/digest\.ts\): import src\/oci\/index\.ts/,
      ),
      expect.stringMatching(/^src\/scan\/match\.ts:2 {2}outside {2}scan → \(outside src\) \(test\/helpers\/tmp\.ts\)/),
      expect.stringMatching(/^src\/widgets\/index\.ts:1 {2}module {2}widgets → widgets/),
      'check-layers: 6 violations (1 own-index, 2 layer, 1 index, 1 outside, 1 module), 0 stale allowlist entries',
    ]);
  });

  it('lets an allowlist with a reason excuse an import, and reports entries that no longer match', async () => {
    const files = {
      'src/oci/index.ts': 'export const oci = 1;\n',
      'src/oci/pull.ts': "import { scan } from '../scan/index.js';\n",
      'src/scan/index.ts': 'export const scan = 1;\n',
    };
    const excused = await plant({
      ...files,
      'scripts/layers-allowlist.txt': '# planted\nsrc/oci/pull.ts -> src/scan/index.ts  # a planted exception\n',
    });
    expect((await node(checker, excused)).code).toBe(0);

    const stale = await plant({
      ...files,
      'scripts/layers-allowlist.txt':
        'src/oci/pull.ts -> src/scan/index.ts  # a planted exception\nsrc/oci/gone.ts -> src/scan/index.ts  # gone\n',
    });
    const result = await node(checker, stale);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('scripts/layers-allowlist.txt:2  stale  src/oci/gone.ts -> src/scan/index.ts');

    const reasonless = await plant({
      ...files,
      'scripts/layers-allowlist.txt': 'src/oci/pull.ts -> src/scan/index.ts\n',
    });
    const refused = await node(checker, reasonless);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('expected "importer -> imported  # reason"');
  });
});

describe('scripts/fix-index-imports.mjs', () => {
  it('routes imports through the index, adds the exports it lacks (values and types apart), and is re-runnable', async () => {
    const root = await plant({
      'src/oci/index.ts': "export { parseDigest } from './digest.js';\n",
      'src/oci/digest.ts': [
        'export type Digest = string & { readonly digest: true };',
        'export const parseDigest = (text: string) => text as Digest;',
        'export function isDigest(text: string): boolean { return text.startsWith("sha256:"); }',
        'export class Verifier {}',
        '',
      ].join('\n'),
      'src/scan/match.ts': [
        "import { type Digest, isDigest, parseDigest } from '../oci/digest.js';",
        "import type { Verifier } from '../oci/digest.js';",
        "import { local } from './local.js';",
        'export const check = (d: Digest, v?: Verifier) => isDigest(parseDigest(d)) && local && v;',
        '',
      ].join('\n'),
      'src/scan/local.ts': 'export const local = true;\n',
      'src/scan/index.ts': "export { check } from './match.js';\n",
    });
    expect((await node(checker, root)).code).toBe(1);

    const first = await node(codemod, '--no-format', root);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('2 imports in 1 files rewritten, 3 names added to 1 index files, 0 left');
    expect(await readFile(join(root, 'src/oci/index.ts'), 'utf8')).toBe(
      [
        "export { parseDigest } from './digest.js';",
        "export { Verifier, isDigest } from './digest.js';",
        "export type { Digest } from './digest.js';",
        '',
      ].join('\n'),
    );
    const match = await readFile(join(root, 'src/scan/match.ts'), 'utf8');
    expect(match).toContain("import { type Digest, isDigest, parseDigest } from '../oci/index.js';");
    expect(match).toContain("import type { Verifier } from '../oci/index.js';");
    expect(match).toContain("import { local } from './local.js';");
    expect((await node(checker, root)).code).toBe(0);

    const again = await node(codemod, '--no-format', root);
    expect(again.stdout).toContain('0 imports in 0 files rewritten, 0 names added to 0 index files, 0 left');
    expect(await readFile(join(root, 'src/scan/match.ts'), 'utf8')).toBe(match);
  });

  it('creates the index.ts of a module that has none yet', async () => {
    const root = await plant({
      'src/http/fetch.ts': 'export const fetchWithRetries = 1;\n',
      'src/oci/pull.ts':
        "import { fetchWithRetries } from '../http/fetch.js';\nexport const pull = fetchWithRetries;\n",
    });
    expect((await node(codemod, '--no-format', root)).code).toBe(0);
    expect(await readFile(join(root, 'src/http/index.ts'), 'utf8')).toBe(
      "export { fetchWithRetries } from './fetch.js';\n",
    );
    expect(await readFile(join(root, 'src/oci/pull.ts'), 'utf8')).toContain("from '../http/index.js'");
    expect((await node(checker, root)).code).toBe(0);
  });

  it('leaves an import alone when the index already exports another thing by that name', async () => {
    const root = await plant({
      'src/oci/index.ts': "export { name } from './a.js';\n",
      'src/oci/a.ts': "export const name = 'a';\n",
      'src/oci/b.ts': "export const name = 'b';\n",
      'src/scan/use.ts': "import { name } from '../oci/b.js';\nexport const used = name;\n",
    });
    const result = await node(codemod, '--no-format', root);
    expect(result.stderr).toContain('skipped src/scan/use.ts:1: src/oci/index.ts already exports another name');
    expect(await readFile(join(root, 'src/scan/use.ts'), 'utf8')).toContain("from '../oci/b.js'");
  });
});
