import { z } from 'zod';

export type Labels = Readonly<Record<string, string>>;

/**
 * Label keys and values as Kubernetes has them: a key is an optional DNS prefix and a name of letters, digits, "-",
 * "_" and "."; a value is up to 63 such characters. So no "=" or "," (which `--label k=v` and selectors split on),
 * no control characters (NUL) and nothing a log line or a shell would read differently.
 */
export const labelKeySchema = z
  .string()
  .max(253)
  .regex(
    /^([a-z0-9]([a-z0-9.-]*[a-z0-9])?\/)?[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$/,
    'expected a label key such as zone or example.com/zone',
  );
export const labelValueSchema = z
  .string()
  .max(63)
  .regex(
    /^([A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?)?$/,
    'expected a label value of letters, digits, "-", "_" and "."',
  );

export const labelsSchema = z.record(labelKeySchema, labelValueSchema);

const requirementSchema = z
  .strictObject({
    key: labelKeySchema,
    operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist']),
    values: z.array(labelValueSchema).optional(),
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
