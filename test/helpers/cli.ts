import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const projectRoot = fileURLToPath(new URL('../..', import.meta.url));
export const cliPath = `${projectRoot}dist/cli/bin.js`;

/** Builds dist/ when it is missing or older than the sources, so the CLI is tested as users run it. */
export function ensureBuilt(): void {
  const source = `${projectRoot}src/cli/main.ts`;
  if (existsSync(cliPath) && statSync(cliPath).mtimeMs >= statSync(source).mtimeMs) return;
  const build = spawnSync('npm', ['run', 'build'], { cwd: projectRoot, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`npm run build failed:\n${build.stdout}\n${build.stderr}`);
}

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): CliResult {
  const result = spawnSync(process.execPath, [cliPath, ...args], {
    cwd: projectRoot,
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
