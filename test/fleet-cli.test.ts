/**
 * The controller commands of the built CLI against a real `patchline serve` (SQLite): output formats, apply from
 * files and stdin, rollout actions, and every way a call can fail (exit 2, a message naming the URL and what the
 * server said).
 */

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ensureBuilt } from './helpers/cli.js';
import { runCliAsync } from './helpers/cli-async.js';
import { type ControllerProcess, freePort, startController } from './helpers/controller-process.js';
import { HttpBootcHost } from './helpers/http-bootc-host.js';
import { tempDir } from './helpers/tmp.js';

const REPO = 'localhost/cli/os';
// A passed verdict without evidence needs a recorded reason (issue 14): these tests gate nothing.
const FORCED_PASS = ['--gate', 'passed', '--force', 'no gate in this test'];
const digest = (n: number) => `sha256:${n.toString(16).padStart(2, '0').repeat(32)}`;

let controller: ControllerProcess;
let dir: string;

beforeAll(async () => {
  ensureBuilt();
  dir = await tempDir();
  controller = await startController({
    database: join(dir, 'controller.db'),
    extraArgs: ['--tick', '1s', '--log-level', 'warn'],
  });
});

afterAll(async () => {
  await controller?.kill('SIGKILL');
});

function env(overrides: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { PATCHLINE_SERVER: controller.url, PATCHLINE_ADMIN_TOKEN: controller.adminToken, ...overrides };
}

async function ok(args: string[], stdin?: string): Promise<string> {
  const result = await runCliAsync(args, env(), stdin);
  expect(result.stderr, args.join(' ')).toBe('');
  expect(result.status, args.join(' ')).toBe(0);
  return result.stdout;
}

async function fails(args: string[], environment = env()): Promise<string> {
  const result = await runCliAsync(args, environment);
  expect(result.status, `${args.join(' ')}: ${result.stdout}`).toBe(2);
  expect(result.stdout).toBe('');
  return result.stderr;
}

