import { z } from 'zod';
import { type Labels, labelKeySchema } from './labels.js';
import { percentageSchema, resolveQuantity } from './quantity.js';

/**
 * How much of the fleet may be down at once: hosts are grouped by the value of one label (a rack, a zone, a
 * database replica set) and each group may have at most `maxUnavailable` hosts unavailable.
 */
export const disruptionBudgetSchema = z.strictObject({
  groupBy: labelKeySchema,
  maxUnavailable: z.union([z.number().int().positive(), percentageSchema]),
});
export type DisruptionBudget = z.infer<typeof disruptionBudgetSchema>;

/** Hosts without the label form one group of their own, named by the empty string: unknown is not unlimited. */
export function budgetGroup(budget: DisruptionBudget | undefined, labels: Labels | undefined): string {
  return budget === undefined ? '' : (labels?.[budget.groupBy] ?? '');
}

/**
 * The most hosts of a group of `size` that may be unavailable. A percentage rounds down but never below one, since a
 * budget of zero would stall the rollout for good.
 */
export function maxUnavailable(budget: DisruptionBudget | undefined, size: number): number {
  if (budget === undefined) {
    return Number.POSITIVE_INFINITY;
  }
  return Math.max(1, resolveQuantity(budget.maxUnavailable, size, 'down'));
}

export interface BudgetMember {
  group: string;
  unavailable: boolean;
}

/** What each group may still lose: its limit minus the hosts already unavailable in it. */
export function budgetRoom(
  budget: DisruptionBudget | undefined,
  members: readonly BudgetMember[],
): Map<string, number> {
  const sizes = new Map<string, number>();
  const down = new Map<string, number>();
  for (const member of members) {
    sizes.set(member.group, (sizes.get(member.group) ?? 0) + 1);
    if (member.unavailable) {
      down.set(member.group, (down.get(member.group) ?? 0) + 1);
    }
  }
  const room = new Map<string, number>();
  for (const [group, size] of sizes) {
    room.set(group, maxUnavailable(budget, size) - (down.get(group) ?? 0));
  }
  return room;
}
