import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cliPath, ensureBuilt, projectRoot, runCli } from './helpers/cli.js';
import { makeLayoutImage } from './helpers/images.js';
import { tempDir } from './helpers/tmp.js';

const demo = 'oci:examples/bootc-demo:latest';

beforeAll(() => {
  ensureBuilt();
});

describe('patchline inspect', () => {
  it('shows the digest index.json names, the platform, labels and layers', async () => {
    const index = JSON.parse(await readFile(join(projectRoot, 'examples/bootc-demo/index.json'), 'utf8'));
    const result = runCli(['inspect', demo]);
    expect(result.status).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain(`Digest:    ${index.manifests[0].digest}`);
    expect(result.stdout).toMatch(/bootc:\s+yes/);
    expect(result.stdout).toContain('containers.bootc=1');
    expect(result.stdout).toMatch(/Layers: 3 /);
  });

  it('lists files through symlinked folders and ostree hardlinks as JSON', () => {
    const result = runCli(['inspect', demo, '--list', 'var/lib/rpm/*', '--list', 'etc/os-release', '--format', 'json']);
    expect(result.status).toBe(0);
    const output = JSON.parse(result.stdout);
    const byPath = Object.fromEntries(output.files.map((f: { path: string }) => [f.path, f]));
    expect(byPath['var/lib/rpm/rpmdb.sqlite'].type).toBe('hardlink');
    expect(byPath['var/lib/rpm/rpmdb.sqlite'].resolvedPath).toBe('usr/share/rpm/rpmdb.sqlite');
    expect(byPath['var/lib/rpm/rpmdb.sqlite'].size).toBeGreaterThan(0);
    expect(byPath['etc/os-release'].resolvedPath).toBe('usr/lib/os-release');
    expect(output.stats.layers).toBe(3);
    expect(output.layers.map((l: { index: number }) => l.index)).toEqual([0, 1, 2]);
  });

  it('agrees with the inventory on whether an image is bootc, whatever ostree.bootable says', async () => {
    const dir = await tempDir();
    for (const [value, bootc] of [
      ['false', false],
      ['0', false],
      ['true', true],
      ['1', true],
    ] as const) {
      const { ref } = await makeLayoutImage(dir, `bootable-${value}`, [[{ name: 'etc/motd', content: 'hi' }]], {
        labels: { 'ostree.bootable': value },
      });
      const inspected = runCli(['inspect', ref, '--format', 'json']);
      expect(inspected.status).toBe(0);
      expect(JSON.parse(inspected.stdout).bootc, `inspect, ostree.bootable=${value}`).toBe(bootc);
      const listed = runCli(['sbom', ref, '--format', 'json', '--allow-empty']);
      expect(listed.status, listed.stderr).toBe(0);
      expect(JSON.parse(listed.stdout).bootc.bootc, `sbom, ostree.bootable=${value}`).toBe(bootc);
    }
  });

  it('fails with exit code 2 and a message naming the input', () => {
    const missing = runCli(['inspect', 'oci:/no/such/layout']);
    expect(missing.status).toBe(2);
    expect(missing.stdout).toBe('');
    expect(missing.stderr).toMatch(/^patchline: error: oci:\/no\/such\/layout: \/no\/such\/layout is not a folder/);

    const platform = runCli(['inspect', demo, '--platform', 'linux']);
    expect(platform.status).toBe(2);
    expect(platform.stderr).toContain('--platform linux: expected OS/ARCH');

    const usage = runCli(['inspect', demo, '--no-such-flag']);
    expect(usage.status).toBe(2);
    expect(usage.stderr).toContain("unknown option '--no-such-flag'");

    const tls = runCli(['inspect', demo, '--tls-verify=maybe']);
    expect(tls.status).toBe(2);
    expect(tls.stderr).toContain('--tls-verify=maybe: expected true or false');
  });

  it('draws progress on stderr only when stderr is a terminal', () => {
    // `script` gives the CLI a pseudo-terminal, as a user's shell would.
    const command = `${process.execPath} ${cliPath} inspect ${demo} --list '**'`;
    const tty = spawnSync('script', ['-qec', command, '/dev/null'], { cwd: projectRoot, encoding: 'utf8' });
    expect(tty.status).toBe(0);
    expect(tty.stdout).toContain('\x1b[2Klayers ');
    const piped = runCli(['inspect', demo, '--list', '**']);
    expect(piped.stderr).toBe('');
    expect(piped.stdout).not.toContain('\x1b[');
  });
});
