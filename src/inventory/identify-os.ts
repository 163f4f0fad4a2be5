import type { FileRequest, FoundFile } from '../rootfs/index.js';
import type { OperatingSystem } from './os.js';
import { parseOsRelease } from './os-release.js';

type Family = OperatingSystem['family'];

/** os-release(5): `/etc/os-release` first, `/usr/lib/os-release` when the former is absent. */
const OS_RELEASE_FILES = ['etc/os-release', 'usr/lib/os-release'];

/**
 * The older one-line release files, for images without os-release (CentOS 6, SLES 11, distroless Debian, minimal
 * images). The Red Hat family's files all read `<Name> release <version> (<name of the release>)`; the more specific
 * ones come first because `redhat-release` and `system-release` also exist (as copies or links) on the derivatives.
 */
const REDHAT_STYLE_FILES = [
  'etc/centos-release',
  'etc/almalinux-release',
  'etc/rocky-release',
  'etc/oracle-release',
  'etc/fedora-release',
  'etc/redhat-release',
  'etc/system-release',
];
const SUSE_RELEASE = 'etc/SuSE-release';
const ALPINE_RELEASE = 'etc/alpine-release';
const DEBIAN_VERSION = 'etc/debian_version';

/** The files OS identification reads; exact paths, so the file tree follows their symlinks. */
export const osRequests: FileRequest[] = [
  ...OS_RELEASE_FILES,
  ...REDHAT_STYLE_FILES,
  SUSE_RELEASE,
  ALPINE_RELEASE,
  DEBIAN_VERSION,
].map((path) => ({ path }));

const FAMILY_BY_ID: Record<string, Family> = {
  rhel: 'redhat',
  centos: 'redhat',
  fedora: 'redhat',
  almalinux: 'redhat',
  rocky: 'redhat',
  ol: 'redhat',
  amzn: 'redhat',
  rhcos: 'redhat',
  sles: 'suse',
  sled: 'suse',
  sle_hpc: 'suse',
  sles_sap: 'suse',
  opensuse: 'suse',
  'opensuse-leap': 'suse',
  'opensuse-tumbleweed': 'suse',
  debian: 'debian',
  ubuntu: 'debian',
  alpine: 'alpine',
  wolfi: 'wolfi',
  // Chainguard's images are built from Wolfi's packages and advisories.
  chainguard: 'wolfi',
};

/** For IDs we do not list, the family their ID_LIKE names (`ID_LIKE="rhel fedora"` for CentOS Stream CoreOS). */
const FAMILY_BY_LIKE: Record<string, Family> = {
  rhel: 'redhat',
  fedora: 'redhat',
  centos: 'redhat',
  suse: 'suse',
  opensuse: 'suse',
  debian: 'debian',
  ubuntu: 'debian',
  alpine: 'alpine',
};

// Debian's os-release names the release (VERSION_CODENAME); a distroless image's os-release often names neither
// version nor release, and its debian_version gives only the number. Security advisories are per release name.
const DEBIAN_CODENAMES: Record<string, string> = {
  '7': 'wheezy',
  '8': 'jessie',
  '9': 'stretch',
  '10': 'buster',
  '11': 'bullseye',
  '12': 'bookworm',
  '13': 'trixie',
  '14': 'forky',
};

/** Identifies the OS from the files `osRequests` found; undefined when none of them tells. */
export async function identifyOs(files: FoundFile[]): Promise<OperatingSystem | undefined> {
  const wanted = new Set(osRequests.map((request) => request.path));
  const texts = new Map<string, string>();
  for (const file of files) {
    if (file.content && wanted.has(file.path)) texts.set(file.path, await file.content.text());
  }
  return identifyOsFromTexts(texts);
}

/** The same, from file texts by root-relative path: os-release when it names an ID, else the older files. */
export function identifyOsFromTexts(texts: ReadonlyMap<string, string>): OperatingSystem | undefined {
  return (
    fromOsRelease(texts) ?? fromRedHatStyle(texts) ?? fromSuseRelease(texts) ?? fromAlpine(texts) ?? fromDebian(texts)
  );
}

function familyOf(id: string, idLike: string[]): Family {
  return FAMILY_BY_ID[id] ?? idLike.map((like) => FAMILY_BY_LIKE[like]).find((family) => family) ?? 'unknown';
}

function fromOsRelease(texts: ReadonlyMap<string, string>): OperatingSystem | undefined {
  for (const path of OS_RELEASE_FILES) {
    const text = texts.get(path);
    if (text === undefined) continue;
    const values = parseOsRelease(text);
    const id = values.get('ID')?.toLowerCase();
    if (!id) continue;
    const idLike = (values.get('ID_LIKE') ?? '').toLowerCase().split(/\s+/).filter(Boolean);
    const os: OperatingSystem = { id, family: familyOf(id, idLike), source: path };
    const versionId = values.get('VERSION_ID');
    const codename = values.get('VERSION_CODENAME') || values.get('UBUNTU_CODENAME');
    const prettyName = values.get('PRETTY_NAME') || values.get('NAME');
    if (versionId) os.versionId = versionId;
    if (codename) os.codename = codename;
    if (prettyName) os.prettyName = prettyName;
    // CentOS Stream and CentOS Linux share ID=centos and differ in NAME ("CentOS Stream" / "CentOS Linux").
    if (id === 'centos') os.stream = /\bstream\b/i.test(values.get('NAME') ?? '');
    // Debian testing and unstable (and distroless images) have no VERSION_ID: debian_version tells the rest.
    if (id === 'debian' && !os.versionId) {
      const fromFile = fromDebian(texts);
      if (fromFile?.versionId) os.versionId = fromFile.versionId;
      if (!os.codename && fromFile?.codename) os.codename = fromFile.codename;
    }
    return os;
  }
  return undefined;
}

