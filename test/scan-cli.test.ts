import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Ajv } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { beforeAll, describe, expect, it } from 'vitest';
import { AdvisoryDatabase } from '../src/advisories/database.js';
import { importPaths } from '../src/advisories/import-paths.js';
import { scanJsonSchema } from '../src/report/scan-json.js';
import { ensureBuilt, projectRoot, runCli } from './helpers/cli.js';
import { validateCyclonedx } from './helpers/cyclonedx-schema.js';
import { makeLayoutImage } from './helpers/images.js';
import { sarifSchema } from './helpers/sarif-schema.js';
import { tempDir } from './helpers/tmp.js';

/*
 * `patchline scan` as users run it: the built CLI, a real OCI layout image holding the real `var/lib/dpkg/status` of a
 * debootstrap'd Debian 12 (../shared/fixtures/dpkg), and advisory databases made by the import pipeline behind
 * `patchline db import` (advisories/import-paths.ts) from hand-written OSV records about two of its source packages. apt 2.6.1 is installed and the record says 2.6.1+deb12u1
 * fixes it (dpkg --compare-versions confirms the order below); bash has a record with no fix. Debian's records name
 * source packages, so which binaries each finding covers comes from dpkg-query's own listing of the same status file
 * (debian12-minbase.expected.tsv: package, version, arch, source, source version).
 */

const SHARED = resolve(import.meta.dirname, '../../shared');
const STATUS = join(SHARED, 'fixtures/dpkg/debian12-minbase.status');
const EXPECTED = join(SHARED, 'fixtures/dpkg/debian12-minbase.expected.tsv');
const HAVE_SHARED = existsSync(STATUS);

/** `name.arch version` of the binaries built from a source package, as dpkg-query listed them. */
async function binariesOf(source: string): Promise<string[]> {
  const rows = (await readFile(EXPECTED, 'utf8'))
    .trim()
    .split('\n')
    .map((line) => line.split('\t'));
  return rows.filter((row) => row[3] === source).map((row) => `${row[0]}.${row[2]} ${row[1]}`);
}

const OS_RELEASE = `PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
`;

function osv(id: string, name: string, fixed: string | undefined, published: string): unknown {
  return {
    schema_version: '1.6.0',
    id,
    summary: `${name} - security update`,
    aliases: [`CVE-2099-${id.replace(/\D/g, '').slice(0, 5)}`],
    published,
    modified: published,
    affected: [
      {
        package: { ecosystem: 'Debian:12', name },
        ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, ...(fixed ? [{ fixed }] : [])] }],
      },
    ],
  };
}

async function database(dir: string, name: string, records: unknown[], at?: string): Promise<string> {
  const folder = join(dir, `${name}-records`);
  await mkdir(folder);
  for (const record of records) {
    await writeFile(join(folder, `${(record as { id: string }).id}.json`), JSON.stringify(record));
  }
  const path = join(dir, `${name}.db`);
  const db = AdvisoryDatabase.open(path);
  try {
    const report = await importPaths(db, [folder], at ? { at } : {});
    if (report.problems.length > 0 || report.added !== records.length) {
      throw new Error(`import of ${folder}: ${JSON.stringify(report)}`);
    }
  } finally {
    db.close();
  }
  return path;
}

