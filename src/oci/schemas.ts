import { z } from 'zod';
import { formatSchemaError, PatchlineError } from '../core/index.js';
import { isDigest } from './digest.js';

const digestString = z.string().refine(isDigest, { message: 'expected a digest such as sha256:<64 hex>' });

export const platformSchema = z.object({
  os: z.string(),
  architecture: z.string(),
  variant: z.string().optional(),
  'os.version': z.string().optional(),
  'os.features': z.array(z.string()).optional(),
});

export const descriptorSchema = z.object({
  mediaType: z.string(),
  digest: digestString,
  size: z.number().int().nonnegative(),
  urls: z.array(z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  platform: platformSchema.optional(),
  artifactType: z.string().optional(),
});
export type Descriptor = z.infer<typeof descriptorSchema> & { digest: `sha256:${string}` | `sha512:${string}` };

export const manifestSchema = z.object({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  artifactType: z.string().optional(),
  config: descriptorSchema,
  layers: z.array(descriptorSchema),
  subject: descriptorSchema.optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});
export type Manifest = z.infer<typeof manifestSchema>;

export const indexSchema = z.object({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  manifests: z.array(descriptorSchema),
  annotations: z.record(z.string(), z.string()).optional(),
});
export type ImageIndex = z.infer<typeof indexSchema>;

export const imageConfigSchema = z.object({
  created: z.string().optional(),
  author: z.string().optional(),
  architecture: z.string(),
  os: z.string(),
  variant: z.string().optional(),
  config: z
    .object({
      Labels: z.record(z.string(), z.string()).nullable().optional(),
      Env: z.array(z.string()).nullable().optional(),
      Cmd: z.array(z.string()).nullable().optional(),
      Entrypoint: z.array(z.string()).nullable().optional(),
    })
    .passthrough()
    .nullable()
    .optional(),
  rootfs: z.object({ type: z.literal('layers'), diff_ids: z.array(digestString) }),
  history: z
    .array(
      z
        .object({
          created: z.string().optional(),
          created_by: z.string().optional(),
          empty_layer: z.boolean().optional(),
        })
        .passthrough(),
    )
    .optional(),
});
export type ImageConfig = z.infer<typeof imageConfigSchema>;

/** Parses JSON bytes with a schema; a failure names the input and the first wrong path in it. */
export function parseJson<T>(schema: z.ZodType<T>, bytes: Buffer | string, input: string): T {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString());
  } catch (error) {
    throw new PatchlineError('input', input, `is not valid JSON (${(error as Error).message})`);
  }
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new PatchlineError('input', input, formatSchemaError(result.error, { whole: '(top level)' }));
  }
  return result.data;
}
