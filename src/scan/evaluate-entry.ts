import type { AffectedPackage, VersionScheme } from '../advisories/index.js';
import type { Package } from '../inventory/index.js';
import { fullVersion } from '../inventory/index.js';
import { osvAffects, type VersionComparator, versionComparator } from '../version/index.js';
import type { FindingStatus } from './finding.js';
import { moduleAdmits } from './module-stream.js';
import { isExtendedSupportStream } from './redhat-minor.js';

/** What one advisory entry says about one installed package. */
export type EntryVerdict =
  /** The entry is not about this package (name, arch, module stream). */
  | { kind: 'unrelated' }
  /** About this package, and the installed version already has the fix (or is outside the affected ranges). */
  | { kind: 'clear' }
  | { kind: 'finding'; status: FindingStatus; fixedVersion?: string };

/**
 * Whether the entry names this package: a `binary` entry by the package's name, a `source` entry by its source
 * package (rpm SOURCERPM's name, dpkg Source, apk origin); then its arches and its rpm module stream.
 */
export function entryNamesPackage(entry: AffectedPackage, pkg: Package): boolean {
  if (entry.nameKind === 'binary') {
    if (pkg.name !== entry.package) return false;
    if (entry.arches && pkg.arch !== undefined && !entry.arches.includes(pkg.arch)) return false;
  } else if ((pkg.sourceName ?? pkg.name) !== entry.package) {
    return false;
  }
  // xUS fix builds are older than the main stream's: they would mark a main-stream image fixed too early.
  if (isExtendedSupportStream(entry.stream)) return false;
  return moduleAdmits(entry, pkg);
}

/**
 * The installed version an entry's versions are compared with. The Debian tracker and Debian's OSV records state
 * fixes in source versions, and a binNMU (`+b1`) or a differently versioned binary of the same source has a binary
 * version that is not the source's; rpm and apk subpackages carry their source's version.
 */
export function comparedVersion(entry: AffectedPackage, pkg: Package): string {
  if (entry.scheme === 'deb' && entry.nameKind === 'source' && pkg.sourceVersion) return pkg.sourceVersion;
  // An rpm without an epoch is written without one: compareEvr reads a missing epoch as 0, as rpm does.
  return fullVersion(pkg);
}

const NON_FIX_STATUS: Record<Exclude<AffectedPackage['status'], 'fixed'>, FindingStatus> = {
  affected: 'no-fix-yet',
  'fix-deferred': 'no-fix-yet',
  'will-not-fix': 'will-not-fix',
  'out-of-support': 'will-not-fix',
  'not-affected': 'not-affected',
};

/** The lowest `fixed` event above the installed version: the first build that has the fix for it. */
function firstFixAbove(entry: AffectedPackage, installed: string, compare: VersionComparator): string | undefined {
  const fixes = (entry.ranges ?? [])
    .filter((range) => range.type === 'ECOSYSTEM')
    .flatMap((range) => range.events.flatMap((event) => event.fixed ?? []))
    .filter((fixed) => compare(installed, fixed) < 0)
    .sort(compare);
  return fixes[0];
}

/**
 * Evaluates one entry against one package. Throws a PatchlineError for a version its scheme cannot read.
 * `comparators` lets a scan parse each version once (see version-cache.ts).
 */
export function evaluateEntry(
  entry: AffectedPackage,
  pkg: Package,
  comparators: (scheme: VersionScheme) => VersionComparator = versionComparator,
): EntryVerdict {
  if (!entryNamesPackage(entry, pkg)) return { kind: 'unrelated' };
  const compare = comparators(entry.scheme);
  const installed = comparedVersion(entry, pkg);
  const hasRanges = (entry.ranges?.length ?? 0) > 0 || (entry.versions?.length ?? 0) > 0;
  if (hasRanges && !osvAffects(entry, installed, compare)) return { kind: 'clear' };
  if (entry.status !== 'fixed') return { kind: 'finding', status: NON_FIX_STATUS[entry.status] };
  if (!hasRanges) {
    // `fixed` with neither a version nor ranges says nothing we can compare: no claim either way.
    if (entry.fixedVersion === undefined || compare(installed, entry.fixedVersion) >= 0) return { kind: 'clear' };
    return { kind: 'finding', status: 'fix-available', fixedVersion: entry.fixedVersion };
  }
  const fixedVersion = firstFixAbove(entry, installed, compare) ?? entry.fixedVersion;
  return fixedVersion === undefined
    ? { kind: 'finding', status: 'fix-available' }
    : { kind: 'finding', status: 'fix-available', fixedVersion };
}
