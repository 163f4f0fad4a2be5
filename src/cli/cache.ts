import { Command, Option } from 'commander';
import { PatchlineError } from '../core/index.js';
import { cacheAreas, defaultCacheDir, pruneCache } from '../oci/index.js';
import { humanBytes, table } from '../report/index.js';
import { cacheMaxSizeOption } from './options.js';

interface CacheFlags {
  cacheDir?: string;
  cacheMaxSize?: number;
  all?: boolean;
}

function cacheDirOption(): Option {
  return new Option('--cache-dir <dir>', 'cache folder (default: $XDG_CACHE_HOME/patchline)');
}

/** `patchline cache …`: what the scanner's and the gateway's blob caches hold, and trimming them. */
export function cacheCommand(): Command {
  const info = new Command('info')
    .description('show each cache area: folder, entries and size')
    .addOption(cacheDirOption())
    .action(async (flags: CacheFlags) => {
      const root = flags.cacheDir ?? defaultCacheDir();
      const areas = await cacheAreas(root);
      const rows = areas.map((area) => [
        area.name,
        String(area.entries.length),
        humanBytes(area.entries.reduce((sum, entry) => sum + entry.bytes, 0)),
        area.dir,
      ]);
      const total = areas.flatMap((area) => area.entries).reduce((sum, entry) => sum + entry.bytes, 0);
      process.stdout.write(`${table([['AREA', 'ENTRIES', 'SIZE', 'FOLDER'], ...rows])}\nTotal: ${humanBytes(total)}\n`);
    });
  const prune = new Command('prune')
    .description('remove least recently used entries until the caches hold at most --cache-max-size (or all, --all)')
    .addOption(cacheDirOption())
    .addOption(cacheMaxSizeOption())
    .option('--all', 'remove every entry')
    .action(async (flags: CacheFlags) => {
      const maxBytes = flags.all ? 0 : flags.cacheMaxSize;
      if (maxBytes === undefined) {
        throw new PatchlineError('usage', 'cache prune', 'give the size to keep (--cache-max-size 20G) or --all');
      }
      const result = await pruneCache(flags.cacheDir ?? defaultCacheDir(), maxBytes);
      process.stdout.write(
        `Removed ${result.removed} entries (${humanBytes(result.freedBytes)}); ${humanBytes(result.keptBytes)} kept\n`,
      );
    });
  return new Command('cache')
    .description("the scanner's and the registry gateway's blob caches: what they hold, and pruning them")
    .addCommand(info)
    .addCommand(prune);
}
