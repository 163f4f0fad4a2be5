import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const projectRoot = fileURLToPath(new URL('../..', import.meta.url));
export const cliPath = `${projectRoot}dist/cli/bin.js`;

/** Builds dist/ when it is missing or older than the sources, so the CLI is tested as users run it. */
export function ensureBuilt(): void {
  if (existsSync(cliPath) && statSync(cliPath).mtimeMs >= newestSourceMtime()) return;
  const build = spawnSync('npm', ['run', 'build'], { cwd: projectRoot, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`npm run build failed:\n${build.stdout}\n${build.stderr}`);
}

/** Any source file newer than the built CLI means dist/ is stale (npm run check builds first; a developer may not). */
function newestSourceMtime(): number {
  const root = `${projectRoot}src`;
  let newest = 0;
  for (const file of readdirSync(root, { recursive: true, encoding: 'utf8' })) {
    // The console's files are copied to dist as they are (scripts/copy-console.mjs).
    const built = (file.endsWith('.ts') && !file.endsWith('.test.ts')) || file.startsWith('server/ui/');
    if (built) newest = Math.max(newest, statSync(`${root}/${file}`).mtimeMs);
  }
  return newest;
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
