import { z } from 'zod';

export type Labels = Readonly<Record<string, string>>;

export const labelsSchema = z.record(z.string().min(1), z.string());

const requirementSchema = z
  .strictObject({
    key: z.string().min(1),
    operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist']),
    values: z.array(z.string()).optional(),
  })
  .refine(
    (requirement) =>
      requirement.operator === 'In' || requirement.operator === 'NotIn'
        ? (requirement.values?.length ?? 0) > 0
        : requirement.values === undefined || requirement.values.length === 0,
    { message: 'In and NotIn need values; Exists and DoesNotExist take none' },
  );

/** A Kubernetes label selector: every matchLabels pair and every expression must hold. */
export const labelSelectorSchema = z.strictObject({
  matchLabels: labelsSchema.optional(),
  matchExpressions: z.array(requirementSchema).optional(),
});
export type LabelSelector = z.infer<typeof labelSelectorSchema>;

/** Whether labels satisfy a selector. An empty or absent selector selects everything, as in Kubernetes. */
export function matchesSelector(selector: LabelSelector | undefined, labels: Labels | undefined): boolean {
  const have = labels ?? {};
  for (const [key, value] of Object.entries(selector?.matchLabels ?? {})) {
    if (have[key] !== value) {
      return false;
    }
  }
  for (const requirement of selector?.matchExpressions ?? []) {
    const value = have[requirement.key];
    const listed = value !== undefined && (requirement.values ?? []).includes(value);
    const holds =
      requirement.operator === 'In'
        ? listed
        : requirement.operator === 'NotIn'
          ? !listed
          : requirement.operator === 'Exists'
            ? value !== undefined
            : value === undefined;
    if (!holds) {
      return false;
    }
  }
  return true;
}
