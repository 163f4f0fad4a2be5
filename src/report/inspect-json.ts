import { detectBootc } from '../inventory/index.js';
import { formatPlatform } from '../oci/index.js';
import type { InspectView } from './inspect-view.js';

/** `patchline inspect --format json`. */
export function inspectJson(view: InspectView): string {
  return `${JSON.stringify(inspectDocument(view), null, 2)}\n`;
}

function inspectDocument({ name, image, files, stats }: InspectView) {
  const labels = image?.config.config?.Labels ?? {};
  return {
    name,
    ...(image
      ? {
          digest: image.digest,
          mediaType: image.mediaType,
          ...(image.indexDigest ? { indexDigest: image.indexDigest } : {}),
          configDigest: image.configDigest,
          platform: formatPlatform(image.platform),
          created: image.config.created ?? null,
          labels,
          bootc: isBootc(labels),
          layers: image.layers.map((layer) => ({
            index: layer.index,
            digest: layer.descriptor.digest,
            mediaType: layer.descriptor.mediaType,
            size: layer.descriptor.size,
            diffId: layer.diffId,
          })),
        }
      : {}),
    ...(files
      ? {
          files: files.map((file) => ({
            path: file.path,
            type: file.entry.type,
            size: file.entry.size,
            mode: `0${(file.entry.mode & 0o7777).toString(8)}`,
            ...(file.entry.linkTarget !== undefined ? { linkTarget: file.entry.linkTarget } : {}),
            ...(file.resolvedPath !== undefined ? { resolvedPath: file.resolvedPath } : {}),
            ...(file.layer ? { layer: file.layer } : {}),
          })),
        }
      : {}),
    ...(stats ? { stats } : {}),
  };
}

/** By the labels alone (inspect reads no files), by the same rules as the inventory. */
export function isBootc(labels: Record<string, string>): boolean {
  return detectBootc(labels, []).bootc;
}
