import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, runCli } from './helpers/cli.js';
import { startController } from './helpers/controller-process.js';
import { tempDir } from './helpers/tmp.js';

beforeAll(() => {
  ensureBuilt();
}, 300_000);

/** Everything a controller logs from its start to a SIGTERM, with the given flags and environment. */
async function logsOf(extraArgs: string[], env: NodeJS.ProcessEnv = {}): Promise<string[]> {
  const database = join(await tempDir('patchline-logs-'), 'c.db');
  const controller = await startController({ database, extraArgs, env });
  await controller.kill('SIGTERM');
  return controller
    .output()
    .split('\n')
    .filter((line) => line !== '');
}

describe('patchline serve logs', () => {
  it('are JSON lines when stderr is not a terminal, and readable lines with --log-format text', async () => {
    const json = await logsOf([]);
    const records = json.map((line) => JSON.parse(line) as { level: number; time: number; msg: string });
    expect(records.map((record) => record.msg)).toContain('shutting down');
    expect(records.every((record) => typeof record.time === 'number')).toBe(true);

    const text = await logsOf(['--log-format', 'text']);
    expect(text.some((line) => line.startsWith('{'))).toBe(false);
    expect(text).toContainEqual(
      expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z INFO {2}shutting down signal=SIGTERM$/),
    );
    expect(text).toContainEqual(expect.stringMatching(/ INFO {2}controller running .*tickMs=5000/));
  });

  it('take their level from --log-level, else PATCHLINE_LOG_LEVEL', async () => {
    const quiet = await logsOf([], { PATCHLINE_LOG_LEVEL: 'warn' });
    expect(quiet.filter((line) => line.includes('shutting down'))).toEqual([]);
    const flagWins = await logsOf(['--log-level', 'info'], { PATCHLINE_LOG_LEVEL: 'warn' });
    expect(flagWins.filter((line) => line.includes('shutting down'))).toHaveLength(1);

    const bad = runCli(['serve', '--insecure-no-admin-token'], { PATCHLINE_LOG_LEVEL: 'loud' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/PATCHLINE_LOG_LEVEL: loud: Allowed choices are fatal, error/);
  });
});
