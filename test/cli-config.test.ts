import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, runCli } from './helpers/cli.js';
import { tempDir } from './helpers/tmp.js';

beforeAll(() => {
  ensureBuilt();
});

// Nothing listens on these ports (below 1024, not run by the tests): the error names the controller the CLI chose.
const FROM_FILE = 'http://127.0.0.1:1';
const FROM_ENV = 'http://127.0.0.1:2';
const FROM_FLAG = 'http://127.0.0.1:3';
const BASE_ENV = { PATCHLINE_ADMIN_TOKEN: 'a-token', PATCHLINE_SERVER: '', PATCHLINE_CONFIG: '' };

async function configHome(text: string): Promise<{ home: string; file: string }> {
  const home = await tempDir('patchline-config-');
  await mkdir(join(home, 'patchline'));
  const file = join(home, 'patchline', 'config.yaml');
  await writeFile(file, text);
  return { home, file };
}

function controllerTried(stderr: string): string | undefined {
  return /GET (http:\/\/127\.0\.0\.1:\d)\//.exec(stderr)?.[1];
}

describe('settings from the config file and PATCHLINE_* variables', () => {
  it('take the flag first, then the variable, then $XDG_CONFIG_HOME/patchline/config.yaml', async () => {
    const { home } = await configHome(`server: ${FROM_FILE}\n`);
    const env = { ...BASE_ENV, XDG_CONFIG_HOME: home };
    expect(controllerTried(runCli(['fleet', 'list'], env).stderr)).toBe(FROM_FILE);
    expect(controllerTried(runCli(['fleet', 'list'], { ...env, PATCHLINE_SERVER: FROM_ENV }).stderr)).toBe(FROM_ENV);
    const flag = runCli(['fleet', 'list', '--server', FROM_FLAG], { ...env, PATCHLINE_SERVER: FROM_ENV });
    expect(controllerTried(flag.stderr)).toBe(FROM_FLAG);
  });

  it('read the file --config or PATCHLINE_CONFIG names, which must exist', async () => {
    const { file } = await configHome(`server: ${FROM_FILE}\n`);
    const empty = await tempDir('patchline-config-');
    const env = { ...BASE_ENV, XDG_CONFIG_HOME: empty };
    expect(controllerTried(runCli(['--config', file, 'fleet', 'list'], env).stderr)).toBe(FROM_FILE);
    expect(controllerTried(runCli(['fleet', 'list', '--config', file], env).stderr)).toBe(FROM_FILE);
    expect(controllerTried(runCli(['fleet', 'list'], { ...env, PATCHLINE_CONFIG: file }).stderr)).toBe(FROM_FILE);
    const missing = runCli(['--config', join(empty, 'nope.yaml'), 'fleet', 'list'], env);
    expect([missing.status, missing.stderr]).toEqual([
      2,
      `patchline: error: ${join(empty, 'nope.yaml')}: cannot read the config file (ENOENT)\n`,
    ]);
    // Without a config file anywhere, the command says what is missing, as before.
    expect(runCli(['fleet', 'list'], env).stderr).toMatch(/no controller given/);
  });

  it('refuse unknown keys and bad values, naming the file and the key', async () => {
    const typo = await configHome(`server: ${FROM_FILE}\nsevrer: x\n`);
    const unknown = runCli(['fleet', 'list'], { ...BASE_ENV, XDG_CONFIG_HOME: typo.home });
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(new RegExp(`^patchline: error: ${typo.file}: sevrer: unknown setting \\(known: `));

    const bad = await configHome('log-level: loud\n');
    const level = runCli(['serve', '--insecure-no-admin-token'], { ...BASE_ENV, XDG_CONFIG_HOME: bad.home });
    expect([level.status, level.stderr]).toEqual([
      2,
      expect.stringContaining(`${bad.file}: log-level: loud: Allowed choices are fatal`),
    ]);

    const nested = await configHome('db:\n  path: /x\n');
    expect(runCli(['fleet', 'list'], { ...BASE_ENV, XDG_CONFIG_HOME: nested.home }).stderr).toContain(
      `${nested.file}: db: expected a single value`,
    );
    const notYaml = await configHome('server: [unclosed\n');
    expect(runCli(['fleet', 'list'], { ...BASE_ENV, XDG_CONFIG_HOME: notYaml.home }).stderr).toMatch(
      new RegExp(`${notYaml.file}: is not valid YAML`),
    );
  });
});
