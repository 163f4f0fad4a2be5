import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { AdvisoryDatabase } from '../src/advisories/index.js';
import { inventoryOf } from '../src/inventory/index.js';
import { diffImages, type ImageDiff } from '../src/policy/image-diff.js';
import { imageDiffJsonSchema } from '../src/report/diff-json.js';
import { ensureBuilt, runCli } from './helpers/cli.js';
import { makeLayoutImage } from './helpers/images.js';
import { hasBinary, startRegistry } from './helpers/registry.js';
import {
  baseLayerTar,
  buildRepository,
  dnfRoot,
  type RpmImage,
  rootImage,
  rpmToolsMissing,
  type TestRpm,
} from './helpers/rpm-images.js';
import { goRpmdbTestdata } from './helpers/rpmdb.js';
import { tempDir } from './helpers/tmp.js';

/*
 * `patchline diff` on real images. Three AlmaLinux 9 bootc-labelled images are built from one base layer with real
 * RPMs (rpmbuild), a real repository (createrepo_c) and dnf --installroot: v1 has patchline-hello 1.0, patchline-legacy
 * and a kernel; v2 is v1 with only patchline-hello upgraded (the case); v3 is v2 after a kernel upgrade (dnf
 * keeps the old installonly kernel beside the new one), patchline-extra installed and patchline-legacy removed.
 * Oracles: rpm's own database of each root (`rpm --dbpath ROOT/var/lib/rpm -qa`) ordered with python3-rpm's
 * labelCompare, skopeo inspect for layer digests and sizes, and OSV records written here (imported by
 * `patchline db import`) whose fixed versions say which fixes each image has. Then two images from real fixture data:
 * CentOS 7 rpm databases (go-rpmdb's, read by rpm itself) and Debian 12 (the fixture status against a fresh
 * debootstrap), checked against rpm and dpkg-query.
 */

const exec = promisify(execFile);
const SHARED = resolve(import.meta.dirname, '../../shared');
const MISSING = rpmToolsMissing();

const RPMS: TestRpm[] = [
  { name: 'patchline-hello', version: '1.0', release: '1.el9', arch: 'noarch' },
  { name: 'patchline-hello', version: '1.1', release: '1.el9', arch: 'noarch' },
  { name: 'patchline-legacy', version: '1.0', release: '1.el9', arch: 'noarch' },
  { name: 'patchline-extra', version: '1.0', release: '1.el9', arch: 'noarch' },
  { name: 'kernel-core', version: '5.14.0', release: '427.13.1.el9_4', arch: 'x86_64', kernel: true },
  { name: 'kernel-core', version: '5.14.0', release: '503.11.1.el9_5', arch: 'x86_64', kernel: true },
];

function almaRecord(id: string, name: string, fixed: string, cve: string): unknown {
  return {
    id,
    summary: `Important: ${name} security update`,
    affected: [
      {
        package: { ecosystem: 'AlmaLinux:9', name },
        ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed }] }],
      },
    ],
    related: [cve],
    published: '2026-10-01T00:00:00Z',
    modified: '2026-10-01T00:00:00Z',
  };
}

const RECORDS = [
  almaRecord('ALSA-2099:0001', 'patchline-hello', '1.1-1.el9', 'CVE-2099-0001'),
  almaRecord('ALSA-2099:0002', 'kernel-core', '5.14.0-503.11.1.el9_5', 'CVE-2099-0002'),
  almaRecord('ALSA-2099:0003', 'patchline-extra', '1.2-1.el9', 'CVE-2099-0003'),
  almaRecord('ALSA-2099:0004', 'patchline-legacy', '2.0-1.el9', 'CVE-2099-0004'),
];

interface Installed {
  name: string;
  arch: string;
  evr: string;
}

/** rpm's own listing of a database, `[epoch:]version-release` as rpm -q prints it. */
async function rpmQa(dbpath: string, backend?: string): Promise<Installed[]> {
  const args = ['--dbpath', dbpath, ...(backend ? ['--define', `_db_backend ${backend}`] : [])];
  const { stdout } = await exec(
    'rpm',
    [...args, '-qa', '--qf', '%{NAME}\\t%{ARCH}\\t%|EPOCH?{%{EPOCH}:}:{}|%{VERSION}-%{RELEASE}\\n'],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  return stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [name, arch, evr] = line.split('\t') as [string, string, string];
      return { name, arch: arch === '(none)' ? '' : arch, evr };
    });
}

