import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { inventoryOf } from '../src/inventory/inventory.js';
import { makeLayoutImage } from './helpers/images.js';
import { goRpmdbTestdata, rpmQuery, sqliteFromBerkeleyDb } from './helpers/rpmdb.js';
import { tempDir } from './helpers/tmp.js';
import { trivyPackages } from './helpers/trivy.js';

// Trivy, the peer scanner, on the same images: where it can read the image its package count equals ours (and rpm's);
// on the bootc layout, where every real path is a hardlink to an ostree object, it finds nothing, and says nothing.
const OS_RELEASE =
  'NAME="CentOS Linux"\nVERSION="8"\nID="centos"\nID_LIKE="rhel fedora"\nVERSION_ID="8"\nPRETTY_NAME="CentOS Linux 8"\n';
const DATABASE = 'centos8-modularitylabel';

let work: string;
let bdb: string;
let sqlite: string;
let rpmCount: number;

beforeAll(async () => {
  work = await tempDir();
  bdb = join(await goRpmdbTestdata(), DATABASE, 'Packages');
  sqlite = await sqliteFromBerkeleyDb(bdb, join(work, 'dbpath'));
  rpmCount = (await rpmQuery(['--dbpath', join(work, 'dbpath'), '--define', '_db_backend sqlite', '-qa']))
    .trim()
    .split('\n').length;
}, 300_000);

const layoutDir = (ref: string) => ref.replace(/^oci:/, '').replace(/:[^:/]+$/, '');

describe('package counts against Trivy', { timeout: 300_000 }, () => {
  it('equal where Trivy can read the image: a plain rpm layout', async () => {
    const image = await makeLayoutImage(work, 'plain', [
      [
        { name: 'etc/os-release', content: OS_RELEASE },
        { name: 'var/lib/rpm/Packages', content: await readFile(bdb) },
      ],
    ]);
    const ours = await inventoryOf(image.ref);
    const theirs = await trivyPackages('image', ['--input', layoutDir(image.ref)]);
    expect(ours.packages.length).toBe(rpmCount);
    expect(theirs.length).toBe(rpmCount);
    // gpg-pubkey has no arch: Trivy writes "None" for it, we leave the field out.
    expect(
      new Set(theirs.map((p) => `${p.Name}-${p.Version}-${p.Release}.${p.Arch === 'None' ? '' : p.Arch}`)),
    ).toEqual(new Set(ours.packages.map((p) => `${p.name}-${p.version}-${p.release}.${p.arch ?? ''}`)));
  });

  it('ours complete where Trivy finds nothing: the bootc layout of hardlinks to ostree objects', async () => {
    const objects = 'sysroot/ostree/repo/objects';
    const image = await makeLayoutImage(work, 'bootc', [
      [
        { name: `${objects}/1a/0b.file`, content: OS_RELEASE },
        { name: `${objects}/2c/3d.file`, content: await readFile(sqlite) },
        { name: 'usr/lib/os-release', type: 'link', target: `${objects}/1a/0b.file` },
        { name: 'etc/os-release', type: 'symlink', target: '../usr/lib/os-release' },
        { name: 'usr/share/rpm/rpmdb.sqlite', type: 'link', target: `${objects}/2c/3d.file` },
        { name: 'usr/lib/sysimage/rpm', type: 'symlink', target: '../../share/rpm' },
        { name: 'var/lib/rpm', type: 'symlink', target: '../../usr/share/rpm' },
      ],
    ]);
    const ours = await inventoryOf(image.ref);
    expect(ours.os?.id).toBe('centos');
    expect(ours.packages.length).toBe(rpmCount);
    const theirs = await trivyPackages('image', ['--input', layoutDir(image.ref)]);
    expect(theirs).toEqual([]);
  });
});
