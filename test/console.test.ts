/**
 * The web console in a real browser: Debian's chromium driven by playwright-core against the built `patchline serve`
 * (a child process on a temporary SQLite database), with simulated bootc hosts talking to it over HTTP. Everything
 * waits for a condition on the page or in the API, never for a fixed time.
 */

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Locator, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createServer } from '../src/server/index.js';
import { Store } from '../src/store/index.js';
import { ensureBuilt, projectRoot, runCli } from './helpers/cli.js';
import { type ControllerProcess, startController } from './helpers/controller-process.js';
import { fleetDoc, REPO, releaseDoc, rolloutDoc } from './helpers/fleet-docs.js';
import { HttpBootcHost, runHosts } from './helpers/http-bootc-host.js';
import { FIXTURE_REPOSITORY, releaseFixture } from './helpers/release-attachments.js';
import { tempDir } from './helpers/tmp.js';

const API = 'apis/patchline.dev/v1';
const digest = (n: number) => `sha256:${n.toString(16).padStart(2, '0').repeat(32)}`;
const V1 = digest(1);
const V2 = digest(2);
const VIEWER_TOKEN = 'viewer-token-for-the-console-test-0123456789';
const AXE = readFileSync(join(projectRoot, 'node_modules/axe-core/axe.min.js'), 'utf8');
// Hosts call twice a run; the server allows a host 120 calls a minute.
const HOST_TICK_MS = 1200;

let controller: ControllerProcess;
let browser: Browser;
/** Host loops of the test under way, stopped after it. */
const running: Array<{ stop: () => Promise<void> }> = [];

async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${controller.url}/${API}/${path}`, {
    method,
    headers: {
      authorization: `Bearer ${controller.adminToken}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return JSON.parse(text) as T;
}

interface RolloutDoc {
  status?: { phase: string; batch: number };
}

async function phaseOf(name: string): Promise<string | undefined> {
  return (await api<RolloutDoc>('GET', `rollouts/${name}`)).status?.phase;
}

/** A fleet with its own hosts on v1 and v2 released; `sick` hosts fail their health checks on v2. */
async function fleetWithHosts(name: string, count: number, sick = false): Promise<HttpBootcHost[]> {
  await api('POST', 'fleets', fleetDoc(name));
  for (const [release, image] of [
    [`${name}-v1`, V1],
    [`${name}-v2`, V2],
  ] as const) {
    await api('POST', 'releases', {
      ...releaseDoc(release, name, image),
      spec: { ...releaseDoc(release, name, image).spec, force: { reason: 'the console test gates nothing' } },
    });
  }
  const made: HttpBootcHost[] = [];
  for (let index = 1; index <= count; index++) {
    const labels = { fleet: name, zone: index % 2 === 0 ? 'b' : 'a' };
    const { token } = await api<{ token: string }>('POST', 'enrollment-tokens', { labels });
    const host = new HttpBootcHost(controller.url, {
      name: `${name}-${String(index).padStart(2, '0')}`,
      labels,
      booted: V1,
      repository: REPO,
      // A sick host's download must take longer than one of its timer runs: with none, it would stage the release
      // again in the run that reports greenboot's rollback, and the controller would see it on its way back in.
      downloadMs: sick ? 3 * HOST_TICK_MS : 0,
      rebootMs: 300,
      greenboot: true,
      ...(sick ? { sickImages: new Set([V2]) } : {}),
    });
    await host.enroll(token);
    await host.tick();
    made.push(host);
  }
  return made;
}

async function signedIn(
  token: string,
  options: { bypassCSP?: boolean } = {},
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ bypassCSP: options.bypassCSP ?? false });
  const page = await context.newPage();
  await page.goto(`${controller.url}/ui/`);
  await page.getByLabel('Token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Fleets' }).waitFor();
  return { context, page };
}

