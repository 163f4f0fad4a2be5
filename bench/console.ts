// `npm run bench:console`: issue 17's console benchmark, and the screenshots in docs/console/.
//
//   npm run bench:console [-- --hosts N] [--runs N] [--no-screenshots] [--no-measure]
//
// A SQLite database is filled in-process through the built store (dist/): fleet `web` with N hosts (default 10,000)
// enrolled with real credentials and reporting a real `bootc status` (most on v2, some on v1, a few unhealthy, some
// offline), and fleet `edge` with 40. Then the built `patchline serve` runs on it, and a rollout of v3 over `web`
// halts on sick canaries (they report over the host API as hosts do), while `edge`'s waits for an approval.
// Debian's chromium (playwright-core) signs in and opens the fleet page of `web`: first render is the time from
// navigation start to the first 100 host rows in the table, recorded in the page by a MutationObserver (an init
// script, outside the console's CSP). Page weight is every response's body bytes. Each view is then screenshot,
// light and dark.

import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import type { Exposure, ExposureState, Fleet, Release } from '../src/fleet/index.js';
import { digest } from '../test/helpers/fleet-docs.js';
import { freePort } from '../test/helpers/registry.js';
import { until } from '../test/helpers/until.js';
import { benchArgs } from './lib/args.js';
import { CLI, fromDist, ROOT } from './lib/dist.js';
import { hostStatus } from './lib/host-status.js';
import { load1 } from './lib/machine.js';
import { background, children, cleanUpOnExit, tempDir } from './lib/processes.js';
import { releaseAttachments } from './lib/release-attachments.js';
import { writeResults } from './lib/results.js';
import { median } from './lib/stats.js';

const SHOTS = join(ROOT, 'docs/console');
const REPO = 'bench.example/os';
const AXE = readFileSync(join(ROOT, 'node_modules/axe-core/axe.min.js'), 'utf8');

const args = benchArgs();
const HOSTS = args.number('hosts', 10_000);
const RUNS = args.number('runs', 5);
const log = (message: string) => process.stderr.write(`[console] ${message}\n`);
cleanUpOnExit(log);

const [V1, V2, V3] = [digest(1), digest(2), digest(3)];

const { Store } = await fromDist<typeof import('../src/store/index.js')>('store/index.js');

/** Fleet, releases and hosts written through the store, as enrollment and reports would write them. */
async function fill(database: string): Promise<Map<string, string>> {
  const store = await Store.open(database);
  const now = Date.now();
  const fleet = (name: string): Fleet => ({
    apiVersion: 'patchline.dev/v1',
    kind: 'Fleet',
    metadata: { name },
    spec: {
      selector: { matchLabels: { fleet: name } },
      image: `${REPO}/${name}`,
      disruptionBudget: { groupBy: 'zone', maxUnavailable: '20%' },
    },
  });
  const release = (name: string, fleetName: string, image: string): Release => ({
    apiVersion: 'patchline.dev/v1',
    kind: 'Release',
    metadata: { name },
    spec: {
      fleet: fleetName,
      image: `${REPO}/${fleetName}@${image}`,
      gate: { passed: true, evidence: `sha256:${randomBytes(32).toString('hex')}` },
    },
  });
  const credentials = new Map<string, string>();
  for (const [name, count] of [
    ['web', HOSTS],
    ['edge', 40],
  ] as const) {
    await store.createFleet(fleet(name), now - 90 * 86_400_000);
    // Created in order, a minute apart, so the oldest is v1.
    await store.createRelease(release(`${name}-v1`, name, V1), now - 3 * 60_000);
    await store.createRelease(release(`${name}-v2`, name, V2), now - 2 * 60_000);
    // v3 comes with its gate evidence document and its image diff from v2: what the Release view shows.
    const made = releaseAttachments(`${REPO}/${name}`, V2, V3, now);
    const v3 = release(`${name}-v3`, name, V3);
    v3.spec.gate = { passed: true, evidence: made.digest };
    await store.createRelease(v3, now - 60_000, made.attachments);
    for (let index = 0; index < count; index++) {
      const host = `${name}-${String(index + 1).padStart(5, '0')}`;
      const labels = { fleet: name, zone: `z${index % 8}`, rack: `r${index % 40}` };
      const { token } = await store.createEnrollmentToken(labels, 3_600_000, now);
      const { credential } = await store.enroll(token, host, labels, now);
      credentials.set(host, credential);
      const booted = index % 10 < 7 ? V2 : V1;
      const unhealthy = index % 97 === 5;
      // One host in 25 last reported two hours ago: offline.
      const seen = index % 25 === 3 ? now - 2 * 3_600_000 : now;
      await store.recordReport(host, {
        receivedAt: new Date(seen).toISOString(),
        bootc: hostStatus(`${REPO}/${name}`, booted, booted === V2 ? V1 : undefined),
        health: unhealthy
          ? { state: 'unhealthy' as const, failedChecks: ['app.service', 'disk-space'] }
          : { state: 'healthy' as const },
      });
      if (index % 1000 === 999) log(`${name}: ${index + 1} hosts`);
    }
  }
  await store.recordExposures(exposures(now));
  await store.close();
  return credentials;
}

