import type { InventoryTarget } from '../inventory/inventory-types.js';

/** The image's own package URL (purl-spec `oci` type): the digest names it, the repository says where it lives. */
export function imagePurl(target: InventoryTarget): string | undefined {
  if (!target.digest) return undefined;
  const name = target.name.replace(/^docker:\/\//, '').replace(/^[a-z-]+:/, '');
  const repository = /^[^/]+\.[^/]+\/|^localhost[:/]|^[^/]+:\d+\//.test(name) ? name.replace(/[:@].*$/, '') : undefined;
  const last =
    (repository ?? name)
      .split('/')
      .pop()
      ?.replace(/[:@].*$/, '') ?? 'image';
  const base = `pkg:oci/${encodeURIComponent(last.toLowerCase())}@${encodeURIComponent(target.digest)}`;
  const qualifiers: string[] = [];
  if (target.platform) qualifiers.push(`arch=${encodeURIComponent(target.platform.split('/')[1] ?? target.platform)}`);
  if (repository) qualifiers.push(`repository_url=${encodeURIComponent(repository)}`);
  return qualifiers.length > 0 ? `${base}?${qualifiers.join('&')}` : base;
}

/** A short, stable name for what the SBOM describes, for document titles. */
export function targetTitle(target: InventoryTarget): string {
  return target.digest ? `${target.name}@${target.digest}` : target.name;
}
