import { Command, Option } from 'commander';
import { PatchlineError } from '../core/index.js';
import type { Inventory } from '../inventory/index.js';
import { catalogers, readInventory } from '../inventory/index.js';
import type { CyclonedxVersion } from '../report/index.js';
import { formatsFor, renderReport } from '../report/index.js';
import { openFileTree } from '../rootfs/index.js';
import { type ImageFlags, imageOptions, toOpenImageOptions } from './options.js';
import { writeOutput } from './output.js';
import { terminalProgress } from './progress.js';

interface SbomFlags extends ImageFlags {
  format: string;
  cyclonedxVersion: CyclonedxVersion;
  output?: string;
  allowEmpty?: boolean;
  allowPartial?: boolean;
}

export function sbomCommand(): Command {
  const command = new Command('sbom')
    .description("list an image's installed packages (rpm, dpkg, apk), OS, kernel and bootc status as an SBOM")
    .argument('<image>', 'an image reference (see `patchline inspect --help`) or dir:ROOTFS')
    .addOption(
      new Option('-f, --format <format>', 'output format').choices(formatsFor('sbom')).default('cyclonedx-json'),
    )
    .addOption(
      new Option('--cyclonedx-version <version>', 'CycloneDX spec version to write')
        .choices(['1.6', '1.5', '1.4'])
        .default('1.6'),
    )
    .option('-o, --output <file>', 'write to FILE instead of stdout (written whole or not at all)')
    .option('--allow-empty', 'succeed even when no package database is found (scratch or static images)')
    .option('--allow-partial', 'succeed even when a package database could be read only in part');
  for (const option of imageOptions()) command.addOption(option);
  return command.action(async (image: string, flags: SbomFlags) => {
    const tree = await openFileTree(image, toOpenImageOptions(flags));
    let inventory: Inventory;
    try {
      const progress = terminalProgress();
      inventory = await readInventory(tree, progress ? { progress } : {});
    } finally {
      await tree.close();
    }
    if (inventory.databases.length === 0 && !flags.allowEmpty) {
      // The most common complaint against scanners is "0 packages, no vulnerabilities" for an image they could not read.
      const looked = catalogers.flatMap((cataloger) => cataloger.requests.map((request) => request.path)).join(', ');
      throw new PatchlineError(
        'not-found',
        image,
        `no package database found (looked for ${looked}); if the image really has no OS packages, pass --allow-empty`,
      );
    }
    await writeOutput(
      renderReport('sbom', flags.format, inventory, { cyclonedxVersion: flags.cyclonedxVersion }),
      flags.output,
    );
    if (inventory.problems.length > 0) {
      for (const problem of inventory.problems)
        process.stderr.write(`patchline: warning: ${problem.path}: ${problem.message}\n`);
      if (!flags.allowPartial) {
        throw new PatchlineError(
          'input',
          image,
          `${inventory.problems.length} package database problem(s): the inventory above is partial (pass --allow-partial to accept it)`,
        );
      }
    }
  });
}
