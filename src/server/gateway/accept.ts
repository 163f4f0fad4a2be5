import { mediaTypes } from '../../oci/index.js';

/**
 * Which of a manifest's forms a client takes. Clients list the manifest types they read in Accept (several headers
 * or one comma-separated list); a client that sends none, or a wildcard, takes what there is. A manifest of a type the
 * client does not list is not served: the bytes cannot be converted without changing the digest.
 */
export function acceptedTypes(header: string | string[] | undefined): Set<string> | 'any' {
  const values = (Array.isArray(header) ? header : header === undefined ? [] : [header])
    .flatMap((value) => value.split(','))
    .map((value) => (value.split(';')[0] ?? '').trim().toLowerCase())
    .filter((value) => value !== '');
  if (values.length === 0 || values.includes('*/*') || values.includes('application/*')) return 'any';
  return new Set(values);
}

export function accepts(accepted: Set<string> | 'any', mediaType: string): boolean {
  return accepted === 'any' || accepted.has(mediaType.toLowerCase());
}

/** Whether the client reads image indexes (OCI) or manifest lists (Docker) at all. */
export function acceptsAnIndex(accepted: Set<string> | 'any'): boolean {
  return accepted === 'any' || mediaTypes.INDEX_TYPES.some((type) => accepted.has(type));
}
