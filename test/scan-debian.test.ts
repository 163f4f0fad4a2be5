import { existsSync } from 'node:fs';
import { cp, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ScanResult } from '../src/scan/finding.js';
import { scanImage } from '../src/scan/index.js';
import { ensureBuilt, runCli } from './helpers/cli.js';
import { findProgram, isUnavailable, realImages, run } from './helpers/real-images.js';
import { tempDir } from './helpers/tmp.js';

/*
 * A debootstrap Debian 12 image (podman-built, test/helpers/real-images.ts) with a few real .deb packages installed
 * on top by dpkg and committed as a new layer by umoci, scanned against the Debian samples: the security tracker
 * subset (with the DSA list dating its fixes) and Debian's OSV DSA/DLA records, imported by `patchline db import`.
 * The expected findings are computed here from the tracker JSON itself, `dpkg-query` on the unpacked image and
 * `dpkg --compare-versions`, none of Patchline's code.
 *
 * The samples name chromium, sope, txt2man and friends, none of which a minbase system has, so the packages below
 * put them in the image at versions around the published fixes: below (a fix available), at the fix (none), a
 * binary whose own version is above the fix while its source's is below (the tracker speaks of source versions), and
 * a package whose only tracker entries are for other releases.
 */

const SHARED = resolve(import.meta.dirname, '../../shared');
const HAVE_SHARED = existsSync(SHARED);
const VULN = join(SHARED, 'fixtures/vuln');
const TRACKER = join(VULN, 'debian-tracker/vunnel-debian-tracker-subset.json');
const DSA_LIST = join(VULN, 'debian-tracker/vunnel-DSA-list.txt');
const OSV_DEBIAN = join(VULN, 'osv-debian');

interface DebSpec {
  name: string;
  version: string;
  source?: string;
}

const ADDED: DebSpec[] = [
  { name: 'libsope1', version: '5.8.0-1', source: 'sope' },
  { name: 'libsope-appserver4.9', version: '6.0-1', source: 'sope (5.8.0-1)' },
  { name: 'sope4.9-libxmlsaxdriver', version: '5.8.0-1+deb12u1', source: 'sope' },
  { name: 'chromium', version: '97.0.4692.99-1' },
  { name: 'txt2man', version: '1.5.5-4' },
];

async function buildDeb(dir: string, spec: DebSpec): Promise<string> {
  const root = join(dir, spec.name);
  await mkdir(join(root, 'DEBIAN'), { recursive: true });
  await mkdir(join(root, 'usr/share/doc', spec.name), { recursive: true });
  await writeFile(join(root, 'usr/share/doc', spec.name, 'README'), `${spec.name} ${spec.version}\n`);
  const control = [
    `Package: ${spec.name}`,
    `Version: ${spec.version}`,
    ...(spec.source ? [`Source: ${spec.source}`] : []),
    'Architecture: amd64',
    'Maintainer: Patchline tests <tests@example.invalid>',
    `Description: ${spec.name} at a version around a published fix`,
    '',
  ].join('\n');
  await writeFile(join(root, 'DEBIAN/control'), control);
  const deb = join(dir, `${spec.name}.deb`);
  await run('dpkg-deb', ['--root-owner-group', '--build', root, deb]);
  return deb;
}

interface TrackerRelease {
  status: string;
  fixed_version?: string;
  urgency?: string;
}
type Tracker = Record<string, Record<string, { releases: Record<string, TrackerRelease> }>>;

async function dpkgLessThan(a: string, b: string): Promise<boolean> {
  return run('dpkg', ['--compare-versions', a, 'lt', b]).then(
    () => true,
    () => false,
  );
}

let unavailable: string | undefined;
let result: ScanResult;
let expected: Array<[name: string, installed: string, cve: string, fixed: string]>;
let installed: Array<{ name: string; version: string; source: string; sourceVersion: string }>;
let importedBetween: [string, string];

