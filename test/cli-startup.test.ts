import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Help } from 'commander';
import { beforeAll, describe, expect, it } from 'vitest';
import { COMMANDS } from '../src/cli/commands.js';
import { patchlineProgram } from '../src/cli/main.js';
import { cliPath, ensureBuilt, projectRoot } from './helpers/cli.js';
import { tempDir } from './helpers/tmp.js';

beforeAll(() => {
  ensureBuilt();
});

/** The modules `patchline ARGS` imports, as URLs relative to the project (node_modules/… or dist/…). */
async function modulesLoadedBy(args: string[]): Promise<{ stdout: string; modules: string[] }> {
  const log = join(await tempDir(), 'modules.log');
  const result = spawnSync(
    process.execPath,
    ['--import', join(projectRoot, 'test/helpers/module-log.mjs'), cliPath, ...args],
    { cwd: projectRoot, encoding: 'utf8', env: { ...process.env, MODULE_LOG: log } },
  );
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  const modules = readFileSync(log, 'utf8')
    .split('\n')
    .filter((url) => url.startsWith('file:'))
    .map((url) => url.replace(/^.*?\/(node_modules|dist)\//, '$1/'));
  return { stdout: result.stdout, modules };
}

const HEAVY =
  /node_modules\/(fastify|kysely|better-sqlite3|pg|zod|yaml|tar-stream|@cyclonedx)\/|dist\/(server|store|scan|oci|advisories|fleet)\//;

describe('patchline startup', () => {
  it('--version and --help import commander and nothing of the scanner, store or server', async () => {
    const version = await modulesLoadedBy(['--version']);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    expect(version.modules).toContain('node_modules/commander/esm.mjs');
    expect(version.modules.filter((module) => HEAVY.test(module))).toEqual([]);

    const help = await modulesLoadedBy(['--help']);
    expect(help.stdout).toContain('scan [options] <image>');
    expect(help.modules.filter((module) => HEAVY.test(module))).toEqual([]);
  });

  it("a command's help loads that command's module, and only that one", async () => {
    // Also shows the module log sees what a command imports, so the test above cannot pass by seeing nothing.
    const serve = await modulesLoadedBy(['serve', '--help']);
    expect(serve.stdout).toContain('--listen');
    expect(serve.modules).toContain('node_modules/fastify/fastify.js');
    expect(serve.modules).toContain('dist/cli/serve.js');
    expect(serve.modules).not.toContain('dist/cli/scan.js');

    const scan = await modulesLoadedBy(['help', 'scan']);
    expect(scan.stdout).toContain('--fail-on <what>');
    expect(scan.stdout).toContain('Exit codes:');
    expect(scan.modules).toContain('dist/cli/scan.js');
    expect(scan.modules).not.toContain('dist/cli/serve.js');
  });

  it('the top-level help from the command table is the one the command modules make', async () => {
    const listed = await patchlineProgram(undefined);
    const loaded = await patchlineProgram('*');
    expect(listed.helpInformation()).toBe(loaded.helpInformation());
    // helpInformation() takes the terms from the table for both, so each module's own term is compared too.
    expect(loaded.commands.filter((command) => command.name() !== 'help').map((command) => command.name())).toEqual(
      COMMANDS.map((entry) => entry.name),
    );
    for (const entry of COMMANDS) {
      const command = await entry.load();
      expect({
        name: command.name(),
        term: new Help().subcommandTerm(command),
        description: command.description(),
      }).toEqual({
        name: entry.name,
        term: entry.term,
        description: entry.description,
      });
    }
  });
});
