import { versionComparator } from '../version/index.js';
import type { Finding } from './finding.js';
import { STATUS_ORDER } from './finding-order.js';

/**
 * Several advisories often speak of one CVE in one package (an ALSA and the Debian tracker's CVE entry, a DSA and
 * its DLA, two errata sharing a CVE). They become one finding: the most actionable one is kept and the others'
 * ids join its aliases, so nothing they named is lost and a CVE is not counted twice.
 */

export function cvesOf(id: string, aliases: readonly string[]): string[] {
  return [...new Set([id, ...aliases].filter((name) => name.startsWith('CVE-')))].sort();
}

/**
 * Which of two findings of one group to keep: a fix over no fix; between fixes, the higher fixed version (installing
 * it clears every advisory of the group); then the advisory that ships the fix (an erratum) over one that only
 * describes the CVE; then the older fix date; then the id, for a stable answer.
 */
function better(a: Finding, b: Finding): Finding {
  const byStatus = STATUS_ORDER.indexOf(a.status) - STATUS_ORDER.indexOf(b.status);
  if (byStatus !== 0) return byStatus < 0 ? a : b;
  if (a.fixedVersion !== undefined && b.fixedVersion !== undefined && a.scheme === b.scheme) {
    const byFix = versionComparator(a.scheme)(a.fixedVersion, b.fixedVersion);
    if (byFix !== 0) return byFix > 0 ? a : b;
  } else if ((a.fixedVersion === undefined) !== (b.fixedVersion === undefined)) {
    return a.fixedVersion !== undefined ? a : b;
  }
  const aShips = !a.id.startsWith('CVE-');
  const bShips = !b.id.startsWith('CVE-');
  if (aShips !== bShips) return aShips ? a : b;
  const aSince = a.fixAvailableSince ? Date.parse(a.fixAvailableSince) : Number.POSITIVE_INFINITY;
  const bSince = b.fixAvailableSince ? Date.parse(b.fixAvailableSince) : Number.POSITIVE_INFINITY;
  if (aSince !== bSince) return aSince < bSince ? a : b;
  return a.id <= b.id ? a : b;
}

/** Merges the findings of one installed package: groups are the findings linked by a shared CVE (or the same id). */
export function mergeFindings(findings: readonly Finding[]): Finding[] {
  const parent = findings.map((_, index) => index);
  const root = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]!]!;
      i = parent[i]!;
    }
    return i;
  };
  const owner = new Map<string, number>();
  findings.forEach((finding, index) => {
    for (const name of [finding.id, ...finding.cves]) {
      const seen = owner.get(name);
      if (seen === undefined) owner.set(name, index);
      else parent[root(index)] = root(seen);
    }
  });
  const groups = new Map<number, Finding[]>();
  findings.forEach((finding, index) => {
    const key = root(index);
    groups.set(key, [...(groups.get(key) ?? []), finding]);
  });
  return [...groups.values()].map((group) => {
    if (group.length === 1) return group[0]!;
    const kept = group.reduce(better);
    const aliases = new Set(group.flatMap((finding) => [finding.id, ...finding.aliases]));
    aliases.delete(kept.id);
    const merged: Finding = { ...kept, aliases: [...aliases].sort() };
    merged.cves = cvesOf(merged.id, merged.aliases);
    return merged;
  });
}
