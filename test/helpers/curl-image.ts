import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { AdvisoryDatabase } from '../../src/advisories/database.js';
import { importPaths } from '../../src/advisories/import-paths.js';
import { baseLayer, buildRpms, type GateImage, gateToolsMissing, rpmImage } from './gate-images.js';
import { run } from './real-images.js';

/**
 * An AlmaLinux 9 image that lacks the fix of ALSA-2023:6679, a real advisory of four CVEs for curl and libcurl:
 * real RPMs (rpmbuild) installed by the real rpm into a real rpmdb.sqlite, judged against the real OSV record from
 * the AlmaLinux tarball in ../shared, imported by the real importer.
 */

export const SHARED = resolve(import.meta.dirname, '../../../shared');
const TARBALL = join(SHARED, 'fixtures/vuln/osv-almalinux/almalinux-osv-database.tar.gz');
export const ALSA = 'ALSA-2023:6679';
/** The advisory's CVEs, in the order the record lists them. */
export const ALSA_CVES = ['CVE-2023-27536', 'CVE-2023-27533', 'CVE-2023-27534', 'CVE-2023-27538'];
/** The build before the fix (fixed in 7.76.1-26.el9). */
export const CURL_EVR = '7.76.1-23.el9';
export const SYNC = '2026-08-21T00:00:00.000Z';

export function curlImageMissing(): string | undefined {
  if (!existsSync(TARBALL)) return '../shared is absent';
  return gateToolsMissing();
}

export interface CurlImage extends GateImage {
  /** The advisory database holding ALSA-2023:6679 (and nothing else). */
  db: string;
  /** The folder the record was extracted to. */
  records: string;
}

export async function curlImage(work: string): Promise<CurlImage> {
  await run('tar', ['-xzf', TARBALL, '-C', work, `advisories/almalinux9/${ALSA}.json`]);
  const records = join(work, 'advisories/almalinux9');
  const db = join(work, 'alsa.db');
  const database = AdvisoryDatabase.open(db);
  try {
    const report = await importPaths(database, [join(records, `${ALSA}.json`)], { at: SYNC });
    if (report.problems.length > 0) throw new Error(`import problems: ${JSON.stringify(report.problems)}`);
  } finally {
    database.close();
  }
  const rpms = await buildRpms(work, [
    { name: 'curl', evr: CURL_EVR },
    { name: 'libcurl', evr: CURL_EVR },
  ]);
  const image = await rpmImage(work, 'curl-old', { base: await baseLayer(work), rpms: [...rpms.values()] });
  return { ...image, db, records };
}
