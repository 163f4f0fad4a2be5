import { digestSchema, isDigest } from '../core/index.js';

// Only the digests registries and bootc actually produce; a release must name its content exactly (core's grammar).
export function isImageDigest(text: string): boolean {
  return isDigest(text);
}

export const imageDigestSchema = digestSchema('expected a digest such as sha256:<64 hex digits>');
