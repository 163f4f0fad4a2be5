import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { AdvisoryDatabase } from '../src/advisories/database.js';
import { importPaths } from '../src/advisories/import-paths.js';
import { type GateResult, gateImage, type RuleName, type RuleResult } from '../src/policy/index.js';
import { baseLayer, buildRpms, type GateImage, gateToolsMissing, rpmImage } from './helpers/gate-images.js';
import { seededRandom } from './helpers/seeded-random.js';
import { tempDir } from './helpers/tmp.js';

/*
 * The gate on real data: AlmaLinux 9 images whose packages are real RPMs (rpmbuild) installed by the real rpm into a
 * real rpmdb.sqlite, named and versioned as AlmaLinux's own builds, judged against the complete real AlmaLinux 9 OSV
 * data imported by the real importer. The expected findings, newest kernel and fix dates come from
 * test/helpers/almalinux-fixes.py, which reads the OSV tarball itself and orders builds with python3-rpm.
 * The clock is injected: NOW is eleven days after the data's sync.
 */

const run = promisify(execFile);
const SHARED = resolve(import.meta.dirname, '../../shared');
const TARBALL = join(SHARED, 'fixtures/vuln/osv-almalinux/almalinux-osv-database.tar.gz');
const ALMA8_RECORDS = ['almalinux8__ALSA-2026:A007.json', 'almalinux8__ALSA-2026:A008.json'];
const ORACLE = resolve(import.meta.dirname, 'helpers/almalinux-fixes.py');
const SKIP = !existsSync(TARBALL) ? '../shared is absent' : gateToolsMissing();
const SYNC = '2026-08-21T00:00:00.000Z';
const NOW = '2026-09-01T00:00:00Z';
const DAY = 86_400_000;
const ALMA_ID = /^AL[SBE]A-/;

interface OracleEntry {
  newest: string;
  newestId: string;
  fixes: Array<[id: string, fixed: string, published: string]>;
  missing: Array<[id: string, published: string]>;
}

async function oracle(...args: string[]): Promise<Record<string, OracleEntry>> {
  const { stdout } = await run('/usr/bin/python3', [ORACLE, TARBALL, '9', ...args], { maxBuffer: 64 * 1024 ** 2 });
  return JSON.parse(stdout) as Record<string, OracleEntry>;
}

function rule(result: GateResult, name: RuleName): RuleResult {
  const found = result.rules.find((r) => r.rule === name);
  if (!found) throw new Error(`no rule ${name}`);
  return found;
}

/** The AlmaLinux advisory ids a rule's findings stand for (advisories merged into one finding are in its aliases). */
function advisoryIds(result: RuleResult): string[] {
  return [...new Set(result.findings.flatMap((f) => [f.id, ...f.aliases]).filter((id) => ALMA_ID.test(id)))].sort();
}

function policy(spec: string): string {
  return `apiVersion: patchline.dev/v1\nkind: Policy\nmetadata: {name: test}\nspec:\n${spec}`;
}

const STRICT = `  fixes: {maxAge: 0}
  unfixed: fail
  image: {maxAge: 7d}
  packages:
    forbidden: ["gcc*"]
    required: [greenboot]
  kernel: {mustBeLatest: true}
  database: {maxAge: 30d}
`;