/** axe-core on what the page shows now: no serious or critical violation. */
async function expectAccessible(page: Page, view: string): Promise<void> {
  await page.evaluate(AXE);
  const violations = await page.evaluate(async () => {
    const result = await (
      globalThis as unknown as {
        axe: { run: () => Promise<{ violations: Array<{ id: string; impact: string; nodes: unknown[] }> }> };
      }
    ).axe.run();
    return result.violations.map((violation) => ({
      id: violation.id,
      impact: violation.impact,
      nodes: violation.nodes.length,
    }));
  });
  expect(
    violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical'),
    `${view}: ${JSON.stringify(violations)}`,
  ).toEqual([]);
}

let liveHosts: HttpBootcHost[] = [];
let sickHosts: HttpBootcHost[] = [];
let waitHosts: HttpBootcHost[] = [];

beforeAll(async () => {
  ensureBuilt();
  const dir = await tempDir();
  const viewerFile = join(dir, 'viewer-token');
  await writeFile(viewerFile, `${VIEWER_TOKEN}\n`);
  controller = await startController({
    database: join(dir, 'controller.db'),
    extraArgs: ['--tick', '1s', '--log-level', 'warn', '--viewer-token-file', viewerFile],
  });
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'], headless: true });
  liveHosts = await fleetWithHosts('live', 3);
  sickHosts = await fleetWithHosts('sick', 2, true);
  waitHosts = await fleetWithHosts('wait', 2);
}, 120_000);

afterEach(async () => {
  await Promise.all(running.splice(0).map((loop) => loop.stop()));
});

afterAll(async () => {
  await browser?.close();
  await controller?.kill('SIGKILL');
});