/**
 * The exposure ledger of `web` for the Exposure view: four fixes still open, and over twelve weeks a few closed each
 * week with windows that vary from hours to weeks (a fixed pattern, so the screenshot is the same each run).
 */
function exposures(now: number): Exposure[] {
  const hour = 3_600_000;
  const at = (ms: number) => new Date(ms).toISOString();
  const open = (
    [
      ['DSA-5801-1', 'openssl', 'CVE-2026-0101', 40 * 24, 'blocked', 'the build failed: dnf could not resolve openssl'],
      ['DSA-5812-1', 'glibc', 'CVE-2026-0233', 9 * 24, 'open'],
      ['DSA-5820-1', 'curl', 'CVE-2026-0310', 3 * 24, 'not-installable', 'the fixed version is not in the mirror yet'],
      ['DSA-5824-1', 'sudo', 'CVE-2026-0342', 7, 'open'],
    ] as Array<[string, string, string, number, ExposureState, string?]>
  ).map(
    ([advisory, pkg, cve, hours, state, note]): Exposure => ({
      fleet: 'web',
      advisory,
      package: pkg,
      cves: [cve],
      state,
      ...(note === undefined ? {} : { note }),
      stages: { published: at(now - hours * hour), detected: at(now - hours * hour + 2 * hour) },
      releases: [],
    }),
  );
  const closed: Exposure[] = [];
  for (let week = 1; week <= 12; week++) {
    for (let each = 0; each < 3 + (week % 4); each++) {
      const completed = now - week * 7 * 24 * hour + each * 20 * hour;
      const hours = 6 + ((week * 37 + each * 53) % 96) + (each === 0 ? (week % 3) * 100 : 0);
      closed.push({
        fleet: 'web',
        advisory: `DSA-${5700 + week * 10 + each}-1`,
        package: ['openssl', 'glibc', 'curl', 'systemd', 'openssh'][each % 5]!,
        state: 'closed',
        stages: { published: at(completed - hours * hour), completed: at(completed) },
        releases: ['web-v2'],
      });
    }
  }
  return [...open, ...closed];
}

interface Server {
  url: string;
}

async function startServe(database: string, token: string): Promise<Server> {
  const port = await freePort();
  background(
    process.execPath,
    [
      CLI,
      'serve',
      '--listen',
      `127.0.0.1:${port}`,
      '--database',
      database,
      '--tick',
      '1s',
      '--log-level',
      'warn',
      '--admin-rate-limit',
      '1000000',
      '--anonymous-rate-limit',
      '1000000',
    ],
    { env: { PATCHLINE_ADMIN_TOKEN: token } },
  );
  const url = `http://127.0.0.1:${port}`;
  await until('patchline serve to answer', async () =>
    (await fetch(`${url}/healthz`).catch(() => undefined))?.ok ? true : undefined,
  );
  return { url };
}

async function api(server: Server, token: string, method: string, path: string, body?: unknown) {
  const response = await fetch(`${server.url}/apis/patchline.dev/v1/${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return JSON.parse(text);
}

async function hostCall(server: Server, credential: string, method: string, path: string, body?: unknown) {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${credential}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  await response.arrayBuffer();
  if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status}`);
}

