import { execFile as execFileCallback } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { AdvisoryDatabase } from '../src/advisories/database.js';
import { importPaths } from '../src/advisories/import-paths.js';
import type { ScanResult } from '../src/scan/finding.js';
import { scanImage } from '../src/scan/index.js';
import { makeLayoutImage } from './helpers/images.js';
import { tempDir } from './helpers/tmp.js';

/*
 * A real Amazon Linux 2023 rpm database (go-rpmdb's amazonlinux2023 test data, in ../shared/fixtures) in an image with
 * AL2023's os-release, scanned against errata imported from an updateinfo.xml.gz written as Amazon's repositories
 * write theirs (ALAS2023 ids, `2023-10-11 19:48:00` dates, one collection per arch, epochs). The CVEs are real; the
 * advisory numbers and builds are illustrative. Which errata the image lacks is decided by python3-rpm's labelCompare
 * on the versions Debian's rpm read from the same database (expected.tsv), not by Patchline.
 */

const execFile = promisify(execFileCallback);
const FIXTURE = resolve(import.meta.dirname, '../../shared/fixtures/rpmdb/amazonlinux2023');
const HAVE_FIXTURE = existsSync(FIXTURE);

const AL2023_OS_RELEASE = `NAME="Amazon Linux"
VERSION="2023"
ID="amzn"
ID_LIKE="fedora"
VERSION_ID="2023"
PLATFORM_ID="platform:al2023"
PRETTY_NAME="Amazon Linux 2023"
ANSI_COLOR="0;33"
CPE_NAME="cpe:2.3:o:amazon:amazon_linux:2023"
HOME_URL="https://aws.amazon.com/linux/"
`;

/** `[id, issued, cve, [name, epoch, version, release][]]`: the errata, each listed for x86_64 and aarch64. */
const ERRATA: Array<[string, string, string, Array<[string, string, string, string]>]> = [
  [
    'ALAS2023-2023-9001',
    '2023-10-11 19:48:00',
    'CVE-2023-38545',
    [
      ['curl-minimal', '0', '8.4.0', '1.amzn2023.0.1'],
      ['libcurl-minimal', '0', '8.4.0', '1.amzn2023.0.1'],
    ],
  ],
  ['ALAS2023-2023-9002', '2023-09-20 22:05:00', 'CVE-2023-3817', [['openssl-libs', '1', '3.0.8', '1.amzn2023.0.5']]],
  // Older than the glibc in the image: the image has this fix.
  ['ALAS2023-2023-9003', '2023-04-01 10:00:00', 'CVE-2023-25139', [['glibc', '0', '2.34', '52.amzn2023.0.2']]],
];

function updateinfo(): string {
  const updates = ERRATA.map(([id, issued, cve, packages]) => {
    const collections = ['x86_64', 'aarch64'].map(
      (arch) => `      <collection short="amazon-linux-2023---al2023-${arch}">
        <name>Amazon Linux 2023</name>
${packages.map(([name, epoch, version, release]) => `        <package arch="${arch}" epoch="${epoch}" name="${name}" release="${release}" version="${version}"><filename>Packages/${name}-${version}-${release}.${arch}.rpm</filename></package>`).join('\n')}
      </collection>`,
    );
    return `  <update author="linux-security@amazon.com" from="linux-security@amazon.com" status="final" type="security" version="1.4">
    <id>${id}</id>
    <title>Amazon Linux 2023 - ${id}: Important priority package update for ${packages[0]![0]}</title>
    <issued date="${issued}"/>
    <updated date="${issued}"/>
    <severity>Important</severity>
    <description>Package updates are available for Amazon Linux 2023 that fix the following vulnerabilities:
${cve}:</description>
    <references>
      <reference href="https://www.cve.org/CVERecord?id=${cve}" id="${cve}" title="" type="cve"/>
    </references>
    <pkglist>
${collections.join('\n')}
    </pkglist>
  </update>`;
  });
  return `<?xml version="1.0" ?>\n<updates>\n${updates.join('\n')}\n</updates>\n`;
}

describe.skipIf(!HAVE_FIXTURE)(
  HAVE_FIXTURE
    ? 'scan: Amazon Linux 2023 against updateinfo'
    : 'scan: Amazon Linux 2023 (skipped: ../shared is absent)',
  () => {
    let result: ScanResult;
    let lacking: string[];

    beforeAll(async () => {
      const work = await tempDir('patchline-scan-al2023-');
      const image = await makeLayoutImage(work, 'image', [
        [{ name: 'var/lib/rpm/rpmdb.sqlite', content: await readFile(join(FIXTURE, 'rpmdb.sqlite')) }],
        [{ name: 'etc/os-release', content: AL2023_OS_RELEASE }],
      ]);
      const file = join(work, 'amazon-updateinfo.xml.gz');
      await writeFile(file, gzipSync(updateinfo()));
      const dbPath = join(work, 'advisories.db');
      const db = AdvisoryDatabase.open(dbPath);
      try {
        // No --os: ALAS2023 ids say which release they are for.
        const report = await importPaths(db, [file], { at: '2023-12-01T00:00:00.000Z' });
        expect(report.problems).toEqual([]);
        expect(report.sources).toMatchObject([{ source: 'updateinfo', records: 3 }]);
      } finally {
        db.close();
      }
      result = await scanImage(image.ref, { db: dbPath, now: '2023-12-01T00:00:00Z' });

      // The oracle: each erratum package against the installed build, compared by python3-rpm.
      const installed = new Map(
        (await readFile(join(FIXTURE, 'expected.tsv'), 'utf8'))
          .trim()
          .split('\n')
          .map((line) => line.split('\t'))
          .map(([name, epoch, version, release]) => [name!, [epoch === '(none)' ? '0' : epoch!, version!, release!]]),
      );
      const pairs = ERRATA.flatMap(([id, , , packages]) =>
        packages.map(([name, epoch, version, release]) => [id, name, installed.get(name), [epoch, version, release]]),
      );
      const script = `import json, sys, rpm
pairs = json.load(sys.stdin)
print(json.dumps(sorted(f"{id} {name}" for id, name, have, fix in pairs if rpm.labelCompare(tuple(have), tuple(fix)) < 0)))`;
      const child = execFile('/usr/bin/python3', ['-c', script]);
      child.child.stdin!.end(JSON.stringify(pairs));
      lacking = JSON.parse((await child).stdout) as string[];
    }, 120_000);

    it('reads the image as Amazon Linux 2023 and matches it against the updateinfo errata', () => {
      expect(result.os).toMatchObject({ id: 'amzn', versionId: '2023' });
      expect(result.ecosystems).toEqual([{ ecosystem: 'Amazon Linux:2023', source: 'updateinfo' }]);
    });

    it('finds exactly the errata whose builds are newer than the installed ones, epochs included', () => {
      const found = result.findings
        .filter((finding) => finding.status === 'fix-available')
        .map((finding) => `${finding.id} ${finding.package.name}`)
        .sort();
      expect(found).toEqual(lacking);
      expect(found).toEqual([
        'ALAS2023-2023-9001 curl-minimal',
        'ALAS2023-2023-9001 libcurl-minimal',
        'ALAS2023-2023-9002 openssl-libs',
      ]);
      expect(result.findings.find((finding) => finding.package.name === 'openssl-libs')).toMatchObject({
        fixedVersion: '1:3.0.8-1.amzn2023.0.5',
        fixAvailableSince: '2023-09-20T22:05:00.000Z',
        cves: ['CVE-2023-3817'],
        package: { installed: '1:3.0.8-1.amzn2023.0.4', arch: 'x86_64' },
      });
    });
  },
);