// Every call starts the CLI (a second or more each on a loaded machine), hence the long timeouts.
describe('patchline fleet, release, rollout, host against patchline serve', () => {
  it('creates, lists, gets and deletes, as a table, JSON or YAML', async () => {
    expect(await ok(['fleet', 'list'])).toBe('No resources found.\n');
    expect(
      await ok(['fleet', 'create', 'web', '--selector', 'role=web', '--image', REPO, '--on-failure', 'halt']),
    ).toBe('fleet/web created\n');
    const table = await ok(['fleet', 'list']);
    expect(table.split('\n')[0]).toMatch(/^NAME\s+SELECTOR\s+IMAGE\s+CURRENT RELEASE\s+AGE$/);
    expect(table.split('\n')[1]).toMatch(new RegExp(`^web\\s+role=web\\s+${REPO}\\s+-\\s+\\d+s$`));
    const json = JSON.parse(await ok(['fleet', 'get', 'web', '-o', 'json']));
    expect(json).toMatchObject({
      apiVersion: 'patchline.dev/v1',
      kind: 'Fleet',
      metadata: { name: 'web' },
      spec: { selector: { matchLabels: { role: 'web' } }, image: REPO, rolloutPolicy: { onFailure: 'halt' } },
    });
    expect(parseYaml(await ok(['fleet', 'get', 'web', '-o', 'yaml']))).toEqual(json);
    const list = JSON.parse(await ok(['fleet', 'list', '-o', 'json']));
    expect([list.kind, list.items.length]).toEqual(['FleetList', 1]);

    // A passed verdict typed by hand, without the gate's evidence, is refused unless forced with a recorded reason.
    const r1 = ['release', 'create', 'r1', '--fleet', 'web', '--image', `${REPO}@${digest(1)}`, '--gate', 'passed'];
    expect(await fails(r1)).toMatch(/--gate passed: a passed verdict without the gate's evidence cannot be checked/);
    await ok([...r1, '--force', 'gated by hand in this test', '--by', 'test']);
    // The same rule for a file: checked before anything is created.
    const releaseFile = join(dir, 'releases.yaml');
    const release = (name: string, n: number, extra = '') =>
      `apiVersion: patchline.dev/v1\nkind: Release\nmetadata: {name: ${name}}\nspec:\n  fleet: web\n  image: ${REPO}@${digest(n)}\n  gate: {passed: true}\n${extra}`;
    await writeFile(releaseFile, `${release('f1', 5, '  force: {reason: gated by hand}\n')}---\n${release('f2', 6)}`);
    expect(await fails(['release', 'create', '-f', releaseFile])).toContain(
      `${releaseFile} (release f2): has gate.passed without gate.evidence`,
    );
    expect(await ok(['release', 'list'])).not.toMatch(/^f1\s/m);
    expect(JSON.parse(await ok(['release', 'get', 'r1', '-o', 'json'])).spec.force).toEqual({
      reason: 'gated by hand in this test',
      by: 'test',
    });
    await ok(['release', 'create', 'r2', '--fleet', 'web', '--image', `${REPO}@${digest(2)}`, '--gate', 'failed']);
    const releases = await ok(['release', 'list']);
    expect(releases).toMatch(/r1\s+web\s+010101010101\s+passed \(forced\)/);
    expect(releases).toMatch(/r2\s+web\s+020202020202\s+failed\s+\d+s\n/);
    expect(await ok(['release', 'delete', 'r2'])).toBe('release/r2 deleted\n');
    expect(await ok(['release', 'list', '-o', 'json'])).not.toContain('"r2"');
  }, 240_000);

  it('applies YAML from a file or stdin, all documents checked before any is sent', async () => {
    const fleets = (names: string[], image = REPO) =>
      names
        .map(
          (name) =>
            `apiVersion: patchline.dev/v1\nkind: Fleet\nmetadata: {name: ${name}}\nspec:\n  selector: {matchLabels: {role: ${name}}}\n  image: ${image}\n`,
        )
        .join('---\n');
    const file = join(dir, 'fleets.yaml');
    await writeFile(file, fleets(['db', 'cache']));
    expect(await ok(['fleet', 'apply', '-f', file])).toBe('fleet/db created\nfleet/cache created\n');
    expect(await ok(['fleet', 'apply', '-f', file])).toBe('fleet/db configured\nfleet/cache configured\n');

    // The second document is bad: neither is applied.
    await writeFile(file, `${fleets(['queue'])}---\n${fleets(['mail'], 'not a repository')}`);
    const error = await fails(['fleet', 'apply', '-f', file]);
    expect(error).toContain(`${file} (Fleet 2): spec.image: expected an image repository`);
    expect(await ok(['fleet', 'list', '-o', 'json'])).not.toContain('"queue"');

    // get -o yaml | apply -f - round-trips, carrying resourceVersion, so a stale copy cannot win.
    const current = await ok(['fleet', 'get', 'db', '-o', 'yaml']);
    const changed = current.replace('role: db', 'role: database');
    expect(await ok(['fleet', 'apply', '-f', '-'], changed)).toBe('fleet/db configured\n');
    const stale = await runCliAsync(['fleet', 'apply', '-f', '-'], env(), current);
    expect(stale.status).toBe(2);
    expect(stale.stderr).toContain(`PUT ${controller.url}/apis/patchline.dev/v1/fleets/db:`);
    expect(JSON.parse(await ok(['fleet', 'get', 'db', '-o', 'json'])).spec.selector).toEqual({
      matchLabels: { role: 'database' },
    });
  }, 240_000);

  it('starts a rollout and pauses, resumes, approves and aborts it, with every step in its events', async () => {
    await ok(['fleet', 'create', 'app', '--selector', 'role=app', '--image', REPO]);
    await ok(['release', 'create', 'app-1', '--fleet', 'app', '--image', `${REPO}@${digest(1)}`, ...FORCED_PASS]);
    await ok(['release', 'create', 'app-2', '--fleet', 'app', '--image', `${REPO}@${digest(2)}`, ...FORCED_PASS]);
    // Three hosts that report once and then sit still: the rollout selects them but nobody moves.
    const hosts = await Promise.all(
      ['app-1', 'app-2', 'app-3'].map(async (name) => {
        const { token } = JSON.parse(await ok(['host', 'enroll-token', '--label', 'role=app', '-o', 'json']));
        const host = new HttpBootcHost(controller.url, { name, labels: {}, booted: digest(1), repository: REPO });
        await host.enroll(token);
        await host.report();
        return host;
      }),
    );
    const hostTable = await ok(['host', 'list']);
    // The booted image by the name of the fleet's release with that digest.
    expect(hostTable).toMatch(/app-1\s+app\s+role=app\s+app-1 \(010101010101\)\s+-\s+healthy\s+online\s+\d+s ago/);
    // -l is the controller's to answer (a Kubernetes selector, set-based too).
    expect(JSON.parse(await ok(['host', 'list', '-l', 'role in (app,db),!canary', '-o', 'json'])).items).toHaveLength(
      3,
    );
    expect(await ok(['host', 'list', '-l', 'role!=app'])).not.toMatch(/^app-/m);
    expect(await ok(['rollout', 'start', 'app-1'])).toBe('rollout/app-1 created\n');

    const started = await ok([
      'rollout',
      'start',
      'app-2',
      '--batch',
      'canary:1',
      '--approval',
      'manual',
      '-o',
      'json',
    ]);
    expect(JSON.parse(started)).toMatchObject({
      metadata: { name: 'app-2' },
      spec: { release: 'app-2', previousRelease: 'app-1', approval: 'manual', batches: [{ name: 'canary', limit: 1 }] },
      status: { phase: 'progressing', batch: 0 },
    });
    expect(await ok(['rollout', 'pause', 'app-2', '--by', 'alice'])).toBe('rollout/app-2 paused\n');
    expect(await ok(['rollout', 'get', 'app-2'])).toMatch(/app-2\s+app-2\s+paused\s+0\s+0\/3/);
    expect(await ok(['rollout', 'resume', 'app-2'])).toBe('rollout/app-2 resumed\n');
    expect(await ok(['rollout', 'approve', 'app-2', '--by', 'alice'])).toBe('rollout/app-2 approved\n');
    const approved = JSON.parse(await ok(['rollout', 'get', 'app-2', '-o', 'json']));
    expect(approved.spec.approvals).toEqual([{ batch: 1, by: 'alice', at: expect.any(String) }]);
    expect((await fails(['rollout', 'abort', 'app-2'])).trim()).toMatch(/--reason/);
    expect(await ok(['rollout', 'abort', 'app-2', '--reason', 'wrong image'])).toBe('rollout/app-2 aborted\n');
    const aborted = JSON.parse(await ok(['rollout', 'get', 'app-2', '-o', 'json']));
    expect([aborted.status.phase, aborted.spec.abort.reason]).toEqual(['aborted', 'wrong image']);
    // The list says why a rollout stopped (or what it waits for) without -o yaml.
    expect(await ok(['rollout', 'list'])).toMatch(/^app-2\s+app-2\s+aborted\s.*\s+aborted: wrong image$/m);
    // Final: nothing more can be done to it, and the server says why.
    const error = await fails(['rollout', 'pause', 'app-2']);
    expect(error).toContain(`POST ${controller.url}/apis/patchline.dev/v1/rollouts/app-2/pause:`);

    const table = await ok(['rollout', 'events', 'app-2']);
    expect(table.split('\n')[0]).toMatch(/^ID\s+AT\s+TYPE\s+SUBJECT\s+CHANGE\s+WHY$/);
    expect(table).toMatch(/host-state-changed\s+app-1\s+pending -> selected\s+selected/);
    const events = (await ok(['rollout', 'events', 'app-2', '-o', 'json']))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    const phases = events.filter((event) => event.type === 'phase-changed').map((event) => event.to);
    expect(phases).toEqual(['progressing', 'paused', 'progressing', 'aborted']);
    const last = events.at(-2).id;
    const after = (await ok(['rollout', 'events', 'app-2', '--after', String(last), '-o', 'json'])).trim().split('\n');
    expect(after.map((line) => JSON.parse(line).id)).toEqual([events.at(-1).id]);
    // --follow on a finished rollout prints what there is and returns; it ended aborted, so with exit 1.
    const followed = await runCliAsync(
      ['rollout', 'events', 'app-2', '--follow', '--interval', '0.2', '-o', 'json'],
      env(),
    );
    expect([followed.status, followed.stderr]).toEqual([
      1,
      'patchline: rollout app-2 is aborted: aborted: wrong image\n',
    ]);
    expect(
      followed.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line)),
    ).toEqual(events);
    expect(hosts.map((host) => host.failures)).toEqual([[], [], []]);
  }, 240_000);

  it('exits 1 for a rollout that is blocked or did not succeed, and `rollout wait` says how one ended', async () => {
    await ok(['fleet', 'create', 'ci', '--selector', 'role=ci', '--image', REPO]);
    await ok(['release', 'create', 'ci-1', '--fleet', 'ci', '--image', `${REPO}@${digest(1)}`, ...FORCED_PASS]);
    await ok(['release', 'create', 'ci-2', '--fleet', 'ci', '--image', `${REPO}@${digest(2)}`, '--gate', 'failed']);
    const { token } = JSON.parse(await ok(['host', 'enroll-token', '--label', 'role=ci', '-o', 'json']));
    const host = new HttpBootcHost(controller.url, {
      name: 'ci-host',
      labels: {},
      booted: digest(1),
      repository: REPO,
    });
    await host.enroll(token);
    await host.report();
    // ci-1 is what the host runs already: it succeeds at once.
    await ok(['rollout', 'start', 'ci-1']);
    expect(await ok(['rollout', 'wait', 'ci-1', '--timeout', '1m'])).toMatch(/^NAME.*\nci-1\s+ci-1\s+succeeded/);

    // ci-2's gate failed: the rollout is blocked from the start, and start says so with exit 1.
    const started = await runCliAsync(['rollout', 'start', 'ci-2'], env());
    expect([started.status, started.stdout]).toEqual([1, 'rollout/ci-2 created\n']);
    expect(started.stderr).toMatch(/^patchline: rollout ci-2 is blocked: .*gate/);
    const blocked = await runCliAsync(['rollout', 'wait', 'ci-2'], env());
    expect([blocked.status, blocked.stderr]).toEqual([1, started.stderr]);

    // Under way (paused by hand, nobody moves) past --timeout: exit 2.
    await ok(['release', 'create', 'ci-3', '--fleet', 'ci', '--image', `${REPO}@${digest(3)}`, ...FORCED_PASS]);
    await ok(['rollout', 'start', 'ci-3']);
    await ok(['rollout', 'pause', 'ci-3']);
    const waited = await runCliAsync(['rollout', 'wait', 'ci-3', '--timeout', '1s', '--interval', '0.2'], env());
    expect([waited.status, waited.stderr]).toEqual([
      2,
      'patchline: error: rollout ci-3: still paused after --timeout 1s\n',
    ]);
    const usage = await runCliAsync(['rollout', 'wait', 'ci-3', '--timeout', 'soon'], env());
    expect([usage.status, usage.stderr]).toEqual([
      2,
      'patchline: error: --timeout soon: expected a duration such as 30m, 4h or 1h30m\n',
    ]);
    expect((await runCliAsync(['rollout', 'wait', 'nope'], env())).status).toBe(2);
  }, 240_000);

  it('makes enrollment tokens with labels and a lifetime', async () => {
    // The token was made between these two moments, however long the CLI took: it expires 2h after one of them.
    const before = Date.now();
    const made = JSON.parse(await ok(['host', 'enroll-token', '--label', 'zone=a', '--ttl', '2h', '-o', 'json']));
    const after = Date.now();
    expect(made.token).toMatch(/\S{20,}/);
    const expiresAt = Date.parse(made.expiresAt);
    // expiresAt is written to the millisecond or the second: allow the second it was rounded within.
    expect(expiresAt).toBeGreaterThanOrEqual(before + 2 * 3600_000 - 1000);
    expect(expiresAt).toBeLessThanOrEqual(after + 2 * 3600_000);
    expect(await fails(['host', 'enroll-token', '--ttl', 'soon'])).toContain('--ttl soon: expected a duration');
    const table = await ok(['host', 'enroll-token']);
    expect(table).toMatch(/^TOKEN\s+EXPIRES\n\S+\s+\d{4}-\d\d-\d\dT/);
  }, 240_000);

  it('fails with exit 2 and a message naming the URL and what the server said', async () => {
    const fleets = `${controller.url}/apis/patchline.dev/v1/fleets`;
    expect(await fails(['fleet', 'get', 'nope'])).toBe(`patchline: error: GET ${fleets}/nope: fleet nope not found\n`);
    expect(await fails(['fleet', 'create', 'web', '--selector', 'role=web', '--image', REPO])).toBe(
      `patchline: error: POST ${fleets}: fleet web already exists\n`,
    );
    expect(await fails(['fleet', 'list'], env({ PATCHLINE_ADMIN_TOKEN: 'wrong' }))).toBe(
      `patchline: error: GET ${fleets}: the admin token is not valid\n`,
    );
    expect(await fails(['fleet', 'list', '-l', 'role in (a'])).toBe(
      `patchline: error: GET ${fleets}?labelSelector=role+in+%28a: labelSelector: role in (a: expected key=value, key!=value, key in (a,b), key notin (a,b), key or !key\n`,
    );
    expect(await fails(['fleet', 'list'], env({ PATCHLINE_SERVER: '' }))).toContain('no controller given');
    expect(await fails(['fleet', 'list'], env({ PATCHLINE_ADMIN_TOKEN: '' }))).toContain('no admin token');
    expect(await fails(['fleet', 'list', '--server', 'ftp://x'])).toContain('expected an http:// or https:// URL');
    const closed = `http://127.0.0.1:${await freePort()}`;
    // Retried twice (a controller restarting comes back within a second), each retry logged as a JSON line on stderr.
    const refused = (await fails(['fleet', 'list', '--server', closed])).split('\n');
    expect(refused.slice(0, 2).map((line) => JSON.parse(line) as Record<string, unknown>)).toEqual([
      expect.objectContaining({ level: 40, method: 'GET', attempt: 1, code: 'ECONNREFUSED' }),
      expect.objectContaining({ level: 40, method: 'GET', attempt: 2, code: 'ECONNREFUSED' }),
    ]);
    expect(refused.slice(2)).toEqual([
      `patchline: error: GET ${closed}/apis/patchline.dev/v1/fleets: cannot reach the controller (ECONNREFUSED)`,
      '',
    ]);
    expect(await fails(['fleet', 'list', '--server', closed, '--log-level', 'error'])).toBe(
      `patchline: error: GET ${closed}/apis/patchline.dev/v1/fleets: cannot reach the controller (ECONNREFUSED)\n`,
    );
    expect(await fails(['fleet', 'create', 'x', '--image', REPO, '--batch', ':3'])).toContain('--batch :3: expected');
    expect(await fails(['release', 'create', 'x', '--fleet', 'web', '--image', `${REPO}:latest`])).toContain(
      'spec.image: expected repository@sha256',
    );
    // A release is for a fleet that exists, in that fleet's repository (the server checks; the CLI says so, exit 2).
    const release = ['release', 'create', 'x', '--gate', 'failed', '--image'];
    expect(await fails([...release, `${REPO}@${digest(1)}`, '--fleet', 'nope'])).toBe(
      `patchline: error: POST ${controller.url}/apis/patchline.dev/v1/releases: spec.fleet: fleet nope not found\n`,
    );
    expect(await fails([...release, `quay.io/example/other@${digest(1)}`, '--fleet', 'web'])).toContain(
      "spec.image: quay.io/example/other is not fleet web's repository",
    );

    // --token-file instead of the environment.
    const tokenFile = join(dir, 'token');
    await writeFile(tokenFile, `${controller.adminToken}\n`);
    const viaFile = await runCliAsync(['fleet', 'list', '--token-file', tokenFile], env({ PATCHLINE_ADMIN_TOKEN: '' }));
    expect([viaFile.status, viaFile.stderr]).toEqual([0, '']);
    expect(await fails(['fleet', 'list', '--token-file', join(dir, 'missing')])).toContain('cannot be read (ENOENT)');
  }, 240_000);
});
