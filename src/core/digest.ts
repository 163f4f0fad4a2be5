import { z } from 'zod';
import { PatchlineError } from './errors.js';

/**
 * Content digests, as registries and bootc produce them: `sha256:<64 hex>` or `sha512:<128 hex>`, lower case. The
 * strict pattern is also what keeps a digest from ever naming a path outside a blob folder, and it lets a release
 * name its content exactly.
 */
export type Digest = `sha256:${string}` | `sha512:${string}`;
export type Sha256Digest = `sha256:${string}`;

/** The sha256 digest as a regular expression source, for patterns built around it (`repository@sha256:…`). */
export const SHA256_DIGEST_SOURCE = 'sha256:[0-9a-f]{64}';
const DIGEST_PATTERN = new RegExp(`^(?:${SHA256_DIGEST_SOURCE}|sha512:[0-9a-f]{128})$`);
const SHA256_DIGEST_PATTERN = new RegExp(`^${SHA256_DIGEST_SOURCE}$`);
const PINNED_PATTERN = new RegExp(`@(${SHA256_DIGEST_SOURCE})$`);

export function isDigest(value: string): value is Digest {
  return DIGEST_PATTERN.test(value);
}

export function isSha256Digest(value: string): value is Sha256Digest {
  return SHA256_DIGEST_PATTERN.test(value);
}

/** Parses a digest, or fails naming `input`. */
export function parseDigest(value: string, input: string): Digest {
  if (!isDigest(value)) {
    throw new PatchlineError(
      'input',
      input,
      `"${value}" is not a digest (expected sha256:<64 hex> or sha512:<128 hex>)`,
    );
  }
  return value;
}

export function digestAlgorithm(digest: Digest): 'sha256' | 'sha512' {
  return digest.startsWith('sha512:') ? 'sha512' : 'sha256';
}

export function digestHex(digest: Digest): string {
  return digest.slice(digest.indexOf(':') + 1);
}

/** The digest an image name is pinned to (`quay.io/os@sha256:…`), or undefined when it is not pinned by sha256. */
export function pinnedDigest(image: string): Sha256Digest | undefined {
  return PINNED_PATTERN.exec(image)?.[1] as Sha256Digest | undefined;
}

/** The image name without its pinned `@sha256:…` suffix (unchanged when it has none). */
export function withoutPinnedDigest(image: string): string {
  return image.replace(PINNED_PATTERN, '');
}

/** A digest field of a document; `message` is what a reader is told when the value is not one. */
export function digestSchema(message = 'expected a digest such as sha256:<64 hex digits>') {
  return z.string().regex(DIGEST_PATTERN, message);
}

/** A field that must hold a sha256 digest (in-toto subjects, attestations). */
export function sha256DigestSchema(message = 'expected sha256: and 64 lowercase hex digits') {
  return z.string().regex(SHA256_DIGEST_PATTERN, message);
}
