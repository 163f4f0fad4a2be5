import { resolve } from 'node:path';
import { Command } from 'commander';
import { AdvisoryDatabase, exportDatabase } from '../advisories/index.js';
import { PatchlineError } from '../core/index.js';
import { humanBytes } from '../report/index.js';
import { dbOption, resolveDbPath } from './db-options.js';

interface ExportFlags {
  db?: string;
}

/**
 * `patchline db export FILE`: a consistent, self-contained copy of the database, the offline bundle: carried to an
 * air-gapped machine, `patchline db import FILE` there makes its database the same (records, first-seen times, snapshot).
 */
export function dbExportCommand(): Command {
  return new Command('export')
    .description('write a consistent copy of the advisory database to FILE (an offline bundle for `db import`)')
    .argument('<file>', 'the file to write (replaced whole, or not at all)')
    .addOption(dbOption())
    .action(async (file: string, flags: ExportFlags) => {
      const dbPath = resolveDbPath(flags.db);
      if (file === '-') throw new PatchlineError('usage', file, 'the database is binary; name a file to write');
      if (resolve(file) === resolve(dbPath)) {
        throw new PatchlineError('usage', file, 'is the database itself; name another file');
      }
      const db = AdvisoryDatabase.open(dbPath, { readonly: true });
      try {
        const result = await exportDatabase(db, file);
        const records = result.status.sources.reduce((sum, source) => sum + source.records, 0);
        process.stdout.write(
          `${file}: ${records} record(s) from ${result.status.sources.length} source(s), snapshot ${result.status.snapshotId}, ${humanBytes(result.bytes)}\n`,
        );
      } finally {
        db.close();
      }
    });
}
