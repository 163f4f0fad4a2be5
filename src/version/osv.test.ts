import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { type VersionComparator, type VersionScheme, versionComparator } from './compare.js';
import { type OsvAffected, type OsvRange, osvAffects, osvRangeAffects } from './osv.js';
import { osvEcosystemScheme } from './osv-ecosystems.js';

const SHARED = resolve(import.meta.dirname, '../../../shared');
const HAVE_SHARED = existsSync(SHARED);
const SKIPPED = HAVE_SHARED ? '' : ' (skipped: ../shared is absent)';
const VULN = resolve(SHARED, 'fixtures/vuln');

interface OsvRecord {
  id: string;
  affected: (OsvAffected & { package: { ecosystem: string; name: string } })[];
}

function readRecord(path: string): OsvRecord {
  return JSON.parse(readFileSync(path, 'utf8')) as OsvRecord;
}

/** Whether a record affects `name` at `version`, with the ordering of the record's ecosystem. */
function affects(record: OsvRecord, name: string, version: string): boolean {
  return record.affected.some((affected) => {
    if (affected.package.name !== name) return false;
    const scheme = osvEcosystemScheme(affected.package.ecosystem);
    if (scheme === undefined) throw new Error(`no scheme for ${affected.package.ecosystem}`);
    return osvAffects(affected, version, versionComparator(scheme));
  });
}

// Plain numbers, so that the examples read like the schema's own.
const numeric: VersionComparator = (a, b) => Math.sign(Number(a) - Number(b)) as -1 | 0 | 1;

function ecosystemRange(...events: OsvRange['events']): OsvRange {
  return { type: 'ECOSYSTEM', events };
}

describe('osvRangeAffects (the schema evaluation algorithm)', () => {
  it('introduced 0 covers every version below fixed, and none from fixed on', () => {
    const range = ecosystemRange({ introduced: '0' }, { fixed: '5' });
    expect([1, 4, 5, 6].map((v) => osvRangeAffects(range, String(v), numeric))).toEqual([true, true, false, false]);
  });

  it('takes introduced as inclusive, fixed as exclusive, last_affected as inclusive', () => {
    const fixed = ecosystemRange({ introduced: '2' }, { fixed: '5' });
    const lastAffected = ecosystemRange({ introduced: '2' }, { last_affected: '5' });
    expect([1, 2, 4, 5, 6].map((v) => osvRangeAffects(fixed, String(v), numeric))).toEqual([
      false,
      true,
      true,
      false,
      false,
    ]);
    expect([1, 2, 5, 6].map((v) => osvRangeAffects(lastAffected, String(v), numeric))).toEqual([
      false,
      true,
      true,
      false,
    ]);
  });

  it('reads several intervals in one range, in whatever order the record lists them', () => {
    const range = ecosystemRange({ fixed: '12' }, { introduced: '10' }, { fixed: '4' }, { introduced: '2' });
    const affected = [1, 2, 3, 4, 9, 10, 11, 12, 13].filter((v) => osvRangeAffects(range, String(v), numeric));
    expect(affected).toEqual([2, 3, 10, 11]);
  });

  it('leaves a range open when nothing fixes it', () => {
    expect(osvRangeAffects(ecosystemRange({ introduced: '3' }), '1000', numeric)).toBe(true);
    expect(osvRangeAffects(ecosystemRange({ introduced: '3' }), '2', numeric)).toBe(false);
  });

  it('bounds a range by its limits, where * is infinity', () => {
    const limited = ecosystemRange({ introduced: '0' }, { limit: '5' });
    expect(osvRangeAffects(limited, '4', numeric)).toBe(true);
    expect(osvRangeAffects(limited, '5', numeric)).toBe(false);
    // Any limit above the version is enough.
    expect(osvRangeAffects(ecosystemRange({ introduced: '0' }, { limit: '5' }, { limit: '9' }), '7', numeric)).toBe(
      true,
    );
    expect(osvRangeAffects(ecosystemRange({ introduced: '0' }, { limit: '*' }), '1e9', numeric)).toBe(true);
  });

  it('treats introduced 0 as before any version, without asking the ecosystem', () => {
    const range: OsvRange = { type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '1.0~rc1' }] };
    expect(osvRangeAffects(range, '0~beta', versionComparator('deb'))).toBe(true);
    expect(osvRangeAffects(range, '1.0', versionComparator('deb'))).toBe(false);
  });

  it('orders SEMVER ranges by SemVer, whatever comparator the ecosystem passes', () => {
    const range: OsvRange = { type: 'SEMVER', events: [{ introduced: '1.0.0' }, { fixed: '1.0.2' }] };
    expect(osvRangeAffects(range, '1.0.2-rc.1', numeric)).toBe(true);
    expect(osvRangeAffects(range, '1.0.10', numeric)).toBe(false);
  });

  it('never matches GIT ranges and refuses types it does not know', () => {
    const git: OsvRange = { type: 'GIT', events: [{ introduced: '0' }] };
    expect(osvRangeAffects(git, '1', numeric)).toBe(false);
    expect(() => osvRangeAffects({ type: 'CALVER', events: [{ introduced: '0' }] }, '1', numeric)).toThrow(
      'CALVER: OSV range type not evaluated here',
    );
  });
});

