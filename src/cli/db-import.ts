import { Command } from 'commander';
import { PatchlineError } from '../errors.js';

// Placeholder while the command is being built; replaced by its real implementation before it lands.
export function dbImportCommand(): Command {
  return new Command('import').action(() => {
    throw new PatchlineError('unsupported', 'import', 'not built yet');
  });
}