beforeAll(async () => {
  if (!HAVE_SHARED) {
    unavailable = 'Debian scan skipped: ../shared is absent';
    return;
  }
  const images = await realImages();
  if (isUnavailable(images)) {
    unavailable = images.unavailable;
    return;
  }
  if (!findProgram('umoci')) {
    unavailable = 'Debian scan skipped: umoci is not installed';
    return;
  }
  const work = await tempDir('patchline-scan-debian-');
  const layout = join(work, 'layout');
  const [, podmanLayout, tag] = /^oci:(.*):([^:]+)$/.exec(images.podman.oci) ?? [];
  await cp(podmanLayout!, layout, { recursive: true });
  const bundle = join(work, 'bundle');
  await run('umoci', ['unpack', '--image', `${layout}:${tag}`, bundle]);
  const debs = await Promise.all(ADDED.map((spec) => buildDeb(join(work, 'debs'), spec)));
  await run('dpkg', ['--root', join(bundle, 'rootfs'), '--force-not-root', '--install', ...debs]);
  await run('umoci', ['repack', '--image', `${layout}:scan`, bundle]);

  const dbPath = join(work, 'advisories.db');
  // The DSA list is one of the paths, as a user would give it: it dates the tracker fixes it shipped.
  ensureBuilt();
  const before = new Date().toISOString();
  const osv = (await readdir(OSV_DEBIAN)).map((file) => join(OSV_DEBIAN, file));
  const imported = runCli(['db', 'import', '--db', dbPath, '--format', 'json', TRACKER, DSA_LIST, ...osv]);
  expect(imported.status, imported.stderr).toBe(0);
  const report = JSON.parse(imported.stdout) as { sources: Array<{ source: string }>; problems: unknown[] };
  expect(report.sources.map((source) => source.source).sort()).toEqual(['debian-tracker', 'osv']);
  expect(report.problems).toEqual([]);
  importedBetween = [before, new Date().toISOString()];
  result = await scanImage(`oci:${layout}:scan`, { db: dbPath, now: '2026-09-01T00:00:00Z' });

  // The oracle: dpkg-query's own view of the installed packages, the tracker's bookworm entries, dpkg's ordering.
  const listing = await run('dpkg-query', [
    '--admindir',
    join(bundle, 'rootfs/var/lib/dpkg'),
    '-W',
    '-f',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own ${field} placeholders.
    '${Package}\\t${Version}\\t${source:Package}\\t${source:Version}\\n',
  ]);
  installed = listing
    .toString('utf8')
    .trim()
    .split('\n')
    .map((line) => {
      const [name = '', version = '', source = '', sourceVersion = ''] = line.split('\t');
      return { name, version, source, sourceVersion };
    });
  const tracker = JSON.parse(await readFile(TRACKER, 'utf8')) as Tracker;
  expected = [];
  for (const pkg of installed) {
    for (const [cve, issue] of Object.entries(tracker[pkg.source] ?? {})) {
      const bookworm = issue.releases.bookworm;
      if (bookworm?.status !== 'resolved' || !bookworm.fixed_version || bookworm.fixed_version === '0') continue;
      if (await dpkgLessThan(pkg.sourceVersion, bookworm.fixed_version))
        expected.push([pkg.name, pkg.version, cve, bookworm.fixed_version]);
    }
  }
  expected.sort();
}, 900_000);

beforeEach(({ skip }) => {
  if (unavailable !== undefined) skip(unavailable);
});

describe('scan: a debootstrap Debian 12 image against the Debian samples', () => {
  it('reads the image as Debian 12 with the packages dpkg installed', () => {
    expect(result.os).toMatchObject({ id: 'debian', versionId: '12' });
    expect(result.ecosystems.map((e) => e.ecosystem)).toEqual(['Debian:12']);
    expect(result.packages).toBe(installed.length);
    expect(installed.length).toBeGreaterThan(80);
  });

  it('finds what dpkg --compare-versions says the tracker fixes, by source version', () => {
    const ours = result.findings
      .filter((finding) => finding.status === 'fix-available')
      .map((finding) => [
        finding.package.name,
        finding.package.installed,
        finding.cves.join(' '),
        finding.fixedVersion,
      ]);
    expect(ours.sort()).toEqual(expected);
    // The oracle's answer holds the cases this image was made for.
    expect(expected.map(([name]) => name).sort()).toEqual(['chromium', 'libsope-appserver4.9', 'libsope1']);
  });

  it('dates a fix a DSA shipped by the DSA list given to db import, and an undated one by the import that saw it', () => {
    // fixtures/vuln/debian-tracker/vunnel-DSA-list.txt: `[31 Jul 2025] DSA-5970-1 sope - security update`, listing
    // CVE-2025-53603 fixed in bookworm by sope 5.8.0-1+deb12u1, the tracker's fixed_version.
    const sope = result.findings.find((finding) => finding.package.name === 'libsope1');
    expect(sope).toMatchObject({
      id: 'CVE-2025-53603',
      fixAdvisory: 'DSA-5970-1',
      fixAvailableSince: '2025-07-31T00:00:00Z',
      fixDateOrigin: 'published',
      source: { format: 'debian-tracker', ecosystem: 'Debian:12' },
    });
    const chromium = result.findings.find((finding) => finding.package.name === 'chromium');
    expect(chromium?.fixDateOrigin).toBe('first-seen');
    const since = chromium?.fixAvailableSince ?? '';
    expect(since >= importedBetween[0] && since <= importedBetween[1], since).toBe(true);
  });

  it('reports nothing else: no other status, no package of the minbase system', () => {
    expect(result.findings.every((finding) => finding.status === 'fix-available')).toBe(true);
    expect(result.findings).toHaveLength(expected.length);
  });
});
