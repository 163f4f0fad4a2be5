import { execFile as execFileCallback } from 'node:child_process';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { AdvisoryDatabase } from '../src/advisories/database.js';
import { importPaths } from '../src/advisories/import-paths.js';
import type { ScanResult } from '../src/scan/finding.js';
import { scanImage } from '../src/scan/index.js';
import { makeLayoutImage } from './helpers/images.js';
import { hasBinary } from './helpers/registry.js';
import { tempDir } from './helpers/tmp.js';

/*
 * An Ubuntu 22.04 image (os-release and a dpkg status with curl's binaries, source curl) scanned against Ubuntu's own
 * OSV record USN-6429-1 (test/fixtures/osv-ubuntu). dpkg --compare-versions decides which installed builds lack the fix.
 */
const execFile = promisify(execFileCallback);
const USN = resolve(import.meta.dirname, 'fixtures/osv-ubuntu/USN-6429-1.json');
const FIXED = '7.81.0-1ubuntu1.14';

const UBUNTU_2204_OS_RELEASE = `PRETTY_NAME="Ubuntu 22.04.3 LTS"
NAME="Ubuntu"
VERSION_ID="22.04"
VERSION="22.04.3 LTS (Jammy Jellyfish)"
VERSION_CODENAME=jammy
ID=ubuntu
ID_LIKE=debian
UBUNTU_CODENAME=jammy
`;

/** Binary packages of source curl at two builds: one before the fix, one with it. */
const INSTALLED: Array<[name: string, version: string]> = [
  ['libcurl4', '7.81.0-1ubuntu1.13'],
  ['curl', '7.81.0-1ubuntu1.13'],
  ['libcurl3-gnutls', FIXED],
];

function status(): string {
  return INSTALLED.map(
    ([name, version]) => `Package: ${name}
Status: install ok installed
Priority: optional
Section: libs
Installed-Size: 1000
Maintainer: Ubuntu Developers <ubuntu-devel-discuss@lists.ubuntu.com>
Architecture: amd64
Multi-Arch: same
Source: curl
Version: ${version}
Description: ${name} (Patchline test)
`,
  ).join('\n');
}

describe.skipIf(!hasBinary('dpkg'))('scan: Ubuntu 22.04 against Ubuntu OSV', () => {
  let result: ScanResult;

  beforeAll(async () => {
    const work = await tempDir('patchline-scan-ubuntu-');
    const image = await makeLayoutImage(work, 'image', [
      [
        { name: 'etc/os-release', content: UBUNTU_2204_OS_RELEASE },
        { name: 'var/lib/dpkg/status', content: status() },
      ],
    ]);
    const dbPath = join(work, 'advisories.db');
    const db = AdvisoryDatabase.open(dbPath);
    try {
      const report = await importPaths(db, [USN], { at: '2023-12-01T00:00:00.000Z' });
      expect(report.problems).toEqual([]);
    } finally {
      db.close();
    }
    result = await scanImage(image.ref, { db: dbPath, now: '2023-12-01T00:00:00Z' });
  });

  it('looks Ubuntu 22.04 up in Ubuntu:22.04 and finds the builds dpkg orders below the fix, with the CVEs', async () => {
    expect(result.ecosystems).toEqual([{ ecosystem: 'Ubuntu:22.04', source: 'osv' }]);
    const lacking: string[] = [];
    for (const [name, version] of INSTALLED) {
      const below = await execFile('dpkg', ['--compare-versions', version, 'lt', FIXED]).then(
        () => true,
        () => false,
      );
      if (below) lacking.push(name);
    }
    const found = result.findings.filter((finding) => finding.status === 'fix-available');
    expect(found.map((finding) => finding.package.name).sort()).toEqual(lacking.sort());
    expect(lacking).toHaveLength(2);
    for (const finding of found) {
      expect(finding).toMatchObject({
        id: 'USN-6429-1',
        cves: ['CVE-2023-38545', 'CVE-2023-38546'],
        fixedVersion: FIXED,
        fixAvailableSince: '2023-10-11T11:34:51Z',
      });
    }
  });
});
