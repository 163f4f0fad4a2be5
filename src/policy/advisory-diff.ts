import type { Package, PackageType } from '../inventory/index.js';
import { fullVersion } from '../inventory/index.js';
import type { Finding, FindingStatus, ScanResult } from '../scan/index.js';
import { safeCompare } from './package-diff.js';

/** One advisory on one package, as it moved between the two images. */
export interface AdvisoryChange {
  /** The advisory id (`ALSA-2024:0001`, `CVE-…`), as the scan reported it. */
  id: string;
  cves: string[];
  package: { type: PackageType; name: string; arch?: string };
  /** OLD's status for a fix gained (always fix-available), NEW's for an advisory newly applicable. */
  status: FindingStatus;
  /** The version(s) of the package in OLD and in NEW, `[epoch:]version[-release]`; absent where not installed. */
  oldVersions: string[];
  newVersions: string[];
  fixedVersion?: string;
  fixAdvisory?: string;
  fixAvailableSince?: string;
  /** Shown, never used to decide. */
  severity?: string;
  summary?: string;
  /**
   * Why it moved. Fixes gained: `upgraded` (NEW installs a newer version), `removed` (NEW no longer has the
   * package), `unchanged-version` (same version: the advisory data or a publisher statement changed).
   * Newly applicable: `added` (OLD did not have the package), `changed-version`, `unchanged-version`.
   */
  cause: 'upgraded' | 'removed' | 'added' | 'changed-version' | 'unchanged-version';
}

export interface AdvisoryDiff {
  computed: true;
  /** The database each scan read; a diff of scans of different snapshots says so in `note`. */
  database: { path: string; snapshotId: string; builtAt?: string };
  note?: string;
  /** fix-available findings of OLD that NEW no longer has: the fixes this update ships. */
  fixesGained: AdvisoryChange[];
  /** Findings of NEW (any status but not-affected) that OLD did not have. */
  newlyApplicable: AdvisoryChange[];
  /** Findings per status in each image. */
  counts: { old: Record<FindingStatus, number>; new: Record<FindingStatus, number> };
}

/** Why no advisory diff was made (no database, or --skip-advisories). */
export interface AdvisoryDiffSkipped {
  computed: false;
  reason: string;
}

const AFFECTED: ReadonlySet<FindingStatus> = new Set(['fix-available', 'no-fix-yet', 'will-not-fix']);

/**
 * A finding is the same finding across images when its advisory id and its package (type, name, architecture) are
 * the same; its installed version is not part of it, since a version change is what the diff is about. A package in
 * several versions is still exposed while any of its versions is (the scan reports each; the key covers them all).
 */
function findingKey(finding: Finding): string {
  const pkg = finding.package;
  return `${finding.id}\0${pkg.type}\0${pkg.name}\0${pkg.arch ?? ''}`;
}

export function diffAdvisories(
  oldScan: ScanResult,
  newScan: ScanResult,
  oldPackages: readonly Package[],
  newPackages: readonly Package[],
): AdvisoryDiff {
  const affectedInNew = new Set(newScan.findings.filter((f) => AFFECTED.has(f.status)).map(findingKey));
  const inOld = new Set(oldScan.findings.map(findingKey));
  const oldVersions = versionsByPackage(oldPackages);
  const newVersions = versionsByPackage(newPackages);
  const versions = (finding: Finding) => {
    const key = packageKey(finding.package);
    return { old: oldVersions.get(key) ?? [], new: newVersions.get(key) ?? [] };
  };

  const fixesGained: AdvisoryChange[] = [];
  const seenGained = new Set<string>();
  for (const finding of oldScan.findings) {
    const key = findingKey(finding);
    if (finding.status !== 'fix-available' || affectedInNew.has(key) || seenGained.has(key)) continue;
    seenGained.add(key);
    const installed = versions(finding);
    fixesGained.push(change(finding, installed, gainedCause(finding, installed)));
  }
  const newlyApplicable: AdvisoryChange[] = [];
  const seenNew = new Set<string>();
  for (const finding of newScan.findings) {
    const key = findingKey(finding);
    if (!AFFECTED.has(finding.status) || inOld.has(key) || seenNew.has(key)) continue;
    seenNew.add(key);
    const installed = versions(finding);
    newlyApplicable.push(change(finding, installed, applicableCause(finding, installed)));
  }

  const { ageSeconds: _age, ...database } = newScan.database;
  const diff: AdvisoryDiff = {
    computed: true,
    database,
    fixesGained,
    newlyApplicable,
    counts: { old: countStatuses(oldScan.findings), new: countStatuses(newScan.findings) },
  };
  if (oldScan.database.snapshotId !== newScan.database.snapshotId) {
    diff.note = `the images were scanned against different advisory snapshots (${oldScan.database.snapshotId}, ${newScan.database.snapshotId}): some changes may come from the data, not the images`;
  }
  return diff;
}

function gainedCause(finding: Finding, installed: { old: string[]; new: string[] }): AdvisoryChange['cause'] {
  if (installed.new.length === 0) return 'removed';
  const newest = installed.new[installed.new.length - 1]!;
  return safeCompare(finding.package.type, newest, finding.package.installed) > 0 ? 'upgraded' : 'unchanged-version';
}

function applicableCause(finding: Finding, installed: { old: string[]; new: string[] }): AdvisoryChange['cause'] {
  if (installed.old.length === 0) return 'added';
  const same = installed.old.some(
    (version) => safeCompare(finding.package.type, version, finding.package.installed) === 0,
  );
  return same ? 'unchanged-version' : 'changed-version';
}

function change(
  finding: Finding,
  installed: { old: string[]; new: string[] },
  cause: AdvisoryChange['cause'],
): AdvisoryChange {
  const { type, name, arch } = finding.package;
  const result: AdvisoryChange = {
    id: finding.id,
    cves: finding.cves,
    package: arch === undefined ? { type, name } : { type, name, arch },
    status: finding.status,
    oldVersions: installed.old,
    newVersions: installed.new,
    cause,
  };
  if (finding.fixedVersion !== undefined) result.fixedVersion = finding.fixedVersion;
  if (finding.fixAdvisory !== undefined) result.fixAdvisory = finding.fixAdvisory;
  if (finding.fixAvailableSince !== undefined) result.fixAvailableSince = finding.fixAvailableSince;
  if (finding.severity !== undefined) result.severity = finding.severity;
  if (finding.summary !== undefined) result.summary = finding.summary;
  return result;
}

function packageKey(pkg: { type: PackageType; name: string; arch?: string }): string {
  return `${pkg.type}\0${pkg.name}\0${pkg.arch ?? ''}`;
}

/** The installed versions of each package identity, oldest first. */
function versionsByPackage(packages: readonly Package[]): Map<string, string[]> {
  const byKey = new Map<string, string[]>();
  for (const pkg of packages) {
    const key = packageKey(pkg);
    const versions = byKey.get(key) ?? [];
    const version = fullVersion(pkg);
    if (!versions.includes(version)) versions.push(version);
    byKey.set(key, versions);
  }
  for (const [key, versions] of byKey) {
    const type = key.slice(0, key.indexOf('\0')) as PackageType;
    versions.sort((a, b) => safeCompare(type, a, b));
  }
  return byKey;
}

function countStatuses(findings: readonly Finding[]): Record<FindingStatus, number> {
  const counts: Record<FindingStatus, number> = {
    'fix-available': 0,
    'no-fix-yet': 0,
    'will-not-fix': 0,
    'not-affected': 0,
  };
  for (const finding of findings) counts[finding.status]++;
  return counts;
}
