import { Command } from 'commander';
import { PatchlineError } from '../errors.js';

// Placeholder while the command is being built; replaced by its real implementation before it lands.
export function serveCommand(): Command {
  return new Command('serve').action(() => {
    throw new PatchlineError('unsupported', 'serve', 'not built yet');
  });
}
