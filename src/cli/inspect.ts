import { Command, Option } from 'commander';
import { PatchlineError } from '../core/index.js';
import { detectBootc } from '../inventory/bootc.js';
import { type Image, openImage } from '../oci/image.js';
import { formatPlatform } from '../oci/platform.js';
import { parseImageReference } from '../oci/reference.js';
import { humanBytes, shortDigest, table } from '../report/text-table.js';
import { DirectoryTree } from '../rootfs/directory-tree.js';
import type { FileTree, FoundFile, ReadStats } from '../rootfs/file-tree.js';
import { LayeredTree } from '../rootfs/layered-tree.js';
import { type ImageFlags, imageOptions, toOpenImageOptions } from './options.js';
import { terminalProgress } from './progress.js';

interface InspectFlags extends ImageFlags {
  list?: string[];
  format: 'table' | 'json';
}

export function inspectCommand(): Command {
  const command = new Command('inspect')
    .description('show an image: digest, platform, labels, layers; with --list, the files of its merged tree')
    .argument(
      '<image>',
      'docker://HOST/REPO:TAG, HOST/REPO@sha256:…, oci:DIR[:TAG], oci-archive:FILE[:TAG], docker-archive:FILE, dir:ROOTFS',
    )
    .option('--list <glob>', 'list merged-tree paths matching GLOB (repeatable; ** spans folders)', collect)
    .addOption(new Option('-f, --format <format>', 'output format').choices(['table', 'json']).default('table'));
  for (const option of imageOptions()) command.addOption(option);
  return command.action(async (image: string, flags: InspectFlags) => {
    process.stdout.write(await inspect(image, flags));
  });
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

export async function inspect(input: string, flags: InspectFlags): Promise<string> {
  const reference = parseImageReference(input);
  const image = reference.transport === 'dir' ? undefined : await openImage(reference, toOpenImageOptions(flags));
  const tree: FileTree = image ? new LayeredTree(image) : new DirectoryTree((reference as { path: string }).path);
  try {
    let files: FoundFile[] | undefined;
    let stats: ReadStats | undefined;
    if (flags.list && flags.list.length > 0) {
      const progress = terminalProgress();
      const result = await tree.read(
        flags.list.map((path) => ({ path, content: 'none' as const })),
        progress ? { progress } : {},
      );
      files = dedupe(result.files);
      stats = result.stats;
    } else if (!image) {
      throw new PatchlineError(
        'usage',
        input,
        'a dir: root filesystem has no image metadata; use --list GLOB to list its files',
      );
    }
    return flags.format === 'json'
      ? `${JSON.stringify(toJson(tree.name, image, files, stats), null, 2)}\n`
      : toTable(tree.name, image, files, stats);
  } finally {
    await tree.close();
  }
}

/** Overlapping globs may match a path twice; it is listed once. */
function dedupe(files: FoundFile[]): FoundFile[] {
  const seen = new Map<string, FoundFile>();
  for (const file of files) if (!seen.has(file.path)) seen.set(file.path, file);
  return [...seen.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** By the labels alone (inspect reads no files), by the same rules as the inventory. */
function isBootc(labels: Record<string, string>): boolean {
  return detectBootc(labels, []).bootc;
}

function toJson(name: string, image: Image | undefined, files: FoundFile[] | undefined, stats: ReadStats | undefined) {
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

function toTable(
  name: string,
  image: Image | undefined,
  files: FoundFile[] | undefined,
  stats: ReadStats | undefined,
): string {
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
