import { type OpenImageOptions, openImage, parseImageReference, parsePlatform } from '../oci/index.js';
import { errorMessage } from './error-message.js';
import type { BaseLookup, ImageFacts } from './gate-inputs.js';
import type { PolicySpec } from './policy-document.js';

const BASE_NAME_LABEL = 'org.opencontainers.image.base.name';
const BASE_DIGEST_LABEL = 'org.opencontainers.image.base.digest';

/**
 * Looks the base image up in its registry as it is now: the digest its tag resolves to and that image's layers (for
 * the image's own platform). Failures are returned, not thrown: the rule fails closed and says why.
 */
export async function lookupBase(
  spec: PolicySpec['base'],
  image: ImageFacts & { platform?: string; registry?: string },
  options: OpenImageOptions,
): Promise<BaseLookup> {
  const wanted = spec?.mustBeLatest;
  if (wanted === undefined || wanted === false) return { kind: 'not-needed' };
  const fromPolicy = typeof wanted === 'string';
  const name = fromPolicy ? wanted : image.labels[BASE_NAME_LABEL];
  if (name === undefined || name === '') {
    return {
      kind: 'unknown',
      reason: `the image has no ${BASE_NAME_LABEL} label (set it when building, or name the base in the policy: base.mustBeLatest: REFERENCE)`,
    };
  }
  let reference: ReturnType<typeof parseImageReference>;
  try {
    reference = parseImageReference(name.includes('://') ? name : `docker://${name}`);
  } catch (error) {
    return { kind: 'error', reference: name, problem: errorMessage(error) };
  }
  if (reference.transport !== 'docker' || reference.tag === undefined) {
    return {
      kind: 'error',
      reference: name,
      problem: 'expected a registry reference with a tag (REGISTRY/REPOSITORY:TAG)',
    };
  }
  // The tag alone: a reference pinned by digest would always resolve to itself.
  const { digest: _pinned, ...tagged } = reference;
  const open: OpenImageOptions = { ...options };
  // Credentials given for the image's registry are never sent to another one (auth files still apply per registry).
  if (open.credentials !== undefined && reference.registry !== image.registry) delete open.credentials;
  if (options.platform === undefined && image.platform !== undefined) open.platform = parsePlatform(image.platform);
  try {
    const base = await openImage(tagged, open);
    try {
      const found: BaseLookup = {
        kind: 'found',
        reference: name,
        from: fromPolicy ? 'policy' : 'label',
        tagDigests: base.indexDigest === undefined ? [base.digest] : [base.indexDigest, base.digest],
        diffIds: base.layers.map((layer) => layer.diffId),
      };
      const expected = image.labels[BASE_DIGEST_LABEL];
      if (!fromPolicy && expected !== undefined && expected !== '') found.expectedDigest = expected;
      return found;
    } finally {
      await base.close();
    }
  } catch (error) {
    return { kind: 'error', reference: name, problem: errorMessage(error) };
  }
}
