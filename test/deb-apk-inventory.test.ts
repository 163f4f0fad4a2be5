import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apkCataloger } from '../src/inventory/apk/cataloger.js';
import { bootcRequests, detectBootc } from '../src/inventory/bootc.js';
import type { Cataloger } from '../src/inventory/cataloger.js';
import { dpkgCataloger } from '../src/inventory/dpkg/cataloger.js';
import { dpkgFileListRequests, dpkgOwnerLookup } from '../src/inventory/dpkg/file-lists.js';
import { identifyOs, osRequests } from '../src/inventory/identify-os.js';
import { findKernels, kernelRequests, ownerFromPackages } from '../src/inventory/kernel.js';
import type { OperatingSystem } from '../src/inventory/os.js';
import type { Package } from '../src/inventory/package.js';
import { OciLayoutWriter } from '../src/oci/layout-writer.js';
import type { FileRequest, FoundFile } from '../src/rootfs/file-tree.js';
import { openFileTree } from '../src/rootfs/open.js';
import { KERNEL_VERSION, makeBootcImage } from './helpers/bootc-image.js';
import { makeLayoutImage } from './helpers/images.js';
import { debianRootfs, findProgram, isUnavailable, run } from './helpers/real-images.js';
import type { TarSpec } from './helpers/tar.js';

/**
 * dpkg and apk inventories against oracles: dpkg-query reading the same database (run here, or its output recorded in
 * ../shared/fixtures), apk databases checked against counts and fields read from the files by other means (Debian has
 * no apk-tools), and OS identification through real file trees and images.
 */

const SHARED = '../shared';
const FIXTURES = join(SHARED, 'fixtures');
const haveShared = existsSync(SHARED);
const NO_SHARED = `${SHARED} is absent (a fresh clone): the real-world fixtures are not here`;

// The fields dpkg-query prints for our comparison; the same format recorded debian12-minbase.expected.tsv.
const QUERY_FORMAT =
  // biome-ignore lint/suspicious/noTemplateCurlyInString: these are dpkg-query's own ${field} placeholders.
  '${Package}\t${Version}\t${Architecture}\t${source:Package}\t${source:Version}\t${db:Status-Abbrev}\n';

// Our own folder and cleanup: helpers/tmp.ts's tempDir registers its afterAll from inside a hook, where vitest does
// not run it, and this file writes a quarter gigabyte per run.
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'patchline-deb-apk-'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface CatalogRead {
  os: OperatingSystem | undefined;
  packages: Package[];
  problems: Array<{ path: string; message: string }>;
  databases: string[];
  files: FoundFile[];
}

/** Reads a tree once for the OS and one cataloger, the way the inventory will: each cataloger gets what it asked for. */
async function inventory(ref: string, cataloger: Cataloger, extra: FileRequest[] = []): Promise<CatalogRead> {
  const tree = await openFileTree(ref);
  try {
    const result = await tree.read([...osRequests, ...cataloger.requests, ...extra]);
    const os = await identifyOs(result.files);
    const asked = new Set(cataloger.requests.map((request) => request.path));
    const catalog = await cataloger.catalog(
      result.files.filter((file) => asked.has(file.request)),
      { os },
    );
    return { os, ...catalog, files: result.files };
  } finally {
    await tree.close();
  }
}

/** Our packages as dpkg-query's first five columns. */
function asQueryRows(packages: Package[]): string[] {
  return packages
    .map((p) =>
      [
        p.name,
        `${p.epoch === undefined ? '' : `${p.epoch}:`}${p.version}`,
        p.arch ?? '',
        p.sourceName,
        p.sourceVersion,
      ].join('\t'),
    )
    .sort();
}

/** dpkg-query's rows, first five columns, for the packages whose files are on disk (not `c`onfig-files). */
function oracleRows(output: string): string[] {
  return output
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => line.split('\t'))
    .filter((columns) => columns[5]?.[1] !== 'c')
    .map((columns) => columns.slice(0, 5).join('\t'))
    .sort();
}

async function dpkgQuery(admindir: string, ...args: string[]): Promise<string> {
  return (await run(findProgram('dpkg-query') ?? 'dpkg-query', [`--admindir=${admindir}`, ...args])).toString('utf8');
}

