import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { AdvisoryDatabase } from '../src/advisories/database.js';
import { importPaths } from '../src/advisories/import-paths.js';
import { ensureBuilt, runCli } from './helpers/cli.js';
import { tempDir } from './helpers/tmp.js';

/*
 * `db import`, `db export` and `db status` against the real publisher data in ../shared/fixtures/vuln. Expected
 * counts and lookups come from reading the same files with other tools (tar, find, python3's tarfile and json), never
 * from our own output.
 */

const VULN = resolve(import.meta.dirname, '../../shared/fixtures/vuln');
const HAVE_SHARED = existsSync(resolve(import.meta.dirname, '../../shared'));
const ALMA = join(VULN, 'osv-almalinux', 'almalinux-osv-database.tar.gz');

function needsShared(name: string): string {
  return HAVE_SHARED ? name : `${name} (skipped: ../shared is absent)`;
}

/** Python reads the tarball on its own: distinct ids, and every (id, package) an ecosystem's entries name. */
function pythonOracle(ecosystem: string, names: string[]): { ids: number; pairs: string[] } {
  const script = `
import json, sys, tarfile
ids, pairs = set(), set()
with tarfile.open(sys.argv[1]) as tar:
    for member in tar:
        if not member.isfile() or not member.name.endswith('.json'):
            continue
        record = json.load(tar.extractfile(member))
        ids.add(record['id'])
        if record.get('withdrawn'):
            continue
        for affected in record.get('affected', []):
            package = affected.get('package', {})
            if package.get('ecosystem') == sys.argv[2] and package.get('name') in sys.argv[3].split(','):
                pairs.add(record['id'] + ' ' + package['name'])
print(json.dumps({'ids': len(ids), 'pairs': sorted(pairs)}))
`;
  const output = execFileSync('/usr/bin/python3', ['-c', script, ALMA, ecosystem, names.join(',')], {
    encoding: 'utf8',
  });
  return JSON.parse(output) as { ids: number; pairs: string[] };
}

/** Files under a folder whose names end with one of `suffixes`, by `find`. */
function findCount(dir: string, ...suffixes: string[]): number {
  const args = [dir, '-type', 'f', '('];
  for (const [i, suffix] of suffixes.entries()) args.push(...(i > 0 ? ['-o'] : []), '-name', `*${suffix}`);
  args.push(')');
  return execFileSync('find', args, { encoding: 'utf8' }).split('\n').filter(Boolean).length;
}

