import { z } from 'zod';
import { durationSeconds, formatAge } from '../duration.js';
import type { BaseLookup, ImageFacts } from './gate-inputs.js';
import type { RuleResult } from './gate-result.js';
import { policyRule } from './policy-rule.js';
import { duration } from './schema-parts.js';

/**
 * image.maxAge: the image config's `created`; an image without one (or with an unreadable one, or the Unix epoch that
 * SOURCE_DATE_EPOCH=0 leaves) fails closed, saying why.
 */
export function imageAgeRule(spec: z.output<typeof imageSection>, image: ImageFacts, now: number): RuleResult {
  const created = image.created ?? null;
  const base = { rule: 'image.maxAge' as const, findings: [], packages: [] };
  if (spec === undefined) {
    return { ...base, outcome: 'not-configured', message: 'not configured', inputs: { maxAgeSeconds: null, created } };
  }
  const maxAge = durationSeconds(spec.maxAge)!;
  const at = Date.parse(image.created ?? '');
  if (Number.isNaN(at) || at === 0) {
    // A reproducible build with SOURCE_DATE_EPOCH=0 records the Unix epoch: not a build time, so no age either.
    const what =
      created === null
        ? 'no created time'
        : at === 0
          ? `the Unix epoch as its created time (${created}: a reproducible build with SOURCE_DATE_EPOCH=0 records no build time; set it to the commit time)`
          : `an unreadable created time (${created})`;
    const message = `the image config has ${what}, so its age is unknown`;
    return { ...base, outcome: 'fail', message, inputs: { maxAgeSeconds: maxAge, created, ageSeconds: null } };
  }
  const age = Math.floor((now - at) / 1000);
  const inputs = { maxAgeSeconds: maxAge, created, ageSeconds: age };
  const measured = `created ${created}, ${formatAge(Math.max(0, age))} ago`;
  return age > maxAge
    ? { ...base, outcome: 'fail', message: `the image is older than ${formatAge(maxAge)}: ${measured}`, inputs }
    : { ...base, outcome: 'pass', message: `${measured}, within ${formatAge(maxAge)}`, inputs };
}

function isPrefix(prefix: readonly string[], of: readonly string[]): boolean {
  return prefix.length > 0 && prefix.length <= of.length && prefix.every((digest, i) => of[i] === digest);
}

/**
 * base.mustBeLatest: the base's tag still resolves to what the image was built from. With a base.digest label, the
 * tag's digest (the index's or the platform manifest's) must be that digest; without one, or with a reference from
 * the policy, the tag's current layers must be the first layers of the image. A base that cannot be looked up fails
 * closed.
 */
export function baseRule(spec: z.output<typeof baseSection>, image: ImageFacts, lookup: BaseLookup): RuleResult {
  const base = { rule: 'base.mustBeLatest' as const, findings: [], packages: [] };
  if (spec === undefined || spec.mustBeLatest === false) {
    return { ...base, outcome: 'not-configured', message: 'not configured', inputs: { reference: null } };
  }
  switch (lookup.kind) {
    case 'not-needed':
    case 'unknown': {
      const reason = lookup.kind === 'unknown' ? lookup.reason : 'the base was not looked up';
      return {
        ...base,
        outcome: 'fail',
        message: `cannot tell which base the image has: ${reason}`,
        inputs: { reference: null },
      };
    }
    case 'error':
      return {
        ...base,
        outcome: 'fail',
        message: `the base ${lookup.reference} could not be looked up: ${lookup.problem}`,
        inputs: { reference: lookup.reference, problem: lookup.problem },
      };
    case 'found': {
      const inputs = {
        reference: lookup.reference,
        from: lookup.from,
        expectedDigest: lookup.expectedDigest ?? null,
        tagDigests: lookup.tagDigests,
        baseLayers: lookup.diffIds.length,
        imageLayers: image.diffIds.length,
      };
      if (lookup.expectedDigest !== undefined) {
        const same = lookup.tagDigests.includes(lookup.expectedDigest);
        return {
          ...base,
          outcome: same ? 'pass' : 'fail',
          message: same
            ? `${lookup.reference} still resolves to ${lookup.expectedDigest}, the base the image was built from`
            : `${lookup.reference} has moved to ${lookup.tagDigests[0]}; the image was built from ${lookup.expectedDigest}: rebuild on the new base`,
          inputs,
        };
      }
      const same = isPrefix(lookup.diffIds, image.diffIds);
      return {
        ...base,
        outcome: same ? 'pass' : 'fail',
        message: same
          ? `the image's first ${lookup.diffIds.length} layer(s) are ${lookup.reference} as it is now`
          : `the image is not built on ${lookup.reference} as it is now (${lookup.tagDigests[0]}): its layers are not the image's first layers; rebuild on the new base`,
        inputs,
      };
    }
  }
}

const imageSection = z
  .strictObject({ maxAge: duration.describe('The image config\'s "created" may be at most this old') })
  .optional();

export const imagePolicy = policyRule({
  key: 'image',
  schema: imageSection,
  example: { maxAge: '90d' },
  reports: [
    {
      name: 'image.maxAge',
      title: 'ImageIsRecent',
      help: 'The image must have been built more recently than the policy allows.',
    },
  ],
  evaluate: (section, { inputs, at }) => [imageAgeRule(section, inputs.image, at)],
});

const baseSection = z
  .strictObject({
    mustBeLatest: z
      .union([z.boolean(), z.string().min(1)], {
        error: 'expected true, false or an image reference such as quay.io/fedora/fedora-bootc:41',
      })
      .describe(
        'true: the base named by the org.opencontainers.image.base.name/.digest labels is still what its tag points to; a reference: that tag instead of the label',
      ),
  })
  .optional();

export const basePolicy = policyRule({
  key: 'base',
  schema: baseSection,
  example: { mustBeLatest: true },
  reports: [
    {
      name: 'base.mustBeLatest',
      title: 'BaseImageIsLatest',
      help: 'The base image must still be the newest digest for its tag.',
    },
  ],
  evaluate: (section, { inputs }) => [baseRule(section, inputs.image, inputs.base)],
});
