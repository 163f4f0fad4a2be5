import type { FoundFile } from '../../rootfs/index.js';
import type { CatalogContext, Cataloger, CatalogResult } from '../cataloger.js';
import type { OperatingSystem } from '../os.js';
import type { CatalogProblem, Package } from '../package.js';
import { buildPurl, distroQualifier } from '../purl.js';
import { type DpkgRecord, dpkgCutShort, hasFilesInstalled, parseDpkgStatus } from './status.js';

const STATUS = 'var/lib/dpkg/status';
const STATUS_DIR = 'var/lib/dpkg/status.d';
const LISTS = 'var/lib/dpkg/info/*.list';

const STATUS_DIR_FILE = /^var\/lib\/dpkg\/status\.d\/[^/]+$/;
const LIST_FILE = /^var\/lib\/dpkg\/info\/([^/]+)\.list$/;

/**
 * Debian and Ubuntu packages from dpkg's status file, and distroless images' `status.d` (one paragraph per file, next
 * to a `.md5sums` file that is not a package). The `info/*.list` entries are listed without content: dpkg writes a
 * package's list when it installs or upgrades it, so the layer holding the list is the layer that brought the package
 * in its present version, where the status file (rewritten by every install) only tells the last layer to install any.
 */
export const dpkgCataloger: Cataloger = {
  name: 'dpkg',
  requests: [{ path: STATUS }, { path: `${STATUS_DIR}/*` }, { path: LISTS, content: 'none' }],

  async catalog(files: FoundFile[], context: CatalogContext): Promise<CatalogResult> {
    const packages: Package[] = [];
    const problems: CatalogProblem[] = [];
    const databases: string[] = [];
    const seen = new Set<string>();
    const listLayers = new Map<string, FoundFile['layer']>();
    for (const file of files) {
      const list = LIST_FILE.exec(file.path);
      if (list && file.layer) listLayers.set(list[1]!, file.layer);
    }

    const read = async (file: FoundFile, kind: 'status' | 'status.d') => {
      const text = await file.content!.text();
      const { records, problems: found } = parseDpkgStatus(text);
      for (const message of found) problems.push({ path: file.path, message });
      const cut = dpkgCutShort(text, kind);
      if (cut !== undefined) problems.push({ path: file.path, message: cut });
      for (const record of records) {
        // A package in both the status file and status.d (or twice in one) is one package; the first read wins.
        const key = `${record.name}:${record.architecture ?? ''}`;
        if (!hasFilesInstalled(record, kind) || seen.has(key)) continue;
        seen.add(key);
        const layer =
          kind === 'status'
            ? (listLayers.get(`${record.name}:${record.architecture}`) ?? listLayers.get(record.name) ?? file.layer)
            : file.layer;
        packages.push(toPackage(record, file.path, layer, context.os));
      }
    };

    const status = files.find((file) => file.path === STATUS && file.content);
    if (status) {
      databases.push(STATUS);
      await read(status, 'status');
    }
    const statusDir = files
      .filter((file) => STATUS_DIR_FILE.test(file.path) && file.content && !file.path.endsWith('.md5sums'))
      .sort((a, b) => a.path.localeCompare(b.path));
    if (statusDir.length > 0) databases.push(STATUS_DIR);
    for (const file of statusDir) await read(file, 'status.d');
    return { packages, problems, databases };
  },
};

function toPackage(
  record: DpkgRecord,
  source: string,
  layer: FoundFile['layer'],
  os: OperatingSystem | undefined,
): Package {
  // A Debian version is [epoch:]upstream[-revision]; the model keeps the epoch apart, the purl keeps it in the version.
  const epoch = /^(\d+):(.+)$/.exec(record.version);
  const sourceName = record.sourceName ?? record.name;
  const pkg: Package = {
    type: 'deb',
    name: record.name,
    version: epoch ? epoch[2]! : record.version,
    // dpkg-query's ${source:Version}: the version in `Source: name (version)`, else the binary's, epoch included.
    sourceName,
    sourceVersion: record.sourceVersion ?? record.version,
    purl: buildPurl({
      type: 'deb',
      namespace: os?.id === 'ubuntu' ? 'ubuntu' : 'debian',
      name: record.name,
      version: record.version,
      qualifiers: {
        arch: record.architecture,
        distro: distroQualifier(os),
        upstream: sourceName !== record.name ? sourceName : undefined,
      },
    }),
    source,
  };
  if (epoch) pkg.epoch = Number(epoch[1]);
  if (record.architecture) pkg.arch = record.architecture;
  if (record.origin) pkg.vendor = record.origin;
  if (record.installedSizeKiB !== undefined) pkg.size = record.installedSizeKiB * 1024;
  if (layer) pkg.layer = layer;
  return pkg;
}
