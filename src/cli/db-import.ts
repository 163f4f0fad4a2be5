import { rm, stat } from 'node:fs/promises';
import { Command, Option } from 'commander';
import {
  buildInCopy,
  type DatabaseStatus,
  type ImportReport,
  importDatabaseFile,
  importPaths,
  isSqliteFile,
  rpmRepositoryImporters,
  syncStatePath,
} from '../advisories/index.js';
import { PatchlineError } from '../core/index.js';
import { dbOption, resolveDbPath } from './db-options.js';
import { writeOutput } from './output.js';

interface ImportFlags {
  db?: string;
  os?: string;
  format: 'text' | 'json';
  output?: string;
}

/** Problems printed on stderr in text mode; the JSON report always lists them all. */
const SHOWN_PROBLEMS = 50;

/**
 * `patchline db import PATH…`: advisory documents from files, folders and zip/tar archives, or a whole database file
 * written by `db export` (the offline bundle), which replaces the database's content. Exit 0 when the import was
 * written, even with problems (malformed records, unknown documents: listed as warnings, as trivy and grype warn and
 * go on); 2 when a path cannot be read or no document in it was recognised, and then the database is unchanged. The
 * import runs on a copy that replaces the database's content only once it succeeded, so a failure at any point leaves
 * what was there: the previous database, or none.
 */
export function dbImportCommand(): Command {
  return new Command('import')
    .description('import advisories from files, folders and zip/tar archives, or a database file from `db export`')
    .argument('<path...>', 'files, folders, zip or tar(.gz|.zst) archives, or one exported database file')
    .addOption(dbOption())
    .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('-o, --output <file>', 'write the report to FILE instead of stdout')
    .option(
      '--os <id:version>',
      "the os-release ID:VERSION_ID an rpm repository's updateinfo.xml is for (ol:9, amzn:2023, fedora:41); default: inferred from each erratum's id",
    )
    .action(async (paths: string[], flags: ImportFlags) => {
      // Checked first: a wrong --os is a usage error before anything is read.
      const importers = flags.os === undefined ? undefined : rpmRepositoryImporters(flags.os, '--os');
      // Every path is checked before the database is opened, so a typo creates no empty database either.
      for (const path of paths) {
        await stat(path).catch((error: NodeJS.ErrnoException) => {
          throw new PatchlineError('not-found', path, `cannot be read (${error.code ?? error.message})`);
        });
      }
      const bundles = paths.filter((path) => isSqliteFile(path));
      if (bundles.length > 0 && paths.length > 1) {
        throw new PatchlineError(
          'usage',
          bundles.join(', '),
          'a database file replaces the whole database: import it alone, then the other paths',
        );
      }
      const dbPath = resolveDbPath(flags.db);
      const bundle = bundles[0];
      if (bundle !== undefined) {
        let status: DatabaseStatus | undefined;
        await buildInCopy(dbPath, async (copy) => {
          status = await importDatabaseFile(copy, bundle);
        });
        // The feeds' validators (ETags, watermarks) described the replaced content; the next update starts afresh.
        await rm(syncStatePath(dbPath), { force: true });
        // The copy's status, with the database's own path: the content is the same once installed.
        const installed = { ...status!, path: dbPath };
        await writeOutput(
          flags.format === 'json' ? json({ replacedFrom: bundle, status: installed }) : bundleText(installed),
          flags.output,
        );
        return;
      }
      const progress = process.stderr.isTTY
        ? (documents: number) => process.stderr.write(`\r\x1b[2K${documents} documents read`)
        : undefined;
      let report: ImportReport | undefined;
      await buildInCopy(dbPath, async (copy) => {
        report = await importPaths(copy, paths, {
          ...(progress ? { onProgress: progress } : {}),
          ...(importers ? { importers } : {}),
        });
        if (progress) process.stderr.write('\r\x1b[2K');
        if (report.sources.length === 0) {
          throw new PatchlineError(
            'input',
            paths.join(', '),
            `holds no advisory document Patchline recognises (${report.documents} document(s) read, ${report.problems.length} problem(s)${firstProblem(report)})`,
          );
        }
      });
      await writeOutput(
        flags.format === 'json' ? json({ database: dbPath, ...report! }) : reportText(dbPath, report!),
        flags.output,
      );
      if (flags.format === 'text') warn(report!);
    });
}

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

function firstProblem(report: ImportReport): string {
  const first = report.problems[0];
  return first ? `; first: ${first.input}: ${first.problem}` : '';
}

function reportText(database: string, report: ImportReport): string {
  const lines = report.sources.map(
    (source) =>
      `${source.source}: ${source.records} record(s), ${source.deletions} deletion(s) listed: ${source.added} added, ${source.updated} updated, ${source.unchanged} unchanged, ${source.deleted} deleted (from ${source.origin})`,
  );
  lines.push(
    `${database}: ${report.documents} document(s) read, ${report.unrecognised} not recognised, ${report.skipped} other file(s) skipped, ${report.problems.length} problem(s)`,
  );
  return `${lines.join('\n')}\n`;
}

function bundleText(status: DatabaseStatus): string {
  const records = status.sources.reduce((sum, source) => sum + source.records, 0);
  return `${status.path}: replaced by the bundle: ${records} record(s) from ${status.sources.length} source(s), snapshot ${status.snapshotId}\n`;
}

function warn(report: ImportReport): void {
  for (const problem of report.problems.slice(0, SHOWN_PROBLEMS)) {
    const where = problem.at ? ` (${problem.at})` : '';
    process.stderr.write(`patchline: warning: ${problem.input}${where}: ${problem.problem}\n`);
  }
  if (report.problems.length > SHOWN_PROBLEMS) {
    process.stderr.write(
      `patchline: warning: ${report.problems.length - SHOWN_PROBLEMS} more problem(s); --format json lists them all\n`,
    );
  }
}
