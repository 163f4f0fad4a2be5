/**
 * The scripts `patchline host files` writes, run by dash and by bash against a real controller (the server with its
 * registry gateway in front of a real docker-registry). The host around them is a folder: the scripts' PATCHLINE_*
 * variables point /etc/patchline, /run/patchline, /usr/lib/patchline and /etc/ostree/auth.json into it, and a fake
 * `bootc` (test/fixtures/fake-bootc) reports its deployments and upgrades by asking the gateway with skopeo and the
 * auth.json the enroll script wrote, as bootc would. Greenboot's part is played by running the check runner, then
 * green.d or red.d by its verdict.
 */

import { cp, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, projectRoot } from './helpers/cli.js';
import { runCliAsync } from './helpers/cli-async.js';
import { type GatewayHarness, type RunResult, release, run, sha256, skopeo, startGateway } from './helpers/gateway.js';
import { makeLayoutImage } from './helpers/images.js';
import { freePort, hasBinary, startRegistry, type TestRegistry } from './helpers/registry.js';
import { tempDir } from './helpers/tmp.js';
import { until } from './helpers/until.js';

const missing = ['docker-registry', 'skopeo', 'dash', 'bash', 'curl', 'base64'].filter((name) => !hasBinary(name));
if (missing.length > 0) console.warn(`skipping the host script tests: ${missing.join(', ')} not installed`);

const FAKE_BOOTC = join(projectRoot, 'test/fixtures/fake-bootc');
const SCRIPTS = {
  enroll: 'usr/lib/patchline/enroll.sh',
  report: 'usr/lib/patchline/report.sh',
  checks: 'usr/lib/greenboot/check/required.d/50-patchline-checks.sh',
  green: 'usr/lib/greenboot/green.d/50-patchline-healthy.sh',
  red: 'usr/lib/greenboot/red.d/50-patchline-unhealthy.sh',
} as const;

/** Fails when the image the test marked sick is booted, as a real application check would on a broken image. */
const APP_CHECK = `#!/bin/sh
booted=$(cat "$FAKE_BOOTC_STATE/booted")
if [ -f "$FAKE_BOOTC_STATE/sick" ] && [ "$(cat "$FAKE_BOOTC_STATE/sick")" = "$booted" ]; then
  echo "the application does not answer on $booted" >&2
  exit 1
fi
`;

let registry: TestRegistry | undefined;
let gateway: GatewayHarness | undefined;
let images: { v1: string; v2: string } = { v1: '', v2: '' };

beforeAll(async () => {
  ensureBuilt();
  if (missing.length > 0) return;
  registry = await startRegistry({ kind: 'none' });
  const dir = await tempDir('patchline-host-scripts-');
  const pushed: string[] = [];
  for (const version of ['v1', 'v2']) {
    const layout = await makeLayoutImage(dir, version, [
      [{ name: 'usr/lib/os-release', content: `VERSION_ID=${version}\n` }],
    ]);
    const target = `docker://${registry.host}/site/os:${version}`;
    await skopeo('copy', '--quiet', '--dest-tls-verify=false', layout.ref, target);
    pushed.push(sha256(await skopeo('inspect', '--raw', '--tls-verify=false', target)));
  }
  images = { v1: pushed[0] ?? '', v2: pushed[1] ?? '' };
  gateway = await startGateway({}, { tickMs: 500 });
}, 300_000);

afterAll(async () => {
  await gateway?.close();
  await registry?.stop();
});

function harness(): GatewayHarness {
  if (gateway === undefined) throw new Error('the gateway did not start');
  return gateway;
}

/** One host: a folder standing in for its file system, and the shell that runs its scripts. */
class ScriptHost {
  constructor(
    readonly shell: string,
    readonly root: string,
    readonly files: string,
  ) {}

  get etc(): string {
    return join(this.root, 'etc/patchline');
  }

  get state(): string {
    return join(this.root, 'bootc');
  }

