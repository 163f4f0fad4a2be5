// fleet/: hosts, fleets, releases and rollouts as pure decisions over state and time, and FleetLock semaphores.
// Nothing here reads the clock or does I/O; store/, server/ and cli/ build on it.

export { applyDecision } from './apply-decision.js';
export type { BatchBreakdown, BatchVerdict } from './batch-outcome.js';
export { batchBreakdownSchema, countBatch, describeBreakdown, judgeBatch } from './batch-outcome.js';
export type { Batch, BatchPlanInput, PlannedHost } from './batches.js';
export { batchCapacity, batchSchema, compareNames, finalBatchIndex, planBatches } from './batches.js';
export type { BootcHost } from './bootc-status.js';
export { bootcHostSchema, bootcIncompatibility, bootedDigest, rollbackDigest, stagedDigest } from './bootc-status.js';
export type { BudgetMember, DisruptionBudget } from './budget.js';
export { budgetGroup, budgetRoom, disruptionBudgetSchema, maxUnavailable } from './budget.js';
export type { CronParseResult, CronSchedule } from './cron.js';
export { cronExpressionSchema, cronFiresAt, cronMatches, cronSchedule, parseCron } from './cron.js';
export type { HoldReason, RolloutDecision, RolloutState } from './decide.js';
export { decideRollout } from './decide.js';
export { desiredDigestFor, revealsNow } from './desired-digest.js';
export { imageDigestSchema, isImageDigest } from './digest.js';
export { durationSchema, parseDuration, tryParseDuration } from './duration.js';
export type {
  BatchCompleted,
  HostStateChanged,
  HostTransition,
  OperatorAction,
  PhaseChanged,
  RolloutEvent,
} from './events.js';
export type { Exposure, ExposureStage, ExposureState, StageDuration } from './exposure.js';
export {
  exposureKey,
  exposureSchema,
  exposureStages,
  exposureStates,
  exposureWindowSeconds,
  lastHostHealthyAt,
  mergeExposure,
  stageDurations,
} from './exposure.js';
export type {
  FleetLockConfig,
  FleetLockError,
  FleetLockErrorKind,
  FleetLockOutcome,
  FleetLockRequest,
  FleetLockResponse,
  FleetLockState,
  LockHolder,
} from './fleetlock.js';
export {
  acquireLock,
  checkFleetLockHeader,
  EMPTY_FLEETLOCK,
  expireLocks,
  FLEETLOCK_GROUP_PATTERN,
  fleetLockIdSchema,
  fleetLockRequestSchema,
  lockHolders,
  parseFleetLockBody,
  releaseLock,
  slotsOf,
} from './fleetlock.js';
export type { HostObservation } from './host-observation.js';
export { observeHost } from './host-observation.js';
export type {
  HostRecord,
  HostRolloutState,
  HostStep,
  RollbackContext,
  StepContext,
  TransitionReason,
} from './host-state.js';
export {
  applyStep,
  awaitsRollback,
  hostRecordSchema,
  hostRolloutStates,
  isInFlight,
  isSettled,
  stepHost,
  stepHostInRollback,
  transitionReasons,
  withdrawUnserved,
} from './host-state.js';
export type { Instant } from './instant.js';
export { fromTimestamp, timestampSchema, toMillis, toTimestamp } from './instant.js';
export type { ParsedSelector } from './label-selector-text.js';
export { parseLabelSelector } from './label-selector-text.js';
export type { LabelSelector, Labels } from './labels.js';
export { labelKeySchema, labelSelectorSchema, labelsSchema, labelValueSchema, matchesSelector } from './labels.js';
export type { WallClock } from './local-time.js';
export { isTimeZone, utcOffset, wallClock } from './local-time.js';
export { fleetOfLabels, fleetOverlaps, fleetsMatching } from './membership.js';
export { hostLastSeen, hostOfflineAfterMs, isOnline } from './online.js';
export type { Pipeline, PipelineSpec, Promotion, TestStep } from './pipeline-resource.js';
export {
  DEFAULT_STEP_TIMEOUT,
  pipelineJsonSchema,
  pipelineSchema,
  pipelineSpecSchema,
  promotionSchema,
  testStepSchema,
} from './pipeline-resource.js';
export type { Fix, MissingFix, PipelineRun, RunOutcome, StepRecord, Trigger } from './pipeline-run.js';
export {
  fixKey,
  fixSchema,
  missingFixSchema,
  pipelineRunSchema,
  runOutcomes,
  stepRecordSchema,
  triggerSchema,
} from './pipeline-run.js';
export type { Quantity } from './quantity.js';
export { percentageSchema, quantitySchema, resolveQuantity } from './quantity.js';
export {
  previousRelease,
  releaseBlockers,
  releaseDigest,
  releaseDigests,
  releaseImageSchema,
  releaseRepository,
  repositorySchema,
} from './releases.js';
export type {
  Approval,
  BatchResult,
  FailedDigest,
  Fleet,
  Halt,
  Host,
  HostHealth,
  HostReport,
  ObjectMeta,
  Release,
  Rollout,
  RolloutPhase,
  RolloutStatus,
} from './resources.js';
export {
  API_PREFIX,
  API_VERSION,
  approvalSchema,
  batchResultSchema,
  DEFAULT_HOST_OFFLINE_AFTER,
  failedDigestSchema,
  fleetSchema,
  haltSchema,
  hostHealthSchema,
  hostReportSchema,
  hostSchema,
  isFinalPhase,
  objectMetaSchema,
  releaseSchema,
  resourceNameSchema,
  rolloutPhases,
  rolloutSchema,
  rolloutStatusSchema,
} from './resources.js';
export type { Actor, RolloutActionResult } from './rollout-actions.js';
export {
  abortRollout,
  approveNextBatch,
  batchToApprove,
  isSupersedable,
  pauseRollout,
  resumeRollout,
  supersedeRollout,
} from './rollout-actions.js';
export type { ResolvedRolloutPolicy, RolloutPolicy } from './rollout-policy.js';
export { ROLLOUT_POLICY_DEFAULTS, resolveRolloutPolicy, rolloutPolicySchema } from './rollout-policy.js';
export { hostsToWake } from './wakes.js';
export type { MaintenanceWindow, MaintenanceWindows } from './windows.js';
export {
  isAnyWindowOpen,
  isWindowOpen,
  maintenanceWindowSchema,
  maintenanceWindowsSchema,
  mayApplyNow,
  nextWindowOpening,
} from './windows.js';
