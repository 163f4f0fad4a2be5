import { Command } from 'commander';
import { PatchlineError } from '../errors.js';

// Placeholder while the command is being built; replaced by its real implementation before it lands.
export function scanCommand(): Command {
  return new Command('scan').action(() => {
    throw new PatchlineError('unsupported', 'scan', 'not built yet');
  });
}
