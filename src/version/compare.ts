import { type PackageKind, PatchlineError } from '../core/index.js';
import { compareApkVersions, isValidApkVersion } from './apk.js';
import { compareLegacyApkVersions, isValidLegacyApkVersion } from './apk-legacy.js';
import { compareDebVersions, parseDebVersion } from './dpkg.js';
import type { Ordering } from './ordering.js';
import { compareEvr, parseEvr } from './rpm.js';

/** A package manager's version ordering: rpm's EVRs, Debian's (dpkg) versions, Alpine's (apk) versions. */
export type VersionScheme = PackageKind;

export type VersionComparator = (a: string, b: string) => Ordering;

/**
 * apk-tools 3's order where it accepts both versions. Versions it refuses but apk-tools 2 accepted (Alpine packages
 * built before apk 3, such as openssh's `6.0.2p1-r1`) are compared as apk-tools 2 compared them; other versions throw,
 * as `apk version -t` refuses them. The empty string, which apk-tools 2 let through, is no package's version.
 */
function compareApk(a: string, b: string): Ordering {
  if (isValidApkVersion(a) && isValidApkVersion(b)) return compareApkVersions(a, b);
  for (const version of [a, b]) {
    if (version === '' || !isValidLegacyApkVersion(version)) {
      throw new PatchlineError('input', version, 'not a valid apk version');
    }
  }
  return compareLegacyApkVersions(a, b);
}

const COMPARATORS: Readonly<Record<VersionScheme, VersionComparator>> = {
  rpm: (a, b) => compareEvr(parseEvr(a), parseEvr(b)),
  deb: (a, b) => compareDebVersions(parseDebVersion(a), parseDebVersion(b)),
  apk: compareApk,
};

/** The comparator for a scheme, for code that compares many versions of one scheme (an OSV range, a sort). */
export function versionComparator(scheme: VersionScheme): VersionComparator {
  return COMPARATORS[scheme];
}

/**
 * Compares two versions as the scheme's package manager does: rpm `[epoch:]version[-release]` strings as python3-rpm's
 * labelCompare, Debian versions as `dpkg --compare-versions`, apk versions as `apk version -t`.
 * A version the package manager would refuse throws a PatchlineError that names it and says what is wrong.
 */
export function compareVersions(scheme: VersionScheme, a: string, b: string): Ordering {
  return COMPARATORS[scheme](a, b);
}
