import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { openSync, readFileSync, rmSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';

/**
 * A real CNCF distribution registry (`docker-registry serve`) on 127.0.0.1, for tests. Each call starts its own
 * process with its own storage, on a free port, and waits until `/v2/` answers.
 */
export interface TestRegistry {
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** `127.0.0.1:PORT`, as used in image references. */
  host: string;
  /** The registry's storage root (docker/registry/v2/… below it), for tests that tamper with stored blobs. */
  storageDir: string;
  /** The registry's process id (bench/gateway.ts reads its CPU time from /proc). */
  pid: number;
  /** The registry's log so far, for failure messages. */
  log(): string;
  stop(): Promise<void>;
}

export type RegistryAuthMode =
  | { kind: 'none' }
  | { kind: 'htpasswd'; users: Record<string, string> }
  | { kind: 'token'; realm: string; service: string; issuer: string; rootCertBundle: string };

/** Whether an executable is on PATH; tests that need one skip with a message when it is not. */
export function hasBinary(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

/** A port nobody listens on right now (the OS picks it; a tiny race with other processes is accepted in tests). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function startRegistry(auth: RegistryAuthMode = { kind: 'none' }): Promise<TestRegistry> {
  const dir = await mkdtemp(join(tmpdir(), 'patchline-registry-'));
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const lines = [
    'version: 0.1',
    'log: {level: info, accesslog: {disabled: true}}',
    `storage: {filesystem: {rootdirectory: ${join(dir, 'data')}}, delete: {enabled: true}}`,
    `http: {addr: "${host}", secret: patchline-test-secret}`,
  ];
  if (auth.kind === 'htpasswd') {
    // distribution accepts only bcrypt entries; cost 4 (the minimum) keeps the registry fast in tests.
    const entries = Object.entries(auth.users).map(([user, password]) => `${user}:${bcrypt.hashSync(password, 4)}`);
    await writeFile(join(dir, 'htpasswd'), `${entries.join('\n')}\n`);
    lines.push(`auth: {htpasswd: {realm: patchline-test, path: ${join(dir, 'htpasswd')}}}`);
  } else if (auth.kind === 'token') {
    lines.push(
      `auth: {token: {realm: "${auth.realm}", service: "${auth.service}", issuer: "${auth.issuer}", rootcertbundle: ${auth.rootCertBundle}}}`,
    );
  }
  const config = join(dir, 'config.yml');
  await writeFile(config, `${lines.join('\n')}\n`);
  const logPath = join(dir, 'registry.log');
  const logFd = openSync(logPath, 'w');
  const child = spawn('docker-registry', ['serve', config], { stdio: ['ignore', logFd, logFd] });
  const log = () => {
    try {
      return readFileSync(logPath, 'utf8');
    } catch {
      return '';
    }
  };
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  // If the process dies without calling stop, neither the registry nor its storage (a benchmark's is ~1 GB) may
  // outlive it.
  const killOnExit = () => {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', killOnExit);
  const stop = async () => {
    process.off('exit', killOnExit);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitUntilAnswering(`http://${host}/v2/`, child, log);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: `http://${host}`, host, storageDir: join(dir, 'data'), pid: child.pid!, log, stop };
}

/** Polls until the registry answers /v2/ (200, or 401 when it wants auth), for at most 15 seconds. */
async function waitUntilAnswering(url: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited with ${child.exitCode}:\n${log()}`);
    try {
      const response = await fetch(url);
      await response.body?.cancel();
      if (response.status === 200 || response.status === 401) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`docker-registry did not answer ${url} within 15 s:\n${log()}`);
}
