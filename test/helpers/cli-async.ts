import { spawn } from 'node:child_process';
import { type CliResult, cliPath, projectRoot } from './cli.js';

/**
 * The built CLI without blocking the event loop, for tests whose simulated hosts must keep running (and keep
 * talking to the server) while a command runs.
 */
export function runCliAsync(args: string[], env: NodeJS.ProcessEnv = {}, stdin?: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath, ...args], {
      cwd: projectRoot,
      env: { ...process.env, ...env },
      stdio: [stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.once('error', reject);
    child.once('close', (status) => resolve({ status, stdout, stderr }));
    if (stdin !== undefined) child.stdin?.end(stdin);
  });
}