/** A rollout's selected hosts take the release, as hosts do: poll, stage, reboot, report (sick ones unhealthy). */
async function moveSelected(
  server: Server,
  token: string,
  credentials: Map<string, string>,
  rollout: string,
  fleetName: string,
  sick: boolean,
) {
  const status = (await api(server, token, 'GET', `rollouts/${rollout}`)).status;
  const selected = Object.entries(status.hosts as Record<string, { state: string }>)
    .filter(([, record]) => record.state === 'selected')
    .map(([name]) => name);
  for (const host of selected) {
    const credential = credentials.get(host)!;
    await hostCall(server, credential, 'GET', '/host/v1/desired');
    const staged = hostStatus(`${REPO}/${fleetName}`, V2, V1);
    staged.status!.staged = hostStatus(`${REPO}/${fleetName}`, V3).status!.booted;
    await hostCall(server, credential, 'POST', '/host/v1/status', { bootc: staged, health: { state: 'healthy' } });
    await hostCall(server, credential, 'POST', '/host/v1/status', {
      bootc: hostStatus(`${REPO}/${fleetName}`, V3, V2),
      health: sick ? { state: 'unhealthy', failedChecks: ['app.service'] } : { state: 'healthy' },
    });
  }
  return selected.length;
}

interface Cookie {
  name: string;
  value: string;
}

/** What the page says of one load of the fleet view. */
interface PageRun {
  renderedMs: number;
  hostsCallMs: number | undefined;
  hostsCallBytes: number | undefined;
  assetBytes: number;
  apiBytes: number;
  requests: number;
  domNodes: number;
}

// Browser-side code as text: it runs in the page, where the DOM's types (not in this project's lib) apply.
const RECORD_FIRST_ROWS = `{
  const observer = new MutationObserver(() => {
    if (document.querySelectorAll('#hosts tbody tr').length >= 100 && globalThis.renderedAt === undefined) {
      globalThis.renderedAt = performance.now();
      observer.disconnect();
    }
  });
  observer.observe(document, { childList: true, subtree: true });
}`;
const PAGE_RUN = `(() => {
  const resources = performance.getEntriesByType('resource');
  const navigation = performance.getEntriesByType('navigation')[0];
  const hostsCall = resources.find((entry) => entry.name.includes('/hosts?'));
  const bytes = (entries) => entries.reduce((sum, entry) => sum + entry.encodedBodySize, 0);
  return {
    renderedMs: globalThis.renderedAt,
    hostsCallMs: hostsCall === undefined ? undefined : hostsCall.responseEnd - hostsCall.startTime,
    hostsCallBytes: hostsCall?.encodedBodySize,
    assetBytes: navigation.encodedBodySize + bytes(resources.filter((entry) => !entry.name.includes('/ui/api/'))),
    apiBytes: bytes(resources.filter((entry) => entry.name.includes('/ui/api/'))),
    requests: resources.length + 1,
    domNodes: document.getElementsByTagName('*').length,
  };
})()`;
const AXE_SERIOUS = `(async () =>
  (await globalThis.axe.run()).violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => violation.id + ' (' + violation.nodes.length + ')'))()`;

async function measure(browser: Browser, server: Server, cookie: Cookie): Promise<PageRun[]> {
  const runs: PageRun[] = [];
  for (let run = 0; run < RUNS; run++) {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    await context.addCookies([{ ...cookie, url: server.url }]);
    // Outside the page's CSP: an init script is the browser's own, not the console's.
    await context.addInitScript(RECORD_FIRST_ROWS);
    const page = await context.newPage();
    await page.goto(`${server.url}/ui/#/fleet/web`);
    await page.waitForFunction('globalThis.renderedAt !== undefined', undefined, { timeout: 60_000 });
    const result = (await page.evaluate(PAGE_RUN)) as PageRun;
    runs.push(result);
    log(
      `run ${run + 1}: first render ${result.renderedMs.toFixed(0)} ms (hosts call ${result.hostsCallMs?.toFixed(0)} ms)`,
    );
    await context.close();
  }
  return runs;
}

