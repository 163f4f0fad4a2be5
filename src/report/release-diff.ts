import type { z } from 'zod';
import { type ImageDiffJson, imageDiffJsonSchema } from './diff-json.js';

/**
 * The image diff a release keeps against the fleet's previous release: `patchline diff -f json` without its layers
 * (the bytes a host downloads matter to the diff's reader at build time, not to an auditor of the release). Fixes
 * shipped are `advisories.fixesGained`, new findings `advisories.newlyApplicable`.
 */
export const releaseDiffSchema = imageDiffJsonSchema.omit({ layers: true });

export type ReleaseDiff = z.infer<typeof releaseDiffSchema>;

export function releaseDiffOf(diff: ImageDiffJson): ReleaseDiff {
  const { layers: _layers, ...kept } = diff;
  return kept;
}
