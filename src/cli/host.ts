import { Command } from 'commander';
import { PatchlineError } from '../errors.js';

// Placeholder while the command is being built; replaced by its real implementation before it lands.
export function hostCommand(): Command {
  return new Command('host').action(() => {
    throw new PatchlineError('unsupported', 'host', 'not built yet');
  });
}
