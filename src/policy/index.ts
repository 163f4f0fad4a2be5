export { durationSeconds as parseDurationSeconds } from '../duration.js';
export type { AdvisoryChange, AdvisoryDiff, AdvisoryDiffSkipped } from './advisory-diff.js';
export { diffAdvisories } from './advisory-diff.js';
export { evaluatePolicy } from './evaluate.js';
export { gateEvidence, MAX_EVIDENCE_BYTES, parseGateEvidence } from './evidence.js';
export type { FindingReference, GateEvidence } from './evidence-schema.js';
export {
  GATE_EVIDENCE_SCHEMA_ID,
  GATE_PREDICATE_TYPE,
  gateEvidenceJsonSchema,
  gateEvidenceSchema,
} from './evidence-schema.js';
export type { GateStatement } from './evidence-statement.js';
export { gateInTotoStatement, IN_TOTO_STATEMENT_TYPE } from './evidence-statement.js';
export type { GateOptions } from './gate-image.js';
export { gateImage } from './gate-image.js';
export type { BaseLookup, GateInputs, ImageFacts, KernelFact, KernelFacts } from './gate-inputs.js';
export type {
  ExceptionOutcome,
  GateResult,
  RuleName,
  RuleOutcome,
  RulePackage,
  RuleResult,
} from './gate-result.js';
export type { GatherOptions } from './gather-inputs.js';
export { gatherInputs } from './gather-inputs.js';
export type { DiffImage, DiffOptions, DiffSide, ImageDiff } from './image-diff.js';
export { diffImages } from './image-diff.js';
export type { KernelChange, KernelChangeKind } from './kernel-diff.js';
export { bootedKernel, diffKernels } from './kernel-diff.js';
export type { DiffLayer, LayerDiff } from './layer-diff.js';
export { diffLayers } from './layer-diff.js';
export type { LoadedPolicy } from './load-policy.js';
export { loadPolicy, parsePolicy } from './load-policy.js';
export type { DiffPackage, PackageChange, PackageDiff } from './package-diff.js';
export { diffPackages } from './package-diff.js';
export type { Policy, PolicyException, PolicySpec } from './policy-document.js';
export { EXCEPTION_STATUSES, policyJsonSchema, policySchema } from './policy-document.js';
export type { PolicyRule, RuleContext, RuleReport } from './policy-rule.js';
export { POLICY_RULES, RULE_REPORTS, ruleReport } from './rules.js';
