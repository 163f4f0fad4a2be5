import { Command, Option } from 'commander';
import { PatchlineError } from '../core/index.js';
import { openImage, parseImageReference } from '../oci/index.js';
import { formatsFor, renderReport } from '../report/index.js';
import type { FileTree, FoundFile, ReadStats } from '../rootfs/index.js';
import { DirectoryTree, LayeredTree } from '../rootfs/index.js';
import { type ImageFlags, imageOptions, toOpenImageOptions } from './options.js';
import { terminalProgress } from './progress.js';

interface InspectFlags extends ImageFlags {
  list?: string[];
  format: string;
}

export function inspectCommand(): Command {
  const command = new Command('inspect')
    .description('show an image: digest, platform, labels, layers; with --list, the files of its merged tree')
    .argument(
      '<image>',
      'docker://HOST/REPO:TAG, HOST/REPO@sha256:…, oci:DIR[:TAG], oci-archive:FILE[:TAG], docker-archive:FILE, dir:ROOTFS',
    )
    .option('--list <glob>', 'list merged-tree paths matching GLOB (repeatable; ** spans folders)', collect)
    .addOption(new Option('-f, --format <format>', 'output format').choices(formatsFor('inspect')).default('table'));
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
    return renderReport('inspect', flags.format, { name: tree.name, image, files, stats });
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
