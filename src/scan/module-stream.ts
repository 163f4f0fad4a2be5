import type { AffectedPackage } from '../advisories/index.js';
import type { Package } from '../inventory/index.js';

/**
 * rpm module streams. An installed modular rpm records its module in MODULARITYLABEL (`name:stream:version:context`);
 * an advisory entry names the stream its fix was built in (`nodejs:18`). Packages of one name are built in several
 * streams (and outside any) with unrelated version lines, so comparing across streams gives false findings both ways.
 */

/** `nodejs:18` from `nodejs:18:8090020230810123456:a75119d5`; undefined for a package built outside any module. */
export function packageModule(pkg: Pick<Package, 'modularityLabel'>): string | undefined {
  const [name, stream] = (pkg.modularityLabel ?? '').split(':');
  return name && stream ? `${name}:${stream}` : undefined;
}

/** The MBS disttag of a modular build (`.module+el9.4.0+…`, AlmaLinux's `.module_el8.9.0+…`). */
function isModularRelease(version: string): boolean {
  return /\.module[+_]el\d/.test(version);
}

function fixedVersions(entry: AffectedPackage): string[] {
  const fromRanges = (entry.ranges ?? []).flatMap((range) => range.events.flatMap((event) => event.fixed ?? []));
  return entry.fixedVersion === undefined ? fromRanges : [entry.fixedVersion, ...fromRanges];
}

/**
 * Whether an entry's module stream admits the package:
 * - an entry with a module matches only packages of that `name:stream`;
 * - an entry without one matches only non-modular packages (Red Hat and its rebuilders state module fixes per
 *   stream, so a plain entry is about the non-modular build),
 * - except an entry whose fixed build is itself modular but whose stream the publisher did not name (AlmaLinux's
 *   `varnish security update` titles): it is about some stream, so it matches modular packages of any stream, never
 *   a non-modular one.
 */
export function moduleAdmits(entry: AffectedPackage, pkg: Package): boolean {
  const installed = pkg.type === 'rpm' ? packageModule(pkg) : undefined;
  if (entry.module !== undefined) return installed === entry.module;
  if (entry.scheme === 'rpm' && hasModularFix(entry)) return installed !== undefined;
  return installed === undefined;
}

// Entries are evaluated against every package of their name; their fixed builds are read once.
const modularFix = new WeakMap<AffectedPackage, boolean>();

function hasModularFix(entry: AffectedPackage): boolean {
  let modular = modularFix.get(entry);
  if (modular === undefined) {
    modular = fixedVersions(entry).some(isModularRelease);
    modularFix.set(entry, modular);
  }
  return modular;
}