describe('osvAffects', () => {
  it('matches the versions list by exact string, as well as the ranges', () => {
    const affected: OsvAffected = { versions: ['v1.2.3', '1.0-1'], ranges: [ecosystemRange({ introduced: '5' })] };
    const deb = versionComparator('deb');
    expect(osvAffects(affected, '1.0-1', deb)).toBe(true);
    expect(osvAffects(affected, '1.0-1.0', deb)).toBe(false);
    expect(osvAffects(affected, '5', deb)).toBe(true);
    expect(osvAffects({}, '1', deb)).toBe(false);
  });
});

describe('osvEcosystemScheme', () => {
  it.each([
    ['AlmaLinux:9', 'rpm'],
    ['Rocky Linux:8', 'rpm'],
    ['Red Hat:rhel_aus:8.4::appstream', 'rpm'],
    ['SUSE:Linux Enterprise Server 15 SP5', 'rpm'],
    ['Debian:12', 'deb'],
    ['Ubuntu:Pro:18.04:LTS', 'deb'],
    ['Alpine:v3.21', 'apk'],
    ['Wolfi', 'apk'],
    ['npm', undefined],
  ])('%s → %s', (ecosystem, scheme) => {
    expect(osvEcosystemScheme(ecosystem)).toBe(scheme);
  });
});

describe.skipIf(!HAVE_SHARED)(`real OSV records${SKIPPED}`, () => {
  it('AlmaLinux 9 kernel (ALSA-2025:0059): fixed in 5.14.0-503.21.1.el9_5', () => {
    const record = readRecord(join(VULN, 'osv-almalinux/almalinux9__ALSA-2025:0059.json'));
    expect(affects(record, 'kernel', '5.14.0-427.13.1.el9_4')).toBe(true);
    expect(affects(record, 'kernel', '5.14.0-503.19.1.el9_5')).toBe(true);
    expect(affects(record, 'kernel', '5.14.0-503.21.1.el9_5')).toBe(false);
    expect(affects(record, 'kernel', '5.14.0-503.22.1.el9_5')).toBe(false);
    expect(affects(record, 'kernel', '5.14.0-570.12.1.el9_6')).toBe(false);
    // bpftool is built from the kernel source but has its own version.
    expect(affects(record, 'bpftool', '7.3.0-427.13.1.el9_4')).toBe(true);
    expect(affects(record, 'bpftool', '7.4.0-503.21.1.el9_5')).toBe(false);
    expect(affects(record, 'firefox', '1')).toBe(false);
  });

  it('AlmaLinux 9 thunderbird (ALSA-2024:0001): AlmaLinux release suffixes order after the RHEL one', () => {
    const record = readRecord(join(VULN, 'osv-almalinux/almalinux9__ALSA-2024:0001.json'));
    expect(affects(record, 'thunderbird', '115.5.0-1.el9_3.alma')).toBe(true);
    expect(affects(record, 'thunderbird', '115.6.0-1.el9_3')).toBe(true);
    expect(affects(record, 'thunderbird', '115.6.0-1.el9_3.alma')).toBe(false);
    expect(affects(record, 'thunderbird', '115.6.0-1.el9_3.alma.1')).toBe(false);
  });

  it('Rocky Linux 8 java-11-openjdk (RLSA-2021:3891): the fix has epoch 1, so a higher version without it is older', () => {
    const record = readRecord(join(VULN, 'osv-rocky/RLSA-2021_3891.json'));
    expect(affects(record, 'java-11-openjdk', '1:11.0.12.0.7-0.el8_4')).toBe(true);
    expect(affects(record, 'java-11-openjdk', '11.0.20.0.8-1.el8')).toBe(true);
    expect(affects(record, 'java-11-openjdk', '1:11.0.13.0.8-1.el8_4')).toBe(false);
    expect(affects(record, 'java-11-openjdk', '1:17.0.1.0.12-2.el8_5')).toBe(false);
  });

  it('Rocky Linux 9 ruby module (RLSA-2024:3671): module releases and an explicit epoch 0', () => {
    const record = readRecord(join(VULN, 'osv-rocky/RLSA-2024_3671.json'));
    expect(affects(record, 'ruby', '3.3.0-1.module+el9.4.0+18089+0f48f56a')).toBe(true);
    expect(affects(record, 'ruby', '3.3.1-2.module+el9.4.0+20787+4c237fd3')).toBe(false);
    expect(affects(record, 'ruby', '3.3.1-3.module+el9.5.0+21004+5a1d2e0f')).toBe(false);
    expect(affects(record, 'rubygem-pg', '0:1.5.3-1.module+el9.4.0+18089+0f48f56a')).toBe(true);
  });

  it('Debian 7 nginx (DSA-3029-1): fixed in 1.2.1-2.2+wheezy3', () => {
    const record = readRecord(join(VULN, 'osv-debian/DSA-3029-1.json'));
    expect(affects(record, 'nginx', '1.2.1-2.2')).toBe(true);
    expect(affects(record, 'nginx', '1.2.1-2.2+wheezy2')).toBe(true);
    expect(affects(record, 'nginx', '1.2.1-2.2+wheezy3')).toBe(false);
    expect(affects(record, 'nginx', '1.2.1-2.2+wheezy4')).toBe(false);
    expect(affects(record, 'nginx', '1.6.2-1')).toBe(false);
  });

  it('a Debian record without affected packages (DLA-3623-1) affects nothing', () => {
    const record = readRecord(join(VULN, 'osv-debian/DLA-3623-1.json'));
    expect(affects(record, 'linux', '4.19.0-1')).toBe(false);
  });

  it('Alpine: a range built from the v3.11 secdb (ansible fixed in 2.9.3-r0) with the apk ordering', () => {
    const secdb = parseYaml(readFileSync(join(VULN, 'alpine-secdb/alpine-secdb-v3.11-main.yaml'), 'utf8')) as {
      packages: { pkg: { name: string; secfixes: Record<string, string[]> } }[];
    };
    const ansible = secdb.packages.find((entry) => entry.pkg.name === 'ansible')!;
    expect(ansible.pkg.secfixes['2.9.3-r0']).toContain('CVE-2019-14904');
    const affected: OsvAffected = { ranges: [ecosystemRange({ introduced: '0' }, { fixed: '2.9.3-r0' })] };
    const apk = versionComparator(osvEcosystemScheme('Alpine:v3.11')!);
    expect(osvAffects(affected, '2.9.2-r0', apk)).toBe(true);
    expect(osvAffects(affected, '2.9.3_rc1-r0', apk)).toBe(true);
    expect(osvAffects(affected, '2.9.3-r0', apk)).toBe(false);
    expect(osvAffects(affected, '2.9.3-r1', apk)).toBe(false);
    expect(osvAffects(affected, '2.9.10-r0', apk)).toBe(false);
  });
});

