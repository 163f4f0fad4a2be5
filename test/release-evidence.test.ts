import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gateEvidence } from '../src/policy/evidence.js';
import { gateInTotoStatement } from '../src/policy/evidence-statement.js';
import { diffJson } from '../src/report/diff-json.js';
import type { ReleaseDiff } from '../src/report/release-diff.js';
import { ensureBuilt } from './helpers/cli.js';
import { runCliAsync } from './helpers/cli-async.js';
import { type ControllerProcess, startController } from './helpers/controller-process.js';
import { digest as fakeDigest } from './helpers/fleet-docs.js';
import { gateResultFrom } from './helpers/gate-results.js';
import { FIXTURE_REPOSITORY, releaseFixture } from './helpers/release-attachments.js';
import { sampleScanResult } from './helpers/scan-results.js';
import { tempDir } from './helpers/tmp.js';

/*
 * `patchline release create --evidence FILE` with the built CLI against a real `patchline serve` (SQLite): the
 * release takes its gate verdict from the evidence and records the file's sha256 (the oracle: coreutils' sha256sum),
 * and evidence for another image, or none at all, is refused naming the file.
 */

const run = promisify(execFile);
const REPO = 'localhost/evidence/os';

let controller: ControllerProcess;
let dir: string;

beforeAll(async () => {
  ensureBuilt();
  dir = await tempDir();
  controller = await startController({
    database: join(dir, 'controller.db'),
    extraArgs: ['--tick', '1s', '--log-level', 'warn'],
  });
}, 120_000);

afterAll(async () => {
  await controller?.kill('SIGKILL');
});

function cli(args: string[]) {
  return runCliAsync(args, { PATCHLINE_SERVER: controller.url, PATCHLINE_ADMIN_TOKEN: controller.adminToken });
}

async function ok(args: string[]): Promise<string> {
  const result = await cli(args);
  expect(result.stderr, args.join(' ')).toBe('');
  expect(result.status, args.join(' ')).toBe(0);
  return result.stdout;
}

async function fails(args: string[]): Promise<string> {
  const result = await cli(args);
  expect(result.status, `${args.join(' ')}: ${result.stdout}`).toBe(2);
  expect(result.stdout).toBe('');
  return result.stderr;
}

async function sha256sum(file: string): Promise<string> {
  const { stdout } = await run('sha256sum', [file]);
  return `sha256:${stdout.split(' ')[0]}`;
}

