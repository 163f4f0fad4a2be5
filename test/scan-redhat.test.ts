import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { AdvisoryDatabase } from '../src/advisories/database.js';
import { importPaths } from '../src/advisories/import-paths.js';
import type { ScanResult } from '../src/scan/finding.js';
import { scanImage } from '../src/scan/index.js';
import { makeLayoutImage } from './helpers/images.js';
import { tempDir } from './helpers/tmp.js';

/*
 * An el9 image whose rpm database (a real SQLite rpmdb written by rpm from packages rpmbuild made) holds curl and
 * libcurl at 7.76.1-23.el9_2.2, below the fix Red Hat's VEX for CVE-2023-38545 states for RHEL 9, curl-minimal at
 * the later fix, and samba libraries the samba VEX says are not affected. It is scanned labelled RHEL 9.2 and CentOS
 * Stream 9 against the real VEX documents imported by the real importer. A second image, labelled RHEL 9.3, holds
 * curl and libcurl at 7.76.1-26.el9, the 9.3 build without the fix: it sorts above the 9.2 z-stream fix
 * (23.el9_2.4) listed under the same main-stream CPE, and below 9.3's own (26.el9_3.2). Expected findings come from
 * test/helpers/redhat-vex-oracle.py, which reads the VEX JSON and `rpm -qa` itself and compares with labelCompare.
 */

const run = promisify(execFile);
const SHARED = resolve(import.meta.dirname, '../../shared');
const HAVE_SHARED = existsSync(SHARED);
const VEX_DIR = join(SHARED, 'fixtures/vuln/redhat-csaf-vex');
const ORACLE = resolve(import.meta.dirname, 'helpers/redhat-vex-oracle.py');
const DBPATH = '/var/lib/rpm';

// One source package built into the binary packages named by the defines; the main package only when `with_main` is 1.
const SPEC = `Name: %{srcname}
Version: %{pkgversion}
Release: %{pkgrelease}
Summary: Patchline test build of %{srcname}
License: MIT
BuildArch: x86_64
%description
A stand-in build with the name and version of a real RHEL 9 package.
%package -n %{sub1}
Summary: %{sub1}
%description -n %{sub1}
%{sub1}
%package -n %{sub2}
Summary: %{sub2}
%description -n %{sub2}
%{sub2}
%install
mkdir -p %{buildroot}/usr/share/patchline-test
for p in %{sub1} %{sub2}; do echo "$p %{pkgversion}-%{pkgrelease}" > %{buildroot}/usr/share/patchline-test/$p; done
%if %{with_main}
echo "%{srcname} %{pkgversion}-%{pkgrelease}" > %{buildroot}/usr/share/patchline-test/%{srcname}
%endif
%if %{with_main}
%files
/usr/share/patchline-test/%{srcname}
%endif
%files -n %{sub1}
/usr/share/patchline-test/%{sub1}
%files -n %{sub2}
/usr/share/patchline-test/%{sub2}
`;

interface Build {
  source: string;
  version: string;
  release: string;
  main: boolean;
  subpackages: [string, string];
}

/** RHEL 9.3's curl before CVE-2023-38545 was fixed (its fix is 26.el9_3.2), in the 9.3 image's own rpm database. */
const BUILDS_93: Build[] = [
  { source: 'curl', version: '7.76.1', release: '26.el9', main: true, subpackages: ['libcurl', 'libcurl-devel'] },
];

/** RHEL 9.0's curl z-stream build before the fix, below 9.0 EUS's fix (14.el9_0.9), in the 9.0 image's database. */
const BUILDS_90: Build[] = [
  { source: 'curl', version: '7.76.1', release: '14.el9_0.8', main: true, subpackages: ['libcurl', 'libcurl-devel'] },
];