/** A folder holding just a dpkg status file, as a root (`dir:`) and as dpkg-query's admin folder. */
async function statusRoot(name: string, status: string | Buffer): Promise<{ root: string; admindir: string }> {
  const root = join(dir, name);
  const admindir = join(root, 'var/lib/dpkg');
  await mkdir(admindir, { recursive: true });
  // dpkg-query needs nothing but `status` for -W (the `info` folder only for file lists).
  await writeFile(join(admindir, 'status'), status);
  return { root, admindir };
}

describe('dpkg status files against dpkg-query', () => {
  it('debian12-minbase.status equals its recorded dpkg-query output, field for field', async ({ skip }) => {
    skip(!haveShared, NO_SHARED);
    const { root } = await statusRoot('minbase', await readFile(join(FIXTURES, 'dpkg/debian12-minbase.status')));
    const expected = await readFile(join(FIXTURES, 'dpkg/debian12-minbase.expected.tsv'), 'utf8');
    const found = await inventory(`dir:${root}`, dpkgCataloger);
    expect(found.problems).toEqual([]);
    expect(found.databases).toEqual(['var/lib/dpkg/status']);
    expect(found.packages).toHaveLength(88);
    expect(asQueryRows(found.packages)).toEqual(oracleRows(expected));
  });

  it('texlive.status equals what dpkg-query reads from it here', async ({ skip }) => {
    skip(!haveShared, NO_SHARED);
    skip(!findProgram('dpkg-query'), 'dpkg-query is not installed');
    const { root, admindir } = await statusRoot('texlive', await readFile(join(FIXTURES, 'dpkg/texlive.status')));
    const found = await inventory(`dir:${root}`, dpkgCataloger);
    const oracle = oracleRows(await dpkgQuery(admindir, '-W', '-f', QUERY_FORMAT));
    expect(oracle).toHaveLength(357);
    expect(found.problems).toEqual([]);
    expect(asQueryRows(found.packages)).toEqual(oracle);
    // The Origin field, where a package has one, is the vendor; the Maintainer (a person or team) is not.
    const withOrigin = found.packages.filter((p) => p.vendor !== undefined);
    expect(withOrigin.length).toBe(3);
  });

  it('keeps the packages whose files are on disk, in every state dpkg-query lists, and not config-files', async ({
    skip,
  }) => {
    skip(!findProgram('dpkg-query'), 'dpkg-query is not installed');
    const states = [
      'install ok installed',
      'hold ok installed',
      'deinstall ok installed',
      'purge ok installed',
      'install ok unpacked',
      'install ok half-configured',
      'install ok half-installed',
      'install reinstreq half-installed',
      'install ok triggers-awaited',
      'install ok triggers-pending',
      'deinstall ok config-files',
      'purge ok not-installed',
    ];
    const status = states
      .map((state) => {
        const extra = state.endsWith('triggers-awaited')
          ? 'Triggers-Awaited: p-install-ok-installed\n'
          : state.endsWith('triggers-pending')
            ? 'Triggers-Pending: ldconfig\n'
            : '';
        return `Package: p-${state.replaceAll(' ', '-')}\nStatus: ${state}\n${extra}Architecture: amd64\nVersion: 1:2.0-1\nSource: src (1.9)\nMaintainer: m\nDescription: d\n`;
      })
      .join('\n');
    const { root, admindir } = await statusRoot('states', status);
    const listed = (await dpkgQuery(admindir, '-W', '-f', QUERY_FORMAT)).split('\n').filter(Boolean);
    // dpkg-query lists every package but the not-installed one; of those we leave out the config-files one.
    expect(listed).toHaveLength(states.length - 1);
    const found = await inventory(`dir:${root}`, dpkgCataloger);
    expect(asQueryRows(found.packages)).toEqual(oracleRows(listed.join('\n')));
    expect(found.packages.map((p) => p.name)).not.toContain('p-deinstall-ok-config-files');
    expect(found.packages).toHaveLength(states.length - 2);
  });
});

