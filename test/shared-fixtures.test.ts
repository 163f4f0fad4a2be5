import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SHARED_DIR, sharedFixturesProblem } from './helpers/shared-fixtures.js';
import { tempDir } from './helpers/tmp.js';

const ROOT = resolve(import.meta.dirname, '..');

describe('tests that need ../shared under CI', () => {
  it('may skip without CI, must not with it', () => {
    expect(sharedFixturesProblem({}, false)).toBeUndefined();
    expect(sharedFixturesProblem({ CI: 'false' }, false)).toBeUndefined();
    expect(sharedFixturesProblem({ CI: 'true' }, true)).toBeUndefined();
    expect(sharedFixturesProblem({ CI: 'true' }, false)).toBe(
      `CI is set but ${SHARED_DIR} is missing: the tests that need its fixtures would be skipped, not run; provide it (or unset CI to allow the skips)`,
    );
  });

  it('fails a vitest run under CI in a checkout without ../shared, and lets it skip without CI', async () => {
    // A checkout whose parent has no shared/: the project's config, one test that needs ../shared, node_modules.
    const parent = await tempDir('patchline-no-shared-');
    const checkout = join(parent, 'patchline');
    mkdirSync(join(checkout, 'test', 'helpers'), { recursive: true });
    cpSync(join(ROOT, 'vitest.config.ts'), join(checkout, 'vitest.config.ts'));
    cpSync(join(ROOT, 'test/helpers/shared-fixtures.ts'), join(checkout, 'test/helpers/shared-fixtures.ts'));
    cpSync(join(ROOT, 'package.json'), join(checkout, 'package.json'));
    symlinkSync(join(ROOT, 'node_modules'), join(checkout, 'node_modules'));
    const needsShared = [
      "import { existsSync } from 'node:fs';",
      "import { describe, it } from 'vitest';",
      "describe.skipIf(!existsSync('../shared'))('needs ../shared', () => { it('reads it', () => {}); });",
      '',
    ].join('\n');
    writeFileSync(join(checkout, 'test', 'needs-shared.test.ts'), needsShared);
    const vitest = join(ROOT, 'node_modules/vitest/vitest.mjs');
    const run = (ci: string | undefined) => {
      const env = { ...process.env };
      delete env.CI;
      if (ci !== undefined) env.CI = ci;
      return spawnSync(process.execPath, [vitest, 'run', 'test/needs-shared.test.ts'], {
        cwd: checkout,
        env,
        encoding: 'utf8',
        timeout: 120_000,
      });
    };
    const underCi = run('true');
    expect(underCi.status, underCi.stdout + underCi.stderr).not.toBe(0);
    expect(underCi.stdout + underCi.stderr).toContain('CI is set but');
    const local = run(undefined);
    expect(local.status, local.stdout + local.stderr).toBe(0);
  }, 240_000);
});
