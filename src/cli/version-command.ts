import { Command, Option } from 'commander';
import { SCHEMA_VERSION } from '../advisories/index.js';
import { BUILD_COMMIT, VERSION } from '../core/index.js';
import { latestMigration } from '../store/index.js';
import { writeOutput } from './output.js';

interface VersionFlags {
  format: 'text' | 'json';
}

export interface VersionInfo {
  version: string;
  /** The commit the build was stamped with; null when the build did not know it. */
  commit: string | null;
  databaseSchemas: {
    /** The advisory database schema version this Patchline writes (it reads this one and every older one). */
    advisories: number;
    /** The controller store's newest migration, applied by `serve` on start (SQLite and PostgreSQL alike). */
    controller: string;
  };
}

export async function versionInfo(): Promise<VersionInfo> {
  return {
    version: VERSION,
    commit: BUILD_COMMIT,
    databaseSchemas: { advisories: SCHEMA_VERSION, controller: await latestMigration() },
  };
}

/**
 * `patchline version`: what a bug report or an upgrade plan needs. `--version` prints the version alone; this adds
 * the commit and the database schemas, since those decide whether an older or newer Patchline can share a database.
 */
export function versionCommand(): Command {
  return new Command('version')
    .description('print the version, the commit it was built from and the database schemas it uses')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(async (flags: VersionFlags) => {
      const info = await versionInfo();
      const text =
        flags.format === 'json'
          ? `${JSON.stringify(info, null, 2)}\n`
          : [
              `patchline ${info.version}`,
              `commit                      ${info.commit ?? 'unknown'}`,
              `advisory database schema    ${info.databaseSchemas.advisories}`,
              `controller store migration  ${info.databaseSchemas.controller}`,
              '',
            ].join('\n');
      await writeOutput(text, undefined);
    });
}