describe('layers and distroless status.d', () => {
  it('attributes each package to the layer that installed it, by its info list', async ({ skip }) => {
    skip(!haveShared, NO_SHARED);
    // Two real states of one database: the minbase status without `apt`, then with it (as `apt-get install` in a
    // second layer would leave it, rewriting the whole status file and adding info/apt.list).
    const full = await readFile(join(FIXTURES, 'dpkg/debian12-minbase.status'), 'utf8');
    const paragraphs = full.trimEnd().split('\n\n');
    const names = paragraphs.map((p) => /^Package: (.+)$/m.exec(p)![1]!);
    const withoutApt = `${paragraphs.filter((_, i) => names[i] !== 'apt').join('\n\n')}\n\n`;
    const lists = (only: (name: string) => boolean): TarSpec[] =>
      names
        .filter(only)
        .map((name) => ({ name: `var/lib/dpkg/info/${name}.list`, content: `/.\n/usr/share/doc/${name}\n` }));
    const { ref } = await makeLayoutImage(dir, 'two-layers', [
      [{ name: 'var/lib/dpkg/status', content: withoutApt }, ...lists((name) => name !== 'apt')],
      [{ name: 'var/lib/dpkg/status', content: full }, ...lists((name) => name === 'apt')],
    ]);
    const found = await inventory(ref, dpkgCataloger);
    const layerOf = (name: string) => found.packages.find((p) => p.name === name)?.layer?.index;
    expect(found.packages).toHaveLength(88);
    expect(layerOf('apt')).toBe(1);
    expect(layerOf('bash')).toBe(0);
    expect(found.packages.filter((p) => p.layer?.index === 1).map((p) => p.name)).toEqual(['apt']);
  });

  it('reads a distroless status.d, one package per file, ignoring the md5sums beside them', async ({ skip }) => {
    skip(!haveShared, NO_SHARED);
    // distroless writes each package's control paragraph (no Status field) to status.d/<name>. Two real
    // paragraphs from the minbase status, Status line removed, stand in for them.
    const full = await readFile(join(FIXTURES, 'dpkg/debian12-minbase.status'), 'utf8');
    const paragraph = (name: string) =>
      `${full
        .split('\n\n')
        .find((p) => p.startsWith(`Package: ${name}\n`))!
        .replace(/^Status: .*\n/m, '')}\n`;
    const { ref } = await makeLayoutImage(dir, 'distroless', [
      [
        { name: 'etc/os-release', content: 'PRETTY_NAME="Distroless"\nNAME="Debian GNU/Linux"\nID="debian"\n' },
        { name: 'etc/debian_version', content: '12.4\n' },
        { name: 'var/lib/dpkg/status.d/libc6', content: paragraph('libc6') },
        {
          name: 'var/lib/dpkg/status.d/libc6.md5sums',
          content: 'd5b9e0a0a8d0ffc5b6f5c5c8a8b2c3d1  usr/lib/x86_64-linux-gnu/libc.so.6\n',
        },
      ],
      [{ name: 'var/lib/dpkg/status.d/base-files', content: paragraph('base-files') }],
    ]);
    const found = await inventory(ref, dpkgCataloger);
    expect(found.problems).toEqual([]);
    expect(found.databases).toEqual(['var/lib/dpkg/status.d']);
    expect(found.os).toMatchObject({ id: 'debian', versionId: '12', codename: 'bookworm' });
    const byName = new Map(found.packages.map((p) => [p.name, p]));
    expect([...byName.keys()].sort()).toEqual(['base-files', 'libc6']);
    expect(byName.get('libc6')).toMatchObject({
      version: '2.36-9+deb12u14',
      sourceName: 'glibc',
      source: 'var/lib/dpkg/status.d/libc6',
      layer: { index: 0 },
      purl: 'pkg:deb/debian/libc6@2.36-9%2Bdeb12u14?arch=amd64&distro=debian-12&upstream=glibc',
    });
    expect(byName.get('base-files')?.layer?.index).toBe(1);
  });
});