describe('the web console', () => {
  it('signs in with an HttpOnly, SameSite=Strict cookie and refuses a wrong token', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${controller.url}/ui/`);
    await expectAccessible(await bypassed(page), 'sign-in');
    await page.getByLabel('Token').fill('not-the-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await shows(page.getByRole('alert').first(), /neither the admin token nor the viewer token/);
    await page.getByLabel('Token').fill(controller.adminToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Fleets' }).waitFor();
    const [cookie] = await context.cookies();
    expect(cookie).toMatchObject({
      name: 'patchline_session',
      httpOnly: true,
      sameSite: 'Strict',
      secure: false,
      path: '/ui',
    });
    const headers = (await fetch(`${controller.url}/ui/`)).headers;
    expect(headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(headers.get('content-security-policy')).not.toContain('unsafe-inline');
    await context.close();
  });

  it('shows a live rollout advancing without a reload, then every view passes axe', async () => {
    const { context, page } = await signedIn(controller.adminToken);
    await api('POST', 'rollouts', rolloutDoc('live-roll', 'live-v2', { batches: [{ limit: 1 }, { limit: 1 }] }));
    await page.goto(`${controller.url}/ui/#/rollout/live-roll`);
    await page.locator('#batches').waitFor();
    // Nothing has moved yet: the hosts are not running.
    expect(await page.locator('#batches tr[data-batch="0"] .batch-healthy').textContent()).toBe('0');
    await page.evaluate(() => {
      (globalThis as unknown as { sameDocument: boolean }).sameDocument = true;
    });
    running.push(runHosts(liveHosts, HOST_TICK_MS));
    await page
      .locator('#batches tr[data-batch="0"] .batch-healthy')
      .filter({ hasText: /^1$/ })
      .waitFor({ timeout: 60_000 });
    await page.locator('#rollout-phase .badge').filter({ hasText: 'succeeded' }).waitFor({ timeout: 90_000 });
    expect(await page.locator('#batches tr[data-batch="2"] .batch-healthy').textContent()).toBe('1');
    await shows(page.locator('#events li'), 'phase progressing → succeeded');
    // The same document all along: the page moved by itself.
    expect(await page.evaluate(() => (globalThis as unknown as { sameDocument?: boolean }).sameDocument)).toBe(true);
    expect(await phaseOf('live-roll')).toBe('succeeded');

    const checked = await bypassed(page);
    await expectAccessible(checked, 'rollout');
    await checked.goto(`${controller.url}/ui/#/`);
    await checked.getByRole('heading', { name: 'Fleets' }).waitFor();
    await shows(checked.locator('section.card', { hasText: 'live' }).first(), 'live-v2');
    await expectAccessible(checked, 'fleets');
    await checked.goto(`${controller.url}/ui/#/fleet/live?show=online&sort=name&dir=desc`);
    await checked.locator('#hosts tbody tr').first().waitFor();
    // Sorted and filtered by the server: newest name first.
    expect(await checked.locator('#hosts tbody th').allTextContents()).toEqual(['live-03', 'live-02', 'live-01']);
    await shows(checked.locator('#hosts tbody tr').first(), 'live-v2');
    await expectAccessible(checked, 'fleet');
    await checked.goto(`${controller.url}/ui/#/release/live-v2`);
    await checked.locator('#gate-verdict').waitFor();
    await shows(checked.locator('main'), 'Previous release: live-v1');
    await expectAccessible(checked, 'release');
    await context.close();
  }, 240_000);

  it('shows a release’s verdict, its evidence document to read and download, and the fixes it shipped', async () => {
    const OLD = digest(0x31);
    const NEW = digest(0x32);
    const fixture = releaseFixture(OLD, NEW);
    const evidenceDigest = `sha256:${createHash('sha256').update(fixture.evidence).digest('hex')}`;
    await api('POST', 'fleets', {
      ...fleetDoc('shipped'),
      spec: { ...fleetDoc('shipped').spec, image: FIXTURE_REPOSITORY },
    });
    await api('POST', 'releases', {
      apiVersion: 'patchline.dev/v1',
      kind: 'Release',
      metadata: { name: 'shipped-1' },
      spec: { fleet: 'shipped', image: `${FIXTURE_REPOSITORY}@${OLD}`, gate: { passed: false } },
    });
    await api('POST', 'releases', {
      apiVersion: 'patchline.dev/v1',
      kind: 'Release',
      metadata: { name: 'shipped-2' },
      spec: {
        fleet: 'shipped',
        image: `${FIXTURE_REPOSITORY}@${NEW}`,
        gate: { passed: true, evidence: evidenceDigest },
      },
      attachments: { evidence: fixture.evidence, diff: fixture.diff },
    });
    const { context, page } = await signedIn(controller.adminToken);
    await page.goto(`${controller.url}/ui/#/release/shipped-2`);
    await shows(page.locator('#gate-verdict'), 'passed');
    // Oldest fix first: curl's waited since 2023-10-18, openssl's since 2024-04-30.
    const shipped = page.locator('table[aria-labelledby="fixes-shipped"] tbody tr');
    await shipped.first().waitFor();
    expect(await shipped.locator('td:first-child').allTextContents()).toEqual(['ALSA-2023:5763', 'ALSA-2024:2447']);
    await shows(shipped.first(), '7.76.1-23.el9_2.4');
    await shows(page.locator('table[aria-labelledby="new-findings"] tbody tr'), 'CVE-2026-1234');
    await shows(page.locator('table[aria-labelledby="package-changes"] tbody tr'), /added\s*jq/);
    await shows(page.locator('#evidence-title + p'), 'policy production');

    // The document opens with the keyboard, pretty-printed.
    await page.locator('#evidence-document summary').focus();
    await page.keyboard.press('Enter');
    await shows(page.locator('#evidence-document pre'), '"kind": "GateEvidence"');
    // The download is the very bytes the release's digest was taken of.
    const download = await page.request.get(
      `${controller.url}${await page.locator('#evidence-download').getAttribute('href')}`,
    );
    expect(download.headers()['content-disposition']).toBe('attachment; filename="shipped-2.evidence.json"');
    expect(
      `sha256:${createHash('sha256')
        .update(await download.body())
        .digest('hex')}`,
    ).toBe(evidenceDigest);

    const checked = await bypassed(page);
    await checked.locator('#evidence-document summary').click();
    await shows(checked.locator('#evidence-document pre'), '"kind": "GateEvidence"');
    await expectAccessible(checked, 'release with evidence and diff');
    await checked.emulateMedia({ colorScheme: 'dark' });
    await expectAccessible(checked, 'release with evidence and diff, dark');

    await page.goto(`${controller.url}/ui/#/release/shipped-1`);
    await shows(page.locator('#no-evidence'), 'No evidence document was sent with this release.');
    await shows(page.locator('#no-diff'), 'This is the fleet’s first release');
    await context.close();
  }, 120_000);

  it('shows why a sick canary halted the rollout', async () => {
    const { context, page } = await signedIn(controller.adminToken);
    await api('POST', 'rollouts', rolloutDoc('sick-roll', 'sick-v2', { batches: [{ limit: 1 }], onFailure: 'halt' }));
    running.push(runHosts(sickHosts, HOST_TICK_MS));
    await page.goto(`${controller.url}/ui/#/rollout/sick-roll`);
    await page.locator('#halt-message').waitFor({ timeout: 90_000 });
    await shows(page.locator('#halt-message'), 'batch 0 missed its success threshold of 90%');
    await shows(page.locator('#halt'), 'Failed');
    expect(await phaseOf('sick-roll')).toBe('halted');
    await context.close();
  }, 120_000);

  it('pauses a rollout from the page with a recorded reason; a viewer cannot act', async () => {
    const { context, page } = await signedIn(controller.adminToken);
    await api('POST', 'rollouts', rolloutDoc('wait-roll', 'wait-v2', { batches: [{ limit: 1 }], approval: 'manual' }));
    running.push(runHosts(waitHosts, HOST_TICK_MS));
    await page.goto(`${controller.url}/ui/#/rollout/wait-roll`);
    await page.locator('#waiting li', { hasText: 'waits for approval' }).waitFor({ timeout: 90_000 });

    // By keyboard alone: Enter on the button, the reason (focused when the dialog opens), Tab to Confirm, Enter.
    await page.getByRole('button', { name: 'Pause' }).focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await shows(dialog.getByRole('alert'), 'Give a reason');
    expect(await page.evaluate('document.activeElement.id')).toBe('action-reason');
    await page.keyboard.type('change freeze until Monday');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.locator('#rollout-phase .badge').filter({ hasText: 'paused' }).waitFor();
    expect(await phaseOf('wait-roll')).toBe('paused');
    const events = await api<{ items: Array<{ type: string; action?: string; by?: string; reason?: string }> }>(
      'GET',
      'rollouts/wait-roll/events',
    );
    expect(events.items.filter((event) => event.type === 'operator-action')).toEqual([
      expect.objectContaining({ action: 'pause', by: 'console (admin token)', reason: 'change freeze until Monday' }),
    ]);

    // The admin session's own CSRF token is needed, and so is the console's origin.
    const cookie = (await context.cookies())[0]!;
    const forged = await fetch(`${controller.url}/ui/api/rollouts/wait-roll/resume`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: `${cookie.name}=${cookie.value}`, origin: controller.url },
      body: JSON.stringify({ reason: 'no CSRF header' }),
    });
    expect(forged.status).toBe(403);
    const otherOrigin = await page.evaluate(async () => {
      const session = (await (await fetch('/ui/api/session')).json()) as { csrf: string };
      return session.csrf;
    });
    const crossSite = await fetch(`${controller.url}/ui/api/rollouts/wait-roll/resume`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        cookie: `${cookie.name}=${cookie.value}`,
        origin: 'http://evil.example',
        'x-patchline-csrf': otherOrigin,
      },
      body: JSON.stringify({ reason: 'from elsewhere' }),
    });
    expect(crossSite.status).toBe(403);
    expect(await phaseOf('wait-roll')).toBe('paused');
    await context.close();

    const viewer = await signedIn(VIEWER_TOKEN);
    await shows(viewer.page.locator('#who'), 'viewer');
    await viewer.page.goto(`${controller.url}/ui/#/rollout/wait-roll`);
    await viewer.page.locator('#batches').waitFor();
    await shows(viewer.page.locator('#waiting'), 'paused by hand');
    expect(await viewer.page.getByRole('button', { name: /Pause|Resume|Approve|Abort/ }).count()).toBe(0);
    // A forged request from the viewer's own page, with its session and CSRF token, is refused by the server.
    const refused = await viewer.page.evaluate(async () => {
      const session = (await (await fetch('/ui/api/session')).json()) as { csrf: string };
      const response = await fetch('/ui/api/rollouts/wait-roll/resume', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-patchline-csrf': session.csrf },
        body: JSON.stringify({ reason: 'a viewer tries' }),
      });
      return { status: response.status, body: (await response.json()) as { message: string } };
    });
    expect(refused.status).toBe(403);
    expect(refused.body.message).toContain('viewer');
    expect(await phaseOf('wait-roll')).toBe('paused');
    await viewer.context.close();
  }, 180_000);
  it('shows the exposure of each fleet: open fixes oldest first, closed windows by week with p50 and p95', async () => {
    await api('POST', 'fleets', fleetDoc('exposed'));
    const now = Date.now();
    const daysAgo = (days: number) => new Date(now - days * 86_400_000).toISOString();
    const open = (advisory: string, published: string, state = 'open') => ({
      fleet: 'exposed',
      advisory,
      package: `pkg-${advisory}`,
      cves: [`CVE-2026-${advisory.slice(-4)}`],
      state,
      stages: { published },
      releases: [],
    });
    const closed = (advisory: string, completed: string, hours: number) => ({
      fleet: 'exposed',
      advisory,
      package: 'openssl',
      state: 'closed',
      stages: { published: new Date(Date.parse(completed) - hours * 3_600_000).toISOString(), completed },
      releases: [],
    });
    // The week of 2026-02-02: windows of 1h to 20h (p50 10h, p95 19h); of 2026-02-09: 1d, 2d, 5d (p50 2d, p95 5d).
    const first = Array.from({ length: 20 }, (_, index) =>
      closed(`DSA-1${index}`, `2026-02-0${2 + (index % 7)}T12:00:00Z`, index + 1),
    );
    const second = [24, 120, 48].map((hours, index) => closed(`DSA-2${index}`, '2026-02-15T23:00:00Z', hours));
    await api('POST', 'exposures', {
      items: [
        open('DSA-0003', daysAgo(3), 'blocked'),
        open('DSA-0001', daysAgo(30)),
        open('DSA-0002', daysAgo(10), 'not-installable'),
        ...first,
        ...second,
      ],
    });

    // A viewer may read it; the navigation leads there.
    const { context, page } = await signedIn(VIEWER_TOKEN);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Exposure' }).click();
    await page.getByRole('heading', { name: 'Exposure', level: 1 }).waitFor();
    const section = page.locator('#exposure-exposed');
    await section.locator('table.open-fixes tbody tr').first().waitFor();
    expect(await section.locator('table.open-fixes tbody th').allTextContents()).toEqual([
      'DSA-0001',
      'DSA-0002',
      'DSA-0003',
    ]);
    expect(await section.locator('table.open-fixes tbody tr td.number').allTextContents()).toEqual([
      '30d',
      '10d',
      '3d',
    ]);
    await shows(section.locator('table.open-fixes tbody tr').nth(1), 'not-installable');

    // One point per week on each line, and the same numbers in the text alternative.
    expect(await section.locator('svg [data-series="p50"] circle').count()).toBe(2);
    expect(await section.locator('svg [data-series="p95"] circle').count()).toBe(2);
    const rows = await section
      .locator('#exposure-exposed-weeks tbody tr')
      .evaluateAll((each) => each.map((row) => [...row.children].map((cell) => cell.textContent)));
    expect(rows).toEqual([
      ['2026-02-02', '20', '10h', '19h'],
      ['2026-02-09', '3', '2d', '5d'],
    ]);
    expect(await section.getByRole('img').getAttribute('aria-label')).toContain('p50 2d, p95 5d');
    // The p95 point of a week sits above its p50 point (SVG y grows downwards).
    const cy = (series: string) =>
      section.locator(`svg [data-series="${series}"] circle[data-week="2026-02-02"]`).getAttribute('cy');
    expect(Number(await cy('p95'))).toBeLessThan(Number(await cy('p50')));
    await page.setViewportSize({ width: 1200, height: 1400 });
    await page.screenshot({ path: '/tmp/exp-light.png', fullPage: true });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({ path: '/tmp/exp-dark.png', fullPage: true });
    await expectAccessible(await bypassed(page), 'exposure');
    await context.close();
  });
});

