import type { InventoryTarget } from '../inventory/index.js';
import { formatImageReference, type ImageReference, parseImageReference } from '../oci/index.js';

/**
 * The image's own package URL (purl-spec `oci` type): the digest names it, the repository says where it lives. The
 * reference is parsed as every image name is (oci/reference.ts), so a registry with a port (`127.0.0.1:5000/alma/os`)
 * keeps its port in `repository_url` and its last path segment as the name.
 */
export function imagePurl(target: InventoryTarget): string | undefined {
  if (!target.digest) return undefined;
  const { name, repositoryUrl } = imageLocation(target.name);
  const base = `pkg:oci/${encodeURIComponent(name.toLowerCase())}@${encodeURIComponent(target.digest)}`;
  const qualifiers: string[] = [];
  if (target.platform) qualifiers.push(`arch=${encodeURIComponent(target.platform.split('/')[1] ?? target.platform)}`);
  if (repositoryUrl) qualifiers.push(`repository_url=${encodeURIComponent(repositoryUrl)}`);
  return qualifiers.length > 0 ? `${base}?${qualifiers.join('&')}` : base;
}

/** The purl name (the repository's last segment, or the file's) and, for a registry image, host[:port]/repository. */
function imageLocation(reference: string): { name: string; repositoryUrl?: string } {
  let parsed: ImageReference;
  try {
    parsed = parseImageReference(reference);
  } catch {
    return { name: reference.split('/').pop() || 'image' };
  }
  if (parsed.transport === 'docker') {
    const { tag: _tag, digest: _digest, ...repository } = parsed;
    const repositoryUrl = formatImageReference(repository).replace(/^docker:\/\//, '');
    return { name: parsed.repository.split('/').pop() || 'image', repositoryUrl };
  }
  return { name: parsed.path.replace(/\/+$/, '').split('/').pop() || 'image' };
}

/** A short, stable name for what the SBOM describes, for document titles. */
export function targetTitle(target: InventoryTarget): string {
  return target.digest ? `${target.name}@${target.digest}` : target.name;
}
