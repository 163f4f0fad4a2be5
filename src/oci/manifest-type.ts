import { PatchlineError } from '../core/index.js';
import { DOCKER_MANIFEST, DOCKER_MANIFEST_LIST, OCI_INDEX, OCI_MANIFEST } from './media-types.js';

/** A manifest's media type from its own `mediaType` field, or from its shape when the field is absent (it is optional in OCI). */
export function sniffManifestMediaType(bytes: Buffer, what: string): string {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString());
  } catch (error) {
    throw new PatchlineError('input', what, `is not valid JSON (${(error as Error).message})`);
  }
  if (typeof value !== 'object' || value === null) throw new PatchlineError('input', what, 'is not a JSON object');
  const record = value as Record<string, unknown>;
  if (typeof record.mediaType === 'string') return record.mediaType;
  if (record.schemaVersion === 1) {
    throw new PatchlineError(
      'unsupported',
      what,
      'is a Docker schema 1 manifest, which was retired in 2019; re-push the image',
    );
  }
  if (Array.isArray(record.manifests)) return OCI_INDEX;
  if (Array.isArray(record.layers)) return OCI_MANIFEST;
  throw new PatchlineError('input', what, 'is neither an image manifest nor an index');
}

export { DOCKER_MANIFEST, DOCKER_MANIFEST_LIST };
