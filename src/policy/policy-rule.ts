import type { z } from 'zod';
import type { Finding } from '../scan/index.js';
import type { AppliedExceptions } from './exceptions.js';
import type { GateInputs } from './gate-inputs.js';
import type { ComplianceOutcome, RuleName, RuleResult } from './gate-result.js';
import type { DataInUse } from './rule-database.js';

/**
 * One section of the policy document's `spec` and the rules it decides, everything about it in one file: its schema,
 * its evaluation and the text reports give it. Each is listed once in rules.ts, which is where the policy document's
 * schema, the gate's evaluation, the evidence's rule names and the SARIF rules come from.
 */
export interface PolicyRule<Key extends string = string, Schema extends z.ZodType = z.ZodType> {
  /** Its key under `spec` in the policy document: `fixes`, `packages`. */
  key: Key;
  /** What `spec.<key>` may hold (optional: a policy leaves out the rules it does not set). */
  schema: Schema;
  /** A section that sets it, for docs and tests. */
  example: z.input<Schema>;
  /** A policy that sets only this sets no rule (exceptions only take findings out of the rules). */
  setsNoRule?: true;
  /** The rules it decides, in the order the results list them. */
  reports: readonly RuleReport[];
  /** Its results, one per report, `not-configured` when the section is absent. Pure: the clock is `context.at`. */
  evaluate(section: z.output<Schema>, context: RuleContext): RuleResult[];
}

export interface RuleReport {
  /** The rule's name in results, evidence and SARIF ruleIds: its path under `spec` (`fixes.maxAge`). */
  name: RuleName;
  /** SARIF's friendly name: one Pascal-case word that differs from the id by more than case (SARIF1001). */
  title: string;
  /** One sentence saying what the rule asks of an image. */
  help: string;
}

/** What every rule is evaluated against. */
export interface RuleContext {
  inputs: GateInputs;
  /** The evaluation's clock, in milliseconds. */
  at: number;
  /** The scan's findings once the policy's exceptions in force took theirs out. */
  findings: readonly Finding[];
  /** The advisory data the image's findings came from. */
  used: DataInUse;
  /** The exceptions as applied before any rule ran, since every rule over findings sees their effect. */
  exceptions: AppliedExceptions;
  /** OpenSCAP's results judged once, as the result's `compliance` section records them. */
  compliance: { rule: RuleResult; outcome?: ComplianceOutcome };
}

/** Keeps a rule's key and schema types, so the policy document's type is built from the registry. */
export function policyRule<const Key extends string, Schema extends z.ZodType>(
  rule: PolicyRule<Key, Schema>,
): PolicyRule<Key, Schema> {
  return rule;
}
