import { Command, Option } from 'commander';
import {
  DEFAULT_SOURCES,
  feedUsages,
  MIRROR_ENV,
  selectFeeds,
  type UpdateResult,
  updateDatabase,
} from '../advisories/index.js';
import { PatchlineError } from '../core/index.js';
import { dbOption, resolveDbPath } from './db-options.js';
import { writeOutput } from './output.js';

interface UpdateFlags {
  db?: string;
  source?: string[];
  mirror?: string;
  downloadDir?: string;
  format: 'text' | 'json';
  output?: string;
}

/** `patchline db update`: sync the database from the publishers' feeds. */
export function dbUpdateCommand(): Command {
  return new Command('update')
    .description('update the advisory database from the publishers (conditional, resumable, atomic)')
    .addOption(dbOption())
    .addOption(
      new Option(
        '--source <feed>',
        `feeds to sync, comma-separated or repeated: ${feedUsages()} (default: ${DEFAULT_SOURCES.join(',')})`,
      ).argParser((value: string, previous: string[] = []) => [...previous, value]),
    )
    .addOption(
      new Option('--mirror <url>', `fetch every feed from one mirror with the publishers' layouts (env ${MIRROR_ENV})`),
    )
    .option('--download-dir <dir>', 'where downloads and partial downloads are kept (default: <db>.downloads)')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('-o, --output <file>', 'write the report to FILE instead of stdout')
    .action(async (flags: UpdateFlags) => {
      const dbPath = resolveDbPath(flags.db);
      const mirror = flags.mirror ?? (process.env[MIRROR_ENV] || undefined);
      const feeds = selectFeeds(flags.source ?? [], mirror);
      const progress = process.stderr.isTTY ? (line: string) => process.stderr.write(`${line}\n`) : undefined;
      const result = await updateDatabase(dbPath, feeds, {
        ...(flags.downloadDir ? { downloadDir: flags.downloadDir } : {}),
        ...(progress ? { onProgress: progress } : {}),
      });
      await writeOutput(flags.format === 'json' ? `${JSON.stringify(result, null, 2)}\n` : text(result), flags.output);
      const failed = result.feeds.filter((feed) => feed.error !== undefined);
      if (failed.length > 0) {
        throw new PatchlineError(
          'registry',
          failed.map((feed) => feed.feed).join(', '),
          `${failed.length} feed(s) failed (the others were applied): ${failed.map((feed) => feed.error).join('; ')}`,
        );
      }
    });
}

function text(result: UpdateResult): string {
  const lines = result.feeds.map((feed) => {
    if (feed.error !== undefined) return `${feed.feed}: failed: ${feed.error}`;
    if (feed.files === 0 && feed.deletions === 0) return `${feed.feed}: up to date`;
    return `${feed.feed}: ${feed.files} file(s), ${feed.deletions} deletion(s), ${feed.verified} checksum-verified`;
  });
  for (const feed of result.feeds) for (const note of feed.notes) lines.push(`  note: ${note}`);
  // A malformed record is reported and skipped; the first few are shown, all of them are in --format json.
  for (const problem of result.problems.slice(0, 20)) {
    lines.push(`  skipped: ${problem.input}${problem.at ? ` ${problem.at}` : ''}: ${problem.problem}`);
  }
  lines.push(
    result.changed
      ? `${result.database}: ${result.added} added, ${result.updated} updated, ${result.deleted} deleted, ${result.problems.length} unreadable record(s) skipped`
      : `${result.database}: unchanged`,
  );
  return `${lines.join('\n')}\n`;
}