/** Release names as the Red Hat family's release files spell them, most specific first. */
const REDHAT_STYLE_NAMES: Array<{ name: RegExp; id: string; stream?: boolean }> = [
  { name: /^CentOS Stream\b/, id: 'centos', stream: true },
  { name: /^CentOS\b/, id: 'centos', stream: false },
  { name: /^Red Hat Enterprise Linux CoreOS\b/, id: 'rhcos' },
  { name: /^Red Hat Enterprise Linux\b/, id: 'rhel' },
  { name: /^Fedora\b/, id: 'fedora' },
  { name: /^AlmaLinux\b/, id: 'almalinux' },
  { name: /^Rocky Linux\b/, id: 'rocky' },
  { name: /^Oracle Linux\b/, id: 'ol' },
  { name: /^Amazon Linux\b/, id: 'amzn' },
];

/** `CentOS Linux release 7.6.1810 (Core)`, `Amazon Linux release 2 (Karoo)`, `CentOS Stream release 9`. */
function fromRedHatStyle(texts: ReadonlyMap<string, string>): OperatingSystem | undefined {
  for (const path of REDHAT_STYLE_FILES) {
    const line = firstLine(texts.get(path));
    const match = line ? /^(.*?)\s+release\s+(\S+)/.exec(line) : null;
    if (!line || !match) continue;
    const known = REDHAT_STYLE_NAMES.find((candidate) => candidate.name.test(match[1]!));
    if (!known) continue;
    // The version as the file writes it: CentOS's is the full one (7.6.1810) where its os-release says 7.
    const os: OperatingSystem = {
      id: known.id,
      family: 'redhat',
      versionId: match[2]!,
      prettyName: line,
      source: path,
    };
    if (known.stream !== undefined) os.stream = known.stream;
    return os;
  }
  return undefined;
}

/** SLES 11 and openSUSE 13: `SUSE Linux Enterprise Server 11 (x86_64)` then `VERSION = 11` and `PATCHLEVEL = 3`. */
function fromSuseRelease(texts: ReadonlyMap<string, string>): OperatingSystem | undefined {
  const text = texts.get(SUSE_RELEASE);
  const line = firstLine(text);
  if (!text || !line) return undefined;
  const id = /^SUSE Linux Enterprise Server\b/.test(line)
    ? 'sles'
    : /^SUSE Linux Enterprise Desktop\b/.test(line)
      ? 'sled'
      : /^openSUSE\b/i.test(line)
        ? 'opensuse'
        : undefined;
  if (!id) return undefined;
  const os: OperatingSystem = {
    id,
    family: 'suse',
    prettyName: line.replace(/\s*\([^)]*\)\s*$/, ''),
    source: SUSE_RELEASE,
  };
  const version = /^VERSION\s*=\s*(\S+)/m.exec(text)?.[1];
  const patchLevel = /^PATCHLEVEL\s*=\s*(\d+)/m.exec(text)?.[1];
  // os-release writes service pack 3 of SLES 11 as VERSION_ID="11.3", and the first release as "12".
  if (version) os.versionId = patchLevel && patchLevel !== '0' ? `${version}.${patchLevel}` : version;
  return os;
}

function fromAlpine(texts: ReadonlyMap<string, string>): OperatingSystem | undefined {
  const version = firstLine(texts.get(ALPINE_RELEASE));
  if (!version) return undefined;
  return { id: 'alpine', family: 'alpine', versionId: version, source: ALPINE_RELEASE };
}

/**
 * `etc/debian_version`: `12.4` for a release (os-release's VERSION_ID is then the major number, `12`), or
 * `trixie/sid` for testing and unstable, which have no version number yet, only the name of the coming release.
 */
function fromDebian(texts: ReadonlyMap<string, string>): OperatingSystem | undefined {
  const text = firstLine(texts.get(DEBIAN_VERSION));
  if (!text) return undefined;
  const os: OperatingSystem = { id: 'debian', family: 'debian', source: DEBIAN_VERSION };
  const number = /^(\d+)(?:\.\d+)*$/.exec(text);
  if (number) {
    os.versionId = number[1]!;
    const codename = DEBIAN_CODENAMES[os.versionId];
    if (codename) os.codename = codename;
  } else {
    const named = /^([a-z]+)\/sid$/.exec(text);
    os.codename = named ? named[1]! : text;
  }
  return os;
}

function firstLine(text: string | undefined): string | undefined {
  const line = text?.split(/\r?\n/)[0]?.trim();
  return line ? line : undefined;
}
