import { Command } from 'commander';
import { PatchlineError } from '../errors.js';

// Placeholder while the command is being built; replaced by its real implementation before it lands.
export function dbStatusCommand(): Command {
  return new Command('status').action(() => {
    throw new PatchlineError('unsupported', 'status', 'not built yet');
  });
}