  env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    return {
      ...process.env,
      PATH: `${FAKE_BOOTC}:${process.env.PATH ?? ''}`,
      PATCHLINE_ETC: this.etc,
      PATCHLINE_RUN: join(this.root, 'run/patchline'),
      PATCHLINE_LIB: join(this.root, 'usr/lib/patchline'),
      PATCHLINE_OSTREE_AUTH: join(this.root, 'etc/ostree/auth.json'),
      PATCHLINE_RETRY_DELAY: '0',
      FAKE_BOOTC_STATE: this.state,
      ...extra,
    };
  }

  /** A generated script, run by this host's shell (greenboot and systemd would run it by its #!/bin/sh). */
  script(name: keyof typeof SCRIPTS, extra: NodeJS.ProcessEnv = {}): Promise<RunResult> {
    return run(this.shell, [join(this.root, SCRIPTS[name])], 60_000, this.env(extra));
  }

  bootc(...args: string[]): Promise<RunResult> {
    return run(join(FAKE_BOOTC, 'bootc'), args, 60_000, this.env());
  }

  async booted(): Promise<string> {
    return (await readFile(join(this.state, 'booted'), 'utf8')).trim();
  }

  /** Greenboot's turn after a boot: the required checks, then green.d or red.d by their verdict. */
  async greenboot(): Promise<{ checks: RunResult; hook: RunResult }> {
    const checks = await this.script('checks');
    const hook = await this.script(checks.status === 0 ? 'green' : 'red');
    return { checks, hook };
  }
}

/**
 * Generates the files with the built CLI for fleet `fleet`, lays them out in a fresh host folder (image part and the
 * host's own part, as the Containerfile and a provisioning step would), booted on `booted`.
 */
async function makeHost(
  shell: string,
  options: { fleet: string; name: string; token: string; controller?: string; booted: string },
): Promise<ScriptHost> {
  const dir = await tempDir(`patchline-host-${shell}-`);
  await writeFile(join(dir, 'app-responds'), APP_CHECK, { mode: 0o755 });
  await writeFile(join(dir, 'token'), `${options.token}\n`);
  const files = join(dir, 'files');
  const generated = await runCliAsync([
    'host',
    'files',
    '--controller',
    options.controller ?? harness().url,
    '--fleet',
    options.fleet,
    '--out',
    files,
    '--check',
    join(dir, 'app-responds'),
    '--label',
    `shell=${shell}`,
    '--host',
    options.name,
    '--enrollment-token-file',
    join(dir, 'token'),
  ]);
  expect(generated.status, generated.stderr).toBe(0);
  const root = join(dir, 'root');
  await cp(join(files, 'rootfs'), root, { recursive: true });
  await cp(join(files, 'host'), root, { recursive: true });
  const host = new ScriptHost(shell, root, files);
  await mkdir(host.state, { recursive: true });
  await writeFile(join(host.state, 'booted'), `${options.booted}\n`);
  await writeFile(join(host.state, 'image'), `${harness().address}/fleets/${options.fleet}/os:latest\n`);
  return host;
}

/** A host in no fleet, enrolled by its own enroll script: for tests of its checks and hooks alone. */
async function enrolledHost(shell: string, name: string): Promise<ScriptHost> {
  const token = await enrollmentToken({ fleet: 'none', shell });
  const host = await makeHost(shell, { fleet: `site-${shell}`, name, token, booted: images.v1 });
  const enrolled = await host.script('enroll');
  expect(enrolled.status, enrolled.stderr).toBe(0);
  return host;
}

interface HostView {
  metadata: { labels?: Record<string, string> };
  status?: { report?: { bootc: { status: { booted: { image: { imageDigest: string } } } }; health?: unknown } };
}

async function hostView(name: string): Promise<HostView> {
  const response = await harness().admin('GET', `hosts/${name}`);
  expect(response.status, response.body).toBe(200);
  return response.json() as HostView;
}

async function enrollmentToken(labels: Record<string, string>): Promise<string> {
  const response = await harness().admin('POST', 'enrollment-tokens', { labels });
  expect(response.status, response.body).toBe(201);
  return (response.json() as { token: string }).token;
}

async function rolloutPhase(name: string): Promise<string | undefined> {
  const view = (await harness().admin('GET', `rollouts/${name}`)).json() as { status?: { phase: string } };
  return view.status?.phase;
}

async function startRollout(name: string, version: string, batches: unknown[]): Promise<void> {
  const created = await harness().admin('POST', 'rollouts', {
    apiVersion: 'patchline.dev/v1',
    kind: 'Rollout',
    metadata: { name },
    spec: { release: version, batches, updateTimeout: '60s' },
  });
  expect(created.status, created.body).toBe(201);
}