describe('patchline release create --evidence', () => {
  it('takes the verdict from the evidence and records its sha256, as the record or as the in-toto statement', async () => {
    const scan = sampleScanResult();
    const digest = scan.target.digest!;
    const failing = gateResultFrom(scan, { maxAgeDays: 30 });
    const passing = gateResultFrom(scan, { maxAgeDays: 3650 });
    expect([failing.verdict, passing.verdict]).toEqual(['fail', 'pass']);
    const passFile = join(dir, 'pass.evidence.json');
    const failFile = join(dir, 'fail.intoto.json');
    await writeFile(passFile, `${JSON.stringify(gateEvidence(passing), null, 2)}\n`);
    await writeFile(failFile, JSON.stringify(gateInTotoStatement(failing)));

    await ok(['fleet', 'create', 'edge', '--selector', 'role=edge', '--image', REPO]);
    const image = `${REPO}@${digest}`;
    await ok(['release', 'create', 'edge-1', '--fleet', 'edge', '--image', image, '--evidence', passFile]);
    await ok(['release', 'create', 'edge-2', '--fleet', 'edge', '--image', image, '--evidence', failFile]);
    const first = JSON.parse(await ok(['release', 'get', 'edge-1', '-o', 'json']));
    const second = JSON.parse(await ok(['release', 'get', 'edge-2', '-o', 'json']));
    expect(first.spec.gate).toEqual({ passed: true, evidence: await sha256sum(passFile) });
    expect(second.spec.gate).toEqual({ passed: false, evidence: await sha256sum(failFile) });
    expect(await ok(['release', 'list'])).toMatch(/edge-2\s+edge\s+\S+\s+failed/);
  }, 240_000);

  it('refuses evidence for another image, without a digest, malformed, missing, or beside --gate', async () => {
    const scan = sampleScanResult();
    const evidenceFile = join(dir, 'other.json');
    await writeFile(evidenceFile, JSON.stringify(gateEvidence(gateResultFrom(scan, { maxAgeDays: 3650 }))));
    const other = `sha256:${'c'.repeat(64)}`;
    expect(
      await fails([
        'release',
        'create',
        'x-1',
        '--fleet',
        'edge',
        '--image',
        `${REPO}@${other}`,
        '--evidence',
        evidenceFile,
      ]),
    ).toContain(
      `${evidenceFile}: is the evidence for ${scan.target.digest} (${scan.target.name}), not for the release's image ${other}`,
    );

    const undigested = join(dir, 'undigested.json');
    await writeFile(
      undigested,
      JSON.stringify(gateEvidence(gateResultFrom(scan, { maxAgeDays: 3650, noDigest: true }))),
    );
    expect(
      await fails([
        'release',
        'create',
        'x-2',
        '--fleet',
        'edge',
        '--image',
        `${REPO}@${other}`,
        '--evidence',
        undigested,
      ]),
    ).toContain(`${undigested}: names no image digest`);

    const garbage = join(dir, 'garbage.json');
    await writeFile(garbage, JSON.stringify({ apiVersion: 'patchline.dev/v1', kind: 'GateEvidence', verdict: 'pass' }));
    expect(
      await fails([
        'release',
        'create',
        'x-3',
        '--fleet',
        'edge',
        '--image',
        `${REPO}@${other}`,
        '--evidence',
        garbage,
      ]),
    ).toContain(`${garbage}: is not gate evidence: evaluatedAt:`);

    const missing = join(dir, 'missing.json');
    expect(
      await fails([
        'release',
        'create',
        'x-4',
        '--fleet',
        'edge',
        '--image',
        `${REPO}@${other}`,
        '--evidence',
        missing,
      ]),
    ).toContain(`${missing}: does not exist`);
    expect(
      await fails([
        'release',
        'create',
        'x-5',
        '--fleet',
        'edge',
        '--image',
        `${REPO}@${other}`,
        '--evidence',
        evidenceFile,
        '--gate',
        'passed',
      ]),
    ).toMatch(/cannot be used with option '--evidence/);
    // Nothing was created by any of these.
    expect(await ok(['release', 'list'])).not.toMatch(/^x-/m);
  }, 240_000);

  it('sends the evidence file and the image diff, which the controller keeps and serves byte for byte', async () => {
    const OLD = fakeDigest(0x11);
    const NEW = fakeDigest(0x22);
    const fixture = releaseFixture(OLD, NEW);
    const evidenceFile = join(dir, 'kept.evidence.json');
    const diffFile = join(dir, 'kept.diff.json');
    await writeFile(evidenceFile, fixture.evidence);
    await writeFile(diffFile, diffJson(fixture.diff));
    await ok(['fleet', 'create', 'kept', '--selector', 'role=kept', '--image', FIXTURE_REPOSITORY]);
    await ok([
      'release',
      'create',
      'kept-1',
      '--fleet',
      'kept',
      '--image',
      `${FIXTURE_REPOSITORY}@${OLD}`,
      '--gate',
      'failed',
    ]);
    const image = `${FIXTURE_REPOSITORY}@${NEW}`;
    const otherDiff = join(dir, 'other.diff.json');
    await writeFile(otherDiff, diffJson(releaseFixture(OLD, fakeDigest(0x33)).diff));
    expect(
      await fails(['release', 'create', 'kept-2', '--fleet', 'kept', '--image', image, '--diff', otherDiff]),
    ).toContain(`${otherDiff}: is the diff to ${fakeDigest(0x33)}, not to the release's image ${NEW}`);
    await ok([
      'release',
      'create',
      'kept-2',
      '--fleet',
      'kept',
      '--image',
      image,
      '--evidence',
      evidenceFile,
      '--diff',
      diffFile,
    ]);
    const get = (path: string) =>
      fetch(`${controller.url}/apis/patchline.dev/v1/releases/kept-2/${path}`, {
        headers: { authorization: `Bearer ${controller.adminToken}` },
      });
    const served = join(dir, 'served.evidence.json');
    await writeFile(served, Buffer.from(await (await get('evidence')).arrayBuffer()));
    expect(await sha256sum(served)).toBe(await sha256sum(evidenceFile));
    const kept = JSON.parse(await ok(['release', 'get', 'kept-2', '-o', 'json']));
    expect(kept.spec.gate).toEqual({ passed: true, evidence: await sha256sum(evidenceFile) });
    const diff = (await (await get('diff')).json()) as ReleaseDiff;
    expect(diff.old.digest).toBe(OLD);
    const fixes = diff.advisories.computed ? diff.advisories.fixesGained.map((fix) => fix.id) : [];
    expect(fixes.sort()).toEqual(['ALSA-2023:5763', 'ALSA-2024:2447']);
  }, 240_000);
});
