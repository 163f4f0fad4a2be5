import type { RolloutDecision } from './decide.js';

/**
 * The hosts whose answer to "what should I run?" a decision may have changed: everybody when the rollout changed
 * phase (a rollback, an abort), otherwise the hosts it selected or moved.
 */
export function hostsToWake(decision: RolloutDecision): Set<string> | 'all' {
  if (decision.events.some((event) => event.type === 'phase-changed')) return 'all';
  return new Set([...decision.selections, ...decision.transitions.map((each) => each.host)]);
}
