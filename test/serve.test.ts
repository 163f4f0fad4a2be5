import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Store } from '../src/store/index.js';
import { cliPath, ensureBuilt, projectRoot, runCli } from './helpers/cli.js';
import { tempDir } from './helpers/tmp.js';
import { until } from './helpers/until.js';

const LONG_TOKEN = 'an-admin-token-of-more-than-32-characters';

beforeAll(() => {
  ensureBuilt();
}, 300_000);

describe('patchline serve', () => {
  it('refuses to start without an admin token, or with flags it cannot use (exit 2)', async () => {
    const database = join(await tempDir('patchline-serve-'), 'c.db');
    const noToken = runCli(['serve', '--database', database], { PATCHLINE_ADMIN_TOKEN: '' });
    expect(noToken.status).toBe(2);
    expect(noToken.stderr).toMatch(/PATCHLINE_ADMIN_TOKEN: is not set/);
    const short = runCli(['serve', '--database', database], { PATCHLINE_ADMIN_TOKEN: 'x'.repeat(31) });
    expect([short.status, short.stderr]).toEqual([
      2,
      expect.stringMatching(/PATCHLINE_ADMIN_TOKEN: holds a 31-character admin token; it must have at least 32/),
    ]);
    const dir = await tempDir('patchline-serve-');
    await writeFile(join(dir, 'token'), 'short\n');
    const shortFile = runCli(['serve', '--database', database, '--admin-token-file', join(dir, 'token')], {});
    expect([shortFile.status, shortFile.stderr]).toEqual([2, expect.stringMatching(/token: holds a 5-character/)]);
    const missing = runCli(['serve', '--database', database, '--admin-token-file', join(dir, 'nope')], {});
    expect([missing.status, missing.stderr]).toEqual([2, expect.stringMatching(/nope: cannot be read \(ENOENT\)/)]);
    const env = { PATCHLINE_ADMIN_TOKEN: LONG_TOKEN };
    expect(runCli(['serve', '--database', database, '--listen', 'nowhere'], env).stderr).toMatch(/--listen=nowhere/);
    expect(runCli(['serve', '--database', database, '--tick', 'soon'], env).stderr).toMatch(/--tick=soon/);
    expect(runCli(['serve', '--database', database, '--host-rate-limit', '0'], env).stderr).toMatch(
      /0: is not a number of requests a minute/,
    );
    expect(runCli(['serve', '--database', database, '--max-body', 'lots'], env).status).toBe(2);
    for (const [flag, value] of [
      ['--retain-events-for', '0'],
      ['--retain-runs-for', 'forever'],
      ['--prune-every', 'hourly'],
      ['--retain-finished-rollouts', '-1'],
    ] as const) {
      const refused = runCli(['serve', '--database', database, flag, value], env);
      expect([refused.status, refused.stderr]).toEqual([2, expect.stringContaining(`${flag}=${value}: expected`)]);
    }
    const half = runCli(['serve', '--database', database, '--tls-cert', 'c.pem'], env);
    expect([half.status, half.stderr]).toEqual([2, expect.stringMatching(/--tls-cert and --tls-key go together/)]);
  });

  it('serves, logs to stderr, and stops cleanly on SIGTERM even with a long poll open', async () => {
    const dir = await tempDir('patchline-serve-');
    const database = join(dir, 'c.db');
    const tokenFile = join(dir, 'admin-token');
    await writeFile(tokenFile, `${LONG_TOKEN}\n`, { mode: 0o600 });
    const child = spawn(
      process.execPath,
      [
        cliPath,
        'serve',
        '--listen',
        '127.0.0.1:0',
        '--database',
        database,
        '--tick',
        '1s',
        '--prune-every',
        '1s',
        '--admin-token-file',
        tokenFile,
      ],
      {
        cwd: projectRoot,
        // From a file, as a service manager's credential would hand it over.
        env: { ...process.env, PATCHLINE_ADMIN_TOKEN: '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
    try {
      const deadline = Date.now() + 20_000;
      let url: string | undefined;
      while (url === undefined && Date.now() < deadline) {
        url = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr)?.[1];
        await new Promise((done) => setTimeout(done, 50));
      }
      expect(url, stderr).toBeDefined();
      const health = await fetch(`${url}/healthz`);
      expect(await health.json()).toEqual({ status: 'ok' });
      const admin = { authorization: `Bearer ${LONG_TOKEN}`, 'content-type': 'application/json' };
      const token = (await (
        await fetch(`${url}/apis/patchline.dev/v1/enrollment-tokens`, { method: 'POST', headers: admin, body: '{}' })
      ).json()) as { token: string };
      const enrolled = (await (
        await fetch(`${url}/host/v1/enroll`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ token: token.token, name: 'h1' }),
        })
      ).json()) as { credential: string };
      // The poll would wait longer than the test may run: only the stop can end it in time.
      const poll = fetch(`${url}/host/v1/desired?knownVersion=none&wait=300`, {
        headers: { authorization: `Bearer ${enrolled.credential}` },
      });
      await until('the poll to wait', async () =>
        /^patchline_desired_polls_waiting 1$/m.test(await (await fetch(`${url}/metrics`)).text()) ? true : undefined,
      );
      expect(await (await fetch(`${url}/metrics`)).text()).toMatch(/^patchline_pruned_total\{kind="events"\} 0$/m);
      child.kill('SIGTERM');
      expect((await poll).status).toBe(204);
      expect(await exited).toBe(0);
      expect(stdout).toBe('');
      // Nothing lost: the host enrolled before the stop is in the database.
      const store = await Store.open(database);
      try {
        expect((await store.getHost('h1'))?.resource.metadata.name).toBe('h1');
      } finally {
        await store.close();
      }
    } finally {
      child.kill('SIGKILL');
    }
  });
});
