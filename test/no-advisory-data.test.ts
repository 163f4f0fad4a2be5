import { mkdir, mkdtemp, readdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { AdvisoryDatabase } from '../src/advisories/database.js';
import { importPaths } from '../src/advisories/import-paths.js';
import { ensureBuilt, runCli } from './helpers/cli.js';
import { ALSA, CURL_EVR, curlImageMissing, SHARED, SYNC } from './helpers/curl-image.js';
import { buildRpms, rpmImage } from './helpers/gate-images.js';
import { run } from './helpers/real-images.js';
import { tempDir } from './helpers/tmp.js';

/*
 * Issue 14, defect 2: a scan whose advisory database holds no data for the image's OS found nothing because it looked
 * in nothing; that must exit 2 unless --allow-no-data, and every output must carry the fact. The images hold a real
 * curl rpm under real os-release files of Fedora 42, Amazon Linux 2023 and SLES 15 SP5; the database holds the real
 * Fedora Bodhi records of ../shared (Fedora 21, 36, 37 and EPEL 7) and a real AlmaLinux 9 advisory.
 */

const SKIP = curlImageMissing();

const OS_RELEASES = {
  fedora42:
    'NAME="Fedora Linux"\nVERSION="42 (Container Image)"\nID=fedora\nVERSION_ID=42\nPLATFORM_ID="platform:f42"\n',
  amzn2023: 'NAME="Amazon Linux"\nVERSION="2023"\nID="amzn"\nID_LIKE="fedora"\nVERSION_ID="2023"\n',
  sles155:
    'NAME="SLES"\nVERSION="15-SP5"\nVERSION_ID="15.5"\nPRETTY_NAME="SUSE Linux Enterprise Server 15 SP5"\nID="sles"\nID_LIKE="suse"\n',
};

async function osLayer(work: string, osRelease: string): Promise<string> {
  const root = await mkdtemp(join(work, 'os-'));
  await mkdir(join(root, 'usr/lib'), { recursive: true });
  await mkdir(join(root, 'etc'));
  await writeFile(join(root, 'usr/lib/os-release'), osRelease);
  await symlink('../usr/lib/os-release', join(root, 'etc/os-release'));
  await run('tar', ['--numeric-owner', '-C', root, '-cf', `${root}.tar`, '.']);
  return `${root}.tar`;
}

describe.skipIf(SKIP !== undefined)(
  SKIP ? `no advisory data (skipped: ${SKIP})` : 'a scan against no data for the image is not clean',
  () => {
    let work: string;
    let db: string;
    const refs: Record<string, string> = {};
    let curlRpm: string;

    beforeAll(async () => {
      ensureBuilt();
      work = await tempDir('patchline-nodata-');
      await run('tar', [
        '-xzf',
        join(SHARED, 'fixtures/vuln/osv-almalinux/almalinux-osv-database.tar.gz'),
        '-C',
        work,
        `advisories/almalinux9/${ALSA}.json`,
      ]);
      const bodhi = join(SHARED, 'fixtures/vuln/fedora-bodhi');
      db = join(work, 'old-fedora.db');
      const database = AdvisoryDatabase.open(db);
      try {
        const inputs = [
          ...(await readdir(bodhi)).map((name) => join(bodhi, name)),
          join(work, `advisories/almalinux9/${ALSA}.json`),
        ];
        const report = await importPaths(database, inputs, { at: SYNC });
        expect(report.problems).toEqual([]);
      } finally {
        database.close();
      }
      curlRpm = [...(await buildRpms(work, [{ name: 'curl', evr: CURL_EVR }])).values()][0]!;
      for (const [name, osRelease] of Object.entries(OS_RELEASES)) {
        const image = await rpmImage(work, name, { base: await osLayer(work, osRelease), rpms: [curlRpm] });
        refs[name] = image.ref;
      }
    }, 300_000);

    it.each([
      ['fedora42', /holds no data for Fedora:42/],
      // Amazon Linux's data is its repositories' updateinfo, which this database does not hold.
      ['amzn2023', /holds no data for Amazon Linux:2023 \(updateinfo\).*--source updateinfo:<the repository URL>/],
      ['sles155', /holds no data for SUSE:15\.5/],
    ])('%s: exit 2 with the reason, unless --allow-no-data', (name, reason) => {
      const refused = runCli(['scan', refs[name]!, '--db', db]);
      expect(refused.status).toBe(2);
      expect(refused.stdout).toBe('');
      expect(refused.stderr).toMatch(reason);
      expect(refused.stderr).toMatch(/--allow-no-data/);

      const allowed = runCli(['scan', refs[name]!, '--db', db, '--allow-no-data', '-f', 'json']);
      expect(allowed.status, allowed.stderr).toBe(0);
      expect(JSON.parse(allowed.stdout).noData).toMatch(reason);
    });

    it('says so in SARIF, CycloneDX and the table', () => {
      const args = ['scan', refs.fedora42!, '--db', db, '--allow-no-data'];
      const sarif = JSON.parse(runCli([...args, '-f', 'sarif']).stdout);
      const notifications = sarif.runs[0].invocations[0].toolExecutionNotifications;
      expect(notifications).toEqual([
        expect.objectContaining({ level: 'error', descriptor: { id: 'no-advisory-data' } }),
      ]);
      const cyclonedx = JSON.parse(runCli([...args, '-f', 'cyclonedx-json']).stdout);
      expect(cyclonedx.metadata.properties).toContainEqual({
        name: 'patchline:no-advisory-data',
        value: expect.stringMatching(/Fedora:42/),
      });
      expect(runCli(args).stdout).toMatch(/NO ADVISORY DATA: .*Fedora:42/);
    });

    it('still scans an image whose OS the database does hold', async () => {
      const alma = await rpmImage(work, 'alma', {
        base: await osLayer(work, 'ID="almalinux"\nVERSION_ID="9.4"\n'),
        rpms: [curlRpm],
      });
      const scanned = runCli(['scan', alma.ref, '--db', db, '-f', 'json']);
      expect(scanned.status, scanned.stderr).toBe(0);
      const document = JSON.parse(scanned.stdout);
      expect(document.noData).toBeUndefined();
      expect(document.findings.map((finding: { id: string }) => finding.id)).toContain(ALSA);
    });
  },
);
