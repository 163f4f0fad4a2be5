// Children and temporary folders of a benchmark: tracked, so that an exit, an error or a signal leaves nothing behind.
import { type ChildProcess, execFile, type StdioOptions, spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

export type Log = (message: string) => void;

export const children = new Set<ChildProcess>();
const tempDirs = new Set<string>();

export function cleanupSync(): void {
  for (const child of children) {
    try {
      child.kill('SIGKILL');
    } catch {}
  }
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
}

const SIGNAL_NUMBERS = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 } as const;

/** Cleans up on exit and on SIGINT, SIGTERM and SIGHUP (exiting 128 + the signal's number). */
export function cleanUpOnExit(log: Log): void {
  for (const [signal, number] of Object.entries(SIGNAL_NUMBERS)) {
    process.on(signal, () => {
      log(`${signal}: stopping`);
      cleanupSync();
      process.exit(128 + number);
    });
  }
  process.on('exit', cleanupSync);
}

export async function tempDir(prefix: string, root = tmpdir()): Promise<string> {
  const dir = await mkdtemp(join(root, prefix));
  tempDirs.add(dir);
  return dir;
}

export async function dropTemp(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  tempDirs.delete(dir);
}

/** A tracked child that runs beside the benchmark (a registry, a server) until it is killed or the bench exits. */
export function background(
  command: string,
  commandArgs: string[],
  { env, stdio = ['ignore', 'ignore', 'inherit'] }: { env?: NodeJS.ProcessEnv; stdio?: StdioOptions } = {},
): ChildProcess {
  const child = spawn(command, commandArgs, { env: { ...process.env, ...env }, stdio });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Wall time. */
  seconds: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  /** 'ignore' drops the output instead of collecting it (for commands that print a lot). */
  stdout?: 'pipe' | 'ignore';
  cwd?: string;
}

/** Runs a command to its end: exit code, signal, output and wall seconds. */
export function spawnRun(command: string, commandArgs: string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(command, commandArgs, {
      stdio: ['ignore', options.stdout ?? 'pipe', 'pipe'],
      env: options.env ?? process.env,
      cwd: options.cwd,
    });
    children.add(child);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', (error) => {
      children.delete(child);
      reject(error);
    });
    child.on('close', (code, signal) => {
      children.delete(child);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      resolve({ code, signal, seconds, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() });
    });
  });
}

/** spawnRun that fails unless the command exits 0. */
export async function must(command: string, commandArgs: string[], options?: RunOptions): Promise<RunResult> {
  const result = await spawnRun(command, commandArgs, options);
  if (result.code !== 0) {
    throw new Error(
      `${command} ${commandArgs.join(' ')} failed (${result.code ?? result.signal}): ${result.stderr.slice(-2000)}`,
    );
  }
  return result;
}

export const TIME = '/usr/bin/time';

/** GNU time measures peak memory; installs Debian's package `time` when it is missing. */
export async function ensureTime(log: Log): Promise<void> {
  if (existsSync(TIME)) return;
  const run = promisify(execFile);
  log('installing Debian package `time` for peak-memory measurement');
  await run('apt-get', ['install', '-y', '--no-install-recommends', 'time']).catch(async () => {
    await run('apt-get', ['update']);
    await run('apt-get', ['install', '-y', '--no-install-recommends', 'time']);
  });
  if (!existsSync(TIME)) throw new Error('/usr/bin/time is missing and could not be installed');
}

/** `npm run build` unless --no-build; a failed build is fatal only when there is no dist/ to measure. */
export async function buildDist(log: Log, cli: string): Promise<void> {
  log('npm run build');
  const built = await spawnRun('npm', ['run', 'build'], { stdout: 'ignore' });
  if (built.code === 0) return;
  if (!existsSync(cli)) throw new Error(`npm run build failed and there is no dist/: ${built.stderr.slice(-2000)}`);
  log(`npm run build failed; measuring the existing dist/ (${built.stderr.trim().split('\n').at(-1)})`);
}

/** The command that runs a bench file again as a child, with the same Node flags (tsx's loader among them). */
export function selfCommand(file: string, commandArgs: string[]): [string, string[]] {
  return [process.execPath, [...process.execArgv, file, ...commandArgs]];
}
