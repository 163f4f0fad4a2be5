import { createLogger, type Logger, type LogLevel } from '../core/log.js';
import { terminalSafe } from '../core/terminal-safe.js';

export type LogFormat = 'text' | 'json';

/** Readable lines for a person at a terminal; JSON lines (pino's own) for a log collector. */
export function defaultLogFormat(stream: { isTTY?: boolean } = process.stderr): LogFormat {
  return stream.isTTY ? 'text' : 'json';
}

/** What `--log-level` and `--log-format` (or PATCHLINE_LOG_LEVEL, PATCHLINE_LOG_FORMAT, the config file) chose. */
export interface LogFlags {
  logLevel?: LogLevel;
  logFormat?: LogFormat;
}

/** Where log lines go: stderr, as text or JSON lines, so a command's output on stdout stays machine-readable. */
export function logDestination(format: LogFormat | undefined): { write(line: string): void } {
  return (format ?? defaultLogFormat()) === 'text' ? textLogStream(process.stderr) : process.stderr;
}

/** The CLI's logger: the library's retries and warnings at the level and format the flags chose. */
export function cliLogger(flags: LogFlags, defaultLevel: LogLevel): Logger {
  return createLogger({ level: flags.logLevel ?? defaultLevel, stream: logDestination(flags.logFormat) });
}

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
// Said once per process rather than on every line.
const OMITTED = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'err']);

/**
 * A pino destination that turns each JSON line into `2026-12-07T18:30:01.123Z INFO  message key=value …`, with an
 * error's stack on the lines after. pino-pretty would do this, at the price of a dependency and its own
 * dependencies for a dozen lines of code (docs/decisions/0056-config-and-logs.md).
 */
export function textLogStream(out: { write(text: string): unknown }): { write(line: string): void } {
  return {
    write(line) {
      out.write(formatLogLine(line));
    },
  };
}

export function formatLogLine(line: string): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line.endsWith('\n') ? line : `${line}\n`;
  }
  const time = typeof record.time === 'number' ? new Date(record.time).toISOString() : '';
  const level = (LEVELS[record.level as number] ?? String(record.level)).padEnd(5);
  const fields = Object.entries(record)
    .filter(([key]) => !OMITTED.has(key))
    .flatMap(([key, value]) => flatten(key, value))
    .map(([key, value]) => `${key}=${quoted(value)}`);
  const head = [time, level, terminalSafe(String(record.msg ?? '')), ...fields].filter((part) => part !== '');
  return `${head.join(' ')}\n${errorLines(record.err)}`;
}

function flatten(key: string, value: unknown): [string, unknown][] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [[key, value]];
  return Object.entries(value).flatMap(([inner, each]) => flatten(`${key}.${inner}`, each));
}

function quoted(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return /^[^\s"=]+$/.test(text) ? terminalSafe(text) : terminalSafe(JSON.stringify(text));
}

// An error's message and stack, indented, so it reads as part of the line above it.
function errorLines(err: unknown): string {
  if (err === null || typeof err !== 'object') return '';
  const { stack, message, type } = err as { stack?: unknown; message?: unknown; type?: unknown };
  const text = typeof stack === 'string' ? stack : `${String(type ?? 'Error')}: ${String(message ?? '')}`;
  return `${text
    .split('\n')
    .map((each) => `    ${terminalSafe(each)}`)
    .join('\n')}\n`;
}
