import { Command } from 'commander';
import { PatchlineError } from '../errors.js';

// Placeholder while the command is being built; replaced by its real implementation before it lands.
export function dbUpdateCommand(): Command {
  return new Command('update').action(() => {
    throw new PatchlineError('unsupported', 'update', 'not built yet');
  });
}
