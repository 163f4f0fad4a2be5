import { osvEcosystemScheme } from '../../version/index.js';
import type { PackageNameKind, VersionScheme } from '../advisory.js';
import { debianCodename } from './debian-releases.js';
import { redHatEcosystem } from './redhat/cpe.js';

/** An OSV ecosystem string read for matching: the key, the publisher's finer stream, and how to read its packages. */
export interface OsvEcosystem {
  ecosystem: string;
  stream?: string;
  scheme: VersionScheme;
  nameKind: PackageNameKind;
}

/** The distributions an image's os-release can identify; language ecosystems are not read. */
const DISTRIBUTIONS = new Set([
  'AlmaLinux',
  'Rocky Linux',
  'Debian',
  'Ubuntu',
  'Alpine',
  'Wolfi',
  'Chainguard',
  'SUSE',
  'openSUSE',
  'Red Hat',
]);

/**
 * Which name the publisher's records carry, checked against real records rather than taken from the schema's table:
 * - AlmaLinux lists every binary rpm of the erratum (ALSA-2024:3671 names ruby-libs, rubygem-bundler, ...; kernel
 *   errata name bpftool and python3-perf), although the OSV schema says "source package".
 * - Rocky Linux lists source rpms only (RLSA-2024:3671 names ruby, rubygem-mysql2 and rubygem-pg, the ruby:3.3
 *   module's three source rpms, where AlmaLinux lists 28 binaries), as the schema says.
 * - Debian, Ubuntu and Alpine: source packages (the schema; the Debian tracker and secdb they come from are keyed by
 *   source or origin). Wolfi and Chainguard are built from the same melange/secdb origin names.
 * - SUSE and openSUSE: the source rpm (the schema; the binaries are in `ecosystem_specific.binaries`).
 * - Red Hat: "binary or source rpm" per the schema; the purl's `arch=src` says which, binary otherwise.
 */
function nameKindOf(distribution: string, purl: string | undefined): PackageNameKind {
  if (distribution === 'AlmaLinux') return 'binary';
  if (distribution === 'Red Hat') return purl !== undefined && /[?&]arch=src(&|$)/.test(purl) ? 'source' : 'binary';
  return 'source';
}

/** `Ubuntu:22.04:LTS` → `Ubuntu:22.04`; Pro (ESM) fixes stay apart as `Ubuntu:Pro:18.04`: a plain image cannot install them. */
function ubuntuRelease(parts: string[]): string | undefined {
  const version = parts.find((part) => /^\d+\.\d+$/.test(part));
  if (version === undefined) return undefined;
  return parts.includes('Pro') ? `Pro:${version}` : version;
}

/**
 * `Linux Enterprise Server 15 SP5` (and every module and product of that service pack: `Linux Enterprise Module for
 * Basesystem 15 SP5`, `Linux Enterprise Server 15 SP5-LTSS`) → `15.5`, the VERSION_ID of the os-release of SLES 15 SP5; `Linux Enterprise Micro 5.5` →
 * `Micro:5.5` (SLE Micro has its own numbering). Other products (SUSE Manager, ...) keep their name.
 */
function suseRelease(product: string): string {
  const micro = /^Linux Enterprise Micro (\d+\.\d+)$/.exec(product);
  if (micro) return `Micro:${micro[1]}`;
  // A support-phase suffix (`15 SP4-LTSS`, `15 SP5-ESPOS`) names the same release: past general support, it is where
  // SUSE files that release's fixes, so a SLES 15 SP4 image is looked up there too.
  const servicePack = /^Linux Enterprise .* (\d+)(?: SP(\d+))?(?:-[A-Z]+)?$/.exec(product);
  if (servicePack) return servicePack[2] === undefined ? `${servicePack[1]}` : `${servicePack[1]}.${servicePack[2]}`;
  return product;
}

/** The release part, reduced to what an image's os-release identifies; undefined when the string has none we read. */
function reducedRelease(distribution: string, rest: string[]): string | undefined {
  if (rest.length === 0) return undefined;
  switch (distribution) {
    case 'Ubuntu':
      return ubuntuRelease(rest);
    case 'SUSE':
      return suseRelease(rest.join(':'));
    case 'AlmaLinux':
    case 'Rocky Linux':
      return rest[0]?.split('.')[0];
    default:
      return rest.join(':');
  }
}

/** Each ecosystem string's reading, per name kind, since a database repeats a few strings 70,000 times. */
const known = new Map<string, OsvEcosystem | null>();
const KNOWN_LIMIT = 10_000;

/**
 * Red Hat's OSV export names a product by its CPE after the vendor (`Red Hat:enterprise_linux:9::appstream`,
 * `Red Hat:openshift:4.16::el9`), so the CSAF importers' reading of the CPE applies as is: every RHEL N stream is
 * `Red Hat:N`, a layered product `Red Hat layered:N`, and a product tied to no RHEL major is not read. The CPE part
 * (`a` or `o`) is not in the string and plays no part in that reading.
 */
function redHatOsvEcosystem(rest: string[]): string | undefined {
  return rest.length === 0 ? undefined : redHatEcosystem(`cpe:/a:redhat:${rest.join(':')}`);
}

function readEcosystemString(original: string): Omit<OsvEcosystem, 'nameKind'> | undefined {
  const [distribution = '', ...rest] = original.split(':');
  const scheme = osvEcosystemScheme(original);
  if (!DISTRIBUTIONS.has(distribution) || scheme === undefined) return undefined;
  let ecosystem: string;
  let codename: string | undefined;
  if (distribution === 'Red Hat') {
    const redHat = redHatOsvEcosystem(rest);
    if (redHat === undefined) return undefined;
    ecosystem = redHat;
  } else {
    const release = reducedRelease(distribution, rest);
    if (rest.length > 0 && release === undefined) return undefined;
    ecosystem = release === undefined ? distribution : `${distribution}:${release}`;
    if (distribution === 'Debian' && release !== undefined) codename = debianCodename(release);
  }
  const stream = codename ?? (ecosystem === original ? undefined : original);
  return stream === undefined ? { ecosystem, scheme } : { ecosystem, stream, scheme };
}

/**
 * Reads an OSV ecosystem string; undefined for an ecosystem Patchline does not scan (a language ecosystem, or a
 * distribution without a version ordering here). The original string is kept as the stream whenever it says more
 * than the key; a Debian key's stream is its codename, as the Debian tracker importer writes it.
 */
export function readOsvEcosystem(original: string, purl?: string): OsvEcosystem | undefined {
  const colon = original.indexOf(':');
  const nameKind = nameKindOf(colon < 0 ? original : original.slice(0, colon), purl);
  const key = `${nameKind} ${original}`;
  let read = known.get(key);
  if (read === undefined) {
    const reading = readEcosystemString(original);
    read = reading === undefined ? null : { ...reading, nameKind };
    // Hostile input could hold endless distinct strings: forget rather than grow.
    if (known.size >= KNOWN_LIMIT) known.clear();
    known.set(key, read);
  }
  return read ?? undefined;
}
