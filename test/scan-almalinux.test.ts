import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { AdvisoryDatabase } from '../src/advisories/database.js';
import { importPaths } from '../src/advisories/import-paths.js';
import type { ScanResult } from '../src/scan/finding.js';
import { scanImage } from '../src/scan/index.js';
import { makeLayoutImage } from './helpers/images.js';
import { dbpathWith, goRpmdbTestdata } from './helpers/rpmdb.js';
import { tempDir } from './helpers/tmp.js';

/*
 * A real CentOS 8.2 rpm database (go-rpmdb's `centos8-modularitylabel`: 400+ packages, 23 from module streams) in an
 * image labelled AlmaLinux 8, scanned against the complete real AlmaLinux OSV database imported by the real importer
 * into a real database. The fix-available findings are checked against test/helpers/almalinux-oracle.py, which reads
 * the OSV tarball and `rpm -qa` itself and orders versions with python3-rpm's labelCompare.
 */

const run = promisify(execFile);
const SHARED = resolve(import.meta.dirname, '../../shared');
const HAVE_SHARED = existsSync(SHARED);
const TARBALL = join(SHARED, 'fixtures/vuln/osv-almalinux/almalinux-osv-database.tar.gz');
const ORACLE = resolve(import.meta.dirname, 'helpers/almalinux-oracle.py');

const ALMALINUX_8_OS_RELEASE = `NAME="AlmaLinux"
VERSION="8.10 (Cerulean Leopard)"
ID="almalinux"
ID_LIKE="rhel centos fedora"
VERSION_ID="8.10"
PLATFORM_ID="platform:el8"
PRETTY_NAME="AlmaLinux 8.10 (Cerulean Leopard)"
CPE_NAME="cpe:/o:almalinux:almalinux:8::baseos"
`;

type OracleRow = [name: string, arch: string, evr: string, id: string, fixed: string];

const ALMA_ID = /^AL[SBE]A-/;

function packageKey(name: string, arch: string | undefined, evr: string): string {
  return `${name}.${arch ?? ''} ${evr}`;
}

describe.skipIf(!HAVE_SHARED)(
  HAVE_SHARED ? 'scan: CentOS 8.2 rpmdb as AlmaLinux 8' : 'scan: AlmaLinux 8 (skipped: ../shared is absent)',
  () => {
    let result: ScanResult;
    let oracle: OracleRow[];
    let dbPath: string;

    beforeAll(async () => {
      const work = await tempDir('patchline-scan-alma-');
      const testdata = await goRpmdbTestdata();
      const packages = join(testdata, 'centos8-modularitylabel', 'Packages');
      const image = await makeLayoutImage(work, 'image', [
        [{ name: 'var/lib/rpm/Packages', content: await readFile(packages) }],
        [{ name: 'etc/os-release', content: ALMALINUX_8_OS_RELEASE }],
      ]);
      dbPath = join(work, 'advisories.db');
      const db = AdvisoryDatabase.open(dbPath);
      try {
        // `db import`'s own pipeline: the tarball read as an archive, each record given to the OSV importer.
        const imported = await importPaths(db, [TARBALL], { at: '2026-08-21T00:00:00.000Z' });
        expect(imported.problems).toEqual([]);
        // 5,680 files holding 5,637 distinct ids: 37 errata that cover several releases are filed under each of them.
        expect(imported.added).toBe(5637);
      } finally {
        db.close();
      }
      result = await scanImage(image.ref, { db: dbPath, now: '2026-09-01T00:00:00Z' });
      const dbpath = await dbpathWith(packages, join(work, 'dbpath'));
      const { stdout } = await run('/usr/bin/python3', [ORACLE, TARBALL, '8', dbpath], { maxBuffer: 64 * 1024 ** 2 });
      oracle = JSON.parse(stdout) as OracleRow[];
    }, 180_000);

    it('reads the image as AlmaLinux 8 and matches it against the AlmaLinux:8 OSV data', () => {
      expect(result.os).toMatchObject({ id: 'almalinux', versionId: '8.10' });
      expect(result.ecosystems).toEqual([{ ecosystem: 'AlmaLinux:8', source: 'osv' }]);
      expect(result.packages).toBeGreaterThan(400);
      expect(result.database.path).toBe(dbPath);
      // The oracle found real work to agree on, modular packages included.
      expect(oracle.length).toBeGreaterThan(1000);
      expect(oracle.some((row) => row[2].includes('.module_el8'))).toBe(true);
    });

    it('finds exactly the advisories the python3-rpm oracle finds, per package, modules included', () => {
      const fixAvailable = result.findings.filter((finding) => finding.status === 'fix-available');
      const ours = new Map<string, Set<string>>();
      for (const finding of fixAvailable) {
        const { name, arch, version, release, epoch } = finding.package;
        const key = packageKey(name, arch, `${epoch ?? 0}:${version}-${release}`);
        const ids = ours.get(key) ?? new Set<string>();
        // Advisories merged into one finding (a shared CVE) are kept in its aliases.
        for (const id of [finding.id, ...finding.aliases]) if (ALMA_ID.test(id)) ids.add(id);
        ours.set(key, ids);
      }
      const expected = new Map<string, Set<string>>();
      for (const [name, arch, evr, id] of oracle) {
        const key = packageKey(name, arch, evr);
        expected.set(key, (expected.get(key) ?? new Set()).add(id));
      }
      const sorted = (map: Map<string, Set<string>>) =>
        Object.fromEntries([...map].sort(([a], [b]) => a.localeCompare(b)).map(([key, ids]) => [key, [...ids].sort()]));
      expect(sorted(ours)).toEqual(sorted(expected));
      const modular = fixAvailable.filter((finding) => finding.package.modularityLabel !== undefined);
      expect(modular.length).toBeGreaterThan(0);
    });

    it("gives each finding the oracle's first fixed build, the erratum's date and its CVEs", () => {
      const fixedOf = new Map(
        oracle.map(([name, arch, evr, id, fixed]) => [`${packageKey(name, arch, evr)} ${id}`, fixed]),
      );
      for (const finding of result.findings) {
        const { name, arch, version, release, epoch } = finding.package;
        const key = `${packageKey(name, arch, `${epoch ?? 0}:${version}-${release}`)} ${finding.id}`;
        expect({ key, fixed: finding.fixedVersion }).toEqual({ key, fixed: fixedOf.get(key) });
        expect(finding.fixDateOrigin).toBe('published');
        expect(finding.fixAvailableSince).toMatch(/^20\d\d-/);
        expect(finding.cves.every((cve) => cve.startsWith('CVE-'))).toBe(true);
        expect(finding.source).toEqual({ format: 'osv', ecosystem: 'AlmaLinux:8' });
      }
    });

    it('lists fixes oldest first', () => {
      const dates = result.findings.map((finding) => Date.parse(finding.fixAvailableSince ?? ''));
      expect(dates).toEqual([...dates].sort((a, b) => a - b));
    });
    // How fast 500 packages match is measured by `npm run bench:scan` (case 2), not asserted here: a test's
    // timing on a shared machine fails for nothing.
  },
);
