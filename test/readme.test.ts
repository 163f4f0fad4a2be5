import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, projectRoot } from './helpers/cli.js';
import { tempDir } from './helpers/tmp.js';

beforeAll(() => {
  ensureBuilt();
});

/** The README's first command, as a user pastes it, less the install and build that ensureBuilt did. */
async function firstCommand(): Promise<string> {
  const readme = await readFile(join(projectRoot, 'README.md'), 'utf8');
  const block = /```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
  const command = block.split('\n').find((line) => line.trim() !== '' && !line.startsWith('#')) ?? '';
  expect(command.startsWith('npm install && npm run build && ')).toBe(true);
  return command.slice('npm install && npm run build && '.length);
}

describe("the README's first command", () => {
  it('gates the embedded demo image with the demo advisories: the overdue openssl fix fails it', async () => {
    const work = await tempDir();
    // The command writes demo.db where it runs; point it into a temporary folder instead of the checkout.
    const command = (await firstCommand()).replaceAll('--db demo.db', `--db ${join(work, 'demo.db')}`);
    const result = spawnSync('bash', ['-c', command], { cwd: projectRoot, encoding: 'utf8' });
    expect(result.stderr).toContain('fails policy production');
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/^Gate FAIL: oci:examples\/bootc-demo:latest/m);
    expect(result.stdout).toMatch(/^fixes\.maxAge\s+fail\s+.*FEDORA-DEMO-2026-0001 for openssl-libs/m);
    expect(result.stdout).toMatch(/^database\.maxAge\s+pass/m);
  }, 60_000);
});
