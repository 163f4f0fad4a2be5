import type { OperatorAction, PhaseChanged } from './events.js';
import { type Instant, toMillis, toTimestamp } from './instant.js';
import { isFinalPhase, type Rollout, type RolloutPhase } from './resources.js';

/**
 * What people do to a rollout by hand. Each is an edit of the rollout's spec that the next decision acts on, so the
 * store saves it like any other change and a restart loses nothing; the store also appends the action, with who did
 * it and why, to the rollout's events.
 */
export type RolloutActionResult =
  | { ok: true; rollout: Rollout; action?: OperatorAction | PhaseChanged | undefined }
  | { ok: false; problem: string };

/** Who acted and why, as the operator said it (both optional but for abort's reason). */
export interface Actor {
  by?: string | undefined;
  reason?: string | undefined;
}

function finished(rollout: Rollout): RolloutActionResult | undefined {
  const phase = rollout.status?.phase;
  return phase !== undefined && isFinalPhase(phase)
    ? { ok: false, problem: `rollout ${rollout.metadata.name} is ${phase}` }
    : undefined;
}

function withSpec(
  rollout: Rollout,
  spec: Partial<Rollout['spec']>,
  action: OperatorAction['action'],
  actor: Actor,
  now: Instant,
  batch?: number,
): RolloutActionResult {
  const event: OperatorAction = {
    type: 'operator-action',
    at: toTimestamp(toMillis(now)),
    rollout: rollout.metadata.name,
    action,
    ...(actor.by === undefined ? {} : { by: actor.by }),
    ...(actor.reason === undefined ? {} : { reason: actor.reason }),
    ...(batch === undefined ? {} : { batch }),
  };
  return { ok: true, rollout: { ...rollout, spec: { ...rollout.spec, ...spec } }, action: event };
}

/** Hosts already told carry on; nobody new is selected until resumed. */
export function pauseRollout(rollout: Rollout, now: Instant, actor: Actor = {}): RolloutActionResult {
  return finished(rollout) ?? withSpec(rollout, { paused: true }, 'pause', actor, now);
}

export function resumeRollout(rollout: Rollout, now: Instant, actor: Actor = {}): RolloutActionResult {
  return finished(rollout) ?? withSpec(rollout, { paused: false }, 'resume', actor, now);
}

/**
 * The batch an approval lets start: the current batch when it has not started yet (it waits for approval, or the
 * rollout was paused while it would have), else the one after it. Batch 0 never needs one. The rollout must carry
 * its host records (status.hosts), which say whether the current batch has started.
 */
export function batchToApprove(rollout: Rollout): number {
  const status = rollout.status;
  if (status === undefined) return 1;
  const started = Object.values(status.hosts).some((host) => host.batch === status.batch);
  return status.batch > 0 && !started ? status.batch : status.batch + 1;
}

/**
 * Lets the next batch start (see batchToApprove). Approving a batch already approved changes nothing, so an
 * approval sent twice never lets two batches through.
 */
export function approveNextBatch(
  rollout: Rollout,
  actor: Actor | string | undefined,
  now: Instant,
): RolloutActionResult {
  const done = finished(rollout);
  if (done !== undefined) {
    return done;
  }
  const who: Actor = typeof actor === 'string' ? { by: actor } : (actor ?? {});
  const batch = batchToApprove(rollout);
  const approvals = rollout.spec.approvals ?? [];
  if (approvals.some((approval) => approval.batch === batch)) {
    return { ok: true, rollout };
  }
  const approval = {
    batch,
    at: toTimestamp(toMillis(now)),
    ...(who.by === undefined ? {} : { by: who.by }),
    ...(who.reason === undefined ? {} : { reason: who.reason }),
  };
  return withSpec(rollout, { approvals: [...approvals, approval] }, 'approve', who, now, batch);
}

/** Stops for good: hosts already told keep the release, nobody else gets it. A rollback in progress is not stopped. */
export function abortRollout(
  rollout: Rollout,
  reason: string,
  by: string | undefined,
  now: Instant,
): RolloutActionResult {
  const done = finished(rollout);
  if (done !== undefined) {
    return done;
  }
  if (rollout.status?.phase === 'rolling-back') {
    return { ok: false, problem: `rollout ${rollout.metadata.name} is rolling back; that finishes on its own` };
  }
  if (reason.trim() === '') {
    return { ok: false, problem: 'an abort needs a reason' };
  }
  const abort = { reason, at: toTimestamp(toMillis(now)), ...(by === undefined ? {} : { by }) };
  return withSpec(rollout, { abort }, 'abort', { by, reason }, now);
}

/** Phases in which a rollout has nothing moving that a newer release could disturb: it only waits. */
export function isSupersedable(phase: RolloutPhase | undefined): boolean {
  return phase === 'blocked' || phase === 'waiting-for-approval';
}

/**
 * Ends a rollout that waits (blocked by its release's gate, or waiting for an approval) because a rollout of a newer
 * release of its fleet starts: it becomes aborted, its message and abort say by what, and the phase change is its
 * event. Hosts it already updated follow the new rollout from then on.
 */
export function supersedeRollout(
  rollout: Rollout,
  by: { rollout: string; release: string },
  now: Instant,
): RolloutActionResult {
  const status = rollout.status;
  if (status === undefined || !isSupersedable(status.phase)) {
    return {
      ok: false,
      problem: `rollout ${rollout.metadata.name} is ${status?.phase ?? 'new'}; only a blocked or waiting rollout is superseded`,
    };
  }
  const at = toTimestamp(toMillis(now));
  const message = `superseded by rollout ${by.rollout} of the newer release ${by.release}`;
  const event: PhaseChanged = {
    type: 'phase-changed',
    at,
    rollout: rollout.metadata.name,
    from: status.phase,
    to: 'aborted',
    message,
  };
  return {
    ok: true,
    rollout: {
      ...rollout,
      spec: { ...rollout.spec, abort: { reason: message, by: 'patchline', at } },
      status: { ...status, phase: 'aborted', message, finishedAt: at },
    },
    action: event,
  };
}
