import { PatchlineError } from '../../core/index.js';

/**
 * Which advisory ecosystem a repository's updateinfo speaks for. The file itself does not say which distribution it
 * belongs to, so the user names it as os-release writes it (`ol:9`, `amzn:2023`, `fedora:41`: the ID and VERSION_ID of
 * the images the repository serves), and the key is the one scan/ecosystems.ts looks those images up in. Without a
 * name, the erratum's own id and the packages' dist tag decide for the publishers whose ids say who they are
 * (ELSA-…/el9, ALAS2023-…, FEDORA-…/fc41); anything else needs the name (docs/decisions/0062).
 */

interface Distribution {
  /** The ecosystem key for a VERSION_ID, or undefined when the version is not one this distribution numbers so. */
  key(version: string): string | undefined;
}

const majorOf = (version: string) => /^(\d+)(?:\.\d+)*$/.exec(version)?.[1];
const majorMinorOf = (version: string) => /^\d+\.\d+$/.exec(version)?.[0];

const DISTRIBUTIONS: Record<string, Distribution> = {
  fedora: { key: (v) => (/^\d+$/.test(v) ? `Fedora:${v}` : undefined) },
  ol: { key: (v) => (majorOf(v) ? `Oracle Linux:${majorOf(v)}` : undefined) },
  amzn: { key: (v) => (v === '2' || v === '2023' ? `Amazon Linux:${v}` : undefined) },
  almalinux: { key: (v) => (majorOf(v) ? `AlmaLinux:${majorOf(v)}` : undefined) },
  rocky: { key: (v) => (majorOf(v) ? `Rocky Linux:${majorOf(v)}` : undefined) },
  rhel: { key: (v) => (majorOf(v) ? `Red Hat:${majorOf(v)}` : undefined) },
  centos: { key: (v) => (majorOf(v) ? `Red Hat:${majorOf(v)}` : undefined) },
  'opensuse-leap': { key: (v) => (majorMinorOf(v) ? `openSUSE:Leap ${v}` : undefined) },
  sles: { key: (v) => (/^\d+(?:\.\d+)?$/.test(v) ? `SUSE:${v}` : undefined) },
};

/** `ol:9` → `Oracle Linux:9`; a clear usage error for anything else, naming `what` (the option as given). */
export function ecosystemOfOsRelease(spec: string, what: string): string {
  const match = /^([a-z][a-z0-9._-]*):([0-9][0-9.]*)$/.exec(spec.trim());
  const known = Object.keys(DISTRIBUTIONS).join(', ');
  if (match === null) {
    throw new PatchlineError(
      'usage',
      what,
      `expected the os-release ID:VERSION_ID of the images, e.g. ol:9 (IDs: ${known})`,
    );
  }
  const distribution = DISTRIBUTIONS[match[1]!];
  if (distribution === undefined)
    throw new PatchlineError('usage', what, `unknown os-release ID "${match[1]}" (known: ${known})`);
  const key = distribution.key(match[2]!);
  if (key === undefined) throw new PatchlineError('usage', what, `"${match[2]}" is not a VERSION_ID of ${match[1]}`);
  return key;
}

/** The os-release IDs `ecosystemOfOsRelease` knows, for the consistency test against scan's mapping. */
export const OS_RELEASE_IDS: readonly string[] = Object.keys(DISTRIBUTIONS);

/**
 * The ecosystem an erratum's id and its packages' releases name, or undefined: Oracle's ELSA/ELBA/ELEA with an
 * `.elN` release, Amazon's ALAS2-/ALAS2023- (Amazon Linux 2 and 2023; plain ALAS- is the retired Amazon Linux AMI),
 * Fedora's FEDORA- with an `.fcN` release (`module+el8.10.0+…` is a module build's spelling of the dist tag).
 */
export function inferEcosystem(id: string, releases: readonly string[]): string | undefined {
  const tag = (pattern: RegExp) => {
    const found = new Set(releases.map((release) => pattern.exec(release)?.[1]).filter((n) => n !== undefined));
    return found.size === 1 ? [...found][0] : undefined;
  };
  if (/^EL[SBE]A-/.test(id)) {
    const n = tag(/[.+]el(\d+)/);
    return n === undefined ? undefined : `Oracle Linux:${n}`;
  }
  if (id.startsWith('ALAS2023-')) return 'Amazon Linux:2023';
  if (id.startsWith('ALAS2-')) return 'Amazon Linux:2';
  if (/^FEDORA-\d{4}-/.test(id)) {
    const n = tag(/[.+]fc(\d+)/);
    return n === undefined ? undefined : `Fedora:${n}`;
  }
  return undefined;
}
