import {
  type PipelineSpec,
  parseDuration,
  type Release,
  type Rollout,
  releaseDigests,
  toTimestamp,
} from '../fleet/index.js';

/**
 * Where one image stands on each fleet the pipeline promotes to, and what to do next: a pure function of the
 * pipeline, the controller's releases and rollouts, and the time. A rollout that halts or rolls back anywhere marks
 * the image failed everywhere: it is never offered again.
 */

export interface FleetState {
  releases: readonly Release[];
  rollouts: readonly Rollout[];
}

export type PromotionState =
  | { fleet: string; state: 'waiting'; reason: string; until?: number }
  | { fleet: string; state: 'ready'; release?: string }
  | { fleet: string; state: 'rolling-out'; release: string; rollout: string; phase: string }
  | { fleet: string; state: 'succeeded'; release: string; rollout: string; at: number }
  | { fleet: string; state: 'failed'; release: string; rollout: string; phase: string; reason: string };

export type PromotionAction =
  | { action: 'release'; fleet: string; name: string }
  | { action: 'rollout'; fleet: string; release: string };

export interface PromotionDecision {
  states: PromotionState[];
  actions: PromotionAction[];
  /** Set when a rollout of the image failed: the image is done for. */
  failed?: { fleet: string; release: string; phase: string; reason: string };
}

const FAILED_PHASES = new Set(['halted', 'rolled-back', 'aborted', 'blocked']);

export function decidePromotion(
  spec: PipelineSpec,
  pipeline: string,
  digest: string,
  fleets: Readonly<Record<string, FleetState>>,
  now: number,
): PromotionDecision {
  const states: PromotionState[] = [];
  for (const promotion of spec.promote ?? []) {
    states.push(fleetState(promotion.fleet, digest, fleets[promotion.fleet]));
  }
  const failure = states.find((state) => state.state === 'failed');
  if (failure !== undefined && failure.state === 'failed') {
    return {
      states,
      actions: [],
      failed: { fleet: failure.fleet, release: failure.release, phase: failure.phase, reason: failure.reason },
    };
  }
  const actions: PromotionAction[] = [];
  for (const [index, promotion] of (spec.promote ?? []).entries()) {
    const state = states[index];
    if (state?.state !== 'ready') continue;
    const after = promotion.after;
    if (after !== undefined) {
      const before = states.find((candidate) => candidate.fleet === after.fleet);
      if (before?.state !== 'succeeded') {
        states[index] = {
          fleet: promotion.fleet,
          state: 'waiting',
          reason: `waits for the rollout on ${after.fleet} to succeed`,
        };
        continue;
      }
      const until = before.at + (after.soak === undefined ? 0 : parseDuration(after.soak));
      if (until > now) {
        states[index] = {
          fleet: promotion.fleet,
          state: 'waiting',
          reason: `soaks on ${after.fleet} until ${toTimestamp(until)}`,
          until,
        };
        continue;
      }
    }
    const release = state.release ?? releaseName(pipeline, promotion.fleet, digest);
    if (state.release === undefined) actions.push({ action: 'release', fleet: promotion.fleet, name: release });
    actions.push({ action: 'rollout', fleet: promotion.fleet, release });
  }
  return { states, actions };
}

function fleetState(fleet: string, digest: string, view: FleetState | undefined): PromotionState {
  const release = view?.releases.find((candidate) => releaseDigests(candidate).has(digest));
  if (release === undefined) return { fleet, state: 'ready' };
  const name = release.metadata.name;
  // The newest rollout of the release speaks for it (a retried rollout replaces a failed one).
  const rollout = [...(view?.rollouts ?? [])]
    .filter((candidate) => candidate.spec.release === name)
    .sort((a, b) => (a.status?.startedAt ?? '').localeCompare(b.status?.startedAt ?? ''))
    .at(-1);
  if (rollout === undefined) return { fleet, state: 'ready', release: name };
  const phase = rollout.status?.phase ?? 'progressing';
  if (phase === 'succeeded') {
    return {
      fleet,
      state: 'succeeded',
      release: name,
      rollout: rollout.metadata.name,
      at: Date.parse(rollout.status?.finishedAt ?? rollout.status?.startedAt ?? toTimestamp(0)),
    };
  }
  if (FAILED_PHASES.has(phase)) {
    return {
      fleet,
      state: 'failed',
      release: name,
      rollout: rollout.metadata.name,
      phase,
      reason: rollout.status?.halt?.message ?? rollout.status?.message ?? `rollout ${rollout.metadata.name} ${phase}`,
    };
  }
  return { fleet, state: 'rolling-out', release: name, rollout: rollout.metadata.name, phase };
}

/** `web-os-canary-3f2a9c1b7d4e`: one release per pipeline, fleet and image; within the 253 characters of a name. */
export function releaseName(pipeline: string, fleet: string, digest: string): string {
  const hex = digest.replace(/^sha256:/, '').slice(0, 12);
  const prefix = `${pipeline}-${fleet}`.slice(0, 253 - hex.length - 1).replace(/[.-]+$/, '');
  return `${prefix}-${hex}`;
}