describe.skipIf(missing.length > 0)('the generated host scripts against a real controller', () => {
  for (const shell of ['dash', 'bash']) {
    it(`${shell}: enroll, report, pull through the gateway as the host, halt on a sick canary and come back`, async () => {
      const fleet = `site-${shell}`;
      const name = `${shell}-host`;
      const created = await harness().admin('POST', 'fleets', {
        apiVersion: 'patchline.dev/v1',
        kind: 'Fleet',
        metadata: { name: fleet },
        spec: { selector: { matchLabels: { fleet } }, image: `${registry?.host}/site/os` },
      });
      expect(created.status, created.body).toBe(201);
      for (const [version, digest] of Object.entries(images)) {
        const made = await harness().admin(
          'POST',
          'releases',
          release(`${fleet}-${version}`, fleet, `${registry?.host}/site/os@${digest}`),
        );
        expect(made.status, made.body).toBe(201);
      }
      const host = await makeHost(shell, {
        fleet,
        name,
        token: await enrollmentToken({ fleet, shell }),
        booted: images.v1,
      });

      // First boot: patchline-enroll.service.
      const enrolled = await host.script('enroll');
      expect(enrolled.status, enrolled.stderr).toBe(0);
      expect(enrolled.stderr).toContain(`enrolled as ${name}`);
      expect((await stat(join(host.etc, 'credential'))).mode & 0o777).toBe(0o600);
      expect((await stat(join(host.root, 'etc/ostree/auth.json'))).mode & 0o777).toBe(0o600);
      expect(await readdir(host.etc)).not.toContain('enrollment-token');
      const view = await hostView(name);
      // The token's labels; the files ask for shell too, which a host may only repeat, never add.
      expect(view.metadata.labels).toEqual({ fleet, shell });
      expect(view.status?.report?.bootc.status.booted.image.imageDigest).toBe(images.v1);
      // A second run (the unit's condition aside) changes nothing.
      expect((await host.script('enroll')).stderr).toContain('already enrolled');

      // greenboot's verdict on this first boot.
      const healthy = await host.greenboot();
      expect([healthy.checks.status, healthy.hook.status], healthy.checks.stderr + healthy.hook.stderr).toEqual([0, 0]);
      expect((await hostView(name)).status?.report?.health).toEqual({ state: 'healthy' });

      // Release 1 is what the host runs; the gateway, asked with the auth.json enroll wrote, says so.
      await startRollout(`${fleet}-r1`, `${fleet}-v1`, []);
      await until('release 1 to succeed', async () =>
        (await rolloutPhase(`${fleet}-r1`)) === 'succeeded' ? true : undefined,
      );
      const noChange = await host.bootc('upgrade', '--apply', '--quiet');
      expect(noChange.status, noChange.stderr).toBe(0);
      expect(noChange.stdout.toString()).toContain('No changes');

      // Release 2 is sick on this host: its check fails after the reboot, red.d reports which one.
      await writeFile(join(host.state, 'sick'), `${images.v2}\n`);
      await startRollout(`${fleet}-r2`, `${fleet}-v2`, [{ name: 'canary', limit: 1 }]);
      await until('the gateway to reveal release 2 to the canary', async () => {
        const upgraded = await host.bootc('upgrade', '--apply', '--quiet');
        expect(upgraded.status, upgraded.stderr).toBe(0);
        return (await host.booted()) === images.v2 ? true : undefined;
      });
      const sick = await host.greenboot();
      expect(sick.checks.status).toBe(1);
      expect(sick.checks.stderr).toContain('check app-responds failed (exit 1)');
      expect(sick.hook.status, sick.hook.stderr).toBe(0);
      expect(sick.hook.stderr).toContain('reported bootc status with');
      expect((await hostView(name)).status?.report?.health).toEqual({
        state: 'unhealthy',
        failedChecks: ['app-responds'],
      });
      // The canary batch missed its threshold: the rollout halts and sends the host back to release 1.
      await until('release 2 to halt and roll back', async () =>
        (await rolloutPhase(`${fleet}-r2`)) === 'rolling-back' ? true : undefined,
      );

      // The same manifest answers take it back to release 1; greenboot passes, and the rollback is complete.
      const back = await host.bootc('upgrade', '--apply', '--quiet');
      expect(back.status, back.stderr).toBe(0);
      expect(await host.booted()).toBe(images.v1);
      const again = await host.greenboot();
      expect([again.checks.status, again.hook.status]).toEqual([0, 0]);
      await until('release 2 to be rolled back', async () =>
        (await rolloutPhase(`${fleet}-r2`)) === 'rolled-back' ? true : undefined,
      );
      // The periodic report (patchline-status.timer) says the same.
      const periodic = await host.script('report');
      expect(periodic.status, periodic.stderr).toBe(0);
      const last = await hostView(name);
      expect(last.status?.report?.bootc.status.booted.image.imageDigest).toBe(images.v1);
      expect(last.status?.report?.health).toEqual({ state: 'healthy' });
    }, 240_000);
  }

  it('reports the exact name of a failing check whatever characters it has', async () => {
    const host = await enrolledHost('dash', 'odd-names');
    const odd = `it's "odd" \\ name`;
    await writeFile(join(host.etc, 'checks.d', odd), '#!/bin/sh\nexit 3\n', { mode: 0o755 });
    // Not executable: not a check.
    await writeFile(join(host.etc, 'checks.d', 'README'), 'notes\n', { mode: 0o644 });
    const result = await host.greenboot();
    expect(result.checks.status).toBe(1);
    expect(result.hook.status, result.hook.stderr).toBe(0);
    expect((await hostView('odd-names')).status?.report?.health).toEqual({ state: 'unhealthy', failedChecks: [odd] });
  }, 60_000);

  it('reports a failed check that is not ours as greenboot, and a check that hangs as timed out', async () => {
    const host = await enrolledHost('bash', 'hangs');
    await writeFile(join(host.etc, 'checks.d', 'hangs'), '#!/bin/sh\nsleep 30\n', { mode: 0o755 });
    const checks = await host.script('checks', { PATCHLINE_CHECK_TIMEOUT: '1' });
    expect(checks.status).toBe(1);
    expect(checks.stderr).toContain('check hangs timed out after 1s');
    // Another package's required check failed: ours all passed, so the runner's list is empty.
    await writeFile(join(host.root, 'run/patchline/failed-checks'), '');
    const red = await host.script('red');
    expect(red.status, red.stderr).toBe(0);
    expect((await hostView('hangs')).status?.report?.health).toEqual({
      state: 'unhealthy',
      failedChecks: ['greenboot'],
    });
  }, 60_000);

  it('never lets an unreachable or refusing controller fail a boot, and says why', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const host = await makeHost('dash', {
      fleet: 'site-dash',
      name: 'lonely',
      token: 'et_not_a_real_token_0000',
      controller: closed,
      booted: images.v1,
    });
    const offline = await host.script('enroll', { PATCHLINE_ATTEMPTS: '2' });
    expect(offline.status).toBe(1);
    expect(offline.stderr).toMatch(/could not reach http:\/\/127\.0\.0\.1:\d+ to enroll \(HTTP 000, attempt 2 of 2\)/);
    // Nothing was half-written: no credential, no auth.json, the token kept for the next try.
    expect(await readdir(host.etc)).toEqual(expect.arrayContaining(['enrollment-token']));
    expect(await readdir(host.etc)).not.toContain('credential');
    const green = await host.script('green');
    expect(green.status).toBe(0);
    expect(green.stderr).toContain('not enrolled yet');

    // A controller that answers but refuses the token: exit 2, which the unit does not retry.
    const refused = await makeHost('bash', {
      fleet: 'site-bash',
      name: 'refused',
      token: 'et_not_a_real_token_0000',
      booted: images.v1,
    });
    const no = await refused.script('enroll');
    expect(no.status).toBe(2);
    expect(no.stderr).toMatch(/the controller refused enrollment as refused \(HTTP 4\d\d\)/);

    // A credential the controller does not know: one attempt (401 is not retried), a clear message, green exits 0.
    await writeFile(join(refused.etc, 'credential'), 'hc_forgotten_credential_0000\n');
    const report = await refused.script('report', { PATCHLINE_ATTEMPTS: '3' });
    expect(report.status).toBe(1);
    expect(report.stderr).toMatch(/could not report to .* \(HTTP 401, attempt 1 of 3\)/);
    expect((await refused.script('green')).status).toBe(0);

    // A credential file that could rewrite curl's config is never used.
    await writeFile(join(refused.etc, 'credential'), 'x"\nurl = "http://elsewhere.invalid/\n');
    const hostile = await refused.script('report');
    expect(hostile.status).toBe(1);
    expect(hostile.stderr).toContain('does not hold a host credential');
  }, 120_000);
});
