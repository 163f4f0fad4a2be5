import {
  decideRollout,
  isAnyWindowOpen,
  isInFlight,
  nextWindowOpening,
  type RolloutState,
  toTimestamp,
} from '../../fleet/index.js';

/**
 * Why a rollout is not moving on right now, in words: approval, a pause, a closed window, the disruption budget,
 * hosts offline, or hosts still updating. The held-back counts come from deciding the rollout as the controller
 * would at this moment, without saving anything: the decision is a pure function of the state and the time.
 */
export function waitingReasons(state: RolloutState, now: number): string[] {
  const status = state.rollout.status;
  if (status === undefined) return ['not decided yet'];
  const reasons: string[] = [];
  switch (status.phase) {
    case 'waiting-for-approval':
      return [`batch ${status.batch} waits for approval`];
    case 'paused':
      return ['paused by hand: hosts already told carry on, nobody new is selected until it is resumed'];
    case 'blocked':
      return [status.message ?? 'the release may not roll out over this fleet'];
    case 'rolling-back':
      return [`rolling back: ${status.message ?? ''}`.trim()];
    case 'progressing':
      break;
    default:
      return [];
  }
  const windows = state.fleet.spec.maintenanceWindows;
  if (!isAnyWindowOpen(windows?.download, now)) {
    reasons.push(`the download window is closed${opening(windows?.download, now)}`);
  }
  if (!isAnyWindowOpen(windows?.reboot, now)) {
    reasons.push(`the reboot window is closed${opening(windows?.reboot, now)}: staged hosts wait to reboot`);
  }
  const { heldBack } = decideRollout(state, now);
  if (heldBack['disruption-budget'] > 0) {
    const budget = state.fleet.spec.disruptionBudget;
    reasons.push(
      `${heldBack['disruption-budget']} host(s) held back by the disruption budget` +
        (budget === undefined ? '' : ` (at most ${budget.maxUnavailable} unavailable per ${budget.groupBy})`),
    );
  }
  if (heldBack.offline > 0) reasons.push(`${heldBack.offline} host(s) of the batch are offline`);
  const inFlight = Object.values(status.hosts).filter((record) => isInFlight(record.state)).length;
  if (inFlight > 0) reasons.push(`${inFlight} host(s) of batch ${status.batch} are still updating`);
  return reasons;
}

function opening(windows: Parameters<typeof nextWindowOpening>[0], now: number): string {
  const next = nextWindowOpening(windows, now);
  return next === undefined ? ' and opens within no foreseeable time' : `; it opens at ${toTimestamp(next)}`;
}
