import { type Command, InvalidArgumentError, type Option } from 'commander';
import { PatchlineError } from '../core/errors.js';
import { readConfigFile } from './config-file.js';

/**
 * The flags users repeat, each settable by a PATCHLINE_* variable and by a key of the config file (the flag's name).
 * Precedence: flag > variable > config file > the flag's default. The one place a setting is declared: the flag is
 * declared where its command is, and this table gives it its variable and config key.
 */
export const SETTINGS: Readonly<Record<string, { env: string; shadowedBy?: string }>> = {
  db: { env: 'PATCHLINE_DB' },
  'cache-dir': { env: 'PATCHLINE_CACHE_DIR' },
  'cache-max-size': { env: 'PATCHLINE_CACHE_MAX_SIZE' },
  'tls-verify': { env: 'PATCHLINE_TLS_VERIFY' },
  authfile: { env: 'PATCHLINE_AUTHFILE' },
  platform: { env: 'PATCHLINE_PLATFORM' },
  'db-max-age': { env: 'PATCHLINE_DB_MAX_AGE' },
  policy: { env: 'PATCHLINE_POLICY' },
  server: { env: 'PATCHLINE_SERVER' },
  // PATCHLINE_ADMIN_TOKEN holds the token itself; set, it beats a token file named only in the config file.
  'token-file': { env: 'PATCHLINE_TOKEN_FILE', shadowedBy: 'PATCHLINE_ADMIN_TOKEN' },
  'log-level': { env: 'PATCHLINE_LOG_LEVEL' },
  'log-format': { env: 'PATCHLINE_LOG_FORMAT' },
};

/**
 * Names each option in SETTINGS of `commands` its variable, for `--help` ("env: PATCHLINE_DB"). The value itself is
 * applied by applySettings: commander reads a variable only for options given one before they were added.
 */
export function bindSettingVariables(commands: Command[]): void {
  for (const command of commands) {
    for (const option of command.options) {
      const setting = SETTINGS[settingKey(option)];
      if (setting) option.env(setting.env);
    }
  }
}

/**
 * Fills the options of `command` that no flag set: from their PATCHLINE_* variable, else from the config file,
 * each value checked as the flag's would be (choices, sizes…) and refused naming where it came from.
 */
export async function applySettings(
  command: Command,
  configPath: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  const relevant = command.options.filter((option) => SETTINGS[settingKey(option)] !== undefined);
  if (relevant.length === 0 && configPath === undefined) return;
  const config = await readConfigFile(configPath, new Set(Object.keys(SETTINGS)));
  for (const option of relevant) {
    const key = settingKey(option);
    const setting = SETTINGS[key];
    const name = option.attributeName();
    const source = command.getOptionValueSource(name);
    if (setting === undefined || (source !== undefined && source !== 'default')) continue;
    const fromEnv = env[setting.env];
    if (fromEnv !== undefined && fromEnv !== '') {
      command.setOptionValueWithSource(name, parsed(option, fromEnv, setting.env), 'env');
      continue;
    }
    const fromFile = config.values.get(key);
    if (fromFile === undefined) continue;
    if (setting.shadowedBy !== undefined && (env[setting.shadowedBy] ?? '') !== '') continue;
    command.setOptionValueWithSource(name, parsed(option, fromFile, `${config.path}: ${key}`), 'config');
  }
}

function settingKey(option: Option): string {
  return option.long?.replace(/^--/, '') ?? '';
}

function parsed(option: Option, text: string, origin: string): unknown {
  if (!option.parseArg) return text;
  try {
    return option.parseArg(text, undefined as never);
  } catch (error) {
    const problem = error instanceof InvalidArgumentError ? error.message : (error as Error).message;
    throw new PatchlineError('usage', origin, `${text}: ${problem}`);
  }
}
