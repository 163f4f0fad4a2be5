import { Option } from 'commander';
import { AdvisoryDatabase } from '../advisories/index.js';

/** `--db PATH`, shared by every command that reads or writes the advisory database (scan, db …). */
export function dbOption(): Option {
  return new Option(
    '--db <path>',
    'advisory database file (default: $PATCHLINE_DB, else $XDG_CACHE_HOME/patchline/advisories.db)',
  );
}

/** The database file a command works on: the flag when given, else the default location. */
export function resolveDbPath(flag: string | undefined): string {
  return flag && flag.length > 0 ? flag : AdvisoryDatabase.defaultPath();
}
