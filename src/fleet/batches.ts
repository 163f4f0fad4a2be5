import { z } from 'zod';
import { type Labels, labelSelectorSchema, matchesSelector } from './labels.js';
import { quantitySchema, resolveQuantity } from './quantity.js';

/**
 * One step of a rollout: up to `limit` hosts, taken from those the selector matches (all hosts without one). A
 * percentage is of the fleet's hosts that the selector matches, so "50% of zone=a" means half of zone a.
 */
export const batchSchema = z.strictObject({
  name: z.string().min(1).optional(),
  selector: labelSelectorSchema.optional(),
  limit: quantitySchema,
});
export type Batch = z.infer<typeof batchSchema>;

export interface PlannedHost {
  name: string;
  labels?: Labels | undefined;
}

/** The implicit last batch: every host no listed batch took. Its index is one past the listed batches. */
export function finalBatchIndex(batches: readonly Batch[]): number {
  return batches.length;
}

/** How many hosts a listed batch holds in a fleet. */
export function batchCapacity(batch: Batch, fleet: readonly PlannedHost[]): number {
  if (typeof batch.limit === 'number') {
    return batch.limit;
  }
  const matching = fleet.filter((host) => matchesSelector(batch.selector, host.labels)).length;
  return resolveQuantity(batch.limit, matching, 'up');
}

export interface BatchPlanInput {
  batches: readonly Batch[];
  /** Every host of the fleet: percentages are shares of these. */
  fleet: readonly PlannedHost[];
  /** Batches before this one are finished; nobody new joins them. */
  firstOpenBatch: number;
  /** Hosts already started in each batch: they keep their places and count against its limit. */
  started: ReadonlyMap<number, number>;
  /** Hosts still waiting to start, to be placed. */
  waiting: readonly PlannedHost[];
}

/**
 * Places waiting hosts into batches: in name order, each host goes to the first open batch whose selector matches
 * and which has room, else to the final batch. Hosts that have not started are placed afresh every time, so a host
 * that joins mid-rollout follows the batch order, and one that drops out (offline, incompatible) frees its place for
 * the next host rather than leaving a canary batch empty.
 */
export function planBatches(input: BatchPlanInput): Map<string, number> {
  const { batches } = input;
  const final = finalBatchIndex(batches);
  const room = batches.map((batch, index) => batchCapacity(batch, input.fleet) - (input.started.get(index) ?? 0));
  const plan = new Map<string, number>();
  const waiting = [...input.waiting].sort((a, b) => compareNames(a.name, b.name));
  for (const host of waiting) {
    let placed = final;
    for (let index = input.firstOpenBatch; index < final; index++) {
      const batch = batches[index];
      if (batch !== undefined && (room[index] ?? 0) > 0 && matchesSelector(batch.selector, host.labels)) {
        placed = index;
        room[index] = (room[index] ?? 0) - 1;
        break;
      }
    }
    plan.set(host.name, placed);
  }
  return plan;
}

/** Host order everywhere in fleet/: by name, in code-unit order so it is the same in every locale. */
export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