/** A version just below and just above `fixed` in each scheme: a tilde sorts before the end, a suffix after it. */
function neighbours(scheme: VersionScheme, fixed: string): [below: string, above: string] {
  if (scheme === 'apk') throw new Error('no generic apk neighbours');
  return [`${fixed}~`, scheme === 'rpm' ? `${fixed}.1` : `${fixed}+1`];
}

describe.skipIf(!HAVE_SHARED)(`every fixed version of the real records, just below, at and above${SKIPPED}`, () => {
  let scratch: string;
  const records: OsvRecord[] = [];
  beforeAll(async () => {
    // The complete AlmaLinux OSV database (5,680 records) and the loose Rocky and Debian records.
    scratch = await mkdtemp(join(tmpdir(), 'patchline-osv-'));
    await promisify(execFile)('tar', [
      '-xzf',
      join(VULN, 'osv-almalinux/almalinux-osv-database.tar.gz'),
      '-C',
      scratch,
    ]);
    const files = (await readdir(scratch, { recursive: true })).filter((name) => name.endsWith('.json'));
    for (const name of files) records.push(JSON.parse(await readFile(join(scratch, name), 'utf8')) as OsvRecord);
    for (const dir of ['osv-rocky', 'osv-debian']) {
      for (const name of readdirSync(join(VULN, dir))) records.push(readRecord(join(VULN, dir, name)));
    }
  });
  afterAll(() => (scratch ? rm(scratch, { recursive: true, force: true }) : undefined));

  it('is affected below the fix and not from the fix on', () => {
    expect(records.length).toBeGreaterThan(5680);
    const failures: string[] = [];
    let checked = 0;
    for (const record of records) {
      for (const affected of record.affected) {
        const scheme = osvEcosystemScheme(affected.package.ecosystem)!;
        const compare = versionComparator(scheme);
        for (const event of (affected.ranges ?? []).flatMap((range) => range.events)) {
          if (event.fixed === undefined) continue;
          const [below, above] = neighbours(scheme, event.fixed);
          const order = [compare(below, event.fixed), compare(above, event.fixed)];
          const got = [below, event.fixed, above].map((version) => osvAffects(affected, version, compare));
          if (order.join() !== '-1,1' || got.join() !== 'true,false,false') {
            failures.push(`${record.id} ${affected.package.name} ${event.fixed}: ${order} ${got}`);
          }
          checked++;
        }
      }
    }
    expect(failures).toEqual([]);
    expect(checked).toBeGreaterThan(71329);
  });
});