/** python3-rpm's labelCompare for each pair: the ordering oracle for rpm versions. */
async function labelCompare(pairs: Array<[string, string]>): Promise<number[]> {
  const script = `import json, sys, rpm
def evr(s):
    e, _, vr = s.rpartition(':') if ':' in s else ('0', '', s)
    v, _, r = vr.rpartition('-')
    return (e or '0', v, r)
print(json.dumps([rpm.labelCompare(evr(a), evr(b)) for a, b in json.load(sys.stdin)]))`;
  const child = exec('/usr/bin/python3', ['-c', script]);
  child.child.stdin?.end(JSON.stringify(pairs));
  return JSON.parse((await child).stdout) as number[];
}

/**
 * The package diff the oracle's listings imply: name.arch identities; one version each side compared by labelCompare;
 * several versions compared as sets, as dnf installs and erases installonly packages.
 */
async function expectedPackageDiff(old: Installed[], next: Installed[]) {
  const group = (list: Installed[]) => {
    const map = new Map<string, string[]>();
    for (const pkg of list)
      map.set(`${pkg.name}.${pkg.arch}`, [...(map.get(`${pkg.name}.${pkg.arch}`) ?? []), pkg.evr]);
    return map;
  };
  const olds = group(old);
  const news = group(next);
  const added: string[] = [];
  const removed: string[] = [];
  const pairs: Array<[string, string, string]> = [];
  for (const [key, versions] of news) {
    const before = olds.get(key) ?? [];
    if (before.length === 1 && versions.length === 1) {
      if (before[0] !== versions[0]) pairs.push([key, before[0]!, versions[0]!]);
      continue;
    }
    for (const version of versions) if (!before.includes(version)) added.push(`${key} ${version}`);
  }
  for (const [key, versions] of olds) {
    const after = news.get(key) ?? [];
    if (versions.length === 1 && after.length === 1) continue;
    for (const version of versions) if (!after.includes(version)) removed.push(`${key} ${version}`);
  }
  const order = await labelCompare(pairs.map(([, a, b]) => [a, b]));
  return {
    added: added.sort(),
    removed: removed.sort(),
    upgraded: pairs
      .filter((_, i) => order[i]! < 0)
      .map(([key, a, b]) => `${key} ${a} -> ${b}`)
      .sort(),
    downgraded: pairs
      .filter((_, i) => order[i]! > 0)
      .map(([key, a, b]) => `${key} ${a} -> ${b}`)
      .sort(),
  };
}

function actualPackageDiff(diff: ImageDiff) {
  const label = (p: { name: string; arch?: string }) => `${p.name}.${p.arch ?? ''}`;
  return {
    added: diff.packages.added.map((p) => `${label(p)} ${p.version}`).sort(),
    removed: diff.packages.removed.map((p) => `${label(p)} ${p.version}`).sort(),
    upgraded: diff.packages.upgraded.map((p) => `${label(p)} ${p.from} -> ${p.to}`).sort(),
    downgraded: diff.packages.downgraded.map((p) => `${label(p)} ${p.from} -> ${p.to}`).sort(),
  };
}

/** skopeo's view of an image's layers: digest and size from the manifest. */
async function skopeoLayers(ref: string): Promise<Array<{ digest: string; size: number }>> {
  const { stdout } = await exec('skopeo', ['inspect', '--raw', ref]);
  const manifest = JSON.parse(stdout) as { layers: Array<{ digest: string; size: number }> };
  return manifest.layers.map(({ digest, size }) => ({ digest, size }));
}

function diffOf(stdout: string): ImageDiff {
  const parsed = JSON.parse(stdout) as unknown;
  // The documented schema describes every field written: parsing (which drops unknown keys) changes nothing.
  expect(imageDiffJsonSchema.parse(parsed)).toEqual(parsed);
  return parsed as ImageDiff;
}