describe('the console over HTTPS', () => {
  it('marks the session cookie Secure', async () => {
    const dir = await tempDir('patchline-console-tls-');
    const made = spawnSync(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1']
        .concat(['-addext', 'subjectAltName=IP:127.0.0.1'])
        .concat(['-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')]),
      { encoding: 'utf8' },
    );
    expect(made.status, made.stderr).toBe(0);
    const store = await Store.open(join(dir, 'controller.db'));
    const admin = 'admin-token-for-the-https-console-test-0123';
    const { app } = await createServer({
      store,
      adminToken: admin,
      tls: { cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem') },
    });
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    try {
      const address = await app.listen({ host: '127.0.0.1', port: 0 });
      const page = await context.newPage();
      await page.goto(`${address}/ui/`);
      await page.getByLabel('Token').fill(admin);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { name: 'Fleets' }).waitFor();
      const [cookie] = await context.cookies();
      expect(cookie).toMatchObject({ name: 'patchline_session', httpOnly: true, sameSite: 'Strict', secure: true });
    } finally {
      await context.close();
      await app.close();
      await store.close();
    }
  });
});

describe('serve --viewer-token-file', () => {
  it('refuses a short viewer token, the admin token itself, and a viewer token without an admin token', async () => {
    const dir = await tempDir();
    const admin = 'admin-token-for-the-viewer-flag-test-0123456789';
    const file = async (name: string, text: string) => {
      await writeFile(join(dir, name), text);
      return join(dir, name);
    };
    const serve = (viewerFile: string, env: NodeJS.ProcessEnv) =>
      runCli(
        ['serve', '--database', join(dir, 'db.sqlite'), '--viewer-token-file', viewerFile, '--listen', '127.0.0.1:1'],
        env,
      );
    const short = serve(await file('short', 'tooshort'), { PATCHLINE_ADMIN_TOKEN: admin });
    expect(short.status).not.toBe(0);
    expect(short.stderr).toContain('8-character viewer token; it must have at least 32');
    const same = serve(await file('same', admin), { PATCHLINE_ADMIN_TOKEN: admin });
    expect(same.stderr).toContain('the viewer token must differ from it');
    const open = runCli(
      [
        'serve',
        '--insecure-no-admin-token',
        '--database',
        join(dir, 'db.sqlite'),
        '--viewer-token-file',
        await file('ok', VIEWER_TOKEN),
      ],
      { PATCHLINE_ADMIN_TOKEN: '' },
    );
    expect(open.stderr).toContain('a viewer token needs an admin token');
  });
});

/** Waits until the locator (its first match) shows the text: the page may still be rendering or streaming. */
async function shows(locator: Locator, text: string | RegExp): Promise<void> {
  await locator.filter({ hasText: text }).first().waitFor({ timeout: 30_000 });
}

/** The same page's address in a context that lets axe-core in past the console's CSP. */
async function bypassed(page: Page): Promise<Page> {
  const context = await browser.newContext({ bypassCSP: true, storageState: await page.context().storageState() });
  const copy = await context.newPage();
  await copy.goto(page.url());
  await copy.locator('main h1').waitFor();
  return copy;
}