describe('a fresh debootstrap rootfs, as a folder and as an image, against dpkg-query', () => {
  let rootfs: string | undefined;
  let unavailable: string | undefined;
  let oracle: string[];
  let imageRef: string;

  beforeAll(async () => {
    const built = await debianRootfs();
    if (isUnavailable(built)) {
      unavailable = built.unavailable;
      console.warn(unavailable);
      return;
    }
    rootfs = built;
    oracle = oracleRows(await dpkgQuery(join(rootfs, 'var/lib/dpkg'), '-W', '-f', QUERY_FORMAT));
    // The rootfs as one uncompressed layer, written by our OciLayoutWriter.
    const tar = join(dir, 'debian-rootfs.tar');
    await run('tar', ['--numeric-owner', '-C', rootfs, '-cf', tar, '.']);
    const writer = new OciLayoutWriter(join(dir, 'debian-image'));
    await writer.addLayer(tar, 'none');
    await rm(tar);
    await writer.finish({ tag: 'v1' });
    imageRef = `oci:${join(dir, 'debian-image')}:v1`;
  }, 600_000);

  for (const shape of ['folder', 'image'] as const) {
    it(`as ${shape === 'folder' ? 'a dir: tree' : 'an OCI image'}: the same packages, and Debian 12 bookworm`, async ({
      skip,
    }) => {
      skip(unavailable !== undefined, unavailable);
      const found = await inventory(shape === 'folder' ? `dir:${rootfs}` : imageRef, dpkgCataloger);
      expect(found.os).toMatchObject({ id: 'debian', family: 'debian', versionId: '12', codename: 'bookworm' });
      expect(found.problems).toEqual([]);
      expect(oracle.length).toBeGreaterThan(80);
      expect(asQueryRows(found.packages)).toEqual(oracle);
      const libc = found.packages.find((p) => p.name === 'libc6')!;
      expect(libc.purl).toBe(
        `pkg:deb/debian/libc6@${libc.version.replaceAll('+', '%2B')}?arch=amd64&distro=debian-12&upstream=glibc`,
      );
      expect(
        found.packages.every((p) => p.purl.startsWith('pkg:deb/debian/') && p.purl.includes('distro=debian-12')),
      ).toBe(true);
      if (shape === 'image') expect(found.packages.every((p) => p.layer?.index === 0)).toBe(true);
      else expect(found.packages.every((p) => p.layer === undefined)).toBe(true);
    });
  }

  it('names the owners of files as dpkg-query -S does', async ({ skip }) => {
    skip(unavailable !== undefined, unavailable);
    const found = await inventory(`dir:${rootfs}`, dpkgCataloger, dpkgFileListRequests);
    const owner = await dpkgOwnerLookup(found.files, found.packages);
    // Owners from dpkg-query -S; it finds /bin/bash under the path its list names, ours also as merged /usr has it.
    for (const path of ['/bin/bash', '/usr/bin/apt', '/etc/adduser.conf', '/usr/bin/dpkg']) {
      const [expected] = (await dpkgQuery(join(rootfs!, 'var/lib/dpkg'), '-S', path)).split(':');
      expect(owner(path)?.name, path).toBe(expected);
    }
    expect(owner('usr/bin/bash')?.name).toBe('bash');
    expect(owner('no/such/file')).toBeUndefined();
  });
});