describe.skipIf(MISSING !== undefined)(
  MISSING ? `patchline diff on dnf-built images (skipped: ${MISSING})` : 'patchline diff on dnf-built images',
  () => {
    let work: string;
    let v1: RpmImage;
    let v2: RpmImage;
    let v3: RpmImage;
    let db: string;

    beforeAll(async () => {
      ensureBuilt();
      work = await tempDir('patchline-image-diff-');
      const repository = await buildRepository(work, RPMS);
      const root1 = await dnfRoot(repository, join(work, 'root1'), [
        { install: ['patchline-hello-1.0-1.el9', 'patchline-legacy', 'kernel-core-5.14.0-427.13.1.el9_4'] },
      ]);
      const root2 = await dnfRoot(repository, join(work, 'root2'), [{ upgrade: ['patchline-hello'] }], root1);
      const root3 = await dnfRoot(
        repository,
        join(work, 'root3'),
        [{ upgrade: ['kernel-core'] }, { install: ['patchline-extra'] }, { remove: ['patchline-legacy'] }],
        root2,
      );
      const base = await baseLayerTar(work);
      v1 = await rootImage(work, 'v1', base, root1);
      v2 = await rootImage(work, 'v2', base, root2);
      v3 = await rootImage(work, 'v3', base, root3);

      const records = join(work, 'records');
      await mkdir(records);
      for (const record of RECORDS) {
        await writeFile(join(records, `${(record as { id: string }).id}.json`), JSON.stringify(record));
      }
      db = join(work, 'advisories.db');
      const imported = runCli(['db', 'import', records, '--db', db]);
      expect(imported.stderr).toBe('');
      expect(imported.status).toBe(0);
    }, 300_000);

    it('one package upgraded: the package diff is what rpm says, the fix it brings is gained, the base layer is shared', async () => {
      const result = runCli(['diff', v1.ref, v2.ref, '--db', db, '--format', 'json']);
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      const diff = diffOf(result.stdout);

      const old = await rpmQa(join(v1.root, 'var/lib/rpm'));
      const next = await rpmQa(join(v2.root, 'var/lib/rpm'));
      const expected = await expectedPackageDiff(old, next);
      expect(actualPackageDiff(diff)).toEqual(expected);
      expect(expected.upgraded).toEqual(['patchline-hello.noarch 1.0-1.el9 -> 1.1-1.el9']);
      expect(diff.packages.unchanged).toBe(old.length - 1);

      expect(diff.kernel).toMatchObject({ change: 'unchanged', new: '5.14.0-427.13.1.el9_4.x86_64' });
      expect(diff.kernel.newPackage).toBe('kernel-core-5.14.0-427.13.1.el9_4');

      // The record says 1.1-1.el9 fixes patchline-hello; v2 has exactly that (rpm -q), v1 had 1.0.
      expect(diff.advisories.computed).toBe(true);
      if (!diff.advisories.computed) return;
      expect(diff.advisories.fixesGained).toEqual([
        expect.objectContaining({
          id: 'ALSA-2099:0001',
          cves: ['CVE-2099-0001'],
          package: { type: 'rpm', name: 'patchline-hello', arch: 'noarch' },
          fixedVersion: '1.1-1.el9',
          oldVersions: old.filter((p) => p.name === 'patchline-hello').map((p) => p.evr),
          newVersions: next.filter((p) => p.name === 'patchline-hello').map((p) => p.evr),
          cause: 'upgraded',
        }),
      ]);
      expect(diff.advisories.newlyApplicable).toEqual([]);

      const [oldLayers, newLayers] = [await skopeoLayers(v1.ref), await skopeoLayers(v2.ref)];
      expect(oldLayers[0]!.digest).toBe(newLayers[0]!.digest);
      expect(diff.layers.shared.map((l) => l.digest)).toEqual([newLayers[0]!.digest]);
      expect(diff.layers.added.map(({ digest, size }) => ({ digest, size }))).toEqual([newLayers[1]]);
      expect(diff.layers.removed.map(({ digest, size }) => ({ digest, size }))).toEqual([oldLayers[1]]);
      expect(diff.layers.bytes.added).toBe(newLayers[1]!.size);
      expect(diff.layers.bytes.old).toBe(oldLayers[0]!.size + oldLayers[1]!.size);
    });

    it('kernel upgrade, install and removal: each change as rpm lists it; the old kernel dnf kept still lacks its fix', async () => {
      const result = runCli(['diff', v1.ref, v3.ref, '--db', db, '--format', 'json']);
      expect(result.status).toBe(0);
      const diff = diffOf(result.stdout);
      const old = await rpmQa(join(v1.root, 'var/lib/rpm'));
      const next = await rpmQa(join(v3.root, 'var/lib/rpm'));
      const expected = await expectedPackageDiff(old, next);
      expect(actualPackageDiff(diff)).toEqual(expected);
      expect(expected.added).toEqual(['kernel-core.x86_64 5.14.0-503.11.1.el9_5', 'patchline-extra.noarch 1.0-1.el9']);

      const kernels = next.filter((p) => p.name === 'kernel-core').map((p) => `${p.evr}.${p.arch}`);
      expect(kernels.sort()).toEqual(['5.14.0-427.13.1.el9_4.x86_64', '5.14.0-503.11.1.el9_5.x86_64']);
      expect(diff.kernel).toMatchObject({
        change: 'upgraded',
        old: '5.14.0-427.13.1.el9_4.x86_64',
        new: '5.14.0-503.11.1.el9_5.x86_64',
      });
      expect([...diff.kernel.newKernels].sort()).toEqual(kernels);

      if (!diff.advisories.computed) throw new Error('advisories not computed');
      // hello was upgraded to its fix, legacy was removed; 427 is still installed (rpm -q above), so its fix is not
      // gained. extra came in, and its record's fix (1.2) is newer than what was installed.
      expect(diff.advisories.fixesGained.map((c) => [c.id, c.package.name, c.cause])).toEqual([
        ['ALSA-2099:0001', 'patchline-hello', 'upgraded'],
        ['ALSA-2099:0004', 'patchline-legacy', 'removed'],
      ]);
      expect(diff.advisories.newlyApplicable.map((c) => [c.id, c.package.name, c.status, c.cause])).toEqual([
        ['ALSA-2099:0003', 'patchline-extra', 'fix-available', 'added'],
      ]);
      expect(diff.advisories.counts.old['fix-available']).toBe(3);
      expect(diff.advisories.counts.new['fix-available']).toBe(2);
    });

    it('writes the table and the markdown a pull request shows, and the same diff to --output', async () => {
      const table = runCli(['diff', v1.ref, v2.ref, '--db', db]);
      expect(table.status).toBe(0);
      expect(table.stdout).toMatch(/^upgraded\s+patchline-hello\.noarch\s+1\.0-1\.el9\s+1\.1-1\.el9$/m);
      expect(table.stdout).toMatch(
        /^patchline-hello\.noarch\s+1\.0-1\.el9\s+1\.1-1\.el9\s+1\.1-1\.el9\s+ALSA-2099:0001 \(CVE-2099-0001\)\s+upgraded$/m,
      );
      expect(table.stdout).toContain('Fixes gained: 1');

      const markdown = runCli(['diff', v1.ref, v3.ref, '--db', db, '-f', 'markdown']);
      expect(markdown.status).toBe(0);
      expect(markdown.stdout).toContain('## Patchline image diff');
      expect(markdown.stdout).toContain('Fixes gained: **2**');
      // Cells are escaped (markdown-escape.ts); without the backslashes the row reads as the table's.
      expect(markdown.stdout.replaceAll('\\', '')).toContain(
        '| patchline-hello.noarch | 1.0-1.el9 | 1.1-1.el9 | 1.1-1.el9 | ALSA-2099:0001 (CVE-2099-0001) | upgraded |',
      );

      const file = join(work, 'diff.json');
      const written = runCli(['diff', v1.ref, v2.ref, '--db', db, '-f', 'json', '-o', file]);
      expect(written.status).toBe(0);
      expect(written.stdout).toBe('');
      const stdout = runCli(['diff', v1.ref, v2.ref, '--db', db, '-f', 'json']).stdout;
      expect(JSON.parse(await readFile(file, 'utf8'))).toEqual(JSON.parse(stdout));
    });

    it('without an advisory database the rest of the diff is made and says fixes were not computed', () => {
      const skipped = runCli(['diff', v1.ref, v2.ref, '--skip-advisories', '-f', 'json']);
      expect(skipped.status).toBe(0);
      const diff = diffOf(skipped.stdout);
      expect(diff.advisories).toEqual({ computed: false, reason: '--skip-advisories was given' });
      expect(diff.packages.upgraded.map((p) => p.name)).toEqual(['patchline-hello']);

      const nowhere = join(work, 'no-such-dir', 'advisories.db');
      const implicit = runCli(['diff', v1.ref, v2.ref], { PATCHLINE_DB: nowhere });
      expect(implicit.status).toBe(0);
      expect(implicit.stderr).toContain(`no advisory data at ${nowhere}`);
      expect(implicit.stdout).toContain('Fixes gained and advisories newly applicable: not computed');
      const empty = join(work, 'empty.db');
      AdvisoryDatabase.open(empty).close();
      expect(runCli(['diff', v1.ref, v2.ref], { PATCHLINE_DB: empty }).status).toBe(0);
      const emptyGiven = runCli(['diff', v1.ref, v2.ref, '--db', empty]);
      expect(emptyGiven.status).toBe(2);
      expect(emptyGiven.stderr).toContain('holds no data yet');

      // A database named with --db must be there: that is a mistake, not a choice.
      const explicit = runCli(['diff', v1.ref, v2.ref, '--db', nowhere]);
      expect(explicit.status).toBe(2);
      expect(explicit.stderr).toContain(nowhere);
      expect(explicit.stdout).toBe('');
    });

    it('reads both images from a registry with the image-access flags scan takes', async (context) => {
      if (!hasBinary('docker-registry')) {
        context.skip('docker-registry is not installed (apt-get install -y docker-registry)');
        return;
      }
      const registry = await startRegistry({ kind: 'htpasswd', users: { alice: 's3cret' } });
      try {
        const remote = (tag: string) => `docker://${registry.host}/patchline/diff:${tag}`;
        for (const [image, tag] of [
          [v1, 'v1'],
          [v2, 'v2'],
        ] as const) {
          await exec('skopeo', [
            'copy',
            '--quiet',
            '--dest-tls-verify=false',
            '--dest-creds=alice:s3cret',
            image.ref,
            remote(tag),
          ]);
        }
        const access = ['--tls-verify=false', '--creds', 'alice:s3cret', '--cache-dir', join(work, 'cache')];
        const result = runCli(['diff', remote('v1'), remote('v2'), '--db', db, '-f', 'json', ...access]);
        expect(result.stderr).toBe('');
        expect(result.status).toBe(0);
        const diff = diffOf(result.stdout);
        const inspect = async (tag: string) => {
          const { stdout } = await exec('skopeo', [
            'inspect',
            '--tls-verify=false',
            '--creds=alice:s3cret',
            remote(tag),
          ]);
          return JSON.parse(stdout) as { Digest: string; Layers: string[] };
        };
        const [old, next] = [await inspect('v1'), await inspect('v2')];
        expect(diff.old.digest).toBe(old.Digest);
        expect(diff.new.digest).toBe(next.Digest);
        expect(diff.layers.shared.map((l) => l.digest)).toEqual(next.Layers.filter((l) => old.Layers.includes(l)));
        expect(diff.packages.upgraded.map((p) => `${p.name} ${p.from} -> ${p.to}`)).toEqual([
          'patchline-hello 1.0-1.el9 -> 1.1-1.el9',
        ]);
        if (!diff.advisories.computed) throw new Error('advisories not computed');
        expect(diff.advisories.fixesGained.map((c) => c.id)).toEqual(['ALSA-2099:0001']);

        const refused = runCli([
          'diff',
          remote('v1'),
          remote('v2'),
          '--skip-advisories',
          '--tls-verify=false',
          '--creds',
          'alice:wrong',
        ]);
        expect(refused.status).toBe(2);
        expect(refused.stderr).toContain(registry.host);
      } finally {
        await registry.stop();
      }
    });

    it('exits 2 naming the image it cannot read, and writes nothing', async () => {
      const missing = `oci:${join(work, 'missing')}:v9`;
      const file = join(work, 'never.json');
      const result = runCli(['diff', v1.ref, missing, '--skip-advisories', '-o', file]);
      expect(result.status).toBe(2);
      expect(result.stderr).toContain(join(work, 'missing'));
      expect(existsSync(file)).toBe(false);
      expect(runCli(['diff', v1.ref]).status).toBe(2);
      expect(runCli(['diff', v1.ref, v2.ref, '-f', 'yaml', '--skip-advisories']).status).toBe(2);
    });
  },
);

