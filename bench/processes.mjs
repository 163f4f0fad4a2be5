// Children and temporary folders of a benchmark: tracked, so that an exit, an error or a signal leaves nothing behind.
import { execFile, spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

export const children = new Set();
const tempDirs = new Set();

export function cleanupSync() {
  for (const child of children) {
    try {
      child.kill('SIGKILL');
    } catch {}
  }
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
}

/** Cleans up on exit and on SIGINT, SIGTERM and SIGHUP (exiting 128 + the signal's number). */
export function cleanUpOnExit(log) {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => {
      log(`${signal}: stopping`);
      cleanupSync();
      process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 1));
    });
  }
  process.on('exit', cleanupSync);
}

export async function tempDir(prefix, root = tmpdir()) {
  const dir = await mkdtemp(join(root, prefix));
  tempDirs.add(dir);
  return dir;
}

export async function dropTemp(dir) {
  await rm(dir, { recursive: true, force: true });
  tempDirs.delete(dir);
}

/** Runs a command to its end: exit code, signal, output and wall seconds. */
export function spawnRun(command, commandArgs, { env } = {}) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(command, commandArgs, { stdio: ['ignore', 'pipe', 'pipe'], env: env ?? process.env });
    children.add(child);
    const out = [];
    const err = [];
    child.stdout.on('data', (chunk) => out.push(chunk));
    child.stderr.on('data', (chunk) => err.push(chunk));
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
export async function must(command, commandArgs, options) {
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
export async function ensureTime(log) {
  if (existsSync(TIME)) return;
  const run = promisify(execFile);
  log('installing Debian package `time` for peak-memory measurement');
  await run('apt-get', ['install', '-y', '--no-install-recommends', 'time']).catch(async () => {
    await run('apt-get', ['update']);
    await run('apt-get', ['install', '-y', '--no-install-recommends', 'time']);
  });
  if (!existsSync(TIME)) throw new Error('/usr/bin/time is missing and could not be installed');
}