describe('apk installed databases', () => {
  /** Paragraphs counted with a pattern of their own: those with a P: line, and those with both P: and V: lines. */
  function countByPattern(text: string): { named: number; versioned: number; files: number } {
    const paragraphs = text.split(/\n\n+/);
    return {
      named: paragraphs.filter((p) => /^P:/m.test(p)).length,
      versioned: paragraphs.filter((p) => /^P:/m.test(p) && /^V:/m.test(p)).length,
      files: (text.match(/^R:/gm) ?? []).length,
    };
  }

  async function apkRoot(name: string, installed: Buffer, alpineRelease?: string): Promise<string> {
    const root = join(dir, name);
    await mkdir(join(root, 'lib/apk/db'), { recursive: true });
    await writeFile(join(root, 'lib/apk/db/installed'), installed);
    if (alpineRelease) {
      await mkdir(join(root, 'etc'), { recursive: true });
      await writeFile(join(root, 'etc/alpine-release'), `${alpineRelease}\n`);
    }
    return root;
  }

  it('alpine321-installed.data: every package, its files, and fields read by hand', async ({ skip }) => {
    skip(!haveShared, NO_SHARED);
    const bytes = await readFile(join(FIXTURES, 'apk/alpine321-installed.data'));
    const text = bytes.toString('utf8');
    // The release this database is from, as its own alpine-release package (which writes etc/alpine-release) says.
    const release = /\nP:alpine-release\nV:(\d+\.\d+\.\d+)-r\d+\n/.exec(text)![1]!;
    const found = await inventory(`dir:${await apkRoot('alpine321', bytes, release)}`, apkCataloger);
    const counted = countByPattern(text);

    expect(found.os).toMatchObject({ id: 'alpine', family: 'alpine', versionId: '3.21.3' });
    expect(found.problems).toEqual([]);
    expect(found.packages).toHaveLength(counted.versioned);
    expect(counted.versioned).toBe(39);
    expect(found.packages.reduce((sum, p) => sum + (p.files?.length ?? 0), 0)).toBe(counted.files);

    // Read from the file by hand (its musl and musl-utils paragraphs).
    const byName = new Map(found.packages.map((p) => [p.name, p]));
    expect(byName.get('musl')).toMatchObject({
      version: '1.2.5-r9',
      arch: 'x86_64',
      sourceName: 'musl',
      sourceVersion: '1.2.5-r9',
      license: 'MIT',
      size: 662120,
      files: ['lib/ld-musl-x86_64.so.1', 'lib/libc.musl-x86_64.so.1'],
      purl: 'pkg:apk/alpine/musl@1.2.5-r9?arch=x86_64&distro=alpine-3.21.3',
    });
    expect(byName.get('musl-utils')).toMatchObject({
      version: '1.2.5-r9',
      sourceName: 'musl',
      license: 'MIT AND BSD-2-Clause AND GPL-2.0-or-later',
      purl: 'pkg:apk/alpine/musl-utils@1.2.5-r9?arch=x86_64&distro=alpine-3.21.3&upstream=musl',
    });
    // The alpine-release package lists etc/os-release among its files.
    expect(ownerFromPackages(found.packages)('etc/os-release')?.name).toBe('alpine-release');
  });

  it('alpine-trivy.installed: the packages with a version, and the one without reported', async ({ skip }) => {
    skip(!haveShared, NO_SHARED);
    const bytes = await readFile(join(FIXTURES, 'apk/alpine-trivy.installed'));
    const counted = countByPattern(bytes.toString('utf8'));
    const found = await inventory(`dir:${await apkRoot('alpine-trivy', bytes)}`, apkCataloger);
    expect(counted).toMatchObject({ named: 16, versioned: 15 });
    expect(found.packages).toHaveLength(counted.versioned);
    // trivy's authors cut the file's end (it stops mid-line, without apk's final blank line): that is reported too.
    expect(found.problems).toEqual([
      { path: 'lib/apk/db/installed', message: 'line 23: package invalidPackageWithoutAVersion has no version (V:)' },
      { path: 'lib/apk/db/installed', message: 'ends mid-line (no final newline): the file is cut short' },
    ]);
    // No OS files in this root: the purl has no distro, and the vendor defaults to alpine.
    expect(found.os).toBeUndefined();
    expect(found.packages.find((p) => p.name === 'busybox')?.purl).toBe('pkg:apk/alpine/busybox@1.24.2-r9?arch=x86_64');
  });
});

