/**
 * `patchline host files` as a user runs it: what it writes and with which modes, that the scripts pass shellcheck and
 * the units pass systemd's own parser, that secrets stay out of the image part, and that bad input is refused with
 * nothing written. The scripts' behaviour against a real controller is in host-scripts.test.ts.
 */

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, readlink, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, runCli } from './helpers/cli.js';
import { hasBinary } from './helpers/registry.js';
import { tempDir } from './helpers/tmp.js';

const CONTROLLER = 'http://ctl.example.net:8080';
const CREDENTIAL = 'hc_SECRETcredential0123456789';

beforeAll(() => {
  ensureBuilt();
}, 300_000);

async function files(root: string): Promise<Map<string, number>> {
  const found = new Map<string, number>();
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else found.set(relative(root, path), (await stat(path)).mode & 0o777);
    }
  };
  await walk(root);
  return found;
}

async function generate(extra: string[] = []): Promise<{ dir: string; out: string; stdout: string }> {
  const dir = await tempDir('patchline-host-files-');
  const check = join(dir, 'app-responds');
  await writeFile(check, '#!/bin/sh\ncurl -fsS http://127.0.0.1/health >/dev/null\n');
  const credential = join(dir, 'credential');
  await writeFile(credential, `${CREDENTIAL}\n`);
  const out = join(dir, 'patchline');
  const result = runCli([
    'host',
    'files',
    '--controller',
    CONTROLLER,
    '--fleet',
    'prod',
    '--out',
    out,
    '--check',
    check,
    ...extra.map((arg) => arg.replace('@credential', credential)),
  ]);
  expect(result.status, result.stderr).toBe(0);
  return { dir, out, stdout: result.stdout };
}