async function apiTimes(server: Server, cookie: Cookie): Promise<Record<string, number>> {
  const cases = {
    'page 1, by name': 'limit=100',
    'sorted by last seen, descending': 'sort=lastSeen&dir=desc&limit=100',
    'filtered: unhealthy in zone z3': 'show=unhealthy&q=zone%3Dz3&limit=100',
    'last page': `offset=${HOSTS - 100}&limit=100`,
  };
  const out: Record<string, number> = {};
  for (const [label, query] of Object.entries(cases)) {
    const times: number[] = [];
    for (let i = 0; i < 7; i++) {
      const started = performance.now();
      const response = await fetch(`${server.url}/ui/api/fleets/web/hosts?${query}`, {
        headers: { cookie: `${cookie.name}=${cookie.value}` },
      });
      await response.arrayBuffer();
      times.push(performance.now() - started);
    }
    out[label] = median(times);
  }
  return out;
}

async function screenshots(browser: Browser, server: Server, cookie: Cookie) {
  mkdirSync(SHOTS, { recursive: true });
  for (const scheme of ['light', 'dark'] as const) {
    // bypassCSP only lets axe-core in: the pages are the same.
    const context = await browser.newContext({
      viewport: { width: 1400, height: 1000 },
      colorScheme: scheme,
      bypassCSP: true,
    });
    const page = await context.newPage();
    const suffix = scheme === 'dark' ? '-dark' : '';
    await page.goto(`${server.url}/ui/`);
    await page.getByLabel('Token').waitFor();
    if (scheme === 'light') await page.screenshot({ path: join(SHOTS, 'sign-in.png') });
    await context.addCookies([{ ...cookie, url: server.url }]);
    const views = [
      ['fleets', '#/', 'section.card'],
      ['fleet', '#/fleet/web?sort=health', '#hosts tbody tr'],
      ['rollout', '#/rollout/web-v3', '#halt'],
      ['rollout-waiting', '#/rollout/edge-v3', '#waiting'],
      ['release', '#/release/web-v3', '#gate-verdict'],
      ['exposure', '#/exposure', 'svg.window-chart'],
    ] as const;
    for (const [name, hash, ready] of views) {
      await page.goto(`${server.url}/ui/${hash}`);
      await page.locator(ready).first().waitFor();
      if (name === 'release') {
        if (scheme === 'light') await releaseWeight(context, `${server.url}/ui/${hash}`);
        // The evidence document open, as an auditor reads it.
        await page.locator('#evidence-document summary').click();
        await page.locator('#evidence-document pre', { hasText: 'GateEvidence' }).waitFor();
      }
      await page.screenshot({ path: join(SHOTS, `${name}${suffix}.png`), fullPage: name !== 'fleet' });
      // The same axe-core check as test/console.test.ts, on full-size pages (100 events, 100 hosts), in both schemes.
      await page.evaluate(AXE);
      const serious = (await page.evaluate(AXE_SERIOUS)) as string[];
      if (serious.length > 0) throw new Error(`axe-core on ${name}${suffix}: ${serious.join(', ')}`);
    }
    await context.close();
  }
}

/** The Release view's weight in a page of its own, then with the evidence document opened. */
async function releaseWeight(context: BrowserContext, url: string): Promise<void> {
  const page = await context.newPage();
  await page.goto(url);
  await page.locator('#gate-verdict').waitFor();
  log(`release view weight: ${JSON.stringify(await pageWeight(page))}`);
  await page.locator('#evidence-document summary').click();
  await page.locator('#evidence-document pre', { hasText: 'GateEvidence' }).waitFor();
  log(`release view weight, evidence document opened: ${JSON.stringify(await pageWeight(page))}`);
  await page.close();
}

// Body bytes the page loaded so far: the console's files, and its API calls (the session, the view's JSON).
const PAGE_WEIGHT = `(() => {
  const resources = performance.getEntriesByType('resource');
  const navigation = performance.getEntriesByType('navigation')[0];
  const bytes = (entries) => entries.reduce((sum, entry) => sum + entry.encodedBodySize, 0);
  return {
    assetBytes: navigation.encodedBodySize + bytes(resources.filter((entry) => !entry.name.includes('/ui/api/'))),
    apiBytes: bytes(resources.filter((entry) => entry.name.includes('/ui/api/'))),
    requests: resources.length + 1,
  };
})()`;

async function pageWeight(page: Page): Promise<{ assetBytes: number; apiBytes: number; requests: number }> {
  return (await page.evaluate(PAGE_WEIGHT)) as { assetBytes: number; apiBytes: number; requests: number };
}

