import type { Exposure, ExposureStage, Fix, MissingFix } from '../fleet/index.js';
import { fixKey } from '../fleet/index.js';
import type { Finding, ScanResult } from '../scan/index.js';

/** A fix an image lacks, with the dates the exposure ledger starts from. */
export interface FixFacts extends Fix {
  /** The installed version that lacks it. */
  installed: string;
  published?: string;
  available?: string;
  seen?: string;
}

/** The published fixes an image lacks: its `fix-available` findings, one per advisory and package. */
export function missingFixesOf(scan: ScanResult): FixFacts[] {
  const fixes = new Map<string, FixFacts>();
  for (const finding of scan.findings) {
    if (finding.status !== 'fix-available') continue;
    const fix = factsOf(finding);
    if (!fixes.has(fixKey(fix))) fixes.set(fixKey(fix), fix);
  }
  return [...fixes.values()];
}

function factsOf(finding: Finding): FixFacts {
  const fix: FixFacts = {
    advisory: finding.fixAdvisory ?? finding.id,
    package: finding.package.name,
    installed: finding.package.installed,
  };
  if (finding.fixedVersion !== undefined) fix.fixedVersion = finding.fixedVersion;
  if (finding.cves.length > 0) fix.cves = finding.cves;
  // The advisory's own date; a publisher that dates only the fix (Debian's DSA list) published it then.
  const published =
    finding.published ?? (finding.fixDateOrigin === 'published' ? finding.fixAvailableSince : undefined);
  if (published !== undefined) fix.published = published;
  if (finding.fixAvailableSince !== undefined) fix.available = finding.fixAvailableSince;
  if (finding.fixFirstSeen !== undefined) fix.seen = finding.fixFirstSeen;
  return fix;
}

/** The plain fix, as a run records it. */
export function fixOf(facts: FixFacts): Fix {
  const fix: Fix = { advisory: facts.advisory, package: facts.package };
  if (facts.fixedVersion !== undefined) fix.fixedVersion = facts.fixedVersion;
  if (facts.cves !== undefined) fix.cves = facts.cves;
  return fix;
}

export interface Verification {
  /** Fixes the old image lacked and the new one has. */
  shipped: FixFacts[];
  /** Fixes the run meant to ship that the new image still lacks, each with why. */
  missing: MissingFix[];
}

export const NOT_INSTALLABLE = 'fix not installable yet';

/**
 * What a new image ships compared with the current one, and which of the fixes a run set out to ship it still lacks.
 * A lacking fix is never a silent success: it is named with the version the image still has.
 */
export function verifyFixes(
  expected: readonly Fix[],
  before: readonly FixFacts[] | undefined,
  after: readonly FixFacts[],
): Verification {
  const stillMissing = new Map(after.map((fix) => [fixKey(fix), fix]));
  const shipped = (before ?? []).filter((fix) => !stillMissing.has(fixKey(fix)));
  const missing: MissingFix[] = [];
  for (const fix of expected) {
    const lacking = stillMissing.get(fixKey(fix));
    if (lacking === undefined) continue;
    missing.push({
      fix,
      installed: lacking.installed,
      reason:
        `${NOT_INSTALLABLE}: the new image still has ${fix.package} ${lacking.installed}` +
        `${fix.fixedVersion === undefined ? '' : `, the fix is ${fix.fixedVersion}`}` +
        ' (the package repository does not offer it yet, a version is pinned, or the package is excluded)',
    });
  }
  return { shipped, missing };
}

/** Ledger entries for some fixes on some fleets, with the stages reached now. */
export function exposureRecords(
  fixes: readonly (Fix & Partial<Pick<FixFacts, 'published' | 'available' | 'seen'>>)[],
  fleets: readonly string[],
  update: {
    state: Exposure['state'];
    stages: Partial<Record<ExposureStage, string>>;
    note?: string;
    releases?: Readonly<Record<string, string>>;
  },
): Exposure[] {
  const records: Exposure[] = [];
  for (const fleet of fleets) {
    for (const fix of fixes) {
      const stages: Exposure['stages'] = { ...update.stages };
      if (fix.published !== undefined) stages.published = fix.published;
      if (fix.available !== undefined) stages.available = fix.available;
      if (fix.seen !== undefined) stages.seen = fix.seen;
      const release = update.releases?.[fleet];
      const record: Exposure = {
        fleet,
        advisory: fix.advisory,
        package: fix.package,
        state: update.state,
        stages,
        releases: release === undefined ? [] : [release],
      };
      if (fix.fixedVersion !== undefined) record.fixedVersion = fix.fixedVersion;
      if (fix.cves !== undefined) record.cves = fix.cves;
      if (update.note !== undefined) record.note = update.note;
      records.push(record);
    }
  }
  return records;
}
