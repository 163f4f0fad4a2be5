import { z } from 'zod';
import { imageDigestSchema } from './digest.js';

/**
 * The parts of `bootc status --format=json` (kind BootcHost) that rollouts read: which image digest is booted,
 * staged for the next boot, and kept for rollback, and whether bootc understands the booted deployment at all.
 * Objects stay loose so everything else a host sends is kept as it was sent; newer bootc versions add fields.
 */

const imageReferenceSchema = z.looseObject({
  image: z.string(),
  transport: z.string(),
});

const imageStatusSchema = z.looseObject({
  image: imageReferenceSchema,
  imageDigest: imageDigestSchema,
  version: z.string().nullish(),
  timestamp: z.string().nullish(),
});

const bootEntrySchema = z.looseObject({
  // Null when the deployment was not made from a container image (an rpm-ostree system not yet switched to bootc).
  image: imageStatusSchema.nullish(),
  cachedUpdate: imageStatusSchema.nullish(),
  incompatible: z.boolean(),
  pinned: z.boolean(),
});

export const bootcHostSchema = z.looseObject({
  // bootc printed org.containers.bootc/v1alpha1 before it settled on v1; the fields we read are the same in both.
  apiVersion: z.enum(['org.containers.bootc/v1', 'org.containers.bootc/v1alpha1']),
  kind: z.literal('BootcHost'),
  metadata: z.looseObject({ name: z.string().nullish() }).nullish(),
  spec: z.looseObject({}).nullish(),
  status: z
    .looseObject({
      booted: bootEntrySchema.nullish(),
      staged: bootEntrySchema.nullish(),
      rollback: bootEntrySchema.nullish(),
      rollbackQueued: z.boolean().optional(),
      type: z.string().nullish(),
    })
    .nullish(),
});
export type BootcHost = z.infer<typeof bootcHostSchema>;

export function bootedDigest(host: BootcHost): string | undefined {
  return host.status?.booted?.image?.imageDigest;
}

export function stagedDigest(host: BootcHost): string | undefined {
  return host.status?.staged?.image?.imageDigest;
}

export function rollbackDigest(host: BootcHost): string | undefined {
  return host.status?.rollback?.image?.imageDigest;
}

/** Why bootc cannot take a rollout on this host, or undefined when it can. */
export function bootcIncompatibility(host: BootcHost): string | undefined {
  const booted = host.status?.booted;
  if (booted === undefined || booted === null) {
    return 'bootc reports no booted deployment';
  }
  if (booted.image === undefined || booted.image === null) {
    return 'the booted deployment was not made from a container image';
  }
  if (booted.incompatible) {
    return 'bootc marks the booted deployment incompatible (origin changes it does not understand)';
  }
  return undefined;
}