describe('OS identification and bootc detection through real file trees', () => {
  async function osOf(ref: string): Promise<OperatingSystem | undefined> {
    const tree = await openFileTree(ref);
    try {
      return identifyOs((await tree.read(osRequests)).files);
    } finally {
      await tree.close();
    }
  }

  it('tells CentOS Stream from CentOS Linux, through the os-release symlink of an image', async () => {
    // os-release texts from python-distro/distro tests/resources/distros/centosstream9 and aquasecurity/trivy
    // pkg/fanal/analyzer/os/release/testdata/centos (first lines).
    const stream = 'NAME="CentOS Stream"\nVERSION="9"\nID="centos"\nID_LIKE="rhel fedora"\nVERSION_ID="9"\n';
    const linux = 'NAME="CentOS Linux"\nVERSION="7 (Core)"\nID="centos"\nID_LIKE="rhel fedora"\nVERSION_ID="7"\n';
    const image = (name: string, release: string) =>
      makeLayoutImage(dir, name, [
        [
          { name: 'usr/lib/os-release', content: 'ID=placeholder\n' },
          { name: 'etc/os-release', type: 'symlink', target: '../usr/lib/os-release' },
        ],
        [{ name: 'usr/lib/os-release', content: release }],
      ]);
    expect(await osOf((await image('centos-stream', stream)).ref)).toMatchObject({
      id: 'centos',
      versionId: '9',
      stream: true,
    });
    expect(await osOf((await image('centos-linux', linux)).ref)).toMatchObject({
      id: 'centos',
      versionId: '7',
      stream: false,
    });
    // With no os-release at all, the release file tells them apart too (trivy's centos-release samples).
    const oldStream = await makeLayoutImage(dir, 'centos-stream-old', [
      [{ name: 'etc/centos-release', content: 'CentOS Stream release 9\n' }],
    ]);
    expect(await osOf(oldStream.ref)).toMatchObject({ id: 'centos', stream: true, source: 'etc/centos-release' });
  });

  it('identifies Debian sid, which has no VERSION_ID, by its debian_version', async () => {
    const { ref } = await makeLayoutImage(dir, 'debian-sid', [
      [
        {
          name: 'usr/lib/os-release',
          content:
            'PRETTY_NAME="Debian GNU/Linux trixie/sid"\nNAME="Debian GNU/Linux"\nVERSION_CODENAME=trixie\nID=debian\nHOME_URL="https://www.debian.org/"\n',
        },
        { name: 'etc/os-release', type: 'symlink', target: '../usr/lib/os-release' },
        { name: 'etc/debian_version', content: 'trixie/sid\n' },
      ],
    ]);
    const os = await osOf(ref);
    expect(os).toMatchObject({ id: 'debian', family: 'debian', codename: 'trixie', source: 'etc/os-release' });
    expect(os?.versionId).toBeUndefined();
  });

  it('a bootc-shaped image: bootc by label and by its ostree repository, its kernel, and Fedora', async () => {
    const image = await makeBootcImage(dir, { layers: 6 });
    const tree = await openFileTree(image.ref);
    try {
      const { files } = await tree.read([...osRequests, ...bootcRequests, ...kernelRequests]);
      const detection = detectBootc(image.labels, files);
      expect(detection.bootc).toBe(true);
      expect(detection.evidence).toEqual(
        expect.arrayContaining([
          { kind: 'label', name: 'containers.bootc', value: '1' },
          { kind: 'label', name: 'ostree.bootable', value: 'true' },
          { kind: 'path', path: 'sysroot/ostree/repo' },
        ]),
      );
      // Without labels (a squashed copy, say) the ostree repository still shows; a plain image shows nothing.
      expect(detectBootc(undefined, files).bootc).toBe(true);
      const kernels = findKernels(files);
      expect(kernels.map((k) => [k.version, k.path, k.location])).toEqual([
        [KERNEL_VERSION, `usr/lib/modules/${KERNEL_VERSION}/vmlinuz`, 'modules'],
      ]);
      expect(kernels[0]?.layer?.index).toBe(1);
      expect(await identifyOs(files)).toMatchObject({ id: 'fedora', versionId: '41', family: 'redhat' });
    } finally {
      await tree.close();
    }
    const plain = await makeLayoutImage(dir, 'plain', [[{ name: 'etc/os-release', content: 'ID=alpine\n' }]]);
    const plainTree = await openFileTree(plain.ref);
    try {
      expect(detectBootc({}, (await plainTree.read(bootcRequests)).files)).toEqual({ bootc: false, evidence: [] });
    } finally {
      await plainTree.close();
    }
  });

  it("identifies this machine's root the way dpkg's own files name it", async ({ skip }) => {
    skip(!existsSync('/etc/debian_version'), 'not a Debian machine');
    // A root with just this machine's os-release and debian_version, copied: the real files of a real install.
    const root = join(dir, 'this-machine');
    for (const path of ['usr/lib/os-release', 'etc/debian_version']) {
      await mkdir(join(root, dirname(path)), { recursive: true });
      await copyFile(`/${path}`, join(root, path));
    }
    const os = await osOf(`dir:${root}`);
    const number = (await readFile('/etc/debian_version', 'utf8')).trim().split('.')[0];
    expect(os).toMatchObject({ id: 'debian', versionId: number });
  });
});
