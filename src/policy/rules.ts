import type { RuleName } from './gate-result.js';
import type { RuleReport } from './policy-rule.js';
import { compliancePolicy } from './rule-compliance.js';
import { databasePolicy } from './rule-database.js';
import { exceptionsPolicy } from './rule-exceptions.js';
import { fixesPolicy, unfixedPolicy } from './rule-findings.js';
import { basePolicy, imagePolicy } from './rule-image.js';
import { kernelPolicy } from './rule-kernel.js';
import { packagesPolicy } from './rule-packages.js';

/**
 * Every policy rule, one line each, in the order the gate evaluates them and its results, evidence and reports list
 * them. The policy document's `spec` is made of their sections.
 */
export const POLICY_RULES = [
  databasePolicy,
  fixesPolicy,
  unfixedPolicy,
  imagePolicy,
  basePolicy,
  packagesPolicy,
  kernelPolicy,
  compliancePolicy,
  exceptionsPolicy,
] as const;

/** Every rule a gate result holds, by name, in result order. */
export const RULE_REPORTS: readonly RuleReport[] = POLICY_RULES.flatMap((rule) => rule.reports);

/** A rule's name as reports give it: every RuleName is declared by one registered rule (rules.test.ts). */
export function ruleReport(name: RuleName): RuleReport {
  const report = RULE_REPORTS.find((each) => each.name === name);
  if (report === undefined) throw new Error(`no registered policy rule reports ${name}`);
  return report;
}
