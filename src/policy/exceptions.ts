import { compileGlob } from '../core/index.js';
import type { Finding, ScanResult, SuppressedFinding, SuppressionStatement } from '../scan/index.js';
import { coverageOf, vulnerabilitiesNamed } from '../scan/index.js';
import type { ExceptionOutcome, RuleResult } from './gate-result.js';
import type { PolicyException } from './policy-document.js';

/**
 * Policy exceptions: VEX-shaped, approved statements that take findings out of the gate until they expire. An
 * exception names one vulnerability: a CVE covers that CVE of every advisory that lists it, an advisory id covers all
 * of that advisory's CVEs; a finding leaves the gate only when all its CVEs are covered (src/scan/cve-coverage.ts).
 * An exception in force covers what it names whatever its status (the status is what the approver states,
 * kept for the record); an expired one suppresses nothing and fails the gate, so a waiver never outlives its date
 * silently.
 */

/** The instant an exception stops applying: a bare date means its start, 00:00 UTC. */
export function expiryOf(exception: Pick<PolicyException, 'expires'>): number {
  return Date.parse(
    /^\d{4}-\d{2}-\d{2}$/.test(exception.expires) ? `${exception.expires}T00:00:00Z` : exception.expires,
  );
}

/** The finding's CVEs the exception covers (by its id, an alias or a CVE, and by package or source name), if any. */
export function exceptionCovers(exception: PolicyException, finding: Finding): string[] {
  const covered = vulnerabilitiesNamed(finding, [exception.id]);
  if (covered.length === 0 || exception.package === undefined) return covered;
  const { name, sourceName } = finding.package;
  const glob = compileGlob(exception.package, 'name');
  const packageMatches = glob.test(name) || (sourceName !== undefined && glob.test(sourceName));
  return packageMatches ? covered : [];
}

export interface AppliedExceptions {
  outcomes: ExceptionOutcome[];
  /** The scan with the findings of exceptions in force moved to `suppressed`. */
  scan: ScanResult;
  rule: RuleResult;
}

export function applyExceptions(
  exceptions: readonly PolicyException[] | undefined,
  scan: ScanResult,
  now: number,
  policyName: string,
): AppliedExceptions {
  const outcomes: ExceptionOutcome[] = [];
  // Per finding, the exception that covers each of its CVEs (the first one listed, when several do).
  const coveredBy = new Map<Finding, Map<string, PolicyException>>();
  for (const exception of exceptions ?? []) {
    const expired = !(now < expiryOf(exception));
    const matches = scan.findings
      .map((finding) => ({ finding, cves: exceptionCovers(exception, finding) }))
      .filter((match) => match.cves.length > 0);
    if (!expired) {
      for (const { finding, cves } of matches) {
        const byCve = coveredBy.get(finding) ?? new Map<string, PolicyException>();
        for (const cve of cves) if (!byCve.has(cve)) byCve.set(cve, exception);
        coveredBy.set(finding, byCve);
      }
    }
    const outcome: ExceptionOutcome = {
      id: exception.id,
      status: exception.status,
      justification: exception.justification,
      approver: exception.approver,
      expires: exception.expires,
      state: expired ? 'expired' : matches.length > 0 ? 'active' : 'unused',
      matched: matches.map(({ finding, cves }) => ({ finding: finding.id, package: finding.package.name, cves })),
    };
    if (exception.package !== undefined) outcome.package = exception.package;
    outcomes.push(outcome);
  }
  const describe = (exception: PolicyException): SuppressionStatement => ({
    source: `policy ${policyName} exception ${exception.id} (approved by ${exception.approver}, until ${exception.expires})`,
    status: exception.status,
    justification: exception.justification,
  });
  const suppressed: SuppressedFinding[] = [...scan.suppressed];
  const findings: Finding[] = [];
  for (const finding of scan.findings) {
    const byCve = coveredBy.get(finding);
    if (byCve === undefined) {
      findings.push(finding);
      continue;
    }
    const { complete, coverage } = coverageOf(finding, byCve, describe);
    if (complete) suppressed.push({ finding, statement: coverage[0]!.statement, coverage });
    else findings.push({ ...finding, coverage: [...(finding.coverage ?? []), ...coverage] });
  }
  const after: ScanResult = { ...scan, findings, suppressed };
  const count = suppressed.length - scan.suppressed.length;
  return { outcomes, scan: after, rule: exceptionsRule(exceptions, outcomes, count) };
}

function exceptionsRule(
  exceptions: readonly PolicyException[] | undefined,
  outcomes: ExceptionOutcome[],
  suppressed: number,
): RuleResult {
  const expired = outcomes.filter((outcome) => outcome.state === 'expired');
  const inputs = {
    exceptions: outcomes.length,
    active: outcomes.filter((outcome) => outcome.state === 'active').length,
    unused: outcomes.filter((outcome) => outcome.state === 'unused').length,
    expired: expired.map((outcome) => `${outcome.id}${outcome.package ? ` (${outcome.package})` : ''}`),
    suppressedFindings: suppressed,
  };
  if (exceptions === undefined) {
    return {
      rule: 'exceptions',
      outcome: 'not-configured',
      message: 'no exceptions',
      inputs,
      findings: [],
      packages: [],
    };
  }
  if (expired.length > 0) {
    const list = expired.map(
      (outcome) => `${outcome.id} (expired ${outcome.expires}, approved by ${outcome.approver})`,
    );
    return {
      rule: 'exceptions',
      outcome: 'fail',
      message: `${expired.length} exception(s) expired: ${list.join(', ')}; renew or remove them`,
      inputs,
      findings: [],
      packages: [],
    };
  }
  return {
    rule: 'exceptions',
    outcome: 'pass',
    message: `${inputs.active} exception(s) in force suppressing ${suppressed} finding(s), ${inputs.unused} unused, none expired`,
    inputs,
    findings: [],
    packages: [],
  };
}