const CENTOS_7_OS_RELEASE = `NAME="CentOS Linux"
VERSION="7 (Core)"
ID="centos"
ID_LIKE="rhel fedora"
VERSION_ID="7"
PRETTY_NAME="CentOS Linux 7 (Core)"
`;

describe.skipIf(MISSING !== undefined)('diff of real CentOS 7 rpm databases', () => {
  it('centos7-plain to centos7-devtools (the same base with the development tools installed) matches rpm', async () => {
    const work = await tempDir('patchline-image-diff-centos-');
    const testdata = await goRpmdbTestdata();
    const image = async (name: string) =>
      (
        await makeLayoutImage(work, name, [
          [{ name: 'etc/os-release', content: CENTOS_7_OS_RELEASE }],
          [{ name: 'var/lib/rpm/Packages', content: await readFile(join(testdata, name, 'Packages')) }],
        ])
      ).ref;
    const [oldRef, newRef] = [await image('centos7-plain'), await image('centos7-devtools')];
    const diff = diffImages({ inventory: await inventoryOf(oldRef) }, { inventory: await inventoryOf(newRef) });
    const old = await rpmQa(join(testdata, 'centos7-plain'), 'bdb_ro');
    const next = await rpmQa(join(testdata, 'centos7-devtools'), 'bdb_ro');
    const expected = await expectedPackageDiff(old, next);
    expect(expected.added.length).toBeGreaterThan(10);
    expect(actualPackageDiff(diff)).toEqual(expected);
    // The os-release layer is the same bytes in both images, so the same blob.
    expect(diff.layers.shared).toHaveLength(1);
    expect(diff.kernel.change).toBe('none');
  });
});

