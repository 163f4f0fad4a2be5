import type { AffectedPackage } from '../advisories/index.js';
import type { OperatingSystem, Package } from '../inventory/index.js';

/**
 * RHEL 9 and earlier state every main-stream fix under the major's CPE (`cpe:/o:redhat:enterprise_linux:9`), whatever
 * minor release it was built for: curl's CVE-2023-38545 lists `7.76.1-23.el9_2.4` (product BaseOS-9.2.0.Z.MAIN.EUS)
 * and `7.76.1-26.el9_3.2` (BaseOS-9.3.0.Z.MAIN) side by side. A z-stream fix for 9.2 is not in the 9.3 builds that
 * sort above it (9.3's own `7.76.1-26.el9` lacks it), so "has any listed fix" would call an unfixed 9.3 build fixed.
 * Red Hat's guidance for scanner vendors matches an image's packages against the main-stream product of its release
 * (its example picks `BaseOS-9.5.0.Z.MAIN` and filters out the other streams' builds), so a package is judged by the
 * fixes of one minor release: its own (the `elN_M` of its release), else the image's (os-release VERSION_ID), else,
 * when neither is known (CentOS Stream's `9`, a GA build) or no fix was built for that minor or a later one, the latest
 * minor listed. Fixes whose release names no minor (a GA build, `.el9`) are kept: a fix in a GA build is carried
 * into every later minor. Decision 0012.
 */

/** The RHEL minor a build belongs to: `26.el9_3.2` → 3, `…module+el9.4.0+…` → 4; undefined for a GA build (`.el9`). */
export function buildMinor(version: string): number | undefined {
  const minor = /\.el\d+_(\d+)/.exec(version)?.[1] ?? /\.module\+el\d+\.(\d+)\./.exec(version)?.[1];
  return minor === undefined ? undefined : Number(minor);
}

/** The minor release os-release names (`VERSION_ID="9.3"` → 3); undefined when it names the major only. */
export function osMinor(os: Pick<OperatingSystem, 'versionId'> | undefined): number | undefined {
  const minor = /^\d+\.(\d+)/.exec(os?.versionId ?? '')?.[1];
  return minor === undefined ? undefined : Number(minor);
}

// Red Hat's extended-support streams (EUS, AUS, E4S, TUS, ELS), as the CSAF importers keep them (the CPE) and as
// Red Hat's OSV records name them (`Red Hat:rhel_eus:9.2::appstream`).
const EXTENDED_SUPPORT_STREAM = /^(?:cpe:\/[ao]:redhat:|Red Hat:)rhel_(?:eus|aus|e4s|tus|els)(?::|$)/;

/**
 * Whether an entry's stream is one of Red Hat's extended-support streams: they get their own, older, fix builds, and
 * a plain RHEL N image follows the main stream, as Red Hat's guidance for scanners says.
 */
export function isExtendedSupportStream(stream: string | undefined): boolean {
  return stream !== undefined && EXTENDED_SUPPORT_STREAM.test(stream);
}

function isMainStreamFix(entry: AffectedPackage): boolean {
  // Layered products are `Red Hat layered:N`; an xUS minor must not choose the minor, as its entries never match.
  return entry.status === 'fixed' && /^Red Hat:\d+$/.test(entry.ecosystem) && !isExtendedSupportStream(entry.stream);
}

function fixMinors(entry: AffectedPackage): number[] {
  const fixed = (entry.ranges ?? []).flatMap((range) => range.events.flatMap((event) => event.fixed ?? []));
  if (entry.fixedVersion !== undefined) fixed.push(entry.fixedVersion);
  return fixed.flatMap((version) => buildMinor(version) ?? []);
}

/**
 * One advisory's entries naming a package, without the main-stream fixes of minor releases other than the one the
 * package is judged by. Entries of other ecosystems, and advisories whose fixes name one minor or none, pass as they are.
 */
export function entriesForMinor<T extends { affected: AffectedPackage }>(
  matches: readonly T[],
  pkg: Pick<Package, 'version' | 'release'>,
  imageMinor: number | undefined,
): readonly T[] {
  const minors = new Set<number>();
  for (const match of matches) {
    if (isMainStreamFix(match.affected)) for (const minor of fixMinors(match.affected)) minors.add(minor);
  }
  if (minors.size < 2) return matches;
  const listed = [...minors].sort((a, b) => a - b);
  const own = buildMinor(pkg.release ?? pkg.version) ?? imageMinor;
  const chosen = (own === undefined ? undefined : listed.find((minor) => minor >= own)) ?? listed.at(-1);
  return matches.filter((match) => {
    if (!isMainStreamFix(match.affected)) return true;
    const entryMinors = fixMinors(match.affected);
    return entryMinors.length === 0 || entryMinors.includes(chosen as number);
  });
}
