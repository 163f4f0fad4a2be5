import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { AdvisoryDatabase } from '../src/advisories/database.js';
import { importPaths } from '../src/advisories/import-paths.js';
import { ensureBuilt, projectRoot, runCli } from './helpers/cli.js';
import { baseLayer, buildRpms, gateToolsMissing, rpmImage } from './helpers/gate-images.js';
import { tempDir } from './helpers/tmp.js';

/*
 * `patchline gate` as users run it: the built CLI, the real clock, an AlmaLinux 9 image built from real RPMs with sudo
 * one build behind the newest one in the real AlmaLinux OSV data (test/helpers/almalinux-fixes.py names both), and
 * that data imported just now. Exception dates are computed from the real now: tomorrow versus yesterday.
 */

const run = promisify(execFile);
const SHARED = resolve(import.meta.dirname, '../../shared');
const TARBALL = join(SHARED, 'fixtures/vuln/osv-almalinux/almalinux-osv-database.tar.gz');
const ORACLE = resolve(import.meta.dirname, 'helpers/almalinux-fixes.py');
const SKIP = !existsSync(TARBALL) ? '../shared is absent' : gateToolsMissing();
const DAY = 86_400_000;

describe.skipIf(SKIP !== undefined)(SKIP ? `patchline gate (skipped: ${SKIP})` : 'patchline gate', () => {
  let work: string;
  let db: string;
  let image: string;
  let missingId: string;

  async function policy(name: string, spec: string): Promise<string> {
    const file = join(work, `${name}.yaml`);
    await writeFile(file, `apiVersion: patchline.dev/v1\nkind: Policy\nmetadata: {name: ${name}}\nspec:\n${spec}`);
    return file;
  }

  function exception(expiresInDays: number): string {
    const expires = new Date(Date.now() + expiresInDays * DAY).toISOString().slice(0, 10);
    return `  fixes: {maxAge: 0}\n  database: {maxAge: 1h}\n  exceptions:\n    - id: ${missingId}\n      package: sudo\n      status: accepted-risk\n      justification: not used by any service of this image\n      approver: security@example.com\n      expires: "${expires}"\n`;
  }

  beforeAll(async () => {
    ensureBuilt();
    work = await tempDir('patchline-gate-cli-');
    await run('tar', ['-xzf', TARBALL, '-C', work, 'advisories/almalinux9']);
    db = join(work, 'alma9.db');
    const database = AdvisoryDatabase.open(db);
    try {
      // Imported now: the data is fresh for database.maxAge on the real clock.
      const report = await importPaths(database, [join(work, 'advisories/almalinux9')]);
      expect(report.problems).toEqual([]);
    } finally {
      database.close();
    }
    const { stdout } = await run('/usr/bin/python3', [ORACLE, TARBALL, '9', 'sudo']);
    const sudo = (JSON.parse(stdout) as { sudo: { fixes: Array<[string, string, string]>; newestId: string } }).sudo;
    missingId = sudo.newestId;
    const evr = sudo.fixes.at(-2)![1];
    const rpms = await buildRpms(work, [{ name: 'sudo', evr }]);
    image = (await rpmImage(work, 'image', { base: await baseLayer(work), rpms: [rpms.get(`sudo-${evr}`)!] })).ref;
  }, 180_000);

  it('exits 0 with an exception expiring tomorrow, 1 once it expired yesterday, saying why on stderr', async () => {
    const pass = runCli([
      'gate',
      image,
      '--policy',
      await policy('tomorrow', exception(1)),
      '--db',
      db,
      '--format',
      'json',
    ]);
    expect(pass.stderr).toBe('');
    expect(pass.status).toBe(0);
    const passed = JSON.parse(pass.stdout) as { verdict: string; exceptions: Array<{ state: string }> };
    expect(passed.verdict).toBe('pass');
    expect(passed.exceptions.map((e) => e.state)).toEqual(['active']);

    const fail = runCli(['gate', image, '--policy', await policy('yesterday', exception(-1)), '--db', db]);
    expect(fail.status).toBe(1);
    expect(fail.stderr).toMatch(/fails policy yesterday \(fixes\.maxAge, exceptions\)/);
    expect(fail.stderr).not.toContain('error');
    // The table names the expired exception and the finding behind the failure.
    expect(fail.stdout).toContain(missingId);
    expect(fail.stdout).toMatch(/expired/);
  });

  it('writes the report, the evidence and the attestation atomically, with the policy file digest', async () => {
    const file = await policy('evidence', exception(-1));
    const out = join(work, 'report.xml');
    const evidence = join(work, 'evidence.json');
    const attestation = join(work, 'attestation.json');
    const result = runCli([
      'gate',
      image,
      '--policy',
      file,
      '--db',
      db,
      '-f',
      'junit',
      '-o',
      out,
      '--evidence',
      evidence,
      '--attestation',
      attestation,
    ]);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(await readFile(out, 'utf8')).toMatch(/^<\?xml[\s\S]*<testsuite/);
    const { stdout: sha } = await run('sha256sum', [file]);
    const record = JSON.parse(await readFile(evidence, 'utf8')) as { verdict: string; policy: { digest: string } };
    expect(record).toMatchObject({ verdict: 'fail', policy: { digest: `sha256:${sha.split(' ')[0]}` } });
    const statement = JSON.parse(await readFile(attestation, 'utf8')) as {
      _type: string;
      subject: Array<{ digest: { sha256: string } }>;
    };
    expect(statement._type).toBe('https://in-toto.io/Statement/v1');
    const index = JSON.parse(await readFile(join(work, 'image/index.json'), 'utf8')) as {
      manifests: Array<{ digest: string }>;
    };
    expect(`sha256:${statement.subject[0]!.digest.sha256}`).toBe(index.manifests[0]!.digest);
  });

  it('exits 2 on a policy error, naming the file and the path in it, and writes nothing', async () => {
    const bad = await policy('bad', '  fixes:\n    maxAge: 3 days\n');
    const out = join(work, 'never.json');
    const result = runCli(['gate', image, '--policy', bad, '--db', db, '-o', out]);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(
      `patchline: error: ${bad}: spec.fixes.maxAge: expected a duration like 72h, 30d, 2w or 1h30m (units w, d, h, m, s; 0 for none; at most 3650d) (line 6)\n`,
    );
    expect(existsSync(out)).toBe(false);
    expect(runCli(['gate', image, '--db', db]).status).toBe(2);
    expect(runCli(['gate', join(work, 'no-such-image'), '--policy', bad, '--db', db]).status).toBe(2);
    expect(runCli(['gate', image, '--policy', join(work, 'absent.yaml'), '--db', db]).status).toBe(2);
  });

  it('exits 2 on an image with no package database, and judges it with --allow-empty', async () => {
    const empty = (await rpmImage(work, 'empty', { base: await baseLayer(work), rpms: [] })).ref;
    const file = await policy('empty', '  fixes: {maxAge: 0}\n  packages: {required: [greenboot]}\n');
    const refused = runCli(['gate', empty, '--policy', file, '--db', db]);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain('no package database found');
    const judged = runCli(['gate', empty, '--policy', file, '--db', db, '--allow-empty', '-f', 'json']);
    expect(judged.status).toBe(1);
    expect(JSON.parse(judged.stdout)).toMatchObject({
      verdict: 'fail',
      rules: expect.arrayContaining([expect.objectContaining({ rule: 'packages.required', outcome: 'fail' })]),
    });
  });

  it('prints the JSON Schema of the policy document, the one committed in schemas/', async () => {
    const result = runCli(['gate', '--print-schema']);
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual(
      JSON.parse(await readFile(join(projectRoot, 'schemas/policy-v1.json'), 'utf8')),
    );
  });
});