describe.skipIf(SKIP !== undefined)(
  SKIP ? `gate on real AlmaLinux data (skipped: ${SKIP})` : 'gate on real AlmaLinux data',
  () => {
    let work: string;
    let db: string;
    let alma8Only: string;
    let records: string;
    let base: string;
    let rpms: Map<string, string>;
    let newest: Record<string, OracleEntry>;
    let current: GateImage;
    let old: GateImage;
    let sudoBehind: GateImage;
    const OLD = { kernel: '5.14.0-70.13.1.el9_0', sudo: '1.9.5p2-7.el9', gcc: '11.5.0-2.el9' };

    async function writePolicy(name: string, spec: string): Promise<string> {
      const file = join(work, `${name}.yaml`);
      await writeFile(file, policy(spec));
      return file;
    }

    async function importInto(path: string, inputs: string[]): Promise<string> {
      const database = AdvisoryDatabase.open(path);
      try {
        const report = await importPaths(database, inputs, { at: SYNC });
        expect(report.problems).toEqual([]);
      } finally {
        database.close();
      }
      return path;
    }

    beforeAll(async () => {
      work = await tempDir('patchline-gate-');
      // The AlmaLinux 9 part of the real tarball, as published.
      await run('tar', ['-xzf', TARBALL, '-C', work, 'advisories/almalinux9']);
      records = join(work, 'advisories/almalinux9');
      db = await importInto(join(work, 'alma9.db'), [records]);
      alma8Only = await importInto(
        join(work, 'alma8.db'),
        ALMA8_RECORDS.map((name) => join(SHARED, 'fixtures/vuln/osv-almalinux', name)),
      );
      newest = await oracle('kernel-core', 'sudo', 'gcc');
      const sudoSecond = newest.sudo!.fixes.at(-2)![1];
      rpms = await buildRpms(work, [
        { name: 'kernel-core', evr: newest['kernel-core']!.newest, kernel: true },
        { name: 'kernel-core', evr: OLD.kernel, kernel: true },
        { name: 'sudo', evr: newest.sudo!.newest },
        { name: 'sudo', evr: sudoSecond },
        { name: 'sudo', evr: OLD.sudo },
        { name: 'gcc', evr: OLD.gcc },
        { name: 'greenboot', evr: '0.15.4-1.el9' },
      ]);
      const rpm = (name: string, evr: string) => rpms.get(`${name}-${evr}`)!;
      base = await baseLayer(work);
      current = await rpmImage(work, 'current', {
        base,
        created: new Date(Date.parse(NOW) - 2 * DAY).toISOString(),
        rpms: [
          rpm('kernel-core', newest['kernel-core']!.newest),
          rpm('sudo', newest.sudo!.newest),
          rpm('greenboot', '0.15.4-1.el9'),
        ],
      });
      old = await rpmImage(work, 'old', {
        base,
        created: '2025-01-01T00:00:00Z',
        rpms: [rpm('kernel-core', OLD.kernel), rpm('sudo', OLD.sudo), rpm('gcc', OLD.gcc)],
      });
      sudoBehind = await rpmImage(work, 'sudo-behind', {
        base,
        created: new Date(Date.parse(NOW) - 2 * DAY).toISOString(),
        rpms: [
          rpm('kernel-core', newest['kernel-core']!.newest),
          rpm('sudo', sudoSecond),
          rpm('greenboot', '0.15.4-1.el9'),
        ],
      });
    }, 180_000);

    it('passes an image holding the newest builds under the strict posture (fixes.maxAge 0)', async () => {
      // The oracle's view of the image: what rpm itself says is installed.
      const { stdout } = await run('rpm', [
        '--root',
        current.root,
        '--dbpath',
        '/var/lib/rpm',
        '-qa',
        '--qf',
        '%{NAME} %{EVR}\\n',
      ]);
      expect(stdout.trim().split('\n').sort()).toEqual(
        [
          `greenboot 0.15.4-1.el9`,
          `kernel-core ${newest['kernel-core']!.newest}`,
          `sudo ${newest.sudo!.newest}`,
        ].sort(),
      );
      const result = await gateImage(current.ref, await writePolicy('strict', STRICT), { db, now: NOW });
      expect(result.rules.filter((r) => r.outcome === 'fail')).toEqual([]);
      expect(result.verdict).toBe('pass');
      expect(rule(result, 'kernel.mustBeLatest')).toMatchObject({
        outcome: 'pass',
        inputs: { latest: [newest['kernel-core']!.newest] },
      });
      expect(result.exposure).toEqual({ unshippedFixes: 0 });
      expect(result.image.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(result.database.ageSeconds).toBe(11 * 86_400);
      // Some AlmaLinux 9 errata also speak of releases 8 and 10.
      expect(result.database.sources).toContain('osv AlmaLinux:9');
    });

    it('fails an old image on every rule it breaks, with the findings and packages behind each', async () => {
      const result = await gateImage(old.ref, await writePolicy('strict', STRICT), { db, now: NOW });
      expect(result.verdict).toBe('fail');
      const expected = await oracle(`kernel-core=${OLD.kernel}`, `sudo=${OLD.sudo}`, `gcc=${OLD.gcc}`);
      const missing = Object.values(expected).flatMap((entry) => entry.missing);
      expect(advisoryIds(rule(result, 'fixes.maxAge'))).toEqual([...new Set(missing.map(([id]) => id))].sort());
      expect(rule(result, 'packages.forbidden').packages).toEqual([
        { name: 'gcc', installed: OLD.gcc, pattern: 'gcc*' },
      ]);
      expect(rule(result, 'packages.required').packages).toEqual([{ name: 'greenboot', pattern: 'greenboot' }]);
      expect(rule(result, 'kernel.mustBeLatest').packages).toEqual([
        { name: 'kernel-core', installed: OLD.kernel, latest: newest['kernel-core']!.newest },
      ]);
      expect(rule(result, 'image.maxAge')).toMatchObject({
        outcome: 'fail',
        inputs: { created: '2025-01-01T00:00:00Z' },
      });
      expect(rule(result, 'database.maxAge').outcome).toBe('pass');
      // Exposure: the oldest of the oracle's missing fixes, by publication date.
      const oldest = missing.map(([, published]) => published).sort()[0]!;
      expect(result.exposure.oldestFixAvailableSince).toBe(new Date(oldest).toISOString());
      expect(result.exposure.oldestFixAgeSeconds).toBe((Date.parse(NOW) - Date.parse(oldest)) / 1000);
    });

    it('an exception expiring tomorrow lets the image pass; the same one expired yesterday fails it and says so', async () => {
      const behind = await oracle(`sudo=${newest.sudo!.fixes.at(-2)![1]}`);
      expect(behind.sudo!.missing.map(([id]) => id)).toEqual([newest.sudo!.newestId]);
      const exception = (expires: string) =>
        `  fixes: {maxAge: 0}\n  exceptions:\n    - id: ${newest.sudo!.newestId}\n      package: sudo\n      status: accepted-risk\n      justification: sudo is not used by any service of this image\n      approver: security@example.com\n      expires: "${expires}"\n`;
      const day = (offset: number) => new Date(Date.parse(NOW) + offset * DAY).toISOString().slice(0, 10);
      const without = await gateImage(sudoBehind.ref, await writePolicy('no-exception', '  fixes: {maxAge: 0}\n'), {
        db,
        now: NOW,
      });
      expect(without.verdict).toBe('fail');

      const tomorrow = await gateImage(sudoBehind.ref, await writePolicy('tomorrow', exception(day(1))), {
        db,
        now: NOW,
      });
      expect(tomorrow.verdict).toBe('pass');
      expect(tomorrow.exceptions).toMatchObject([{ state: 'active', matched: [{ package: 'sudo' }] }]);
      expect(tomorrow.scan.suppressed.map((s) => s.finding.package.name)).toEqual(['sudo']);
      // The exception names the advisory, so it covers all its CVEs: the fix is suppressed, not counted as exposure.
      expect(tomorrow.exposure.unshippedFixes).toBe(0);

      const yesterday = await gateImage(sudoBehind.ref, await writePolicy('yesterday', exception(day(-1))), {
        db,
        now: NOW,
      });
      expect(yesterday.verdict).toBe('fail');
      expect(rule(yesterday, 'exceptions')).toMatchObject({
        outcome: 'fail',
        message: expect.stringContaining(`${newest.sudo!.newestId} (expired ${day(-1)}`),
      });
      expect(rule(yesterday, 'fixes.maxAge').outcome).toBe('fail');
    });

    it('a forbidden package or a missing required one fails an otherwise clean image', async () => {
      const forbidden = await gateImage(
        current.ref,
        await writePolicy('no-sudo', '  packages: {forbidden: ["sud?"]}\n'),
        { db, now: NOW },
      );
      expect(forbidden.verdict).toBe('fail');
      expect(rule(forbidden, 'packages.forbidden').packages).toEqual([
        { name: 'sudo', installed: newest.sudo!.newest, pattern: 'sud?' },
      ]);
      const required = await gateImage(
        current.ref,
        await writePolicy('need', '  packages: {required: ["greenboot*", "bootupd"]}\n'),
        { db, now: NOW },
      );
      expect(required.verdict).toBe('fail');
      expect(rule(required, 'packages.required').inputs).toMatchObject({ missing: ['bootupd'] });
    });

    it("fails closed on stale advisory data and on a database without the image's source", async () => {
      const stale = await gateImage(current.ref, await writePolicy('week', '  database: {maxAge: 7d}\n'), {
        db,
        now: NOW,
      });
      expect(stale.verdict).toBe('fail');
      expect(rule(stale, 'database.maxAge')).toMatchObject({
        outcome: 'fail',
        inputs: { ageSeconds: 11 * 86_400, lastSync: SYNC },
      });
      const fresh = await gateImage(current.ref, await writePolicy('fortnight', '  database: {maxAge: 2w}\n'), {
        db,
        now: NOW,
      });
      expect(fresh.verdict).toBe('pass');

      // AlmaLinux 8 data only: the AlmaLinux 9 image would scan clean against it, which must not read as a pass.
      const missing = await gateImage(old.ref, await writePolicy('any', '  fixes: {maxAge: 0}\n'), {
        db: alma8Only,
        now: NOW,
      });
      expect(missing.scan.findings.filter((f) => f.status === 'fix-available')).toEqual([]);
      expect(missing.verdict).toBe('fail');
      expect(rule(missing, 'database.maxAge').message).toContain('holds no data for AlmaLinux:9');
    });

    it("image.maxAge reads the image config's created", async () => {
      const week = await gateImage(current.ref, await writePolicy('img-week', '  image: {maxAge: 7d}\n'), {
        db,
        now: NOW,
      });
      expect(rule(week, 'image.maxAge')).toMatchObject({ outcome: 'pass', inputs: { ageSeconds: 2 * 86_400 } });
      const day = await gateImage(current.ref, await writePolicy('img-day', '  image: {maxAge: 1d}\n'), {
        db,
        now: NOW,
      });
      expect(rule(day, 'image.maxAge').outcome).toBe('fail');
    });

    it('severity never decides: the same data with random severities gives the same verdict and rule outcomes', async () => {
      const names = ['kernel-core', 'sudo', 'gcc'];
      // The records about the old image's packages, the only ones that can produce its findings.
      const relevant: Array<{ file: string; record: Record<string, unknown> }> = [];
      for (const file of await readdir(records)) {
        const record = JSON.parse(await readFile(join(records, file), 'utf8')) as {
          affected?: Array<{ package?: { name?: string } }>;
        };
        if (record.affected?.some((a) => names.includes(a.package?.name ?? ''))) relevant.push({ file, record });
      }
      expect(relevant.length).toBeGreaterThan(100);
      const spec = `${STRICT}  exceptions:\n    - {id: ${newest.sudo!.newestId}, status: under_investigation, justification: j, approver: a, expires: "2026-12-01"}\n`;
      const file = await writePolicy('severity', spec);
      const decisions = (result: GateResult) => ({
        verdict: result.verdict,
        rules: result.rules.map((r) => ({
          ...r,
          findings: r.findings.map((f) => `${f.id} ${f.package.name} ${f.package.installed}`),
        })),
        exceptions: result.exceptions,
        exposure: result.exposure,
      });
      const random = seededRandom(5);
      const SEVERITIES = [
        'Critical',
        'Important',
        'Moderate',
        'Low',
        'none',
        'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H',
      ];
      let reference: unknown;
      for (let round = 0; round < 4; round++) {
        const folder = join(work, `severity-${round}`);
        await mkdir(folder);
        for (const { file: name, record } of relevant) {
          const copy = structuredClone(record);
          // Round 0 keeps the publisher's severities; later rounds rewrite every field the importer reads one from.
          if (round > 0) {
            const pick = () => SEVERITIES[Math.floor(random() * SEVERITIES.length)]!;
            copy.database_specific = { ...(copy.database_specific as object | undefined), severity: pick() };
            if (random() < 0.5) copy.severity = [{ type: 'CVSS_V3', score: pick() }];
            else delete copy.severity;
          }
          await writeFile(join(folder, name), JSON.stringify(copy));
        }
        const path = await importInto(join(work, `severity-${round}.db`), [folder]);
        const result = await gateImage(old.ref, file, { db: path, now: NOW });
        if (round === 0) {
          reference = decisions(result);
          expect(result.verdict).toBe('fail');
        } else {
          expect(result.scan.findings.some((f) => SEVERITIES.includes(f.severity ?? ''))).toBe(true);
          expect(decisions(result)).toEqual(reference);
        }
      }
    }, 120_000);
  },
);
