import { Command } from 'commander';
import { PatchlineError } from '../errors.js';

// Placeholder while the command is being built; replaced by its real implementation before it lands.
export function rolloutCommand(): Command {
  return new Command('rollout').action(() => {
    throw new PatchlineError('unsupported', 'rollout', 'not built yet');
  });
}
