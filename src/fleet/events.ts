import type { BatchBreakdown } from './batch-outcome.js';
import type { HostRecord, HostRolloutState, TransitionReason } from './host-state.js';
import type { RolloutPhase } from './resources.js';

/**
 * What happened, as data: decisions return events rather than logging them, and the store appends them in the same
 * transaction as the state they describe.
 */
export type RolloutEvent = HostStateChanged | BatchCompleted | PhaseChanged | OperatorAction;

interface EventBase {
  /** When the decision that saw it was taken. */
  at: string;
  rollout: string;
}

export interface HostStateChanged extends EventBase {
  type: 'host-state-changed';
  host: string;
  /** Undefined when the rollout first sees the host. */
  from?: HostRolloutState | undefined;
  to: HostRolloutState;
  reason: TransitionReason;
  detail?: string | undefined;
  batch?: number | undefined;
}

export interface BatchCompleted extends EventBase {
  type: 'batch-completed';
  batch: number;
  outcome: 'succeeded' | 'failed';
  breakdown: BatchBreakdown;
}

export interface PhaseChanged extends EventBase {
  type: 'phase-changed';
  from?: RolloutPhase | undefined;
  to: RolloutPhase;
  message?: string | undefined;
}

/** One change of one host's record, to persist; `from` is undefined for a host the rollout had not seen. */
export interface HostTransition {
  host: string;
  from?: HostRecord | undefined;
  to: HostRecord;
}

/** Something an operator did to the rollout (pause, resume, approve, abort), who did it and why. */
export interface OperatorAction extends EventBase {
  type: 'operator-action';
  action: 'pause' | 'resume' | 'approve' | 'abort';
  by?: string | undefined;
  reason?: string | undefined;
  /** For an approval: the batch it lets start. */
  batch?: number | undefined;
}
