import type { OperatingSystem } from '../os.js';
import type { Package } from '../package.js';
import { buildPurl, distroQualifier } from '../purl.js';
import { type RpmHeader, RpmTag } from './header.js';
import { parseSourceRpm } from './source-rpm.js';

/** purl namespaces (purl-spec rpm type: the vendor) for os-release IDs whose vendor name differs from the ID. */
const NAMESPACES: Record<string, string> = {
  rhel: 'redhat',
  ol: 'oracle',
  amzn: 'amazon',
  sles: 'suse',
  sled: 'suse',
  'sle-micro': 'suse',
  sles_sap: 'suse',
  opensuse: 'opensuse',
  'opensuse-leap': 'opensuse',
  'opensuse-tumbleweed': 'opensuse',
  'opensuse-microos': 'opensuse',
};

/** The purl namespace for an OS: `fedora`, `redhat`, `centos`, `almalinux`, `rocky`, `oracle`, `amazon`, `suse`, ... */
export function rpmNamespace(os: OperatingSystem | undefined): string | undefined {
  return os ? (NAMESPACES[os.id] ?? os.id) : undefined;
}

/** One package record from its header, with fields as the database holds them. */
export function packageFromHeader(header: RpmHeader, source: string, os: OperatingSystem | undefined): Package {
  const name = header.string(RpmTag.NAME) ?? '';
  const version = header.string(RpmTag.VERSION) ?? '';
  const release = header.string(RpmTag.RELEASE);
  const epoch = header.number(RpmTag.EPOCH);
  const arch = header.string(RpmTag.ARCH);
  const sourceRpm = header.string(RpmTag.SOURCERPM);
  const pkg: Package = {
    type: 'rpm',
    name,
    version,
    purl: buildPurl({
      type: 'rpm',
      namespace: rpmNamespace(os),
      name,
      version: release === undefined ? version : `${version}-${release}`,
      // Epoch 0 is left out of the purl as Red Hat's own purls (CSAF/VEX) and other scanners leave it out, so that
      // purls match across tools; the record itself keeps the epoch the database has.
      qualifiers: { arch, epoch: epoch ? String(epoch) : undefined, distro: distroQualifier(os) },
    }),
    source,
  };
  if (epoch !== undefined) pkg.epoch = epoch;
  if (release !== undefined) pkg.release = release;
  if (arch !== undefined) pkg.arch = arch;
  if (sourceRpm !== undefined) {
    pkg.sourceRpm = sourceRpm;
    const parsed = parseSourceRpm(sourceRpm);
    if (parsed) {
      pkg.sourceName = parsed.name;
      pkg.sourceVersion = parsed.version;
    }
  }
  const modularityLabel = header.string(RpmTag.MODULARITYLABEL);
  if (modularityLabel !== undefined) pkg.modularityLabel = modularityLabel;
  const license = header.string(RpmTag.LICENSE);
  if (license !== undefined) pkg.license = license;
  const vendor = header.string(RpmTag.VENDOR);
  if (vendor !== undefined) pkg.vendor = vendor;
  // LONGSIZE replaces SIZE for packages of 4 GiB and more.
  const size = header.number(RpmTag.LONGSIZE) ?? header.number(RpmTag.SIZE);
  if (size !== undefined) pkg.size = size;
  const sigmd5 = header.bytes(RpmTag.SIGMD5);
  if (sigmd5 !== undefined) pkg.sigmd5 = sigmd5.toString('hex');
  const files = fileList(header);
  if (files !== undefined) pkg.files = files;
  return pkg;
}

/**
 * The paths the package installed, root-relative: each BASENAMES entry joined to DIRNAMES[DIRINDEXES[i]], or the
 * OLDFILENAMES of rpms built before rpm 4 compressed file names. Entries whose directory index is out of range are
 * dropped rather than invented.
 */
function fileList(header: RpmHeader): string[] | undefined {
  const basenames = header.strings(RpmTag.BASENAMES);
  if (!basenames) {
    return header.strings(RpmTag.OLDFILENAMES)?.map(rootRelative);
  }
  const dirnames = header.strings(RpmTag.DIRNAMES) ?? [];
  const indexes = header.numbers(RpmTag.DIRINDEXES) ?? [];
  const files: string[] = [];
  for (const [i, basename] of basenames.entries()) {
    const dirname = dirnames[indexes[i] ?? -1];
    if (dirname !== undefined) files.push(rootRelative(dirname + basename));
  }
  return files;
}

function rootRelative(path: string): string {
  return path.replace(/^\/+/, '');
}
