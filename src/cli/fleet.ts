import { Command } from 'commander';
import { PatchlineError } from '../errors.js';

// Placeholder while the command is being built; replaced by its real implementation before it lands.
export function fleetCommand(): Command {
  return new Command('fleet').action(() => {
    throw new PatchlineError('unsupported', 'fleet', 'not built yet');
  });
}
