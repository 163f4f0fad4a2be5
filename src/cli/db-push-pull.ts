import { Command } from 'commander';
import { PatchlineError } from '../errors.js';

// Placeholder while the command is being built; replaced by its real implementation before it lands.
export function dbPushCommand(): Command {
  return new Command('push-pull').action(() => {
    throw new PatchlineError('unsupported', 'push-pull', 'not built yet');
  });
}

export function dbPullCommand(): Command {
  return new Command('pull').action(() => {
    throw new PatchlineError('unsupported', 'pull', 'not built yet');
  });
}
