import { join } from 'node:path';
import { type ImageSettings, OciLayoutWriter } from '../../src/oci/layout-writer.js';
import type { Compression } from '../../src/oci/media-types.js';
import { makeTar, type TarSpec } from './tar.js';

/** Writes an OCI layout whose layers (base first) hold the given entries; returns its `oci:` reference. */
export async function makeLayoutImage(
  parent: string,
  name: string,
  layers: TarSpec[][],
  options: ImageSettings & { compression?: Compression | Compression[] } = {},
): Promise<{ ref: string; dir: string; writer: OciLayoutWriter }> {
  const dir = join(parent, name);
  const writer = new OciLayoutWriter(dir);
  for (const [i, layer] of layers.entries()) {
    const compression = Array.isArray(options.compression)
      ? (options.compression[i] ?? 'gzip')
      : (options.compression ?? 'gzip');
    await writer.addLayer(await makeTar(layer), compression);
  }
  const tag = options.tag ?? 'latest';
  await writer.finish({ ...options, tag });
  return { ref: `oci:${dir}:${tag}`, dir, writer };
}
