import { Command, Option } from 'commander';
import { AdvisoryDatabase } from '../advisories/index.js';
import { DURATION_HINT, formatAge, PatchlineError } from '../core/index.js';
import { tryParseDuration } from '../fleet/index.js';
import { formatsFor, renderReport } from '../report/index.js';
import { applyVex, readVexFiles, type ScanResult, scanImage } from '../scan/index.js';
import { dbOption, resolveDbPath } from './db-options.js';
import { checkInventory } from './inventory-checks.js';
import { type ImageFlags, imageOptions, toOpenImageOptions } from './options.js';
import { writeOutput } from './output.js';
import { ResultExit } from './result-exit.js';
import { outputWidth } from './terminal-width.js';

type FailOn = 'fix-available' | 'any';

interface ScanFlags extends ImageFlags {
  db?: string;
  format: string;
  output?: string;
  vex?: string[];
  failOn?: FailOn;
  dbMaxAge?: string;
  showNotAffected?: boolean;
  allowEmpty?: boolean;
  allowPartial?: boolean;
  allowNoData?: boolean;
}

export const SCAN_EXIT_CODES = `Exit codes:
  0  the scan ran, and found nothing --fail-on names (without --fail-on: the scan ran)
  1  the scan ran, and found what --fail-on names: a fix available (fix-available), or any finding (any);
     findings suppressed by --vex and publisher not-affected statements never count
  2  error: bad usage, unreadable image or VEX file, no advisory database, or one older than --db-max-age
     (run \`patchline db update\`, or \`patchline db import PATH\` where there is no network), or no data in it for
     the image's OS (unless --allow-no-data)`;

export function scanCommand(): Command {
  const command = new Command('scan')
    .description(
      'list the published fixes an image lacks, and since when (fixes available first, oldest first), from the local advisory database',
    )
    .argument('<image>', 'an image reference (see `patchline inspect --help`) or dir:ROOTFS')
    .addOption(dbOption())
    .addOption(new Option('-f, --format <format>', 'output format').choices(formatsFor('scan')).default('table'))
    .option('-o, --output <file>', 'write to FILE instead of stdout (written whole or not at all)')
    .option(
      '--vex <file>',
      'an OpenVEX, CycloneDX VEX or CSAF VEX document whose not_affected and fixed statements move findings to suppressed (repeatable)',
      (file: string, files: string[] = []) => [...files, file],
    )
    .addOption(
      new Option('--fail-on <what>', 'exit 1 when the scan finds a fix available, or any finding').choices([
        'fix-available',
        'any',
      ]),
    )
    .option('--db-max-age <duration>', 'fail (exit 2) when the database was last updated longer ago (e.g. 72h, 3d)')
    .option('--show-not-affected', 'also list packages the publisher states are not affected')
    .option('--allow-empty', 'succeed even when no package database is found (scratch or static images)')
    .option('--allow-partial', 'succeed even when a package database could be read only in part')
    .option(
      '--allow-no-data',
      "succeed even when the advisory database holds no data for the image's OS (the output says so)",
    );
  for (const option of imageOptions()) command.addOption(option);
  command.addHelpText('after', `\n${SCAN_EXIT_CODES}\n`);
  return command.action(async (image: string, flags: ScanFlags) => {
    const dbPath = resolveDbPath(flags.db);
    const maxAge = flags.dbMaxAge === undefined ? undefined : parseMaxAge(flags.dbMaxAge);
    // Database and VEX problems fail before the image is read: they are cheaper to find than an image is to pull.
    checkDatabase(dbPath, maxAge, flags.dbMaxAge);
    const statements = await readVexFiles(flags.vex ?? []);
    const status = statusLine();
    status(`reading ${image}`);
    let scanned: ScanResult;
    try {
      scanned = await scanImage(image, {
        db: dbPath,
        image: toOpenImageOptions(flags),
        includeNotAffected: flags.showNotAffected === true,
        onInventory: (inventory) => {
          checkInventory(image, inventory, flags);
          status(`matching ${inventory.packages.length} packages`);
        },
      });
    } finally {
      status(undefined);
    }
    if (scanned.noData !== undefined && !flags.allowNoData) {
      throw new PatchlineError('input', image, `${scanned.noData} (pass --allow-no-data to accept an empty result)`);
    }
    const result = applyVex(scanned, statements);
    await writeOutput(renderReport('scan', flags.format, result, { width: outputWidth(flags.output) }), flags.output);
    if (flags.failOn) failOn(flags.failOn, result, image);
  });
}

function parseMaxAge(text: string): number {
  const ms = tryParseDuration(text);
  if (ms === undefined) {
    throw new PatchlineError('usage', `--db-max-age=${text}`, `expected ${DURATION_HINT}, not 0`);
  }
  return ms;
}

/** The database must exist, hold data, and (with --db-max-age) have been updated recently enough. */
function checkDatabase(path: string, maxAge: number | undefined, maxAgeText: string | undefined): void {
  const db = AdvisoryDatabase.open(path, { readonly: true });
  let lastSync: number;
  try {
    const summary = db.summary();
    if (summary.syncs.length === 0) {
      throw new PatchlineError(
        'not-found',
        path,
        'the advisory database holds no data yet (run `patchline db update`, or `patchline db import PATH` offline)',
      );
    }
    // Its age is the time since the last update or import, which refreshes it even when nothing changed.
    lastSync = Math.max(...summary.syncs.map((sync) => Date.parse(sync.lastSync)));
  } finally {
    db.close();
  }
  if (maxAge === undefined) return;
  const age = Date.now() - lastSync;
  if (!(age <= maxAge)) {
    throw new PatchlineError(
      'input',
      path,
      `the advisory database was last updated ${formatAge(age / 1000)} ago (${new Date(lastSync).toISOString()}), longer than --db-max-age ${maxAgeText}: run \`patchline db update\` (or \`patchline db import PATH\` offline)`,
    );
  }
}

function failOn(what: FailOn, result: ScanResult, image: string): void {
  const counted = result.findings.filter((finding) =>
    what === 'any' ? finding.status !== 'not-affected' : finding.status === 'fix-available',
  );
  if (counted.length === 0) return;
  const noun = what === 'any' ? 'finding(s)' : 'finding(s) with a fix available';
  throw new ResultExit(`${image}: ${counted.length} ${noun} (--fail-on ${what})`);
}

/** One redrawn line on stderr while the scan runs, only when stderr is a terminal (as src/cli/progress.ts). */
function statusLine(stream: NodeJS.WriteStream = process.stderr): (text: string | undefined) => void {
  if (!stream.isTTY) return () => {};
  return (text) => stream.write(text === undefined ? '\r\x1b[2K' : `\r\x1b[2K${text}…`);
}
