import type { Finding } from '../scan/index.js';
import type { GateResult } from './gate-result.js';

/**
 * Exposure: the fixes the image lacks and the oldest of them, among the findings left after VEX and exceptions. A fix
 * whose every CVE a statement covers is not counted (it is on record in `scan.suppressed`, with the statement); a fix
 * an exception covers only in part still is.
 */
export function exposureOf(findings: readonly Finding[], now: number): GateResult['exposure'] {
  const available = findings.filter((finding) => finding.status === 'fix-available');
  const exposure: GateResult['exposure'] = { unshippedFixes: available.length };
  let oldest: { finding: Finding; at: number } | undefined;
  for (const finding of available) {
    const at = Date.parse(finding.fixAvailableSince ?? '');
    if (Number.isNaN(at)) continue;
    if (oldest === undefined || at < oldest.at) oldest = { finding, at };
  }
  if (oldest !== undefined) {
    exposure.oldestFixAvailableSince = new Date(oldest.at).toISOString();
    exposure.oldestFixAgeSeconds = Math.max(0, Math.floor((now - oldest.at) / 1000));
    exposure.oldest = { finding: oldest.finding.id, package: oldest.finding.package.name };
  }
  return exposure;
}
