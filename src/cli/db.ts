import { Command } from 'commander';
import { dbExportCommand } from './db-export.js';
import { dbImportCommand } from './db-import.js';
import { dbPullCommand, dbPushCommand } from './db-push-pull.js';
import { dbStatusCommand } from './db-status.js';
import { dbUpdateCommand } from './db-update.js';

/** `patchline db …`: the local advisory database. */
export function dbCommand(): Command {
  return new Command('db')
    .description('manage the local advisory database (update, import, export, push, pull, status)')
    .addCommand(dbUpdateCommand())
    .addCommand(dbImportCommand())
    .addCommand(dbExportCommand())
    .addCommand(dbPushCommand())
    .addCommand(dbPullCommand())
    .addCommand(dbStatusCommand());
}