const DPKG = join(SHARED, 'fixtures/dpkg');
const HAVE_DPKG_FIXTURES = existsSync(join(DPKG, 'texlive.status'));

describe.skipIf(!HAVE_DPKG_FIXTURES)(
  HAVE_DPKG_FIXTURES ? 'diff of real dpkg databases' : 'diff of real dpkg databases (skipped: ../shared is absent)',
  () => {
    it('an Ubuntu 18.04 texlive image to Debian 12 minbase matches dpkg-query and dpkg --compare-versions', async () => {
      const work = await tempDir('patchline-image-diff-dpkg-');
      const image = async (name: string, status: string) => {
        const admin = join(work, `${name}-dpkg`);
        await mkdir(admin);
        await writeFile(join(admin, 'status'), await readFile(join(DPKG, status)));
        const { ref } = await makeLayoutImage(work, name, [
          [
            { name: 'etc/os-release', content: 'ID=debian\nVERSION_ID="12"\n' },
            { name: 'var/lib/dpkg/status', content: await readFile(join(admin, 'status')) },
          ],
        ]);
        return { ref, admin };
      };
      const old = await image('ubuntu-texlive', 'texlive.status');
      const next = await image('debian-minbase', 'debian12-minbase.status');
      const diff = diffImages({ inventory: await inventoryOf(old.ref) }, { inventory: await inventoryOf(next.ref) });

      const query = async (dir: string) => {
        const { stdout } = await exec('dpkg-query', [
          `--admindir=${dir}`,
          '-W',
          '-f',
          // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own ${field} placeholders.
          '${Package}\t${Version}\t${db:Status-Abbrev}\n',
        ]);
        const map = new Map<string, string>();
        for (const line of stdout.trim().split('\n')) {
          const [name, version, status] = line.split('\t') as [string, string, string];
          // Packages dpkg lists as not installed (only config files left) are not in the image.
          if (!status.startsWith('i')) continue;
          // One architecture per name in both databases, so a name is an identity here.
          expect(map.has(name)).toBe(false);
          map.set(name, version);
        }
        return map;
      };
      const before = await query(old.admin);
      const after = await query(next.admin);
      const upgraded: string[] = [];
      const downgraded: string[] = [];
      for (const [name, to] of after) {
        const from = before.get(name);
        if (from === undefined || from === to) continue;
        const lower = await exec('dpkg', ['--compare-versions', from, 'lt', to]).then(
          () => true,
          () => false,
        );
        (lower ? upgraded : downgraded).push(`${name} ${from} -> ${to}`);
      }
      expect(upgraded.length).toBeGreaterThan(30);
      const label = (p: { name: string; from: string; to: string }) => `${p.name} ${p.from} -> ${p.to}`;
      expect(diff.packages.upgraded.map(label).sort()).toEqual(upgraded.sort());
      expect(diff.packages.downgraded.map(label).sort()).toEqual(downgraded.sort());
      const added = [...after.keys()].filter((name) => !before.has(name)).sort();
      const removed = [...before.keys()].filter((name) => !after.has(name)).sort();
      expect(diff.packages.added.map((p) => p.name).sort()).toEqual(added);
      expect(diff.packages.removed.map((p) => p.name).sort()).toEqual(removed);
    });
  },
);
