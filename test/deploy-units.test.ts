/**
 * The systemd units in deploy/systemd: the service parses without a complaint and its sandbox keeps
 * `systemd-analyze security` under the stated exposure; the Quadlet unit names the flags `serve` has, and, where
 * Podman's Quadlet generator is installed (Podman 4.5 or newer; not in Debian 12's Podman 4.3), generates a unit.
 */

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, projectRoot, runCli } from './helpers/cli.js';
import { hasBinary } from './helpers/registry.js';
import { tempDir } from './helpers/tmp.js';

/** The exposure docs/deploy.md states for patchline.service; the unit must stay at or under it. */
const MAX_EXPOSURE = 1.5;
const QUADLET = '/usr/libexec/podman/quadlet';

const unitsDir = join(projectRoot, 'deploy/systemd');
let serveHelp: string;

beforeAll(() => {
  ensureBuilt();
  serveHelp = runCli(['serve', '--help']).stdout;
});

/** The service with its ExecStart pointing at a program that exists here, since patchline is not installed. */
async function serviceWithStub(): Promise<string> {
  const unit = await readFile(join(unitsDir, 'patchline.service'), 'utf8');
  expect(unit).toMatch(/^ExecStart=\/usr\/local\/bin\/patchline serve /m);
  const dir = await tempDir('patchline-units-');
  const file = join(dir, 'patchline.service');
  await writeFile(file, unit.replace('ExecStart=/usr/local/bin/patchline ', 'ExecStart=/bin/true '));
  return file;
}

/** The flags of one multi-line ExecStart= or Exec= value. */
function flagsOf(unit: string, key: string): string[] {
  const value = new RegExp(`^${key}=((?:.*\\\\\\n)*.*)$`, 'm').exec(unit)?.[1] ?? '';
  return [...value.matchAll(/(?<=\s|^)--[a-z-]+/g)].map((match) => match[0]);
}

describe('deploy/systemd/patchline.service', () => {
  it('gives serve only flags it has, the admin token as a credential file, and its state in StateDirectory', async () => {
    const unit = await readFile(join(unitsDir, 'patchline.service'), 'utf8');
    const flags = flagsOf(unit, 'ExecStart');
    expect(flags).toEqual(['--listen', '--database', '--gateway-cache', '--admin-token-file']);
    for (const flag of flags) expect(serveHelp).toContain(`${flag} <`);
    expect(unit).toMatch(/^LoadCredential=admin-token:\/etc\/patchline\/admin-token$/m);
    expect(unit).toContain('--admin-token-file %d/admin-token');
    expect(unit).toContain('--database %S/patchline/patchline.db');
    for (const setting of [
      'DynamicUser=yes',
      'StateDirectory=patchline',
      'ProtectSystem=strict',
      'NoNewPrivileges=yes',
    ]) {
      expect(unit.split('\n')).toContain(setting);
    }
  });

  it.skipIf(!hasBinary('systemd-analyze'))('passes systemd-analyze verify without a complaint', async () => {
    const verify = spawnSync('systemd-analyze', ['verify', '--man=no', await serviceWithStub()], { encoding: 'utf8' });
    expect(verify.stderr).toBe('');
    expect(verify.status).toBe(0);
  });

  it.skipIf(!hasBinary('systemd-analyze'))(
    `has an exposure of at most ${MAX_EXPOSURE} in systemd-analyze security (the value docs/deploy.md states)`,
    async () => {
      const security = spawnSync('systemd-analyze', ['security', '--offline=true', await serviceWithStub()], {
        encoding: 'utf8',
      });
      expect(security.status, security.stderr).toBe(0);
      const exposure = Number(/Overall exposure level for patchline\.service: ([\d.]+)/.exec(security.stdout)?.[1]);
      expect(exposure).toBeGreaterThan(0);
      expect(exposure).toBeLessThanOrEqual(MAX_EXPOSURE);
      const docs = await readFile(join(projectRoot, 'docs/deploy.md'), 'utf8');
      expect(docs).toContain(`exposure level ${exposure.toFixed(1)}`);
    },
  );
});

describe('deploy/systemd/patchline.container', () => {
  it('runs serve with flags it has, the admin token from a Podman secret file and its data on a volume', async () => {
    const unit = await readFile(join(unitsDir, 'patchline.container'), 'utf8');
    const flags = flagsOf(unit, 'Exec');
    expect(flags).toEqual(['--database', '--gateway-cache', '--admin-token-file']);
    for (const flag of flags) expect(serveHelp).toContain(`${flag} <`);
    expect(unit).toMatch(/^Secret=patchline-admin-token,type=mount,target=\/run\/patchline\/admin-token,/m);
    expect(unit).toContain('--admin-token-file /run/patchline/admin-token');
    expect(unit).toMatch(/^Volume=patchline-data:\/data$/m);
  });

  it.skipIf(!existsSync(QUADLET))("generates a service with Podman's Quadlet generator", async () => {
    const dir = await tempDir('patchline-quadlet-');
    await mkdir(join(dir, 'in'));
    await writeFile(join(dir, 'in', 'patchline.container'), await readFile(join(unitsDir, 'patchline.container')));
    const generated = spawnSync(QUADLET, ['-dryrun'], {
      encoding: 'utf8',
      env: { ...process.env, QUADLET_UNIT_DIRS: join(dir, 'in') },
    });
    expect(generated.status, generated.stderr).toBe(0);
    expect(generated.stdout).toContain('---patchline.service---');
    expect(generated.stdout).toMatch(/^ExecStart=.*podman run/m);
    expect(generated.stdout).toContain('--admin-token-file /run/patchline/admin-token');
    expect(generated.stdout).toContain('patchline-admin-token');
  });
});
