import type { FoundFile } from '../../rootfs/index.js';
import type { CatalogContext, Cataloger, CatalogResult } from '../cataloger.js';
import type { OperatingSystem } from '../os.js';
import type { CatalogProblem, Package } from '../package.js';
import { buildPurl, distroQualifier } from '../purl.js';
import { type ApkRecord, apkCutShort, parseApkInstalled } from './installed.js';

const INSTALLED = 'lib/apk/db/installed';

/** The purl vendors of apk-based distributions we know; anything else built on Alpine's packages is `alpine`. */
const APK_VENDORS = new Set(['alpine', 'wolfi', 'chainguard']);

/** Alpine, Wolfi and Chainguard packages from apk's installed database. */
export const apkCataloger: Cataloger = {
  name: 'apk',
  requests: [{ path: INSTALLED }],

  async catalog(files: FoundFile[], context: CatalogContext): Promise<CatalogResult> {
    const file = files.find((candidate) => candidate.path === INSTALLED && candidate.content);
    if (!file) return { packages: [], problems: [], databases: [] };
    const text = await file.content!.text();
    const { records, problems } = parseApkInstalled(text);
    const found: CatalogProblem[] = problems.map((message) => ({ path: INSTALLED, message }));
    const cut = apkCutShort(text);
    if (cut !== undefined) found.push({ path: INSTALLED, message: cut });
    return {
      packages: records.map((record) => toPackage(record, file, context.os)),
      problems: found,
      databases: [INSTALLED],
    };
  },
};

function toPackage(record: ApkRecord, file: FoundFile, os: OperatingSystem | undefined): Package {
  const sourceName = record.origin ?? record.name;
  const pkg: Package = {
    type: 'apk',
    name: record.name,
    version: record.version,
    // Every package an APKBUILD makes shares its origin's version.
    sourceName,
    sourceVersion: record.version,
    files: record.files,
    purl: buildPurl({
      type: 'apk',
      namespace: os && APK_VENDORS.has(os.id) ? os.id : 'alpine',
      name: record.name,
      version: record.version,
      qualifiers: {
        arch: record.arch,
        distro: distroQualifier(os),
        // As in the purl-spec's own apk example (`libcrypto3@3.5.5-r0?...&upstream=openssl`).
        upstream: sourceName !== record.name ? sourceName : undefined,
      },
    }),
    source: INSTALLED,
  };
  if (record.arch) pkg.arch = record.arch;
  if (record.license) pkg.license = record.license;
  if (record.installedSize !== undefined) pkg.size = record.installedSize;
  if (file.layer) pkg.layer = file.layer;
  return pkg;
}
