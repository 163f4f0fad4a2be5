import {
  type BatchBreakdown,
  type BatchResult,
  countBatch,
  type Halt,
  type HostRolloutState,
  type Rollout,
  resolveRolloutPolicy,
} from '../../fleet/index.js';
import { type Store, type StoredEvent, StoreError } from '../../store/index.js';
import { waitingReasons } from './waiting-reasons.js';

export interface BatchView {
  index: number;
  /** The batch's name or limit as the policy states it; the last batch takes every host left. */
  label: string;
  breakdown: BatchBreakdown;
  result?: BatchResult | undefined;
}

export interface RolloutView {
  name: string;
  fleet: string;
  release: string;
  previousRelease?: string | undefined;
  phase: string;
  message?: string | undefined;
  batch: number;
  startedAt?: string | undefined;
  finishedAt?: string | undefined;
  successThreshold: number;
  onFailure: string;
  approval: string;
  batches: BatchView[];
  /** Hosts the rollout knows but has not placed in a batch yet. */
  unplaced: number;
  halt?: Halt | undefined;
  waiting: string[];
  abort?: Rollout['spec']['abort'];
  approvals: NonNullable<Rollout['spec']['approvals']>;
  /** The newest events first. */
  events: StoredEvent[];
  /** Changes whenever anything shown changes: the stream sends a view only then. */
  version: string;
}

const EVENTS_SHOWN = 100;

export async function rolloutView(store: Store, name: string, now: number): Promise<RolloutView> {
  const stored = await store.getRollout(name);
  if (stored === undefined) throw new StoreError('NotFound', `rollout ${name} not found`);
  const state = await store.rolloutState(name);
  const rollout = state.rollout;
  const status = rollout.status;
  const policy = resolveRolloutPolicy(state.fleet.spec.rolloutPolicy, rollout.spec);
  const byBatch = new Map<number, HostRolloutState[]>();
  let unplaced = 0;
  for (const record of Object.values(status?.hosts ?? {})) {
    if (record.batch === undefined) {
      unplaced++;
      continue;
    }
    byBatch.set(record.batch, [...(byBatch.get(record.batch) ?? []), record.state]);
  }
  const batches: BatchView[] = [...policy.batches, undefined].map((batch, index) => ({
    index,
    label:
      batch === undefined
        ? 'the rest'
        : (batch.name ?? `${typeof batch.limit === 'number' ? `${batch.limit} host(s)` : batch.limit}`),
    breakdown: countBatch(byBatch.get(index) ?? []),
    result: status?.batchResults.findLast((result) => result.batch === index),
  }));
  const events = await store.latestEvents(name, EVENTS_SHOWN);
  return {
    name,
    fleet: state.fleet.metadata.name,
    release: rollout.spec.release,
    previousRelease: rollout.spec.previousRelease,
    phase: status?.phase ?? 'pending',
    message: status?.message,
    batch: status?.batch ?? 0,
    startedAt: status?.startedAt,
    finishedAt: status?.finishedAt,
    successThreshold: policy.successThreshold,
    onFailure: policy.onFailure,
    approval: policy.approval,
    batches,
    unplaced,
    halt: status?.halt,
    waiting: waitingReasons(state, now),
    abort: rollout.spec.abort,
    approvals: rollout.spec.approvals ?? [],
    events,
    version: `${stored.resourceVersion}.${events[0]?.id ?? 0}`,
  };
}
