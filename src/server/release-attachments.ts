import { createHash } from 'node:crypto';
import { z } from 'zod';
import { type Release, releaseDigests, releaseSchema } from '../fleet/index.js';
import { parseGateEvidence } from '../policy/index.js';
import { releaseDiffSchema } from '../report/index.js';
import type { ReleaseAttachments } from '../store/index.js';
import { InvalidRequest } from './status.js';

/**
 * A release as the admin API takes it: the resource and, beside it, what it was made with. `attachments.evidence` is
 * the gate evidence document as text, whose sha256 must be spec.gate.evidence; `attachments.diff` is `patchline diff
 * -f json` from the fleet's previous release to this one (its layers are dropped).
 */
export const releaseRequestSchema = releaseSchema.extend({
  attachments: z
    .strictObject({
      evidence: z.string().min(1).optional(),
      diff: releaseDiffSchema.optional(),
    })
    .optional(),
});
export type ReleaseRequest = z.infer<typeof releaseRequestSchema>;

export interface AttachmentLimits {
  /** The largest evidence document kept with a release, in bytes. */
  evidenceBytes: number;
  /** The largest image diff kept with a release, in bytes of JSON. */
  diffBytes: number;
}

/**
 * Checks what a release request carries, failing closed with the field at fault: the evidence must hash to the
 * digest the release records and vouch for its image; the diff must go from the previous release's image to this
 * one's. Returns what the store keeps.
 */
export function checkAttachments(
  request: ReleaseRequest,
  previous: Release | undefined,
  limits: AttachmentLimits,
): { release: Release; attachments: ReleaseAttachments } {
  const { attachments, ...release } = request;
  const kept: ReleaseAttachments = {};
  const evidence = attachments?.evidence;
  if (evidence !== undefined) {
    const bytes = Buffer.from(evidence, 'utf8');
    if (bytes.length > limits.evidenceBytes) {
      throw new InvalidRequest(
        `attachments.evidence: is ${bytes.length} bytes, more than the controller keeps with a release (${limits.evidenceBytes})`,
        'RequestEntityTooLarge',
      );
    }
    const expected = release.spec.gate?.evidence;
    if (expected === undefined) {
      throw new InvalidRequest(
        'attachments.evidence: the release records no evidence digest (spec.gate.evidence) to check it against',
        'BadRequest',
      );
    }
    const actual = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    if (actual !== expected) {
      throw new InvalidRequest(
        `attachments.evidence: hashes to ${actual}, not to spec.gate.evidence ${expected}: it is not the document the verdict came from`,
        'BadRequest',
      );
    }
    const document = parseGateEvidence(evidence, 'attachments.evidence');
    const digests = releaseDigests(release);
    if (document.image.digest === undefined || !digests.has(document.image.digest)) {
      throw new InvalidRequest(
        `attachments.evidence: is the evidence for ${document.image.digest ?? `${document.image.reference} (no digest)`}, not for the release's image ${release.spec.image}`,
        'BadRequest',
      );
    }
    if ((document.verdict === 'pass') !== release.spec.gate?.passed) {
      throw new InvalidRequest(
        `attachments.evidence: its verdict is ${document.verdict}, but spec.gate.passed is ${release.spec.gate?.passed}`,
        'BadRequest',
      );
    }
    kept.evidence = evidence;
  }
  const diff = attachments?.diff;
  if (diff !== undefined) {
    if (previous === undefined) {
      throw new InvalidRequest(
        `attachments.diff: fleet ${release.spec.fleet} has no earlier release for it to compare with`,
        'BadRequest',
      );
    }
    if (diff.old.digest === undefined || !releaseDigests(previous).has(diff.old.digest)) {
      throw new InvalidRequest(
        `attachments.diff.old.digest: is ${diff.old.digest ?? 'missing'}, not the image of the fleet's previous release ${previous.metadata.name} (${previous.spec.image})`,
        'BadRequest',
      );
    }
    if (diff.new.digest === undefined || !releaseDigests(release).has(diff.new.digest)) {
      throw new InvalidRequest(
        `attachments.diff.new.digest: is ${diff.new.digest ?? 'missing'}, not the release's image ${release.spec.image}`,
        'BadRequest',
      );
    }
    const text = JSON.stringify(diff);
    const size = Buffer.byteLength(text);
    if (size > limits.diffBytes) {
      throw new InvalidRequest(
        `attachments.diff: is ${size} bytes, more than the controller keeps with a release (${limits.diffBytes})`,
        'RequestEntityTooLarge',
      );
    }
    kept.diff = text;
  }
  return { release, attachments: kept };
}