const BUILDS: Build[] = [
  { source: 'curl', version: '7.76.1', release: '23.el9_2.2', main: true, subpackages: ['libcurl', 'libcurl-devel'] },
  {
    source: 'curl',
    version: '7.76.1',
    release: '26.el9_3.2',
    main: false,
    subpackages: ['curl-minimal', 'libcurl-minimal'],
  },
  {
    source: 'samba',
    version: '4.18.6',
    release: '100.el9',
    main: false,
    subpackages: ['samba-client-libs', 'libwbclient'],
  },
];

function osRelease(id: string, name: string, versionId: string, pretty: string): string {
  return `NAME="${name}"\nVERSION="${versionId}"\nID="${id}"\nID_LIKE="rhel centos fedora"\nVERSION_ID="${versionId}"\nPRETTY_NAME="${pretty}"\n`;
}

const SYSTEMS = {
  rhel: osRelease('rhel', 'Red Hat Enterprise Linux', '9.2', 'Red Hat Enterprise Linux 9.2 (Plow)'),
  stream: osRelease('centos', 'CentOS Stream', '9', 'CentOS Stream 9'),
};
const RHEL_93 = osRelease('rhel', 'Red Hat Enterprise Linux', '9.3', 'Red Hat Enterprise Linux 9.3 (Plow)');
const RHEL_90 = osRelease('rhel', 'Red Hat Enterprise Linux', '9.0', 'Red Hat Enterprise Linux 9.0 (Plow)');

/** Builds the packages with rpmbuild and writes a real SQLite rpm database of them under `root`; returns the file. */
async function rpmDatabase(
  work: string,
  name: string,
  builds: readonly Build[],
): Promise<{ root: string; sqlite: Buffer }> {
  const top = join(work, `top-${name}`);
  for (const build of builds) {
    await run('rpmbuild', [
      '-bb',
      '--quiet',
      '--define',
      `_topdir ${top}`,
      ...['srcname', 'pkgversion', 'pkgrelease', 'sub1', 'sub2', 'with_main'].flatMap((define, i) => [
        '--define',
        `${define} ${[build.source, build.version, build.release, ...build.subpackages, build.main ? '1' : '0'][i]}`,
      ]),
      join(work, 'test.spec'),
    ]);
  }
  const rpms = join(top, 'RPMS/x86_64');
  const root = join(work, `root-${name}`);
  await mkdir(root);
  const rpmdb = ['--root', root, '--define', '_db_backend sqlite', '--dbpath', DBPATH];
  await run('rpm', [...rpmdb, '--initdb']);
  const files = (await readdir(rpms)).map((file) => join(rpms, file));
  await run('rpm', [...rpmdb, '-i', '--justdb', '--nodeps', '--noscripts', ...files]);
  // A query folds the write-ahead log into the file, as the last rpm transaction of an image build leaves it.
  await run('rpm', [...rpmdb, '-qa']);
  return { root, sqlite: await readFile(join(root, DBPATH, 'rpmdb.sqlite')) };
}

type OracleRow = [
  name: string,
  arch: string,
  evr: string,
  cve: string,
  status: string,
  fixed: string | null,
  erratum: string | null,
];

