import { Command } from 'commander';
import { PatchlineError } from '../errors.js';

// Placeholder while the command is being built; replaced by its real implementation before it lands.
export function releaseCommand(): Command {
  return new Command('release').action(() => {
    throw new PatchlineError('unsupported', 'release', 'not built yet');
  });
}
