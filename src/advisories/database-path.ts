import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Where the advisory database lives when no `--db` is given: `$PATCHLINE_DB`, else the XDG cache directory (the
 * database can always be rebuilt from the publishers, so it is cache, not data), else `~/.cache`.
 */
export function defaultDatabasePath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PATCHLINE_DB) return env.PATCHLINE_DB;
  const cache = env.XDG_CACHE_HOME && env.XDG_CACHE_HOME.length > 0 ? env.XDG_CACHE_HOME : join(homedir(), '.cache');
  return join(cache, 'patchline', 'advisories.db');
}
