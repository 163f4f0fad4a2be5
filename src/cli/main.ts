import { Command, CommanderError, Help, Option } from 'commander';
import { isPatchlineError } from '../core/errors.js';
import { DEFAULT_LOG_LEVEL, LOG_LEVELS, setLogger } from '../core/log.js';
import { VERSION } from '../core/version.js';
import { COMMANDS, type CommandEntry } from './commands.js';
import { cliLogger, type LogFlags } from './log-format.js';
import { ResultExit } from './result-exit.js';
import { applySettings, bindSettingVariables } from './settings.js';

/** Exit codes: 0 success, 1 reserved for "the scan or gate found something", 2 any error (usage, input, registry). */
export async function main(argv: string[]): Promise<number> {
  const program = await patchlineProgram(invokedCommand(argv));
  const commands = allCommands(program);
  for (const command of commands) {
    command.exitOverride().configureOutput({ outputError: (text, write) => write(`patchline: ${text}`) });
    // A command's help also lists the global options (--log-level, --config…) it takes.
    if (command !== program) command.configureHelp({ showGlobalOptions: true });
  }
  bindSettingVariables(commands);
  program.hook('preAction', async (root, action) => {
    // An empty PATCHLINE_CONFIG means none, as an empty PATCHLINE_* variable does.
    const config = root.opts<{ config?: string }>().config || undefined;
    await applySettings(root, config);
    await applySettings(action, config);
    setLogger(cliLogger(root.opts<LogFlags>(), DEFAULT_LOG_LEVEL));
    await trimCache(action);
  });
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

/**
 * The program with every command listed, and only `loaded` (the one being run, if any) imported for real: the
 * others are stubs carrying the name and description the top-level help shows. `'*'` loads them all (for tests).
 */
export async function patchlineProgram(loaded: string | undefined): Promise<Command> {
  const program = new Command('patchline')
    .description('Scan, gate and roll out bootable container (bootc) OS images: every available fix ships.')
    .version(VERSION)
    .addOption(
      new Option('--config <file>', 'settings file (default: $XDG_CONFIG_HOME/patchline/config.yaml)').env(
        'PATCHLINE_CONFIG',
      ),
    )
    // Global, so that every command takes them; each command's default level is its own (serve: info, else warn).
    .addOption(
      new Option('--log-level <level>', 'log level on stderr (default: warn; serve: info)').choices(LOG_LEVELS),
    )
    .addOption(
      new Option(
        '--log-format <format>',
        'log lines on stderr: text (default on a terminal) or JSON (otherwise)',
      ).choices(['text', 'json']),
    );
  for (const entry of COMMANDS) {
    program.addCommand(loaded === '*' || entry.name === loaded ? await entry.load() : commandStub(entry));
  }
  const terms = new Map(COMMANDS.map((entry) => [entry.name, entry.term]));
  // A stub declares no options or arguments, so its help line is given whole rather than derived.
  program.configureHelp({
    subcommandTerm: (command) => terms.get(command.name()) ?? new Help().subcommandTerm(command),
  });
  return program;
}

function commandStub(entry: CommandEntry): Command {
  return new Command(entry.name).description(entry.description);
}

/** The command argv runs, also through `help COMMAND`, after the root's `--config FILE` if given first. */
function invokedCommand(argv: string[]): string | undefined {
  const words = argv[0] === '--config' ? argv.slice(2) : argv[0]?.startsWith('--config=') ? argv.slice(1) : argv;
  const first = words[0] === 'help' ? words[1] : words[0];
  return COMMANDS.find((entry) => entry.name === first)?.name;
}

/**
 * An image command given a cache size (flag, variable or config file) trims the caches to it before it reads: done
 * before rather than after, it also happens when the command then fails or finds something (exit 1).
 */
async function trimCache(action: Command): Promise<void> {
  const flags = action.opts<{ cacheMaxSize?: number; cacheDir?: string }>();
  if (flags.cacheMaxSize === undefined || action.parent?.name() === 'cache') return;
  const { defaultCacheDir, pruneCache } = await import('../oci/index.js');
  await pruneCache(flags.cacheDir ?? defaultCacheDir(), flags.cacheMaxSize);
}

/** Every command and subcommand, so each reports errors the same way. */
function allCommands(command: Command): Command[] {
  return [command, ...command.commands.flatMap(allCommands)];
}
