import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { AdvisoryDatabase } from '../src/advisories/database.js';
import { importPaths } from '../src/advisories/import-paths.js';
import { ensureBuilt, runCli } from './helpers/cli.js';
import { ALMALINUX_9_OS_RELEASE, gateToolsMissing } from './helpers/gate-images.js';
import { makeLayoutImage } from './helpers/images.js';
import { tempDir } from './helpers/tmp.js';

/*
 * Issue 14, defect 3: a package database cut mid-record is partial (exit 2 unless --allow-partial), never a complete
 * inventory with fewer packages; an rpm database with no packages on an rpm OS is an error too. Real files: the
 * debootstrap minbase status (88 packages) and Alpine 3.21's installed database from ../shared, cut short as a
 * failed copy or a hostile layer would leave them; an rpmdb.sqlite made empty by the real `rpm --initdb`. dpkg-query
 * is the oracle for the status file.
 */

const run = promisify(execFile);
const FIXTURES = resolve(import.meta.dirname, '../../shared/fixtures');
const DPKG_STATUS = join(FIXTURES, 'dpkg/debian12-minbase.status');
const APK_INSTALLED = join(FIXTURES, 'apk/alpine321-installed.data');
const ALSA_RECORD = join(FIXTURES, 'vuln/osv-almalinux/almalinux9__ALSA-2024:0001.json');
const SKIP = !existsSync(DPKG_STATUS) ? '../shared is absent' : gateToolsMissing();
const DEBIAN_OS_RELEASE = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n';

async function dpkgQuery(work: string, name: string, status: Buffer): Promise<{ ok: boolean; output: string }> {
  const admindir = join(work, `${name}-admin`);
  await mkdir(join(admindir, 'info'), { recursive: true });
  await mkdir(join(admindir, 'updates'), { recursive: true });
  await writeFile(join(admindir, 'status'), status);
  try {
    const { stdout } = await run('dpkg-query', [`--admindir=${admindir}`, '-W']);
    return { ok: true, output: stdout };
  } catch (error) {
    return { ok: false, output: (error as { stderr: string }).stderr };
  }
}

describe.skipIf(SKIP !== undefined)(
  SKIP ? `truncated package databases (skipped: ${SKIP})` : 'a package database cut short is partial',
  () => {
    let work: string;
    let db: string;
    let status: Buffer;

    const scan = (ref: string, ...args: string[]) => runCli(['scan', ref, '--db', db, '-f', 'json', ...args]);
    const debianImage = (name: string, content: Buffer) =>
      makeLayoutImage(work, name, [
        [
          { name: 'etc/os-release', content: DEBIAN_OS_RELEASE },
          { name: 'var/lib/dpkg/status', content },
        ],
      ]);

    beforeAll(async () => {
      ensureBuilt();
      work = await tempDir('patchline-truncated-');
      status = await readFile(DPKG_STATUS);
      db = join(work, 'advisories.db');
      const database = AdvisoryDatabase.open(db);
      try {
        await importPaths(database, [ALSA_RECORD], { at: '2026-08-21T00:00:00.000Z' });
      } finally {
        database.close();
      }
    }, 120_000);

    it('the whole status file is complete: no problem reported', async () => {
      const { ref } = await debianImage('dpkg-whole', status);
      const scanned = scan(ref, '--allow-no-data');
      expect(scanned.status, scanned.stderr).toBe(0);
      expect(JSON.parse(scanned.stdout).packages).toBe(88);
    });

    it('a status file cut at 3,000 bytes: dpkg-query refuses it, scan exits 2 unless --allow-partial', async () => {
      const cut = status.subarray(0, 3000);
      const oracle = await dpkgQuery(work, 'cut3000', cut);
      expect(oracle.ok).toBe(false);
      expect(oracle.output).toMatch(/missing final newline/);

      const { ref } = await debianImage('dpkg-cut', cut);
      const refused = scan(ref, '--allow-no-data');
      expect(refused.status).toBe(2);
      expect(refused.stdout).toBe('');
      expect(refused.stderr).toMatch(/var\/lib\/dpkg\/status: ends mid-line .*cut short/);
      expect(refused.stderr).toMatch(/--allow-partial/);
      const allowed = scan(ref, '--allow-no-data', '--allow-partial');
      expect(allowed.status, allowed.stderr).toBe(0);
      expect(JSON.parse(allowed.stdout).packages).toBeLessThan(88);
    });

    it('a status file cut at a line boundary mid-paragraph, which dpkg-query reads as fewer packages, is partial', async () => {
      const text = status.toString('utf8');
      const fifth = text.split('\n\n').slice(0, 4).join('\n\n').length + 2;
      const cut = Buffer.from(text.slice(0, text.indexOf('\n', text.indexOf('\nVersion:', fifth) + 1) + 1));
      const oracle = await dpkgQuery(work, 'cut-line', cut);
      expect(oracle.ok).toBe(true);
      expect(oracle.output.trim().split('\n').length).toBeLessThan(88);

      const { ref } = await debianImage('dpkg-cut-line', cut);
      const refused = scan(ref, '--allow-no-data');
      expect(refused.status).toBe(2);
      expect(refused.stderr).toMatch(/not closed by the blank line dpkg writes/);
    });

    it('an apk installed database cut at 3,000 bytes exits 2 unless --allow-partial', async () => {
      const installed = await readFile(APK_INSTALLED);
      const release = /\nP:alpine-release\nV:(\d+\.\d+\.\d+)-r\d+\n/.exec(installed.toString('utf8'))![1]!;
      const layer = (content: Buffer) => [
        { name: 'etc/alpine-release', content: `${release}\n` },
        { name: 'lib/apk/db/installed', content },
      ];
      const whole = await makeLayoutImage(work, 'apk-whole', [layer(installed)]);
      expect(scan(whole.ref, '--allow-no-data').status).toBe(0);
      const { ref } = await makeLayoutImage(work, 'apk-cut', [layer(installed.subarray(0, 3000))]);
      const refused = scan(ref, '--allow-no-data');
      expect(refused.status).toBe(2);
      expect(refused.stderr).toMatch(/lib\/apk\/db\/installed: .*cut short/);
      expect(scan(ref, '--allow-no-data', '--allow-partial').status).toBe(0);
    });

    it('an AlmaLinux image whose rpm database rpm --initdb left empty exits 2', async () => {
      const root = join(work, 'empty-rpmdb');
      await mkdir(root);
      await run('rpm', ['--root', root, '--dbpath', '/var/lib/rpm', '--define', '_db_backend sqlite', '--initdb']);
      const sqlite = await readFile(join(root, 'var/lib/rpm/rpmdb.sqlite'));
      const { stdout } = await run('rpm', ['--root', root, '--dbpath', '/var/lib/rpm', '-qa']);
      expect(stdout).toBe('');
      const { ref } = await makeLayoutImage(work, 'rpm-empty', [
        [
          { name: 'usr/lib/os-release', content: ALMALINUX_9_OS_RELEASE },
          { name: 'etc/os-release', type: 'symlink', target: '../usr/lib/os-release' },
          { name: 'var/lib/rpm/rpmdb.sqlite', content: sqlite },
        ],
      ]);
      const refused = scan(ref);
      expect(refused.status).toBe(2);
      expect(refused.stderr).toMatch(/var\/lib\/rpm\/rpmdb\.sqlite: holds no packages, but AlmaLinux/);
    });
  },
);