const dir = await tempDir('patchline-console-bench-');
const database = join(dir, 'controller.db');
const token = randomBytes(24).toString('hex');
log(`filling ${HOSTS} + 40 hosts`);
const filled = Date.now();
const credentials = await fill(database);
log(`filled in ${((Date.now() - filled) / 1000).toFixed(0)} s`);
const server = await startServe(database, token);
log(`serving at ${server.url}`);

// web: v3 over 10,000 hosts, canaries sick: it halts. edge: v3, canaries healthy, next batch waits for approval.
await api(server, token, 'POST', 'rollouts', {
  apiVersion: 'patchline.dev/v1',
  kind: 'Rollout',
  metadata: { name: 'web-v3' },
  spec: {
    release: 'web-v3',
    batches: [{ name: 'canary', limit: 10 }, { limit: '10%' }, { limit: '50%' }],
    onFailure: 'halt',
  },
});
await api(server, token, 'POST', 'rollouts', {
  apiVersion: 'patchline.dev/v1',
  kind: 'Rollout',
  metadata: { name: 'edge-v3' },
  spec: { release: 'edge-v3', batches: [{ name: 'canary', limit: 4 }], approval: 'manual' },
});
log(`web canaries: ${await moveSelected(server, token, credentials, 'web-v3', 'web', true)}`);
log(`edge canaries: ${await moveSelected(server, token, credentials, 'edge-v3', 'edge', false)}`);
await until('web-v3 to halt', async () =>
  (await api(server, token, 'GET', 'rollouts/web-v3')).status.phase === 'halted' ? true : undefined,
);
await until('edge-v3 to wait', async () =>
  (await api(server, token, 'GET', 'rollouts/edge-v3')).status.phase === 'waiting-for-approval' ? true : undefined,
);

const signIn = await fetch(`${server.url}/ui/api/session`, {
  method: 'POST',
  headers: { 'content-type': 'application/json', origin: server.url },
  body: JSON.stringify({ token }),
});
const [name = '', value = ''] = (signIn.headers.get('set-cookie') ?? '').split(';')[0]!.split('=');
if (name === '') throw new Error(`signing in to the console gave no cookie (${signIn.status})`);
const cookie: Cookie = { name, value };

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'], headless: true });
if (args.flag('no-measure')) {
  // Screenshots only (--no-measure): the figures in docs/benchmarks.md come from a run that measured.
  await screenshots(browser, server, cookie);
  await browser.close();
  for (const child of children) child.kill('SIGTERM');
  process.exit(0);
}
const loadBefore = load1();
const runs = await measure(browser, server, cookie);
const api17 = await apiTimes(server, cookie);
const loadAfter = load1();
if (!args.flag('no-screenshots')) await screenshots(browser, server, cookie);
await browser.close();

const rendered = runs.map((run) => run.renderedMs);
const summary = {
  date: new Date().toISOString(),
  hosts: HOSTS,
  cpus: `${cpus().length} × ${cpus()[0]?.model}`,
  node: process.version,
  chromium: browser.version(),
  load: { before: loadBefore, after: loadAfter },
  firstRenderMs: {
    first: runs[0]!.renderedMs,
    median: median(rendered),
    runs: runs.map((run) => run.renderedMs),
  },
  hostsCallMs: runs.map((run) => run.hostsCallMs),
  pageWeight: {
    assetBytes: runs[0]!.assetBytes,
    apiBytes: runs[0]!.apiBytes,
    hostsCallBytes: runs[0]!.hostsCallBytes,
    requests: runs[0]!.requests,
  },
  domNodes: runs[0]!.domNodes,
  apiMedianMs: api17,
  assetsOnDisk: Object.fromEntries(
    [
      'index.html',
      'app.js',
      'api.js',
      'dom.js',
      'fleets-view.js',
      'fleet-view.js',
      'rollout-view.js',
      'release-view.js',
      'exposure-view.js',
      'console.css',
    ].map((file) => [file, readFileSync(join(ROOT, 'dist/server/ui', file)).length]),
  ),
};
process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
await writeResults('console', `\`\`\`json\n${JSON.stringify(summary, null, 2)}\n\`\`\`\n`, summary);
for (const child of children) child.kill('SIGTERM');
process.exit(0);
