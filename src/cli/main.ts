import { Command, CommanderError } from 'commander';
import { isPatchlineError } from '../errors.js';
import { VERSION } from '../version.js';
import { dbCommand } from './db.js';
import { diffCommand } from './diff.js';
import { exposureCommand } from './exposure.js';
import { fleetCommand } from './fleet.js';
import { gateCommand } from './gate.js';
import { hostCommand } from './host.js';
import { inspectCommand } from './inspect.js';
import { pipelineCommand } from './pipeline.js';
import { releaseCommand } from './release.js';
import { ResultExit } from './result-exit.js';
import { rolloutCommand } from './rollout.js';
import { sbomCommand } from './sbom.js';
import { scanCommand } from './scan.js';
import { serveCommand } from './serve.js';

/** Exit codes: 0 success, 1 reserved for "the scan or gate found something", 2 any error (usage, input, registry). */
export async function main(argv: string[]): Promise<number> {
  const program = new Command('patchline')
    .description('Scan, gate and roll out bootable container (bootc) OS images: every available fix ships.')
    .version(VERSION)
    .addCommand(inspectCommand())
    .addCommand(sbomCommand())
    .addCommand(scanCommand())
    .addCommand(diffCommand())
    .addCommand(gateCommand())
    .addCommand(dbCommand())
    .addCommand(serveCommand())
    .addCommand(fleetCommand())
    .addCommand(releaseCommand())
    .addCommand(rolloutCommand())
    .addCommand(hostCommand())
    .addCommand(pipelineCommand())
    .addCommand((await import('./version-command.js')).versionCommand())
    .addCommand(exposureCommand());
  for (const command of allCommands(program)) {
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
    if (error instanceof ResultExit) {
      process.stderr.write(`patchline: ${error.message}\n`);
      return error.exitCode;
    }
    if (isPatchlineError(error)) {
      process.stderr.write(`patchline: error: ${error.message}\n`);
      return error.exitCode;
    }
    process.stderr.write(`patchline: internal error (please report): ${(error as Error).stack ?? String(error)}\n`);
    return 3;
  }
}

/** Every command and subcommand, so each reports errors the same way. */
function allCommands(command: Command): Command[] {
  return [command, ...command.commands.flatMap(allCommands)];
}
