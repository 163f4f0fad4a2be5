import { type BatchBreakdown, countBatch, describeBreakdown, judgeBatch } from './batch-outcome.js';
import { compareNames, finalBatchIndex, planBatches } from './batches.js';
import { budgetGroup, budgetRoom } from './budget.js';
import type { HostTransition, RolloutEvent } from './events.js';
import { type HostObservation, observeHost } from './host-observation.js';
import {
  applyStep,
  awaitsRollback,
  type HostRecord,
  type HostRolloutState,
  type HostStep,
  isInFlight,
  releaseInRollbackSlot,
  type StepContext,
  stepHost,
  stepHostInRollback,
  withdrawUnserved,
} from './host-state.js';
import { fromTimestamp, type Instant, toMillis, toTimestamp } from './instant.js';
import { matchesSelector } from './labels.js';
import { hostOfflineAfterMs } from './online.js';
import { releaseBlockers, releaseDigest, releaseDigests } from './releases.js';
import {
  type BatchResult,
  type FailedDigest,
  type Fleet,
  type Halt,
  type Host,
  isFinalPhase,
  type Release,
  type Rollout,
  type RolloutPhase,
  type RolloutStatus,
} from './resources.js';
import { type ResolvedRolloutPolicy, resolveRolloutPolicy } from './rollout-policy.js';
import { isAnyWindowOpen, nextWindowOpening } from './windows.js';

/** Everything a rollout decision looks at. The store loads it; nothing else is read. */
export interface RolloutState {
  fleet: Fleet;
  rollout: Rollout;
  /** The release the rollout moves (rollout.spec.release). */
  release: Release;
  /** What a rollback returns to (rollout.spec.previousRelease); absent for a fleet's first release. */
  previousRelease?: Release | undefined;
  /** The hosts to consider; those the fleet's selector does not match are not part of it. */
  hosts: readonly Host[];
}

/** Why a host of the current batch was not selected this time. */
export type HoldReason = 'offline' | 'download-window-closed' | 'disruption-budget';

export interface RolloutDecision {
  rolloutPhase: RolloutPhase;
  /** The rollout's status after this decision: store it as is. */
  status: RolloutStatus;
  /** Hosts to update now: desiredDigestFor answers the release for them while the download window is open. */
  selections: string[];
  /** Every change of a host's record, in order (a host may move more than once in one decision). */
  transitions: HostTransition[];
  events: RolloutEvent[];
  /** Images that failed on hosts: add them to each host's status.failedDigests so they are never offered again. */
  failedDigests: Array<{ host: string } & FailedDigest>;
  /** Hosts of the current batch that could have been selected but for these reasons. */
  heldBack: Record<HoldReason, number>;
}

// A report can carry a host several steps at once (selected → updating → rebooting); more than this means a bug.
const MAX_STEPS_PER_DECISION = 8;

/** What one decision knows, derived once from the state and the moment. */
interface Situation {
  now: number;
  stamp: string;
  state: RolloutState;
  policy: ResolvedRolloutPolicy;
  /** The fleet's hosts by name, in name order. */
  hosts: Map<string, HostObservation>;
  releaseDigest: string;
  releaseDigests: Set<string>;
  previousDigest?: string | undefined;
  previousDigests: Set<string>;
  rebootOpensAt: () => number;
  downloadWindowOpen: boolean;
}

/** The decision's working copy of the host records, and what it has done to them. */
interface Draft {
  records: Map<string, HostRecord>;
  transitions: HostTransition[];
  events: RolloutEvent[];
  failedDigests: Array<{ host: string } & FailedDigest>;
  batchResults: BatchResult[];
}

/**
 * Decides what a rollout does now: which hosts move to which state, whether the current batch is done, whether the
 * rollout halts or rolls back, and which hosts to update next. Pure: the same state and moment give the same
 * decision, and deciding again on the state this decision produces, at the same moment, changes nothing.
 */
