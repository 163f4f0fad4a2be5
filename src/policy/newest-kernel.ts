import type { AffectedMatch } from '../advisories/index.js';
import { fullVersion, type Package } from '../inventory/index.js';
import { evaluateEntry } from '../scan/index.js';
import { compareVersions } from '../version/index.js';

/**
 * The newest kernel build the advisory data knows for a kernel package: the highest `fixed` version among the entries
 * that name this package in its ecosystem (evaluateEntry decides which do: name or source name, arch, and Red Hat's
 * extended-support streams left out). Publishers ship each kernel update as a security advisory, so the newest fixed
 * version is the newest kernel of the stream as far as the advisory data knows.
 */
export function newestKernelFix(
  owner: Package,
  matches: readonly AffectedMatch[],
): { version: string; advisory: string } | undefined {
  let newest: { version: string; advisory: string; scheme: AffectedMatch['affected']['scheme'] } | undefined;
  for (const { advisory, affected } of matches) {
    if (advisory.withdrawn || affected.status !== 'fixed') continue;
    let related: boolean;
    try {
      related = evaluateEntry(affected, owner).kind !== 'unrelated';
    } catch {
      // A version the scheme cannot read says nothing about which build is newest.
      continue;
    }
    if (!related) continue;
    const versions = [
      ...(affected.fixedVersion === undefined ? [] : [affected.fixedVersion]),
      ...(affected.ranges ?? [])
        .filter((range) => range.type === 'ECOSYSTEM')
        .flatMap((range) => range.events.flatMap((event) => event.fixed ?? [])),
    ];
    for (const version of versions) {
      try {
        if (newest === undefined || compareVersions(affected.scheme, version, newest.version) > 0) {
          newest = { version, advisory: affected.fixAdvisory ?? advisory.id, scheme: affected.scheme };
        }
      } catch {
        // as above: an unreadable version is skipped
      }
    }
  }
  return newest === undefined ? undefined : { version: newest.version, advisory: newest.advisory };
}

/** The installed version the fixed versions are compared with (Debian states kernel fixes in source versions). */
export function kernelInstalledVersion(owner: Package): string {
  return owner.type === 'deb' && owner.sourceVersion ? owner.sourceVersion : fullVersion(owner);
}
