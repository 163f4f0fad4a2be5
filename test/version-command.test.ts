import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { AdvisoryDatabase } from '../src/advisories/index.js';
import { Store } from '../src/store/index.js';
import { ensureBuilt, projectRoot, runCli } from './helpers/cli.js';
import { tempDir } from './helpers/tmp.js';

beforeAll(() => {
  ensureBuilt();
});

/** The newest schema each kind of database records once Patchline has created it: the oracle for the command. */
async function schemasOfFreshDatabases(): Promise<{ advisories: number; controller: string }> {
  const dir = await tempDir('patchline-version-');
  AdvisoryDatabase.open(join(dir, 'advisories.db')).close();
  const store = await Store.open(join(dir, 'controller.db'));
  await store.close();
  const advisories = new Database(join(dir, 'advisories.db'), { readonly: true });
  const controller = new Database(join(dir, 'controller.db'), { readonly: true });
  try {
    return {
      advisories: (advisories.prepare('SELECT max(version) AS v FROM schema_migrations').get() as { v: number }).v,
      controller: (controller.prepare('SELECT max(name) AS v FROM kysely_migration').get() as { v: string }).v,
    };
  } finally {
    advisories.close();
    controller.close();
  }
}

describe('patchline version', () => {
  it('prints the version, the stamped commit and the schemas a fresh database gets, as JSON', async () => {
    const result = runCli(['version', '-f', 'json']);
    expect(result.status, result.stderr).toBe(0);
    const info = JSON.parse(result.stdout) as unknown;
    const { version } = JSON.parse(await readFile(join(projectRoot, 'package.json'), 'utf8')) as { version: string };
    const stamp = JSON.parse(await readFile(join(projectRoot, 'dist/build-info.json'), 'utf8')) as { commit: string };
    expect(info).toEqual({ version, commit: stamp.commit, databaseSchemas: await schemasOfFreshDatabases() });
    // Built from this checkout: git's commit, marked when tracked files differed.
    expect(stamp.commit).toMatch(/^[0-9a-f]{40}(-dirty)?$/);
  });

  it('prints the same as text, and --version stays the bare version', () => {
    const json = JSON.parse(runCli(['version', '-f', 'json']).stdout) as {
      version: string;
      commit: string;
      databaseSchemas: { advisories: number; controller: string };
    };
    const text = runCli(['version']);
    expect(text.status).toBe(0);
    expect(text.stdout).toBe(
      [
        `patchline ${json.version}`,
        `commit                      ${json.commit}`,
        `advisory database schema    ${json.databaseSchemas.advisories}`,
        `controller store migration  ${json.databaseSchemas.controller}`,
        '',
      ].join('\n'),
    );
    expect(runCli(['--version']).stdout).toBe(`${json.version}\n`);
  });

  it('refuses an unknown format (exit 2)', () => {
    const result = runCli(['version', '-f', 'yaml']);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/-f, --format <format>.*yaml.*invalid/);
  });
});
