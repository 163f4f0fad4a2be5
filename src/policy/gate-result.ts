import type { Finding, ScanResult } from '../scan/index.js';

/**
 * What `patchline gate` decided and why: the contract between policy evaluation (src/policy/evaluate*.ts), the gate's
 * report writers (src/report/gate-*.ts) and the evidence record (src/policy/evidence.ts). Everything an auditor needs
 * to re-check a verdict is in here; nothing in here depends on the output format.
 */

/** The policy rules, named by their path under `spec` in the policy document. */
export type RuleName =
  | 'database.maxAge'
  | 'fixes.maxAge'
  | 'unfixed'
  | 'image.maxAge'
  | 'base.mustBeLatest'
  | 'packages.forbidden'
  | 'packages.required'
  | 'kernel.mustBeLatest'
  | 'compliance'
  | 'exceptions';

/**
 * `pass` and `fail` decide; `report` lists something that does not fail the gate (unfixed findings under
 * `unfixed: report`); `not-configured` for a rule the policy leaves out (kept so every rule's state is on record).
 */
export type RuleOutcome = 'pass' | 'fail' | 'report' | 'not-configured';

/** A package a rule points at (forbidden present, kernel not the newest); `required` ones may be absent. */
export interface RulePackage {
  name: string;
  /** The installed version as its scheme writes it; absent for a required package that is missing. */
  installed?: string;
  /** The glob of the policy that matched or found nothing. */
  pattern?: string;
  /** For kernel.mustBeLatest: the newest version the advisory data knows for the stream. */
  latest?: string;
}

/** One exception of the policy, as applied on this evaluation. */
export interface ExceptionOutcome {
  /** CVE or advisory id the exception names. */
  id: string;
  /** The package (glob) it is limited to, when it names one. */
  package?: string;
  status: 'not_affected' | 'affected' | 'fixed' | 'under_investigation' | 'accepted-risk';
  justification: string;
  approver: string;
  expires: string;
  /** active: in force and used; unused: in force but matched no finding; expired: past `expires` (fails the gate). */
  state: 'active' | 'unused' | 'expired';
  /** The findings (Finding.id + package name) it suppressed, or would have suppressed had it not expired. */
  /** The findings it covers, and which of each one's CVEs (a finding leaves the gate only when all are covered). */
  matched: Array<{ finding: string; package: string; cves: string[] }>;
}

export interface RuleResult {
  rule: RuleName;
  outcome: RuleOutcome;
  /** One line a person reads in a table or a CI log: what was measured against what. */
  message: string;
  /** What the rule looked at: the configured limit and the measured value, JSON-safe (durations in seconds). */
  inputs: Record<string, string | number | boolean | null | string[]>;
  /** The findings behind a fail or a report (fixes.maxAge, unfixed), in scan order. */
  findings: Finding[];
  /** The packages behind a fail (packages.*, kernel.mustBeLatest). */
  packages: RulePackage[];
}

/** What OpenSCAP says of one XCCDF rule (XCCDF 1.2 result values). */
export type XccdfResult =
  | 'pass'
  | 'fail'
  | 'error'
  | 'unknown'
  | 'notapplicable'
  | 'notchecked'
  | 'notselected'
  | 'informational'
  | 'fixed';

/**
 * The compliance rule's record: which content was evaluated (by digest), each selected rule's result, and what the
 * gate made of it. `failing` are the rules that fail the gate: fail, error and unknown, less those an exception in force
 * names.
 */
export interface ComplianceOutcome {
  datastream: { path: string; digest: string };
  profile: string;
  tailoring?: { path: string; digest: string };
  /** `oscap` and its version, as it reports itself. */
  scanner: string;
  /** Every rule the profile selected, in the order of the results file. */
  results: Array<{ rule: string; result: XccdfResult; excepted?: boolean }>;
  failing: string[];
  exceptions: ComplianceExceptionOutcome[];
  /** oscap's warnings, once each (probes that cannot look offline, e.g. sysctl reads the running kernel). */
  warnings: string[];
  /** The ARF results file kept beside the evidence, when the gate was asked for evidence. */
  arf?: { path: string; digest: string };
}

export interface ComplianceExceptionOutcome {
  rule: string;
  justification: string;
  approver: string;
  expires: string;
  /** active: in force and waiving a failing rule; unused: in force, the rule does not fail; expired: fails the gate. */
  state: 'active' | 'unused' | 'expired';
  /** The rule's result on this image; absent when the profile did not select it. */
  result?: XccdfResult;
}

export interface GateResult {
  apiVersion: 'patchline.dev/v1';
  kind: 'GateResult';
  verdict: 'pass' | 'fail';
  /** ISO 8601: the instant the policy was evaluated at (the injected clock in tests). */
  evaluatedAt: string;
  tool: { name: 'patchline'; version: string };
  image: {
    /** As given on the command line. */
    reference: string;
    /** sha256 digest of the manifest that was scanned, when the image has one. */
    digest?: string;
    /** Why `digest` was computed rather than checked against the source, when it was (docker-archive). */
    unverifiedIdentity?: string;
    /** The image config's `created`, when it has one. */
    created?: string;
    /** org.opencontainers.image.base.name / .digest labels, when present. */
    base?: { name: string; digest?: string };
  };
  policy: {
    /** The file as given. */
    path: string;
    /** `sha256:…` of the policy file's bytes. */
    digest: string;
    name: string;
  };
  database: {
    path: string;
    snapshotId: string;
    builtAt?: string;
    ageSeconds?: number;
    /** The sources (publisher formats and ecosystems) the database holds. */
    sources: string[];
  };
  rules: RuleResult[];
  exceptions: ExceptionOutcome[];
  /** The compliance rule's detail, when the policy sets one. */
  compliance?: ComplianceOutcome;
  /** Exposure: the fixes the image lacks, and the oldest of them. */
  exposure: {
    unshippedFixes: number;
    /** ISO 8601 of the oldest fix-available finding's fixAvailableSince. */
    oldestFixAvailableSince?: string;
    /** Seconds from oldestFixAvailableSince to evaluatedAt. */
    oldestFixAgeSeconds?: number;
    /** The finding id and package of that oldest fix. */
    oldest?: { finding: string; package: string };
  };
  /** The scan the verdict was computed from (findings after exceptions; the suppressed ones listed as such). */
  scan: ScanResult;
}