describe.skipIf(!HAVE_SHARED)(needsShared('importing the real advisory fixtures'), () => {
  it('takes every document of the complete AlmaLinux OSV database, each distinct record once', async () => {
    const entries = execFileSync('tar', ['tzf', ALMA], { encoding: 'utf8' })
      .split('\n')
      .filter((name) => name.endsWith('.json')).length;
    expect(entries).toBe(5680); // the count, for the tarball as the README describes it
    const names = ['curl', 'openssl', 'bash', 'glibc', 'kernel', 'systemd', 'python3', 'sudo'];
    const oracle = pythonOracle('AlmaLinux:9', names);

    const db = AdvisoryDatabase.open(join(await tempDir(), 'alma.db'));
    const started = performance.now();
    const report = await importPaths(db, [ALMA]);
    const seconds = (performance.now() - started) / 1000;
    expect(report.documents).toBe(entries);
    expect(report.problems).toEqual([]);
    // Upstream has a few records twice (the same id in two folders, identical): stored once.
    expect(report.sources.map((s) => [s.source, s.records, s.added])).toEqual([['osv', oracle.ids, oracle.ids]]);
    const pairs = db.lookup('AlmaLinux:9', names).map((m) => `${m.advisory.id} ${m.affected.package}`);
    expect([...new Set(pairs)].sort()).toEqual(oracle.pairs);
    expect(oracle.pairs.length).toBeGreaterThan(50);

    // Measured, not asserted: a shared CI machine is no benchmark.
    const lookupStart = performance.now();
    db.lookup(
      'AlmaLinux:9',
      Array.from({ length: 500 }, (_, i) => (i < names.length ? names[i]! : `package-${i}`)),
    );
    console.log(
      `AlmaLinux OSV import ${seconds.toFixed(2)} s; 500-name lookup ${(performance.now() - lookupStart).toFixed(1)} ms`,
    );

    const again = await importPaths(db, [ALMA]);
    expect([again.added, again.updated, again.unchanged]).toEqual([0, 0, oracle.ids]);
    db.close();
  }, 120_000);

  it('reads the whole vuln folder, every format, naming each problem by its file', async () => {
    const db = AdvisoryDatabase.open(join(await tempDir(), 'all.db'));
    const report = await importPaths(db, [VULN]);
    const loose = findCount(VULN, '.json', '.yaml', '.yml');
    expect(report.documents).toBe(loose + 5680);
    expect(report.unrecognised).toBe(0);
    expect(report.sources.map((s) => s.source).sort()).toEqual([
      'alpine-secdb',
      'debian-tracker',
      'fedora-bodhi',
      'osv',
      'redhat-csaf-advisory',
      'redhat-csaf-vex',
    ]);
    for (const problem of report.problems) expect(problem.input.startsWith(`${VULN}/`)).toBe(true);
    // The real malformed VEX document is reported, and the rest of it and every other document still imported.
    expect(report.problems.some((p) => p.input.endsWith('redhat-csaf-vex/cve-2024-24786-bad-rpmmod.json'))).toBe(true);
    expect(db.ecosystems()).toEqual(expect.arrayContaining(['AlmaLinux:8', 'AlmaLinux:9', 'Debian:12', 'Red Hat:9']));
    db.close();
  }, 120_000);
  it("reads Red Hat's VEX feed layout: a tar.zst archive of YYYY/cve-*.json, then deletions.csv beside it", async () => {
    const dir = await tempDir();
    const feed = join(dir, 'feed');
    mkdirSync(join(feed, '2023'), { recursive: true });
    const documents = ['cve-2023-38545.json', 'cve-2023-4154.json'];
    for (const name of documents) copyFileSync(join(VULN, 'redhat-csaf-vex', name), join(feed, '2023', name));
    const archive = join(dir, 'csaf_vex_2024-01-01.tar.zst');
    execFileSync('tar', ['--zstd', '-cf', archive, '-C', feed, '2023']);
    const ids = documents.map(
      (name) =>
        (
          JSON.parse(readFileSync(join(VULN, 'redhat-csaf-vex', name), 'utf8')) as {
            document: { tracking: { id: string } };
          }
        ).document.tracking.id,
    );

    const db = AdvisoryDatabase.open(join(dir, 'vex.db'));
    const first = await importPaths(db, [archive]);
    expect(first.sources.map((s) => [s.source, s.added])).toEqual([['redhat-csaf-vex', 2]]);
    const deletions = join(dir, 'changes');
    mkdirSync(deletions);
    writeFileSync(join(deletions, 'deletions.csv'), `"2023/cve-2023-4154.json","2024-02-01T00:00:00+00:00"\n`);
    const second = await importPaths(db, [deletions]);
    expect(second.deleted).toBe(1);
    const remaining = db.status().sources.reduce((sum, s) => sum + s.records, 0);
    expect(remaining).toBe(1);
    expect(ids).toEqual(['CVE-2023-38545', 'CVE-2023-4154']);
    db.close();
  });
});

