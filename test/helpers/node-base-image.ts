import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { cachedStage, debianRootfs, isUnavailable, run, type Unavailable } from './real-images.js';

/**
 * A stand-in for docker.io/library/node:20-bookworm-slim, which cannot be pulled here: the cached debootstrap rootfs
 * (Debian bookworm minbase) with this machine's Node.js laid out as the official image lays it out (node, npm and the
 * headers under /usr/local). npm's global config points node-gyp at those headers (nodejs.org, where node-gyp would
 * fetch them, is out of reach) and, when this machine's npm trusts an extra CA bundle to reach the registry, carries
 * that bundle too. Written once per Node version as a tar for `podman import`.
 */
export async function nodeBaseTar(): Promise<string | Unavailable> {
  const rootfs = await debianRootfs();
  if (isUnavailable(rootfs)) return rootfs;
  const stage = await cachedStage(`node-base-${process.version}`, async (scratch) => {
    // A copy of the rootfs with Node.js added (one tree: a tar with a path twice is refused by podman import).
    const extra = join(scratch, 'rootfs');
    await run('cp', ['-a', rootfs, extra]);
    const local = join(extra, 'usr/local');
    await mkdir(join(local, 'bin'), { recursive: true });
    await mkdir(join(local, 'lib/node_modules'), { recursive: true });
    await mkdir(join(local, 'etc'), { recursive: true });
    await cp(process.execPath, join(local, 'bin/node'));
    await cp(npmRoot(), join(local, 'lib/node_modules/npm'), { recursive: true, verbatimSymlinks: true });
    await symlink('../lib/node_modules/npm/bin/npm-cli.js', join(local, 'bin/npm'));
    await symlink('../lib/node_modules/npm/bin/npx-cli.js', join(local, 'bin/npx'));
    const headers = join(dirname(process.execPath), '..', 'include', 'node');
    const npmrc = [];
    if (existsSync(headers)) {
      await cp(headers, join(local, 'include/node'), { recursive: true });
      npmrc.push('nodedir=/usr/local');
    }
    const cafile = npmConfig('cafile');
    if (cafile && existsSync(cafile)) {
      await mkdir(join(extra, 'etc/ssl/certs'), { recursive: true });
      await cp(cafile, join(extra, 'etc/ssl/certs/ca-certificates.crt'));
      npmrc.push('cafile=/etc/ssl/certs/ca-certificates.crt');
    }
    await writeFile(join(local, 'etc/npmrc'), `${npmrc.join('\n')}\n`);
    await run('tar', ['--numeric-owner', '-cf', join(scratch, 'base.tar'), '-C', extra, '.']);
    await rm(extra, { recursive: true });
  });
  return join(stage, 'base.tar');
}

function npmConfig(key: string): string | undefined {
  const result = spawnSync('npm', ['config', 'get', key], { encoding: 'utf8' });
  const value = result.stdout.trim();
  return result.status === 0 && value !== '' && value !== 'null' && value !== 'undefined' ? value : undefined;
}

function npmRoot(): string {
  const result = spawnSync('npm', ['root', '-g'], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`npm root -g failed: ${result.stderr}`);
  return join(result.stdout.trim(), 'npm');
}
