import { z } from 'zod';

// Only the digests registries and bootc actually produce; a release must name its content exactly.
const DIGEST_PATTERN = /^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;

export function isImageDigest(text: string): boolean {
  return DIGEST_PATTERN.test(text);
}

export const imageDigestSchema = z.string().regex(DIGEST_PATTERN, 'expected a digest such as sha256:<64 hex digits>');
