import { type Instant, toMillis, toTimestamp } from './instant.js';
import { isFinalPhase, type Rollout } from './resources.js';

/**
 * What people do to a rollout by hand. Each is an edit of the rollout's spec that the next decision acts on, so the
 * store saves it like any other change and a restart loses nothing.
 */
export type RolloutActionResult = { ok: true; rollout: Rollout } | { ok: false; problem: string };

function finished(rollout: Rollout): RolloutActionResult | undefined {
  const phase = rollout.status?.phase;
  return phase !== undefined && isFinalPhase(phase)
    ? { ok: false, problem: `rollout ${rollout.metadata.name} is ${phase}` }
    : undefined;
}

function withSpec(rollout: Rollout, spec: Partial<Rollout['spec']>): RolloutActionResult {
  return { ok: true, rollout: { ...rollout, spec: { ...rollout.spec, ...spec } } };
}

/** Hosts already told carry on; nobody new is selected until resumed. */
export function pauseRollout(rollout: Rollout): RolloutActionResult {
  return finished(rollout) ?? withSpec(rollout, { paused: true });
}

export function resumeRollout(rollout: Rollout): RolloutActionResult {
  return finished(rollout) ?? withSpec(rollout, { paused: false });
}

/** Lets the next batch start: the one waiting for approval, or else the one after the current batch. */
export function approveNextBatch(rollout: Rollout, by: string | undefined, now: Instant): RolloutActionResult {
  const done = finished(rollout);
  if (done !== undefined) {
    return done;
  }
  const status = rollout.status;
  const batch = status?.phase === 'waiting-for-approval' ? status.batch : (status?.batch ?? 0) + 1;
  const approvals = rollout.spec.approvals ?? [];
  if (approvals.some((approval) => approval.batch === batch)) {
    return { ok: true, rollout };
  }
  const approval = { batch, at: toTimestamp(toMillis(now)), ...(by === undefined ? {} : { by }) };
  return withSpec(rollout, { approvals: [...approvals, approval] });
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
  return withSpec(rollout, { abort });
}
