// Reading the OCI layouts the benchmarks build: the manifest and its layer blobs.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

export const blobFile = (dir: string, digest: string) => join(dir, 'blobs', 'sha256', digest.slice('sha256:'.length));

export interface LayoutManifest {
  config: { digest: string; size: number; mediaType: string };
  layers: Array<{ digest: string; size: number; mediaType: string }>;
}

/** The first manifest of an OCI layout's index. */
export async function manifestOf(dir: string): Promise<LayoutManifest> {
  const index = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')) as { manifests: Array<{ digest: string }> };
  const first = index.manifests[0];
  if (first === undefined) throw new Error(`${dir}/index.json lists no manifest`);
  return JSON.parse(await readFile(blobFile(dir, first.digest), 'utf8')) as LayoutManifest;
}

/** Layer blob paths of an OCI layout, base first. */
export async function layerBlobs(dir: string): Promise<string[]> {
  return (await manifestOf(dir)).layers.map((layer) => blobFile(dir, layer.digest));
}
