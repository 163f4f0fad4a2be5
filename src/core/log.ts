import { createRequire } from 'node:module';
import type { DestinationStream, Level, Logger } from 'pino';

/**
 * The one logger of the library and the CLI (the controller has fastify's, configured from the same flags). Library
 * code calls `logger()` when it has something to say (a retry, a slow registry); what is said, where, and how much is
 * set once by the program: the CLI from `--log-level`/`--log-format`, an embedding program with `setLogger`. Logs go to
 * stderr so machine output on stdout stays clean; by default only warnings and errors.
 */
export type { Logger } from 'pino';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = Level | 'silent';

export const DEFAULT_LOG_LEVEL: LogLevel = 'warn';

let current: Logger | undefined;

/** The process's logger; made at first use, so a command that never logs never loads pino. */
export function logger(): Logger {
  current ??= createLogger({ level: DEFAULT_LOG_LEVEL });
  return current;
}

/** Replaces the process's logger; returns the one it replaced. */
export function setLogger(replacement: Logger): Logger {
  const previous = logger();
  current = replacement;
  return previous;
}

/** A pino logger at `level` writing JSON lines to `stream` (stderr by default). */
export function createLogger(options: { level: LogLevel; stream?: DestinationStream }): Logger {
  // pino is CommonJS; required here rather than imported at the top so that loading this module costs nothing.
  const pino = createRequire(import.meta.url)('pino') as typeof import('pino');
  return pino.pino({ level: options.level }, options.stream ?? process.stderr);
}
