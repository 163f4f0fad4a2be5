export { parseDurationSeconds } from './duration.js';
export { evaluatePolicy } from './evaluate.js';
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
export type { LoadedPolicy } from './load-policy.js';
export { loadPolicy, parsePolicy } from './load-policy.js';
export type { Policy, PolicyException, PolicySpec } from './policy-document.js';
export { EXCEPTION_STATUSES, policyJsonSchema, policySchema } from './policy-document.js';
