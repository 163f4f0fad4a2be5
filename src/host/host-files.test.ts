import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { hostFiles } from './host-files.js';
import { hostFilesOptionsSchema } from './host-options.js';

const base = { controller: 'https://ctl.example.com', fleet: 'web' };

describe('hostFiles', () => {
  it('writes scripts every shell parses, with the controller and labels as single words', () => {
    const options = hostFilesOptionsSchema.parse({ ...base, labels: { 'example.com/zone': 'a-1' } });
    const scripts = hostFiles(options, 'out').filter((file) => file.path.endsWith('.sh'));
    expect(scripts.map((file) => file.path.split('/').pop())).toEqual([
      'report.sh',
      'enroll.sh',
      '50-patchline-checks.sh',
      '50-patchline-healthy.sh',
      '50-patchline-unhealthy.sh',
    ]);
    for (const shell of ['dash', 'bash']) {
      for (const script of scripts) {
        const parsed = spawnSync(shell, ['-n'], { input: String(script.content), encoding: 'utf8' });
        expect(parsed.status, `${shell} ${script.path}: ${parsed.stderr}`).toBe(0);
      }
    }
    const enroll = String(scripts[1]?.content);
    expect(enroll).toContain(`controller='https://ctl.example.com'\nregistry='ctl.example.com'\n`);
    expect(enroll).toContain(`labels='{"example.com/zone":"a-1"}'`);
  });

  it('puts per-host files under host/ only when a host is named, and never both a credential and a token', () => {
    const image = hostFiles(hostFilesOptionsSchema.parse(base), 'out');
    expect(image.filter((file) => !file.path.startsWith('rootfs/') && file.path !== 'Containerfile.patchline')).toEqual(
      [],
    );
    const both = hostFilesOptionsSchema.safeParse({
      ...base,
      enrolled: { name: 'h1', credential: 'hc_credential_1' },
      enrollment: { name: 'h1', token: 'et_token_00001' },
    });
    expect(both.success).toBe(false);
    expect(both.error?.issues[0]?.message).toMatch(/not both/);
  });

  it('holds schedules to the characters systemd uses, so no value can add a unit setting', () => {
    for (const updateSchedule of ['daily\nExecStart=/bin/sh', 'daily; rm -rf /', '$(id)']) {
      expect(hostFilesOptionsSchema.safeParse({ ...base, updateSchedule }).success, updateSchedule).toBe(false);
    }
    expect(hostFilesOptionsSchema.safeParse({ ...base, updateSchedule: 'Mon..Fri 02:00' }).success).toBe(true);
  });
});