describe.skipIf(!HAVE_SHARED)(
  HAVE_SHARED
    ? 'scan: an el9 image against Red Hat VEX'
    : 'scan: el9 against Red Hat VEX (skipped: ../shared is absent)',
  () => {
    const results: Partial<Record<keyof typeof SYSTEMS, ScanResult>> = {};
    let withNotAffected: ScanResult;
    let oracle: OracleRow[];
    let rhel93: ScanResult;
    let oracle93: OracleRow[];
    let oracleStream: OracleRow[];
    let rhel90: ScanResult;
    let oracle90: OracleRow[];

    beforeAll(async () => {
      const work = await tempDir('patchline-scan-redhat-');
      await writeFile(join(work, 'test.spec'), SPEC);
      const { root, sqlite } = await rpmDatabase(work, '92', BUILDS);
      const el93 = await rpmDatabase(work, '93', BUILDS_93);
      const el90 = await rpmDatabase(work, '90', BUILDS_90);

      const dbPath = join(work, 'advisories.db');
      const db = AdvisoryDatabase.open(dbPath);
      const documents = (await readdir(VEX_DIR)).filter((file) => file.endsWith('.json')).sort();
      try {
        const imported = await importPaths(db, [VEX_DIR], { at: '2026-08-21T00:00:00.000Z' });
        // The fixtures hold one real malformed document: reported, skipped, never stored.
        expect(imported.problems.map((problem) => problem.input)).toEqual([
          join(VEX_DIR, 'cve-2024-24786-bad-rpmmod.json'),
        ]);
      } finally {
        db.close();
      }
      for (const [system, release] of Object.entries(SYSTEMS) as Array<[keyof typeof SYSTEMS, string]>) {
        const image = await makeLayoutImage(work, `image-${system}`, [
          [{ name: 'var/lib/rpm/rpmdb.sqlite', content: sqlite }],
          [{ name: 'etc/os-release', content: release }],
        ]);
        results[system] = await scanImage(image.ref, { db: dbPath, now: '2026-09-01T00:00:00Z' });
        if (system === 'rhel') {
          withNotAffected = await scanImage(image.ref, {
            db: dbPath,
            now: '2026-09-01T00:00:00Z',
            includeNotAffected: true,
          });
        }
      }
      const image93 = await makeLayoutImage(work, 'image-rhel93', [
        [{ name: 'var/lib/rpm/rpmdb.sqlite', content: el93.sqlite }],
        [{ name: 'etc/os-release', content: RHEL_93 }],
      ]);
      rhel93 = await scanImage(image93.ref, { db: dbPath, now: '2026-09-01T00:00:00Z' });
      const image90 = await makeLayoutImage(work, 'image-rhel90', [
        [{ name: 'var/lib/rpm/rpmdb.sqlite', content: el90.sqlite }],
        [{ name: 'etc/os-release', content: RHEL_90 }],
      ]);
      rhel90 = await scanImage(image90.ref, { db: dbPath, now: '2026-09-01T00:00:00Z' });
      const vex = documents.filter((file) => !file.includes('bad')).map((file) => join(VEX_DIR, file));
      const oracleOf = async (release: string, rootDir: string): Promise<OracleRow[]> =>
        JSON.parse((await run('/usr/bin/python3', [ORACLE, release, rootDir, DBPATH, ...vex])).stdout) as OracleRow[];
      oracle = await oracleOf('9.2', root);
      oracle93 = await oracleOf('9.3', el93.root);
      oracleStream = await oracleOf('9', root);
      oracle90 = await oracleOf('9.0', el90.root);
    }, 300_000);

    function rows(result: ScanResult): OracleRow[] {
      return result.findings
        .map((finding): OracleRow => {
          const { name, arch, epoch, version, release } = finding.package;
          return [
            name,
            arch ?? '',
            `${epoch ?? 0}:${version}-${release}`,
            finding.id,
            finding.status,
            finding.fixedVersion ?? null,
            finding.fixAdvisory ?? null,
          ];
        })
        .sort();
    }

    it("finds CVE-2023-38545 in curl and libcurl with the oracle's fix and erratum, and nothing in the fixed build", () => {
      const rhel = results.rhel!;
      expect(rhel.os).toMatchObject({ id: 'rhel', versionId: '9.2' });
      expect(rhel.ecosystems).toEqual([{ ecosystem: 'Red Hat:9', source: 'redhat-csaf-vex' }]);
      expect(rows(rhel)).toEqual(oracle.filter((row) => row[4] === 'fix-available'));
      // What the oracle found is the case this image was built for.
      expect(oracle.filter((row) => row[4] === 'fix-available').map((row) => [row[0], row[3], row[5], row[6]])).toEqual(
        [
          ['curl', 'CVE-2023-38545', '7.76.1-23.el9_2.4', 'RHSA-2023:5763'],
          ['libcurl', 'CVE-2023-38545', '7.76.1-23.el9_2.4', 'RHSA-2023:5763'],
          ['libcurl-devel', 'CVE-2023-38545', '7.76.1-23.el9_2.4', 'RHSA-2023:5763'],
        ],
      );
      for (const finding of rhel.findings) {
        expect(finding).toMatchObject({
          aliases: expect.arrayContaining(['RHSA-2023:5763']),
          cves: ['CVE-2023-38545'],
          fixAvailableSince: '2023-10-17T09:04:53+00:00',
          fixDateOrigin: 'published',
          severity: 'Important',
          source: { format: 'redhat-csaf-vex', ecosystem: 'Red Hat:9' },
        });
      }
    });

    it("judges a 9.3 build by 9.3's fix, not by the 9.2 z-stream fix listed under the same main-stream CPE", () => {
      expect(rhel93.os).toMatchObject({ id: 'rhel', versionId: '9.3' });
      expect(rows(rhel93)).toEqual(oracle93.filter((row) => row[4] === 'fix-available'));
      // The oracle's answer is the case this image was built for: 26.el9 sorts above 23.el9_2.4 (python3-rpm says so
      // too, below) yet lacks the fix, which 9.3 got in 26.el9_3.2.
      expect(oracle93.map((row) => [row[0], row[2], row[3], row[5]])).toEqual([
        ['curl', '0:7.76.1-26.el9', 'CVE-2023-38545', '7.76.1-26.el9_3.2'],
        ['libcurl', '0:7.76.1-26.el9', 'CVE-2023-38545', '7.76.1-26.el9_3.2'],
        ['libcurl-devel', '0:7.76.1-26.el9', 'CVE-2023-38545', '7.76.1-26.el9_3.2'],
      ]);
      for (const finding of rhel93.findings) expect(finding.fixAdvisory).toBe(oracle93[0]?.[6]);
    });

    it('judges a 9.0 main-stream build by the next minor with a main-stream fix, never by the 9.0 EUS fix', () => {
      expect(rows(rhel90)).toEqual(oracle90.filter((row) => row[4] === 'fix-available'));
      // Only 9.0 EUS (rhel_eus:9.0, 14.el9_0.9) has a 9.0 build of the fix; the main stream's first is 9.2's.
      expect(oracle90.map((row) => [row[0], row[2], row[5]])).toEqual([
        ['curl', '0:7.76.1-14.el9_0.8', '7.76.1-23.el9_2.4'],
        ['libcurl', '0:7.76.1-14.el9_0.8', '7.76.1-23.el9_2.4'],
        ['libcurl-devel', '0:7.76.1-14.el9_0.8', '7.76.1-23.el9_2.4'],
      ]);
    });

    it('orders the 9.3 build above the 9.2 fix, by python3-rpm', async () => {
      const { stdout } = await run('/usr/bin/python3', [
        '-c',
        'import rpm; print(rpm.labelCompare(("0", "7.76.1", "26.el9"), ("0", "7.76.1", "23.el9_2.4")))',
      ]);
      expect(stdout.trim()).toBe('1');
    });

    it("keeps the publisher's not-affected statements only when asked, as the oracle reads them", () => {
      expect(rows(withNotAffected)).toEqual(oracle);
      expect(oracle.filter((row) => row[4] === 'not-affected').map((row) => row[0])).toEqual([
        'libwbclient',
        'samba-client-libs',
      ]);
    });

    it('reads CentOS Stream 9 against RHEL 9 and labels every finding with the data used', () => {
      const stream = results.stream!;
      expect(stream.os).toMatchObject({ id: 'centos', stream: true });
      // The label says how current RHEL's data is for Stream.
      const note =
        "Red Hat VEX for CentOS Stream 9: RHEL 9's data, so a fix Stream ships ahead of RHEL counts only once RHEL ships it";
      expect(stream.ecosystems).toEqual([{ ecosystem: 'Red Hat:9', source: 'redhat-csaf-vex', note }]);
      expect(rows(stream)).toEqual(rows(results.rhel!));
      expect(rows(stream)).toEqual(oracleStream.filter((row) => row[4] === 'fix-available'));
      for (const finding of stream.findings) expect(finding.source.note).toBe(note);
    });
  },
);
