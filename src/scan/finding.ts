import type { AdvisorySource, VersionScheme } from '../advisories/index.js';
import type { InventoryTarget, OperatingSystem, Package } from '../inventory/index.js';

/**
 * What a scan reports for one installed package and one advisory. Statuses are about fixes, not severity:
 * `fix-available` (a published fix is newer than what is installed), `no-fix-yet` (affected, nothing to install yet,
 * fix deferred included), `will-not-fix` (the publisher will not fix it in this stream, out of support scope included),
 * `not-affected` (the publisher, or a VEX statement, says so).
 */
export type FindingStatus = 'fix-available' | 'no-fix-yet' | 'will-not-fix' | 'not-affected';

export interface Finding {
  /** A stable id for the pair, used as SARIF ruleId and fingerprint: the advisory id (`ALSA-2024:0001`, `CVE-…`). */
  id: string;
  /** The advisory's aliases (CVE ↔ RHSA/ALSA/RLSA/DSA), sorted. */
  aliases: string[];
  /** The CVE ids among id and aliases, sorted: what VEX statements and policies name. */
  cves: string[];
  package: Pick<
    Package,
    'type' | 'name' | 'version' | 'release' | 'epoch' | 'arch' | 'sourceName' | 'purl' | 'modularityLabel'
  > & {
    /** The installed version as the scheme writes it: rpm `[E:]V-R`, deb, apk. */
    installed: string;
    layer?: Package['layer'];
  };
  scheme: VersionScheme;
  status: FindingStatus;
  /** The first version with the fix, when there is one. */
  fixedVersion?: string;
  /** The advisory that ships the fix (RHSA-…), when not `id`. */
  fixAdvisory?: string;
  /** ISO 8601: when the fix became available (publisher's date, else the first sync that saw it). */
  fixAvailableSince?: string;
  /** Whether fixAvailableSince is the publisher's date or our first sighting. */
  fixDateOrigin?: 'published' | 'first-seen';
  /** ISO 8601: when a sync of ours first saw the fix. */
  fixFirstSeen?: string;
  /** ISO 8601: when the advisory was published, as its publisher says. */
  published?: string;
  /** Shown, never used to decide. */
  severity?: string;
  summary?: string;
  /** Where the data came from: publisher format and ecosystem (`osv AlmaLinux:8`, `redhat-csaf-vex Red Hat:9 (for CentOS Stream 9)`). */
  source: { format: AdvisorySource; ecosystem: string; note?: string };
  references?: string[];
  /**
   * Statements (VEX or policy exceptions) that cover some, not all, of the finding's CVEs: it stays a finding until
   * every CVE is covered (src/scan/cve-coverage.ts).
   */
  coverage?: CveCoverage[];
}

/** A VEX statement or policy exception, as a report names it. */
export interface SuppressionStatement {
  source: string;
  status: string;
  justification?: string;
  impact?: string;
}

/** The CVEs of one finding that one statement covers. */
export interface CveCoverage {
  cves: string[];
  statement: SuppressionStatement;
}

/** A finding whose every CVE a VEX statement or policy exception covers, taken out of the results, and by what. */
export interface SuppressedFinding {
  finding: Finding;
  /** The statement that covers it (the latest, when several share its CVEs). */
  statement: SuppressionStatement;
  /** Which CVEs each statement covers, when the finding was suppressed per CVE. */
  coverage?: CveCoverage[];
}

export interface ScanResult {
  target: InventoryTarget;
  os?: OperatingSystem;
  /** The ecosystems matched and where their data came from. */
  ecosystems: Array<{ ecosystem: string; source: AdvisorySource | 'none'; note?: string }>;
  /** Sorted: fix-available first, oldest fix first; then no-fix-yet, will-not-fix, not-affected. */
  findings: Finding[];
  suppressed: SuppressedFinding[];
  database: { path: string; snapshotId: string; builtAt?: string; ageSeconds?: number };
  packages: number;
  scannedAt: string;
  /**
   * Set when no advisory data applies to the image (an OS without an ecosystem here, or one the database holds
   * nothing for): the result found nothing because there was nothing to look in, which is not a clean image.
   */
  noData?: string;
}
