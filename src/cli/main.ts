import { Command, CommanderError } from 'commander';
import { isPatchlineError } from '../errors.js';
import { VERSION } from '../version.js';
import { inspectCommand } from './inspect.js';
import { sbomCommand } from './sbom.js';

/** Exit codes: 0 success, 1 reserved for "the scan or gate found something", 2 any error (usage, input, registry). */
export async function main(argv: string[]): Promise<number> {
  const program = new Command('patchline')
    .description('Scan, gate and roll out bootable container (bootc) OS images: every available fix ships.')
    .version(VERSION)
    .addCommand(inspectCommand())
    .addCommand(sbomCommand());
  for (const command of [program, ...program.commands]) {
    command.exitOverride().configureOutput({ outputError: (text, write) => write(`patchline: ${text}`) });
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here too, with code 0.
      return error.exitCode === 0 ? 0 : 2;
    }
    if (isPatchlineError(error)) {
      process.stderr.write(`patchline: error: ${error.message}\n`);
      return error.exitCode;
    }
    process.stderr.write(`patchline: internal error (please report): ${(error as Error).stack ?? String(error)}\n`);
    return 3;
  }
}