export function decideRollout(state: RolloutState, now: Instant): RolloutDecision {
  const situation = situate(state, toMillis(now));
  const before = state.rollout.status;
  const draft: Draft = {
    records: new Map(Object.entries(before?.hosts ?? {})),
    transitions: [],
    events: [],
    failedDigests: [],
    batchResults: [],
  };
  const heldBack: Record<HoldReason, number> = { offline: 0, 'download-window-closed': 0, 'disruption-budget': 0 };
  const selections: string[] = [];
  let phase: RolloutPhase = before?.phase ?? 'progressing';
  let batch = before?.batch ?? 0;
  let message = before?.message;
  let halt = before?.halt;
  let rollback = before?.rollback;
  // Every phase the rollout passes through gets an event, even one it leaves within the same decision (a rollback
  // whose hosts are all back already).
  let announced = before?.phase;
  const announce = (to: RolloutPhase, why: string | undefined): void => {
    if (to !== announced) {
      draft.events.push({
        type: 'phase-changed',
        at: situation.stamp,
        rollout: state.rollout.metadata.name,
        from: announced,
        to,
        message: why,
      });
      announced = to;
    }
  };

  if (phase === 'succeeded') {
    // Done: hosts that join the fleet now get the release from desiredDigestFor without being followed here.
  } else if (phase === 'rolling-back' || phase === 'rolled-back') {
    phase = followRollback(draft, situation, phase, rollback?.deadline);
  } else if (phase === 'halted' || phase === 'aborted') {
    // Final, but hosts already told carry on; record how they end.
    stepHosts(draft, situation, { joins: false });
  } else if (state.rollout.spec.abort !== undefined) {
    stepHosts(draft, situation, { joins: false });
    phase = 'aborted';
    message = `aborted: ${state.rollout.spec.abort.reason}`;
  } else {
    stepHosts(draft, situation, { joins: true });
    const blockers = releaseBlockers(state.release, state.fleet);
    if (blockers.length > 0) {
      // Hosts already told carry on; nobody is selected and no batch is judged until the release may roll out.
      phase = 'blocked';
      message = blockers.join('; ');
    } else {
      const plan = planWaitingHosts(draft, situation, batch);
      const advanced = advanceBatches(draft, situation, plan, batch);
      batch = advanced.batch;
      if (advanced.verdict === 'failed') {
        halt = haltRecord(situation, batch, advanced.breakdown);
        message = halt.message;
        if (situation.policy.onFailure === 'rollback' && situation.previousDigest !== undefined) {
          const deadline = situation.rebootOpensAt() + situation.policy.updateTimeoutMs;
          rollback = { digest: situation.previousDigest, startedAt: situation.stamp, deadline: toTimestamp(deadline) };
          announce('rolling-back', message);
          phase = followRollback(draft, situation, 'rolling-back', rollback.deadline);
        } else {
          phase = 'halted';
          if (situation.policy.onFailure === 'rollback') {
            message = `${message}; there is no previous release to roll back to`;
          }
        }
      } else if (advanced.verdict === 'succeeded') {
        phase = 'succeeded';
        message = undefined;
      } else if (state.rollout.spec.paused === true) {
        phase = 'paused';
        message = undefined;
      } else if (awaitsApproval(draft, situation, batch)) {
        phase = 'waiting-for-approval';
        message = `batch ${batch} waits for approval`;
      } else {
        phase = 'progressing';
        message = undefined;
        selectHosts(draft, situation, plan, batch, selections, heldBack);
      }
    }
  }

  if (phase !== 'progressing' && phase !== 'rolling-back' && phase !== 'rolled-back') {
    withdrawSelections(draft, situation);
  }
  announce(phase, message);
  const status: RolloutStatus = {
    phase,
    batch,
    hosts: Object.fromEntries(draft.records),
    batchResults: [...(before?.batchResults ?? []), ...draft.batchResults],
    startedAt: before?.startedAt ?? situation.stamp,
  };
  if (message !== undefined) status.message = message;
  const waiting = Object.entries(heldBack).filter(([, count]) => count > 0);
  if (phase === 'progressing' && waiting.length > 0) status.heldBack = Object.fromEntries(waiting);
  if (halt !== undefined) status.halt = halt;
  if (rollback !== undefined) status.rollback = rollback;
  const finishedAt = before?.finishedAt ?? (isFinalPhase(phase) ? situation.stamp : undefined);
  if (finishedAt !== undefined) status.finishedAt = finishedAt;

  return {
    rolloutPhase: phase,
    status,
    selections,
    transitions: draft.transitions,
    events: draft.events,
    failedDigests: draft.failedDigests,
    heldBack,
  };
}

function situate(state: RolloutState, now: number): Situation {
  const { fleet, rollout, release, previousRelease } = state;
  if (release.metadata.name !== rollout.spec.release) {
    throw new Error(
      `rollout ${rollout.metadata.name} moves release ${rollout.spec.release}, not ${release.metadata.name}`,
    );
  }
  if (previousRelease !== undefined && previousRelease.metadata.name !== rollout.spec.previousRelease) {
    throw new Error(
      `rollout ${rollout.metadata.name} returns to ${rollout.spec.previousRelease ?? 'nothing'}, not ${previousRelease.metadata.name}`,
    );
  }
  const offlineAfterMs = hostOfflineAfterMs(fleet);
  const members = state.hosts
    .filter((host) => matchesSelector(fleet.spec.selector, host.metadata.labels))
    .sort((a, b) => compareNames(a.metadata.name, b.metadata.name));
  let rebootOpensAt: number | undefined;
  return {
    now,
    stamp: toTimestamp(now),
    state,
    policy: resolveRolloutPolicy(fleet.spec.rolloutPolicy, rollout.spec),
    hosts: new Map(members.map((host) => [host.metadata.name, observeHost(host, offlineAfterMs, now)])),
    releaseDigest: releaseDigest(release),
    releaseDigests: releaseDigests(release),
    previousDigest: previousRelease === undefined ? undefined : releaseDigest(previousRelease),
    previousDigests: previousRelease === undefined ? new Set() : releaseDigests(previousRelease),
    downloadWindowOpen: isAnyWindowOpen(fleet.spec.maintenanceWindows?.download, now),
    // Looked up only when a host stages, and then once: scanning for the next window is the costly part.
    rebootOpensAt: () => {
      rebootOpensAt ??= nextWindowOpening(fleet.spec.maintenanceWindows?.reboot, now) ?? now;
      return rebootOpensAt;
    },
  };
}

