import { z } from 'zod';
import { PACKAGE_KINDS } from '../core/index.js';
import type { ImageDiff } from '../policy/index.js';

/**
 * `patchline diff --format json`: the ImageDiff as is. `imageDiffJsonSchema` is the contract for scripts
 * (published as schemas/image-diff-v1.json): within `apiVersion: patchline.dev/v1` fields are only
 * ever added; a rename or a removal needs a new apiVersion. Versions are written as the package manager prints them
 * (`[epoch:]version[-release]`), sizes in bytes, times in ISO 8601.
 */
const packageType = z.enum(PACKAGE_KINDS);
const status = z.enum(['fix-available', 'no-fix-yet', 'will-not-fix', 'not-affected']);
const counts = z.object({
  'fix-available': z.number().int(),
  'no-fix-yet': z.number().int(),
  'will-not-fix': z.number().int(),
  'not-affected': z.number().int(),
});

const image = z.object({
  reference: z.string().describe('the reference as given on the command line'),
  digest: z.string().optional().describe('sha256 digest of the manifest read'),
  created: z.string().optional(),
  os: z.object({ id: z.string(), versionId: z.string().optional(), prettyName: z.string().optional() }).optional(),
  bootc: z.boolean().describe('whether the image is a bootable container (bootc) image'),
  packages: z.number().int().describe('packages inventoried'),
});

const singlePackage = z.object({
  type: packageType,
  name: z.string(),
  arch: z.string().optional(),
  version: z.string(),
  sourceName: z.string().optional(),
  alongside: z
    .array(z.string())
    .optional()
    .describe('for a package installed in several versions (kernels): the other versions of it that NEW has'),
});

const packageChange = z.object({
  type: packageType,
  name: z.string(),
  arch: z.string().optional(),
  oldArch: z.string().optional().describe("OLD's architecture, when it changed"),
  from: z.string(),
  to: z.string(),
  sourceName: z.string().optional(),
});

const layer = z.object({ digest: z.string(), size: z.number().int(), diffId: z.string().optional() });

const advisoryChange = z.object({
  id: z.string().describe('the advisory id as the scan reports it (ALSA-2024:0001, DSA-5000-1, CVE-…)'),
  cves: z.array(z.string()),
  package: z.object({ type: packageType, name: z.string(), arch: z.string().optional() }),
  status: status.describe("OLD's status for a fix gained, NEW's for an advisory newly applicable"),
  oldVersions: z.array(z.string()).describe('versions of the package in OLD, oldest first; empty when absent'),
  newVersions: z.array(z.string()).describe('versions of the package in NEW, oldest first; empty when absent'),
  fixedVersion: z.string().optional(),
  fixAdvisory: z.string().optional(),
  fixAvailableSince: z.string().optional(),
  severity: z.string().optional().describe('as published; shown, never used to decide'),
  summary: z.string().optional(),
  cause: z.enum(['upgraded', 'removed', 'added', 'changed-version', 'unchanged-version']),
});

export const imageDiffJsonSchema = z.object({
  apiVersion: z.literal('patchline.dev/v1'),
  kind: z.literal('ImageDiff'),
  old: image,
  new: image,
  packages: z.object({
    added: z.array(singlePackage),
    removed: z.array(singlePackage),
    upgraded: z.array(packageChange),
    downgraded: z.array(packageChange),
    unchanged: z.number().int(),
  }),
  kernel: z.object({
    change: z.enum(['upgraded', 'downgraded', 'unchanged', 'added', 'removed', 'none']),
    old: z.string().optional().describe('release (uname -r) of the kernel OLD boots'),
    new: z.string().optional(),
    oldPackage: z.string().optional(),
    newPackage: z.string().optional(),
    oldKernels: z.array(z.string()),
    newKernels: z.array(z.string()),
  }),
  layers: z.object({
    shared: z.array(layer),
    added: z.array(layer).describe('what a host that has OLD downloads to get NEW'),
    removed: z.array(layer),
    bytes: z.object({
      old: z.number().int(),
      new: z.number().int(),
      shared: z.number().int(),
      added: z.number().int(),
      removed: z.number().int(),
    }),
  }),
  advisories: z.discriminatedUnion('computed', [
    z.object({
      computed: z.literal(true),
      database: z.object({ path: z.string(), snapshotId: z.string(), builtAt: z.string().optional() }),
      note: z.string().optional(),
      fixesGained: z.array(advisoryChange).describe('fix-available findings of OLD that NEW no longer has'),
      newlyApplicable: z.array(advisoryChange).describe('findings of NEW (affected, any fix status) absent from OLD'),
      counts: z.object({ old: counts, new: counts }),
    }),
    z.object({ computed: z.literal(false), reason: z.string() }),
  ]),
});

export type ImageDiffJson = z.infer<typeof imageDiffJsonSchema>;

export const IMAGE_DIFF_SCHEMA_ID = 'https://patchline.dev/schemas/image-diff-v1.json';

/** The JSON Schema published as schemas/image-diff-v1.json (a test keeps the file equal to this). */
export function imageDiffJsonSchemaDocument(): Record<string, unknown> {
  const { $schema, ...rest } = z.toJSONSchema(imageDiffJsonSchema) as Record<string, unknown>;
  return { $schema, $id: IMAGE_DIFF_SCHEMA_ID, title: 'Patchline image diff v1', ...rest };
}

export function diffJson(diff: ImageDiff): string {
  // The document is the diff itself; this assignment is where the compiler holds the two shapes together.
  const document: ImageDiffJson = diff;
  return `${JSON.stringify(document, null, 2)}\n`;
}
