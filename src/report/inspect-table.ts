import { formatPlatform } from '../oci/index.js';
import type { FoundFile } from '../rootfs/index.js';
import { isBootc } from './inspect-json.js';
import type { InspectView } from './inspect-view.js';
import { humanBytes, shortDigest, table } from './text-table.js';

/** `patchline inspect --format table`: a header, labels and layers; with --list the files found. */
export function inspectTable({ name, image, files, stats }: InspectView): string {
  const out: string[] = [];
  if (image) {
    const labels = image.config.config?.Labels ?? {};
    const header: string[][] = [
      ['Name:', name],
      ['Digest:', image.digest],
      ...(image.indexDigest ? [['Index:', image.indexDigest]] : []),
      ['Platform:', formatPlatform(image.platform)],
      ['Created:', image.config.created ?? '-'],
      ['bootc:', isBootc(labels) ? 'yes' : 'no'],
    ];
    out.push(table(header));
    const labelNames = Object.keys(labels).sort();
    if (labelNames.length > 0) {
      out.push('Labels:');
      for (const label of labelNames) out.push(`  ${label}=${labels[label]}`);
    }
    const total = image.layers.reduce((sum, layer) => sum + layer.descriptor.size, 0);
    out.push(`Layers: ${image.layers.length} (${humanBytes(total)})`);
    out.push(
      table([
        ['  #', 'DIGEST', 'SIZE', 'MEDIA TYPE'],
        ...image.layers.map((layer) => [
          `  ${layer.index}`,
          shortDigest(layer.descriptor.digest),
          humanBytes(layer.descriptor.size),
          layer.descriptor.mediaType,
        ]),
      ]),
    );
  }
  if (files) {
    if (image) out.push('');
    out.push(
      table([
        ['TYPE', 'MODE', 'SIZE', 'LAYER', 'PATH'],
        ...files.map((file) => [
          file.entry.type,
          `0${(file.entry.mode & 0o7777).toString(8)}`,
          file.entry.type === 'file' || file.entry.type === 'hardlink' ? String(file.entry.size) : '-',
          file.layer ? `${file.layer.index}` : '-',
          describePath(file),
        ]),
      ]),
    );
    if (stats && image) {
      out.push(
        `\n${files.length} paths; read ${stats.layersRead} of ${stats.layers} layers, ${humanBytes(stats.bytesRead)} read, ${humanBytes(stats.bytesDownloaded)} downloaded`,
      );
    }
  }
  return `${out.join('\n')}\n`;
}

/** `ls -l` shows a symlink as `a -> b`; tar shows a hardlink as `a link to b`. */
function describePath(file: FoundFile): string {
  if (file.entry.type === 'symlink') return `${file.path} -> ${file.entry.linkTarget ?? ''}`;
  if (file.entry.type === 'hardlink') return `${file.path} link to ${file.entry.linkTarget ?? ''}`;
  return file.resolvedPath ? `${file.path} (${file.resolvedPath})` : file.path;
}