function record(draft: Draft, situation: Situation, host: string, step: HostStep, batch?: number): void {
  const from = draft.records.get(host);
  const to = applyStep(from, step, situation.now, batch);
  draft.records.set(host, to);
  draft.transitions.push({ host, from, to });
  draft.events.push({
    type: 'host-state-changed',
    at: situation.stamp,
    rollout: situation.state.rollout.metadata.name,
    host,
    from: from?.state,
    to: to.state,
    reason: to.reason,
    detail: to.detail,
    batch: to.batch,
  });
  if (to.state === 'failed') {
    draft.failedDigests.push({
      host,
      digest: situation.releaseDigest,
      at: situation.stamp,
      rollout: situation.state.rollout.metadata.name,
    });
  }
}

/** Moves every host as far as its latest report takes it. New hosts join only while the rollout takes hosts in. */
function stepHosts(draft: Draft, situation: Situation, options: { joins: boolean }): void {
  const context: StepContext = {
    now: situation.now,
    releaseDigests: situation.releaseDigests,
    updateTimeoutMs: situation.policy.updateTimeoutMs,
    offlineTimeoutMs: situation.policy.offlineTimeoutMs,
    rebootOpensAt: situation.rebootOpensAt,
    downloadWindowOpen: situation.downloadWindowOpen,
    acceptsHosts: options.joins,
  };
  const names = [...new Set([...situation.hosts.keys(), ...draft.records.keys()])].sort(compareNames);
  for (const name of names) {
    if (!options.joins && !draft.records.has(name)) {
      continue;
    }
    for (let steps = 0; steps < MAX_STEPS_PER_DECISION; steps++) {
      const step = stepHost(draft.records.get(name), situation.hosts.get(name), context);
      if (step === undefined) {
        break;
      }
      record(draft, situation, name, step);
    }
  }
}

/** Hosts selected but not yet served the release do not start once the rollout stops selecting. */
function withdrawSelections(draft: Draft, situation: Situation): void {
  for (const [name, host] of draft.records) {
    const step = withdrawUnserved(host, situation.hosts.get(name), situation.releaseDigests);
    if (step !== undefined) {
      record(draft, situation, name, step);
    }
  }
}

/** Follows the hosts that took the release home to the previous one; rolled back once none is still out. */
function followRollback(
  draft: Draft,
  situation: Situation,
  phase: 'rolling-back' | 'rolled-back',
  deadline: string | undefined,
): RolloutPhase {
  const context = {
    now: situation.now,
    previousDigests: situation.previousDigests,
    releaseDigests: situation.releaseDigests,
    deadline: deadline === undefined ? situation.now : fromTimestamp(deadline),
  };
  for (const name of [...draft.records.keys()].sort(compareNames)) {
    const step = stepHostInRollback(draft.records.get(name), situation.hosts.get(name), context);
    if (step !== undefined) {
      record(draft, situation, name, step);
    }
  }
  const stillOut = [...draft.records.values()].some((host) => awaitsRollback(host.state));
  return phase === 'rolling-back' && stillOut ? 'rolling-back' : 'rolled-back';
}

/** Places the hosts that have not started into batches, from the current one on. */
function planWaitingHosts(draft: Draft, situation: Situation, firstOpenBatch: number): Map<string, number> {
  const started = new Map<number, number>();
  const waiting: HostObservation[] = [];
  for (const [name, host] of draft.records) {
    if (host.batch !== undefined) {
      started.set(host.batch, (started.get(host.batch) ?? 0) + 1);
    }
    const observed = situation.hosts.get(name);
    if (host.state === 'pending' && observed !== undefined) {
      waiting.push(observed);
    }
  }
  return planBatches({
    batches: situation.policy.batches,
    fleet: [...situation.hosts.values()],
    firstOpenBatch,
    started,
    waiting,
  });
}

