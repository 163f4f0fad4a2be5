import { Command } from 'commander';
import { PatchlineError } from '../errors.js';

// Placeholder while the command is being built; replaced by its real implementation before it lands.
export function dbExportCommand(): Command {
  return new Command('export').action(() => {
    throw new PatchlineError('unsupported', 'export', 'not built yet');
  });
}
