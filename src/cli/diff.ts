import { existsSync, statSync } from 'node:fs';
import { Command, Option } from 'commander';
import { AdvisoryDatabase } from '../advisories/index.js';
import { PatchlineError } from '../core/index.js';
import { type Inventory, readInventory } from '../inventory/index.js';
import { diffImages, type ImageDiff } from '../policy/index.js';
import { formatsFor, renderReport } from '../report/index.js';
import { openFileTree } from '../rootfs/index.js';
import { matchInventory, type ScanResult } from '../scan/index.js';
import { dbOption, resolveDbPath } from './db-options.js';
import { checkInventory } from './inventory-checks.js';
import { type ImageFlags, imageOptions, toOpenImageOptions } from './options.js';
import { writeOutput } from './output.js';
import { terminalProgress } from './progress.js';
import { outputWidth } from './terminal-width.js';

interface DiffFlags extends ImageFlags {
  db?: string;
  format: string;
  output?: string;
  skipAdvisories?: boolean;
  allowEmpty?: boolean;
  allowPartial?: boolean;
}

export const DIFF_HELP = `
Advisories: fixes gained and advisories newly applicable come from the local advisory database. With --db the
database must be usable (exit 2 otherwise). Without --db, when the default database does not exist or holds no data yet, the package,
kernel and layer diff is still made and the output says that advisories were not computed; --skip-advisories does
the same on purpose.

Exit codes:
  0  the diff was made (whatever it found)
  2  error: bad usage, an unreadable image, an unusable --db`;

export function diffCommand(): Command {
  const command = new Command('diff')
    .description(
      'the patch notes of an update from OLD to NEW: packages added, removed, upgraded and downgraded, fixes gained and advisories newly applicable, kernel, layers',
    )
    .argument('<old>', 'the image before (a reference as `patchline inspect --help` describes, or dir:ROOTFS)')
    .argument('<new>', 'the image after')
    .addOption(dbOption())
    .addOption(new Option('-f, --format <format>', 'output format').choices(formatsFor('diff')).default('table'))
    .option('-o, --output <file>', 'write to FILE instead of stdout (written whole or not at all)')
    .option('--skip-advisories', 'diff packages, kernel and layers only; do not read the advisory database')
    .option('--allow-empty', 'succeed even when an image has no package database (scratch or static images)')
    .option('--allow-partial', 'succeed even when a package database could be read only in part');
  for (const option of imageOptions()) command.addOption(option);
  command.addHelpText('after', DIFF_HELP);
  return command.action(async (oldImage: string, newImage: string, flags: DiffFlags) => {
    // The database is checked before any image is read: it is cheaper to find wrong than an image is to pull.
    // Only --db on the command line names a database that must be there; PATCHLINE_DB and the config file say where
    // the database usually lives, as the default location does.
    const advisories = advisorySource(flags, command.getOptionValueSource('db') === 'cli');
    const options = toOpenImageOptions(flags);
    const oldInventory = await inventory(oldImage, options, flags);
    const newInventory = await inventory(newImage, options, flags);
    let diff: ImageDiff;
    if ('skipped' in advisories) {
      diff = diffImages(
        { inventory: oldInventory },
        { inventory: newInventory },
        { advisoriesSkipped: advisories.skipped },
      );
    } else {
      const [oldScan, newScan] = scanBoth(advisories.path, oldInventory, newInventory);
      diff = diffImages({ inventory: oldInventory, scan: oldScan }, { inventory: newInventory, scan: newScan });
    }
    await writeOutput(renderReport('diff', flags.format, diff, { width: outputWidth(flags.output) }), flags.output);
  });
}

/** Where advisories come from, or why they are skipped. */
function advisorySource(flags: DiffFlags, given: boolean): { path: string } | { skipped: string } {
  if (flags.skipAdvisories) return { skipped: '--skip-advisories was given' };
  const path = resolveDbPath(flags.db);
  const holdsData = existsSync(path) && statSync(path).size > 0 && hasSources(path);
  if (holdsData) return { path };
  if (given) {
    // Naming a database and silently not using it would hide a typo: that is an error, not a skip.
    AdvisoryDatabase.open(path, { readonly: true }).close();
    throw new PatchlineError(
      'not-found',
      path,
      'the advisory database holds no data yet (run `patchline db update`, or `patchline db import PATH` offline; or pass --skip-advisories)',
    );
  }
  const reason = `no advisory data at ${path} (run \`patchline db update\`, or \`patchline db import PATH\` offline, or pass --db)`;
  process.stderr.write(`patchline: warning: fixes gained and advisories newly applicable not computed: ${reason}\n`);
  return { skipped: reason };
}

function hasSources(path: string): boolean {
  const db = AdvisoryDatabase.open(path, { readonly: true });
  try {
    return db.status().sources.length > 0;
  } finally {
    db.close();
  }
}

async function inventory(
  reference: string,
  options: ReturnType<typeof toOpenImageOptions>,
  flags: DiffFlags,
): Promise<Inventory> {
  const tree = await openFileTree(reference, options);
  let read: Inventory;
  try {
    const progress = terminalProgress();
    read = await readInventory(tree, progress ? { progress } : {});
  } finally {
    await tree.close();
  }
  checkInventory(reference, read, flags);
  return read;
}

/** Both images matched against one open database at one instant, so the only differences are the images'. */
function scanBoth(path: string, oldInventory: Inventory, newInventory: Inventory): [ScanResult, ScanResult] {
  const db = AdvisoryDatabase.open(path, { readonly: true });
  try {
    const status = db.status();
    const database = {
      path: db.path,
      snapshotId: status.snapshotId,
      ...(status.builtAt ? { builtAt: status.builtAt } : {}),
    };
    const now = new Date();
    return [matchInventory(oldInventory, db, { now, database }), matchInventory(newInventory, db, { now, database })];
  } finally {
    db.close();
  }
}