type Advance =
  | { batch: number; verdict: 'in-progress' | 'succeeded' }
  | { batch: number; verdict: 'failed'; breakdown: BatchBreakdown };

/** Judges the current batch and moves past every batch that is done, stopping at the first that is not or failed. */
function advanceBatches(draft: Draft, situation: Situation, plan: Map<string, number>, from: number): Advance {
  const final = finalBatchIndex(situation.policy.batches);
  for (let batch = from; ; batch++) {
    const states: HostRolloutState[] = [];
    for (const [name, host] of draft.records) {
      if (host.batch === batch || (host.batch === undefined && plan.get(name) === batch)) {
        states.push(host.state);
      }
    }
    const breakdown = countBatch(states);
    const verdict = judgeBatch(breakdown, situation.policy.successThreshold);
    if (verdict === 'in-progress') {
      return { batch, verdict };
    }
    draft.batchResults.push({ batch, outcome: verdict, breakdown, at: situation.stamp });
    draft.events.push({
      type: 'batch-completed',
      at: situation.stamp,
      rollout: situation.state.rollout.metadata.name,
      batch,
      outcome: verdict,
      breakdown,
    });
    if (verdict === 'failed') {
      return { batch, verdict, breakdown };
    }
    if (batch >= final) {
      return { batch, verdict };
    }
  }
}

function haltRecord(situation: Situation, batch: number, breakdown: BatchBreakdown): Halt {
  const threshold = situation.policy.successThreshold;
  return {
    batch,
    breakdown,
    successThreshold: threshold,
    message: `batch ${batch} missed its success threshold of ${Math.round(threshold * 100)}%: ${describeBreakdown(breakdown)}`,
    at: situation.stamp,
  };
}

/** With manual approval every batch after the first waits for one, unless it has already started. */
function awaitsApproval(draft: Draft, situation: Situation, batch: number): boolean {
  if (situation.policy.approval !== 'manual' || batch === 0) {
    return false;
  }
  if ((situation.state.rollout.spec.approvals ?? []).some((approval) => approval.batch === batch)) {
    return false;
  }
  return ![...draft.records.values()].some((host) => host.batch === batch);
}

/**
 * Selects the current batch's waiting hosts, in name order, that are online, inside a download window, and fit the
 * disruption budget. A host counts against its group's budget from selection until it settles; hosts already
 * unavailable (briefly offline, unhealthy) count too, so a selection never takes a group past its limit. Hosts
 * offline past the offline timeout, or not applicable, do not: a dead host must not stall its group for good.
 */
function selectHosts(
  draft: Draft,
  situation: Situation,
  plan: Map<string, number>,
  batch: number,
  selections: string[],
  heldBack: Record<HoldReason, number>,
): void {
  const budget = situation.state.fleet.spec.disruptionBudget;
  const unavailable = (host: HostObservation): boolean => {
    const state = draft.records.get(host.name)?.state;
    if (state === 'not-applicable' || host.sinceSeenMs > situation.policy.offlineTimeoutMs) {
      // Written off as far as this rollout is concerned (never reported, not bootc, offline past the offline
      // timeout): counting it would hold its group's budget, and the rollout, for good.
      return false;
    }
    return !host.online || host.health?.state === 'unhealthy' || (state !== undefined && isInFlight(state));
  };
  const room = budgetRoom(
    budget,
    [...situation.hosts.values()].map((host) => ({
      group: budgetGroup(budget, host.labels),
      unavailable: unavailable(host),
    })),
  );
  for (const [name, planned] of plan) {
    const host = situation.hosts.get(name);
    if (planned !== batch || host === undefined) {
      continue;
    }
    if (!host.online) {
      heldBack.offline++;
      continue;
    }
    if (!situation.downloadWindowOpen) {
      heldBack['download-window-closed']++;
      continue;
    }
    // An unhealthy host is already counted as unavailable: updating it takes nothing more from its group.
    const group = budgetGroup(budget, host.labels);
    const cost = unavailable(host) ? 0 : 1;
    const left = room.get(group) ?? 0;
    if (left - cost < 0) {
      heldBack['disruption-budget']++;
      continue;
    }
    room.set(group, left - cost);
    const sentBack = releaseInRollbackSlot(host, situation.releaseDigests);
    record(
      draft,
      situation,
      name,
      {
        to: 'selected',
        reason: 'selected',
        // A host that applies what it is told at once learns of it only inside a reboot window (the gateway holds
        // it until then): the clock starts when one opens, as for a host that staged.
        deadline: situation.rebootOpensAt() + situation.policy.updateTimeoutMs,
        ...(sentBack
          ? {
              releaseInRollbackSlot: true,
              detail: 'the release is in its rollback slot: the controller sent it back from it before',
            }
          : {}),
      },
      batch,
    );
    selections.push(name);
  }
}