describe.skipIf(!HAVE_SHARED)(HAVE_SHARED ? 'patchline scan' : 'patchline scan (skipped: ../shared is absent)', () => {
  let work: string;
  let image: string;
  let withFix: string;
  let withoutFix: string;
  let fourDaysOld: string;

  beforeAll(async () => {
    ensureBuilt();
    work = await tempDir('patchline-scan-cli-');
    const status = await readFile(STATUS);
    ({ ref: image } = await makeLayoutImage(work, 'image', [
      [
        { name: 'etc/os-release', content: OS_RELEASE },
        { name: 'var/lib/dpkg/status', content: status },
      ],
    ]));
    const aptFix = osv('DSA-9901-1', 'apt', '2.6.1+deb12u1', '2024-03-01T00:00:00Z');
    const bashOpen = osv('DLA-9902-1', 'bash', undefined, '2024-05-01T00:00:00Z');
    withFix = await database(work, 'with-fix', [aptFix, bashOpen]);
    withoutFix = await database(work, 'without-fix', [bashOpen]);
    const fourDaysAgo = new Date(Date.now() - 4 * 86_400_000).toISOString();
    fourDaysOld = await database(work, 'four-days-old', [aptFix], fourDaysAgo);
  });

  it('prints the table with the available fix first, nothing on stderr when it is not a terminal', async () => {
    const oracle = spawnSync('dpkg', ['--compare-versions', '2.6.1', 'lt', '2.6.1+deb12u1']);
    expect(oracle.status).toBe(0);
    const result = runCli(['scan', image, '--db', withFix]);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const rows = result.stdout.split('\n');
    const header = rows.findIndex((line) => line.startsWith('PACKAGE'));
    const apt = await binariesOf('apt');
    const bash = await binariesOf('bash');
    const listed = rows.slice(header + 1, header + 1 + apt.length + bash.length);
    expect(listed.map((row) => row.split(/\s+/).slice(0, 2).join(' '))).toEqual([...apt.sort(), ...bash]);
    for (const row of listed.slice(0, apt.length))
      expect(row).toMatch(/\s2\.6\.1\+deb12u1\s+fix-available\s+DSA-9901-1/);
    for (const row of listed.slice(apt.length)) expect(row).toMatch(/\sno-fix-yet\s+DLA-9902-1/);
    expect(rows[header + 1 + listed.length]).toBe('');
  });

  it('exits 1 only for what --fail-on names', async () => {
    const apt = (await binariesOf('apt')).length;
    const fixable = runCli(['scan', image, '--db', withFix, '--fail-on', 'fix-available', '-f', 'json']);
    expect(fixable.status).toBe(1);
    expect(fixable.stderr).toContain(`${apt} finding(s) with a fix available (--fail-on fix-available)`);
    // A result, not an error: nothing on stderr calls it one.
    expect(fixable.stderr).not.toContain('error');
    expect(JSON.parse(fixable.stdout).summary['fix-available']).toBe(apt);
    expect(runCli(['scan', image, '--db', withoutFix, '--fail-on', 'fix-available']).status).toBe(0);
    expect(runCli(['scan', image, '--db', withoutFix, '--fail-on', 'any']).status).toBe(1);
    expect(runCli(['scan', image, '--db', withoutFix]).status).toBe(0);
    expect(runCli(['scan', image, '--db', withFix, '--fail-on', 'severe']).status).toBe(2);
  });

  it('applies --vex: not_affected and fixed statements suppress the findings, so --fail-on passes', async () => {
    const openvex = (statement: unknown) =>
      JSON.stringify({
        '@context': 'https://openvex.dev/ns/v0.2.0',
        '@id': 'https://example.com/vex/apt',
        author: 'Platform team',
        timestamp: '2024-06-01T00:00:00Z',
        version: 1,
        statements: [statement],
      });
    const first = join(work, 'apt.openvex.json');
    const second = join(work, 'libapt.openvex.json');
    await writeFile(
      first,
      openvex({
        vulnerability: { name: 'DSA-9901-1' },
        products: [{ '@id': 'pkg:deb/debian/apt' }],
        status: 'not_affected',
        justification: 'vulnerable_code_not_in_execute_path',
      }),
    );
    await writeFile(
      second,
      openvex({
        vulnerability: { name: 'DSA-9901-1' },
        products: [{ '@id': 'pkg:deb/debian/libapt-pkg6.0?arch=amd64' }],
        status: 'fixed',
      }),
    );
    // --vex repeats, before or after the image.
    const args = ['scan', '--vex', first, image, '--db', withFix, '--vex', second, '--fail-on', 'fix-available'];
    const result = runCli([...args, '-f', 'json']);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const document = JSON.parse(result.stdout);
    expect(document.findings.map((finding: { id: string }) => finding.id)).toEqual(['DLA-9902-1']);
    const suppressed = document.suppressed.map(
      (entry: { finding: { package: { name: string } }; statement: { status: string; justification?: string } }) => [
        entry.finding.package.name,
        entry.statement.status,
        entry.statement.justification,
      ],
    );
    expect(suppressed).toEqual([
      ['apt', 'not_affected', 'vulnerable_code_not_in_execute_path'],
      ['libapt-pkg6.0', 'fixed', undefined],
    ]);
  });

  it('exits 2 on a malformed VEX file, naming the file and the JSON path, and leaves -o untouched', async () => {
    const vex = join(work, 'bad.openvex.json');
    await writeFile(
      vex,
      JSON.stringify({
        '@context': 'https://openvex.dev/ns/v0.2.0',
        statements: [{ vulnerability: 'CVE-1', status: 'nope' }],
      }),
    );
    const output = join(work, 'kept.json');
    await writeFile(output, 'previous report\n');
    const result = runCli(['scan', image, '--db', withFix, '--vex', vex, '-o', output]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(vex);
    expect(result.stderr).toContain('$.statements[0].status');
    expect(await readFile(output, 'utf8')).toBe('previous report\n');
  });

  it('exits 2 with the fix when the database is missing or older than --db-max-age', async () => {
    const missing = runCli(['scan', image, '--db', join(work, 'nothing.db')]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/patchline db update.*patchline db import/);
    expect(runCli(['scan', image, '--db', withFix, '--db-max-age', '72h']).status).toBe(0);
    const stale = runCli(['scan', image, '--db', fourDaysOld, '--db-max-age', '72h']);
    expect(stale.status).toBe(2);
    expect(stale.stderr).toMatch(
      /last updated (3d23h|4d) ago .* longer than --db-max-age 72h: run `patchline db update`/,
    );
    expect(stale.stdout).toBe('');
    expect(runCli(['scan', image, '--db', fourDaysOld, '--db-max-age', '5d']).status).toBe(0);
    // The grammar of policies (weeks included) and its upper bound hold here too.
    expect(runCli(['scan', image, '--db', fourDaysOld, '--db-max-age', '2w']).status).toBe(0);
    const unbounded = runCli(['scan', image, '--db', fourDaysOld, '--db-max-age', '3651d']);
    expect([unbounded.status, unbounded.stderr]).toEqual([
      2,
      expect.stringMatching(/--db-max-age=3651d: .*at most 3650d/),
    ]);
    expect(runCli(['scan', image, '--db', withFix, '--db-max-age', 'soon']).status).toBe(2);
  });

  it('writes every format to -o whole, replacing the previous file and leaving no temporary files', async () => {
    const folder = join(work, 'reports');
    await mkdir(folder);
    // Each machine format is checked against its own published schema.
    const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
    addFormats.default(ajv);
    const sarif = ajv.compile(await sarifSchema());
    const ajv2020 = new Ajv2020({ allErrors: true });
    addFormats.default(ajv2020);
    const openvex = ajv2020.compile(
      JSON.parse(await readFile(join(projectRoot, 'test/fixtures/openvex/openvex_json_schema-0.2.0.json'), 'utf8')),
    );
    const gitlab = ajv.compile(
      JSON.parse(
        await readFile(join(projectRoot, 'schemas/gitlab/container-scanning-report-format-15.2.1.json'), 'utf8'),
      ),
    );
    const checks: Record<string, (text: string) => Promise<void> | void> = {
      json: (text) => expect(scanJsonSchema.strict().parse(JSON.parse(text)).findings).toHaveLength(3),
      sarif: (text) => {
        const document = JSON.parse(text);
        expect(sarif(document), ajv.errorsText(sarif.errors)).toBe(true);
        expect(document.runs[0].results[0].ruleId).toBe('DSA-9901-1');
      },
      'cyclonedx-json': async (text) => {
        expect(await validateCyclonedx(text)).toBeNull();
        expect(JSON.parse(text).vulnerabilities).toHaveLength(3);
      },
      openvex: (text) => {
        const document = JSON.parse(text);
        expect(openvex(document), ajv2020.errorsText(openvex.errors)).toBe(true);
        expect(document.statements[0].status).toBe('affected');
      },
      gitlab: (text) => {
        const document = JSON.parse(text);
        expect(gitlab(document), ajv.errorsText(gitlab.errors)).toBe(true);
        expect(document.vulnerabilities[0].identifiers[0].value).toBe('DSA-9901-1');
      },
      table: (text) => expect(text).toContain('DSA-9901-1'),
    };
    for (const [format, check] of Object.entries(checks)) {
      const output = join(folder, `report.${format}`);
      await writeFile(output, 'previous report\n');
      const result = runCli(['scan', image, '--db', withFix, '-f', format, '-o', output]);
      expect([format, result.status, result.stdout]).toEqual([format, 0, '']);
      await check(await readFile(output, 'utf8'));
    }
    expect((await readdir(folder)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('documents the exit codes in its help', () => {
    const help = runCli(['scan', '--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/Exit codes:\n\s+0 .*\n\s+1 .*--fail-on/);
  });
});
