import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Store } from '../src/store/index.js';
import { cliPath, ensureBuilt, projectRoot, runCli } from './helpers/cli.js';
import { ALMALINUX_9_OS_RELEASE } from './helpers/gate-images.js';
import { tempDir } from './helpers/tmp.js';

/*
 * Issue 14, defect 6: a damaged SQLite file ended in exit 3 "internal error (please report)" with a stack. Now it is
 * exit 2, naming the file and what to do. Real files: an advisory database imported from the real AlmaLinux records
 * of ../shared with one page zeroed, and a controller database made by the store's own migrations, cut in half.
 * sqlite3's own `PRAGMA quick_check` is the oracle that the files really are damaged.
 */

const VULN = resolve(import.meta.dirname, '../../shared/fixtures/vuln/osv-almalinux');
const HAVE_SHARED = existsSync(VULN);
const HAVE_SQLITE3 = spawnSync('sh', ['-c', 'command -v sqlite3'], { stdio: 'ignore' }).status === 0;
const SKIP = !HAVE_SHARED ? '../shared is absent' : !HAVE_SQLITE3 ? 'sqlite3 is not installed' : undefined;

function quickCheck(file: string): string {
  const result = spawnSync('sqlite3', [file, 'PRAGMA quick_check;'], { encoding: 'utf8' });
  return `${result.stdout}${result.stderr}`.trim();
}

/** Zeroes the page in the middle of the file (pages are numbered from 1; page 1 holds the header). */
function zeroMiddlePage(file: string): void {
  const bytes = readFileSync(file);
  const raw = bytes.readUInt16BE(16);
  const pageSize = raw === 1 ? 65536 : raw;
  const pages = bytes.length / pageSize;
  const page = Math.max(2, Math.floor(pages / 2));
  bytes.fill(0, (page - 1) * pageSize, page * pageSize);
  writeFileSync(file, bytes);
}

describe.skipIf(SKIP !== undefined)(SKIP ? `damaged SQLite files (skipped: ${SKIP})` : 'damaged SQLite files', () => {
  let work: string;
  let rootfs: string;

  beforeAll(async () => {
    ensureBuilt();
    work = await tempDir('patchline-sqlite-damage-');
    rootfs = join(work, 'rootfs');
    await mkdir(join(rootfs, 'usr/lib'), { recursive: true });
    await mkdir(join(rootfs, 'etc'));
    await writeFile(join(rootfs, 'usr/lib/os-release'), ALMALINUX_9_OS_RELEASE);
    await symlink('../usr/lib/os-release', join(rootfs, 'etc/os-release'));
  });

  it('an advisory database with a zeroed page: scan, gate and db status exit 2 naming the file and the remedy', async () => {
    const db = join(work, 'advisories.db');
    const imported = runCli(['db', 'import', VULN, '--db', db]);
    expect(imported.status, imported.stderr).toBe(0);
    expect(quickCheck(db)).toBe('ok');
    zeroMiddlePage(db);
    expect(quickCheck(db)).not.toBe('ok');

    const policy = join(work, 'policy.yaml');
    await writeFile(
      policy,
      'apiVersion: patchline.dev/v1\nkind: Policy\nmetadata: {name: t}\nspec:\n  fixes: {maxAge: 0}\n',
    );
    for (const args of [
      ['scan', `dir:${rootfs}`, '--db', db, '--allow-empty'],
      ['gate', `dir:${rootfs}`, '--db', db, '--policy', policy, '--allow-empty'],
      ['db', 'status', '--db', db],
    ]) {
      const result = runCli(args);
      expect([args[0], result.status]).toEqual([args[0], 2]);
      expect(result.stderr).not.toMatch(/internal error/);
      expect(result.stderr).toContain(`${db}: is a damaged SQLite database`);
      expect(result.stderr).toMatch(/patchline db update.*db import BUNDLE.*backup/);
    }
  });

  it('a controller database cut in half: serve refuses to start, exit 2 naming the file', async () => {
    const database = join(work, 'controller.db');
    const store = await Store.open(database);
    await store.close();
    truncateSync(database, Math.floor(statSync(database).size / 2));
    expect(quickCheck(database)).not.toBe('ok');
    // A server that started anyway would never exit: the timeout ends it, and the status is then null.
    const result = spawnSync(
      process.execPath,
      [cliPath, 'serve', '--database', database, '--insecure-no-admin-token', '--listen', '127.0.0.1:0'],
      { cwd: projectRoot, encoding: 'utf8', timeout: 60_000, env: { ...process.env, PATCHLINE_ADMIN_TOKEN: '' } },
    );
    expect(result.status).toBe(2);
    expect(result.stderr).not.toMatch(/internal error/);
    expect(result.stderr).toContain(`${database}: is a damaged SQLite database`);
    expect(result.stderr).toMatch(/restore it from a backup/);
  });
});
