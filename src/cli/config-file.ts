import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { PatchlineError } from '../core/errors.js';

/** The config file's values by key (flag names without `--`), as text, the way a flag would give them. */
export type ConfigValues = Map<string, string>;

/** `$XDG_CONFIG_HOME/patchline/config.yaml`, else `~/.config/patchline/config.yaml`. */
export function defaultConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME && env.XDG_CONFIG_HOME !== '' ? env.XDG_CONFIG_HOME : join(homedir(), '.config');
  return join(base, 'patchline', 'config.yaml');
}

/**
 * Reads the config file: `explicit` (from --config or $PATCHLINE_CONFIG) must exist; the default one may be absent.
 * Every key must be one of `known`: a misspelt key would otherwise be ignored without a word.
 */
export async function readConfigFile(
  explicit: string | undefined,
  known: ReadonlySet<string>,
): Promise<{ path: string; values: ConfigValues }> {
  const path = explicit ?? defaultConfigPath();
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (explicit === undefined && code === 'ENOENT') return { path, values: new Map() };
    throw new PatchlineError('not-found', path, `cannot read the config file (${code ?? String(error)})`);
  }
  // Imported here so that commands run without a config file, and --help, never load the YAML parser.
  const { parse } = await import('yaml');
  let document: unknown;
  try {
    document = parse(text);
  } catch (error) {
    throw new PatchlineError('input', path, `is not valid YAML (${(error as Error).message.split('\n')[0]})`);
  }
  if (document === null || document === undefined) return { path, values: new Map() };
  if (typeof document !== 'object' || Array.isArray(document)) {
    throw new PatchlineError('input', path, 'expected a mapping of settings (e.g. `db: /srv/advisories.db`)');
  }
  const values: ConfigValues = new Map();
  for (const [key, value] of Object.entries(document)) {
    if (!known.has(key)) {
      throw new PatchlineError('input', `${path}: ${key}`, `unknown setting (known: ${[...known].sort().join(', ')})`);
    }
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      throw new PatchlineError('input', `${path}: ${key}`, 'expected a single value (text, number or true/false)');
    }
    values.set(key, String(value));
  }
  return { path, values };
}
