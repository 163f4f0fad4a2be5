import type { RolloutDecision, RolloutState } from './decide.js';
import type { Host } from './resources.js';

/**
 * The state after a decision: the rollout's new status, and each host that failed remembering the image that failed
 * on it. The store does the same in one transaction; simulations and tests use this.
 */
export function applyDecision(state: RolloutState, decision: RolloutDecision): RolloutState {
  const failures = new Map<string, RolloutDecision['failedDigests']>();
  for (const failure of decision.failedDigests) {
    failures.set(failure.host, [...(failures.get(failure.host) ?? []), failure]);
  }
  return {
    ...state,
    rollout: { ...state.rollout, status: decision.status },
    hosts: state.hosts.map((host) => rememberFailures(host, failures.get(host.metadata.name))),
  };
}

function rememberFailures(host: Host, failures: RolloutDecision['failedDigests'] | undefined): Host {
  if (failures === undefined) {
    return host;
  }
  const known = [...(host.status?.failedDigests ?? [])];
  for (const { host: _name, ...failure } of failures) {
    if (!known.some((entry) => entry.digest === failure.digest)) {
      known.push(failure);
    }
  }
  return { ...host, status: { ...host.status, failedDigests: known } };
}
