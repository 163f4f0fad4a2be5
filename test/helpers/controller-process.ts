import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { cliPath, projectRoot } from './cli.js';

/**
 * `patchline serve` as users run it: the built CLI in a child process, on a free local port, with an admin token.
 * It can be killed with SIGKILL and started again on the same database, which is what the crash test needs.
 */

export interface ControllerProcess {
  url: string;
  adminToken: string;
  database: string;
  pid: number;
  /** Everything the server wrote to stderr and stdout, for failure messages. */
  output: () => string;
  /** Sends a signal and waits for the process to end. */
  kill: (signal?: NodeJS.Signals) => Promise<void>;
}

export interface StartOptions {
  database: string;
  adminToken?: string;
  /** Reuse the port of an earlier run (a restarted controller keeps its address, as hosts expect). */
  port?: number;
  extraArgs?: string[];
  env?: NodeJS.ProcessEnv;
}

const live = new Set<ChildProcess>();
// A test that fails half way must not leave servers behind on a shared machine.
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

export async function startController(options: StartOptions): Promise<ControllerProcess> {
  const port = options.port ?? (await freePort());
  const adminToken = options.adminToken ?? randomBytes(24).toString('hex');
  const args = [
    cliPath,
    'serve',
    '--listen',
    `127.0.0.1:${port}`,
    '--database',
    options.database,
    ...(options.extraArgs ?? []),
  ];
  const child = spawn(process.execPath, args, {
    cwd: projectRoot,
    env: { ...process.env, PATCHLINE_ADMIN_TOKEN: adminToken, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  exited.then(() => live.delete(child));
  const url = `http://127.0.0.1:${port}`;
  await waitUntilServing(url, child, () => output);
  return {
    url,
    adminToken,
    database: options.database,
    pid: child.pid ?? -1,
    output: () => output,
    kill: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

async function waitUntilServing(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`patchline serve exited (${child.exitCode ?? child.signalCode}):\n${output()}`);
    }
    try {
      const response = await fetch(`${url}/openapi.json`);
      await response.arrayBuffer();
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await sleep(100);
  }
  child.kill('SIGKILL');
  throw new Error(`patchline serve did not answer within 30 s:\n${output()}`);
}

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