describe('patchline host files', () => {
  it('writes the image part and one host part with the modes a host needs, and lists them', async () => {
    const { out, stdout } = await generate(['--host', 'web-01', '--credential-file', '@credential']);
    const written = await files(out);
    expect(Object.fromEntries(written)).toEqual({
      'Containerfile.patchline': 0o644,
      'rootfs/usr/lib/patchline/report.sh': 0o755,
      'rootfs/usr/lib/patchline/enroll.sh': 0o755,
      'rootfs/usr/lib/greenboot/check/required.d/50-patchline-checks.sh': 0o755,
      'rootfs/usr/lib/greenboot/green.d/50-patchline-healthy.sh': 0o755,
      'rootfs/usr/lib/greenboot/red.d/50-patchline-unhealthy.sh': 0o755,
      'rootfs/usr/lib/systemd/system/patchline-status.service': 0o644,
      'rootfs/usr/lib/systemd/system/patchline-status.timer': 0o644,
      'rootfs/usr/lib/systemd/system/patchline-enroll.service': 0o644,
      'rootfs/usr/lib/systemd/system/bootc-fetch-apply-updates.timer.d/50-patchline.conf': 0o644,
      'rootfs/usr/lib/systemd/system/bootc-fetch-apply-updates.service.d/50-patchline.conf': 0o644,
      'rootfs/etc/patchline/checks.d/app-responds': 0o755,
      // Plain http: containers/image must be told the gateway is insecure.
      'rootfs/etc/containers/registries.conf.d/50-patchline.conf': 0o644,
      'host/etc/patchline/host-name': 0o644,
      'host/etc/patchline/credential': 0o600,
      'host/etc/ostree/auth.json': 0o600,
    });
    expect(stdout.trim().split('\n').sort()).toEqual(
      [...written].map(([path, mode]) => `0${mode.toString(8)} ${path}`).sort(),
    );
    // Nothing beside the output folder is left over from writing it.
    expect(await readdir(dirname(out))).toEqual(['app-responds', 'credential', 'patchline']);
  });

  it('gives the host an auth.json that logs in to the gateway as itself, and keeps every secret out of the image', async () => {
    const { out } = await generate(['--host', 'web-01', '--credential-file', '@credential']);
    const auth = JSON.parse(await readFile(join(out, 'host/etc/ostree/auth.json'), 'utf8')) as {
      auths: Record<string, { auth: string }>;
    };
    expect(Object.keys(auth.auths)).toEqual(['ctl.example.net:8080']);
    expect(Buffer.from(auth.auths['ctl.example.net:8080']?.auth ?? '', 'base64').toString()).toBe(
      `web-01:${CREDENTIAL}`,
    );
    expect((await readFile(join(out, 'host/etc/patchline/credential'), 'utf8')).trim()).toBe(CREDENTIAL);
    const encoded = Buffer.from(`web-01:${CREDENTIAL}`).toString('base64');
    for (const path of (await files(out)).keys()) {
      if (path.startsWith('host/')) continue;
      const text = await readFile(join(out, path), 'utf8');
      expect(text.includes(CREDENTIAL) || text.includes(encoded), path).toBe(false);
    }
    const registries = await readFile(join(out, 'rootfs/etc/containers/registries.conf.d/50-patchline.conf'), 'utf8');
    expect(registries).toContain('location = "ctl.example.net:8080"\ninsecure = true');
  });

  it('writes an enrollment token for first boot instead, and no registry setting for an https controller', async () => {
    const dir = await tempDir('patchline-host-files-');
    await writeFile(join(dir, 'token'), 'et_ONEtimeTOKEN12345\n');
    const out = join(dir, 'out');
    const result = runCli([
      'host',
      'files',
      '--controller',
      'https://patchline.example.com',
      '--fleet',
      'edge',
      '--out',
      out,
      '--host',
      'kiosk-7',
      '--enrollment-token-file',
      join(dir, 'token'),
      '--label',
      'site=berlin',
    ]);
    expect(result.status, result.stderr).toBe(0);
    const written = await files(out);
    expect(written.get('host/etc/patchline/enrollment-token')).toBe(0o600);
    expect(await readFile(join(out, 'host/etc/patchline/enrollment-token'), 'utf8')).toBe('et_ONEtimeTOKEN12345\n');
    expect(written.has('host/etc/patchline/credential')).toBe(false);
    expect(written.has('rootfs/etc/containers/registries.conf.d/50-patchline.conf')).toBe(false);
    const enroll = await readFile(join(out, 'rootfs/usr/lib/patchline/enroll.sh'), 'utf8');
    expect(enroll).toContain(`controller='https://patchline.example.com'`);
    expect(enroll).toContain(`labels='{"site":"berlin"}'`);
    const snippet = await readFile(join(out, 'Containerfile.patchline'), 'utf8');
    expect(snippet).toContain('patchline.example.com/fleets/edge/os:latest');
  });

  it.skipIf(!hasBinary('shellcheck'))('writes scripts that pass shellcheck as POSIX sh, dash and bash', async () => {
    const { out } = await generate();
    const scripts = [...(await files(out)).entries()]
      .filter(([path, mode]) => path.startsWith('rootfs/usr/') && mode === 0o755)
      .map(([path]) => join(out, path));
    expect(scripts).toHaveLength(5);
    for (const shell of ['sh', 'dash', 'bash']) {
      const result = spawnSync('shellcheck', ['--shell', shell, '--severity', 'style', ...scripts], {
        encoding: 'utf8',
      });
      expect(result.status, `${shell}:\n${result.stdout}${result.stderr}`).toBe(0);
    }
  });

  it.skipIf(!hasBinary('systemd-analyze'))(
    'writes units and drop-ins that systemd parses without a complaint',
    async () => {
      const { out } = await generate(['--update-schedule', 'Mon..Fri *:0/30', '--status-interval', '2min 30s']);
      const units = join(out, 'rootfs/usr/lib/systemd/system');
      const verify = spawnSync(
        'systemd-analyze',
        [
          'verify',
          '--man=no',
          ...['patchline-status.service', 'patchline-status.timer', 'patchline-enroll.service'].map((unit) =>
            join(units, unit),
          ),
        ],
        { encoding: 'utf8' },
      );
      // The only complaint allowed: the scripts the units start live in the image, not on this machine.
      const complaints = verify.stderr
        .split('\n')
        .filter((line) => line !== '' && !/Command \/usr\/lib\/patchline\/\S+ is not executable/.test(line));
      expect(complaints).toEqual([]);

      // bootc's own timer (as bootc ships it) with our drop-in beside it: systemd reads both without a warning.
      const withBootc = join(out, '..', 'bootc-units');
      await mkdir(join(withBootc, 'bootc-fetch-apply-updates.timer.d'), { recursive: true });
      await writeFile(
        join(withBootc, 'bootc-fetch-apply-updates.timer'),
        '[Unit]\nDescription=Apply bootc updates\n\n[Timer]\nOnBootSec=1h\nOnUnitInactiveSec=8h\nRandomizedDelaySec=2h\n\n[Install]\nWantedBy=timers.target\n',
      );
      const dropIn = await readFile(join(units, 'bootc-fetch-apply-updates.timer.d/50-patchline.conf'), 'utf8');
      await writeFile(join(withBootc, 'bootc-fetch-apply-updates.timer.d/50-patchline.conf'), dropIn);
      const timer = spawnSync(
        'systemd-analyze',
        ['verify', '--man=no', join(withBootc, 'bootc-fetch-apply-updates.timer')],
        {
          encoding: 'utf8',
        },
      );
      expect(timer.stderr.split('\n').filter((line) => /Unknown|Failed to parse|Invalid|ignoring/i.test(line))).toEqual(
        [],
      );
      expect(dropIn).toContain('OnCalendar=Mon..Fri *:0/30');
      const calendar = spawnSync('systemd-analyze', ['calendar', 'Mon..Fri *:0/30'], { encoding: 'utf8' });
      expect(calendar.status, calendar.stderr).toBe(0);
      expect(await readFile(join(units, 'patchline-status.timer'), 'utf8')).toContain('OnUnitActiveSec=2min 30s');
    },
  );

  it.skipIf(!hasBinary('systemctl'))(
    'has a Containerfile snippet whose COPY source and enabled units exist',
    async () => {
      const { out } = await generate();
      const snippet = await readFile(join(out, 'Containerfile.patchline'), 'utf8');
      const copy = /^COPY (\[.*\])$/m.exec(snippet);
      const [source, target] = JSON.parse(copy?.[1] ?? '[]') as string[];
      expect(target).toBe('/');
      // The build context is the folder that holds the output folder.
      expect(existsSync(join(dirname(out), source ?? 'missing'))).toBe(true);
      const units = /^RUN systemctl enable (.+)$/m.exec(snippet)?.[1]?.split(' ') ?? [];
      expect(units.length).toBeGreaterThan(0);
      // What the RUN line does at build time, on the files the COPY line puts in place.
      const root = join(out, 'rootfs');
      const enabled = spawnSync('systemctl', ['--root', root, 'enable', ...units], { encoding: 'utf8' });
      expect(enabled.status, enabled.stderr).toBe(0);
      // The links point where the units land in the image (absolute, so not followed here).
      expect(await readlink(join(root, 'etc/systemd/system/timers.target.wants/patchline-status.timer'))).toBe(
        '/usr/lib/systemd/system/patchline-status.timer',
      );
      expect(await readlink(join(root, 'etc/systemd/system/multi-user.target.wants/patchline-enroll.service'))).toBe(
        '/usr/lib/systemd/system/patchline-enroll.service',
      );
    },
  );

  it('refuses bad input by name, exit 2, and writes nothing', async () => {
    const dir = await tempDir('patchline-host-files-');
    const out = join(dir, 'out');
    await writeFile(join(dir, 'token'), 'et_token_value_1234\n');
    const base = ['host', 'files', '--fleet', 'prod', '--out', out];
    const cases: Array<[string[], RegExp]> = [
      [['--controller', 'http://ctl:8080/patchline'], /--controller: must be the controller root/],
      [['--controller', 'ftp://ctl'], /--controller: expected an http:\/\/ or https:\/\/ URL/],
      [['--controller', 'http://admin:pw@ctl'], /--controller: must not carry a user or password/],
      [['--controller', CONTROLLER, '--fleet', 'Prod_1'], /--fleet: expected lower-case letters/],
      [
        ['--controller', CONTROLLER, '--update-schedule', 'daily\nExecStartPre=/bin/sh'],
        /--update-schedule: expected a systemd calendar/,
      ],
      [['--controller', CONTROLLER, '--status-interval', 'soon'], /--status-interval: expected a systemd time span/],
      [['--controller', CONTROLLER, '--label', 'bad key=x'], /--label \(bad key\): expected a label key/],
      [['--controller', CONTROLLER, '--check', join(dir, 'absent')], /--check .*absent: cannot read it \(ENOENT\)/],
      [['--controller', CONTROLLER, '--credential-file', join(dir, 'token')], /--host: is needed/],
      [
        [
          '--controller',
          CONTROLLER,
          '--host',
          'h1',
          '--credential-file',
          join(dir, 'token'),
          '--enrollment-token-file',
          join(dir, 'token'),
        ],
        /needs exactly one of/,
      ],
      [['--controller', CONTROLLER, '--host', 'h1'], /needs exactly one of/],
      [
        ['--controller', CONTROLLER, '--check', join(dir, 'token'), '--check', join(dir, 'token')],
        /--check: two checks have the same file name/,
      ],
    ];
    for (const [args, message] of cases) {
      const result = runCli([...base, ...args]);
      expect([args.join(' '), result.status, result.stderr]).toEqual([
        args.join(' '),
        2,
        expect.stringMatching(message),
      ]);
      expect(existsSync(out)).toBe(false);
    }
    // A credential with a character that could break out of the curl config or JSON it lands in.
    await writeFile(join(dir, 'evil'), 'abc" \nurl = "http://elsewhere\n');
    const evil = runCli([...base, '--controller', CONTROLLER, '--host', 'h1', '--credential-file', join(dir, 'evil')]);
    expect([evil.status, evil.stderr]).toEqual([
      2,
      expect.stringMatching(/--host\/--credential-file \(credential\): expected a host credential/),
    ]);
    expect(existsSync(out)).toBe(false);
    expect((await readdir(dir)).sort()).toEqual(['evil', 'token']);
  });

  it('never writes into a folder that already has something in it', async () => {
    const dir = await tempDir('patchline-host-files-');
    const out = join(dir, 'out');
    await mkdir(out);
    await writeFile(join(out, 'mine.txt'), 'keep me');
    const result = runCli(['host', 'files', '--controller', CONTROLLER, '--fleet', 'prod', '--out', out]);
    expect([result.status, result.stderr]).toEqual([2, expect.stringMatching(/out: is not empty; give a new folder/)]);
    expect(await readdir(out)).toEqual(['mine.txt']);
    expect(await readFile(join(out, 'mine.txt'), 'utf8')).toBe('keep me');
    const file = join(dir, 'a-file');
    await writeFile(file, 'not a folder');
    const onFile = runCli(['host', 'files', '--controller', CONTROLLER, '--fleet', 'prod', '--out', file]);
    expect([onFile.status, onFile.stderr]).toEqual([2, expect.stringMatching(/a-file: exists and is not a folder/)]);
    expect(await readFile(file, 'utf8')).toBe('not a folder');
    // An empty folder is fine (a user may have made it first).
    await mkdir(join(dir, 'empty'));
    const fine = runCli(['host', 'files', '--controller', CONTROLLER, '--fleet', 'prod', '--out', join(dir, 'empty')]);
    expect(fine.status, fine.stderr).toBe(0);
    expect(existsSync(join(dir, 'empty', 'rootfs/usr/lib/patchline/report.sh'))).toBe(true);
  });
});
