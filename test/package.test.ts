/**
 * The npm package as users get it: `npm pack` from a clean copy of the sources (prepack builds dist/), installed with
 * `npm install --prefix` into an empty folder, and run from there with nothing else of the repository around. The
 * install resolves the dependencies from the npm registry (or npm's cache) and compiles better-sqlite3 when no
 * prebuilt binary can be downloaded, which takes minutes on a loaded machine; it runs once for the whole file.
 */

import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, realpathSync } from 'node:fs';
import { cp, mkdir, readFile, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from './helpers/cli.js';
import { run } from './helpers/real-images.js';
import { tempDir } from './helpers/tmp.js';

const STAMPED_COMMIT = 'package-test-commit';

let work: string;
let tarball: string;
let installed: string;
let bin: string;
let version: string;

/** The files of the working tree git would commit (tracked or new, not ignored), so no stale dist/ comes along. */
function sourceFiles(): string[] {
  const listed = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: projectRoot,
    encoding: 'utf8',
  });
  if (listed.status !== 0) throw new Error(`git ls-files failed in ${projectRoot}: ${listed.stderr}`);
  return listed.stdout.split('\0').filter((file) => file !== '' && existsSync(join(projectRoot, file)));
}

beforeAll(async () => {
  version = (JSON.parse(await readFile(join(projectRoot, 'package.json'), 'utf8')) as { version: string }).version;
  work = await tempDir('patchline-package-');
  const sources = join(work, 'sources');
  for (const file of sourceFiles()) await cp(join(projectRoot, file), join(sources, file), { verbatimSymlinks: true });
  // prepack's build needs the dev dependencies (TypeScript); the checkout's are the same ones.
  await symlink(join(projectRoot, 'node_modules'), join(sources, 'node_modules'));
  const packed = join(work, 'packed');
  await mkdir(packed);
  const out = await run('npm', ['pack', '--json', '--pack-destination', packed], {
    cwd: sources,
    env: { PATCHLINE_COMMIT: STAMPED_COMMIT },
  });
  const [{ filename }] = JSON.parse(out.toString('utf8')) as [{ filename: string }];
  tarball = join(packed, filename);

  const prefix = join(work, 'prefix');
  const started = Date.now();
  await run('npm', ['install', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', tarball], {
    cwd: work,
  });
  console.info(`npm install of the packed tarball took ${Math.round((Date.now() - started) / 1000)} s`);
  installed = join(prefix, 'node_modules', 'patchline');
  bin = join(prefix, 'node_modules', '.bin', 'patchline');
}, 1_200_000);

function patchline(args: string[]) {
  // From a folder of its own, so nothing in the checkout is found by accident.
  return spawnSync(bin, args, { cwd: work, encoding: 'utf8', env: { ...process.env, XDG_CACHE_HOME: work } });
}

describe('the npm package', () => {
  it('holds the built CLI, the demo image, policy and advisories, and no sources or tests', async () => {
    const listing = (await run('tar', ['-tzf', tarball])).toString('utf8').split('\n');
    for (const file of [
      'package/dist/cli/bin.js',
      'package/dist/build-info.json',
      'package/examples/bootc-demo/index.json',
      'package/examples/policy.yaml',
      'package/examples/demo-advisories/FEDORA-DEMO-2026-0001.json',
      'package/schemas/policy-v1.json',
      'package/CHANGELOG.md',
      'package/README.md',
    ]) {
      expect(listing).toContain(file);
    }
    expect(listing.filter((file) => /^package\/(src|test|bench|scripts)\/|\.test\.|node_modules/.test(file))).toEqual(
      [],
    );
  });

  it('installs as a copy, not a link back to the checkout', () => {
    expect(lstatSync(installed).isSymbolicLink()).toBe(false);
    expect(realpathSync(bin).startsWith(`${realpathSync(installed)}/`)).toBe(true);
  });

  it('runs its bin: --version and `version -f json` with the commit prepack stamped', () => {
    const short = patchline(['--version']);
    expect([short.status, short.stdout.trim()]).toEqual([0, version]);
    const long = patchline(['version', '-f', 'json']);
    expect(long.status, long.stderr).toBe(0);
    const info = JSON.parse(long.stdout) as { version: string; commit: string; databaseSchemas: object };
    expect(info).toMatchObject({ version, commit: STAMPED_COMMIT });
  });

  it('gates the packaged demo image by the packaged policy and advisories: the overdue openssl fix fails it', () => {
    const examples = join(installed, 'examples');
    const db = join(work, 'demo.db');
    const imported = patchline(['db', 'import', join(examples, 'demo-advisories'), '--db', db]);
    expect(imported.status, imported.stderr).toBe(0);
    const gate = patchline([
      'gate',
      `oci:${join(examples, 'bootc-demo')}:latest`,
      '--policy',
      join(examples, 'policy.yaml'),
      '--db',
      db,
    ]);
    expect(gate.stderr).toContain('fails policy production');
    expect(gate.status).toBe(1);
    expect(gate.stdout).toMatch(/^Gate FAIL: oci:\S+\/examples\/bootc-demo:latest/m);
    expect(gate.stdout).toMatch(/^fixes\.maxAge\s+fail\s+.*FEDORA-DEMO-2026-0001 for openssl-libs/m);
    expect(gate.stdout).toMatch(/^database\.maxAge\s+pass/m);
  });
});