describe.skipIf(!HAVE_SHARED)(needsShared('patchline db import, export and status'), () => {
  let dir: string;
  beforeAll(async () => {
    ensureBuilt();
    dir = await tempDir();
  });

  it('imports, reports status, exports a bundle and imports it on "another machine"', () => {
    const db = join(dir, 'main.db');
    const imported = runCli(['db', 'import', join(VULN, 'osv-rocky'), join(VULN, 'osv-debian'), '--db', db]);
    expect(imported.status, imported.stderr).toBe(0);
    const loose = findCount(join(VULN, 'osv-rocky'), '.json') + findCount(join(VULN, 'osv-debian'), '.json');
    expect(imported.stdout).toMatch(
      new RegExp(`^osv: ${loose} record\\(s\\), 0 deletion\\(s\\) listed: ${loose} added`),
    );

    const status = runCli(['db', 'status', '--db', db, '--format', 'json']);
    expect(status.status, status.stderr).toBe(0);
    const parsed = JSON.parse(status.stdout) as {
      snapshotId: string;
      sources: Array<{ source: string; records: number; ecosystems: string[]; ageSeconds: number }>;
    };
    expect(parsed.sources.map((s) => [s.source, s.records])).toEqual([['osv', loose]]);
    const ecosystems = execFileSync(
      '/usr/bin/python3',
      [
        '-c',
        'import glob, json, sys\nprint(json.dumps(sorted({a["package"]["ecosystem"] for d in sys.argv[1:] for f in glob.glob(d + "/*.json") for a in json.load(open(f)).get("affected", [])})))',
        join(VULN, 'osv-rocky'),
        join(VULN, 'osv-debian'),
      ],
      { encoding: 'utf8' },
    );
    expect(parsed.sources[0]?.ecosystems).toEqual(JSON.parse(ecosystems));
    expect(parsed.sources[0]?.ageSeconds).toBeLessThan(600);

    const table = runCli(['db', 'status', '--db', db]);
    expect(table.stdout).toMatch(/^SOURCE +RECORDS +AFFECTED +LAST SYNC +AGE +ECOSYSTEMS +ORIGIN$/m);
    expect(table.stdout).toMatch(new RegExp(`^osv +${loose} +\\d+ +\\S+ +\\d+[smhd] `, 'm'));

    const bundle = join(dir, 'bundle.db');
    const exported = runCli(['db', 'export', bundle, '--db', db]);
    expect(exported.status, exported.stderr).toBe(0);
    expect(exported.stdout).toContain(`${bundle}: ${loose} record(s) from 1 source(s), snapshot ${parsed.snapshotId}`);

    // The air-gapped side: another database, fed only the bundle file.
    const offline = join(dir, 'offline', 'advisories.db');
    const taken = runCli(['db', 'import', bundle], { PATCHLINE_DB: offline });
    expect(taken.status, taken.stderr).toBe(0);
    const offlineStatus = JSON.parse(runCli(['db', 'status', '--format', 'json'], { PATCHLINE_DB: offline }).stdout);
    expect(offlineStatus.snapshotId).toBe(parsed.snapshotId);
    expect(offlineStatus.sources.map((s: { records: number }) => s.records)).toEqual([loose]);
  }, 180_000);

  it('fails with exit 2, naming the path, and leaves the database unchanged on bad input', () => {
    const db = join(dir, 'bad.db');
    expect(runCli(['db', 'import', join(VULN, 'osv-rocky'), '--db', db]).status).toBe(0);
    // Status without the ages, which grow while the test runs.
    const status = (path: string) =>
      JSON.parse(
        runCli(['db', 'status', '--db', path, '--format', 'json']).stdout.replace(
          /"ageSeconds": \d+/g,
          '"ageSeconds": 0',
        ),
      );
    const before = status(db);
    const modified = statSync(db).mtimeMs;

    const missing = join(dir, 'no-such-folder');
    const result = runCli(['db', 'import', join(VULN, 'osv-debian'), missing, '--db', db]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(`patchline: error: ${missing}: cannot be read (ENOENT)`);

    const junk = join(dir, 'junk');
    mkdirSync(junk);
    writeFileSync(join(junk, 'notes.json'), '{"not": "an advisory"}');
    const unknown = runCli(['db', 'import', junk, '--db', db]);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/junk: holds no advisory document Patchline recognises .*notes\.json/);

    writeFileSync(join(dir, 'truncated.zip'), 'PK\x03\x04 truncated');
    const truncated = runCli(['db', 'import', join(dir, 'truncated.zip'), '--db', db]);
    expect(truncated.status).toBe(2);
    expect(truncated.stderr).toMatch(/truncated\.zip: is not a readable zip archive/);

    const mixed = runCli(['db', 'import', join(dir, 'bundle.db'), join(VULN, 'osv-debian'), '--db', db]);
    expect(mixed.status).toBe(2);

    expect(status(db)).toEqual(before);
    expect(statSync(db).mtimeMs).toBe(modified);

    // No database is created by a failed import, nor by status or export.
    const none = join(dir, 'never.db');
    expect(runCli(['db', 'import', missing, '--db', none]).status).toBe(2);
    const noStatus = runCli(['db', 'status', '--db', none]);
    expect([noStatus.status, noStatus.stderr]).toEqual([
      2,
      expect.stringContaining(`${none}: no advisory database here`),
    ]);
    expect(runCli(['db', 'export', join(dir, 'x.db'), '--db', none]).status).toBe(2);
    expect(readdirSync(dir).filter((name) => name.startsWith('never') || name === 'x.db')).toEqual([]);
  }, 180_000);
});
