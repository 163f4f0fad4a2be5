#!/usr/bin/env node
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

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { bootcStatus } from './bootc-status.mjs';
import { children, cleanUpOnExit, tempDir } from './processes.mjs';
import { releaseAttachments } from './release-attachments.mjs';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const CLI = join(ROOT, 'dist/cli/bin.js');
const SHOTS = join(ROOT, 'docs/console');
const REPO = 'bench.example/os';
const AXE = readFileSync(join(ROOT, 'node_modules/axe-core/axe.min.js'), 'utf8');

const args = parseArgs(process.argv.slice(2));
const HOSTS = Number(args.hosts ?? 10_000);
const RUNS = Number(args.runs ?? 5);
const log = (message) => process.stderr.write(`[console] ${message}\n`);
cleanUpOnExit(log);

function parseArgs(list) {
  const out = {};
  for (let i = 0; i < list.length; i++) {
    const key = list[i].replace(/^--/, '');
    if (key.startsWith('no-')) out[key] = true;
    else out[key] = list[++i];
  }
  return out;
}

const digest = (n) => `sha256:${n.toString(16).padStart(2, '0').repeat(32)}`;
const [V1, V2, V3] = [digest(1), digest(2), digest(3)];

async function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const { Store } = await import(join(ROOT, 'dist/store/index.js'));

/** Fleet, releases and hosts written through the store, as enrollment and reports would write them. */
async function fill(database) {
  const store = await Store.open(database);
  const now = Date.now();
  const fleet = (name) => ({
    apiVersion: 'patchline.dev/v1',
    kind: 'Fleet',
    metadata: { name },
    spec: {
      selector: { matchLabels: { fleet: name } },
      image: `${REPO}/${name}`,
      disruptionBudget: { groupBy: 'zone', maxUnavailable: '20%' },
    },
  });
  const release = (name, fleetName, image) => ({
    apiVersion: 'patchline.dev/v1',
    kind: 'Release',
    metadata: { name },
    spec: {
      fleet: fleetName,
      image: `${REPO}/${fleetName}@${image}`,
      gate: { passed: true, evidence: `sha256:${randomBytes(32).toString('hex')}` },
    },
  });
  const credentials = new Map();
  for (const [name, count] of [
    ['web', HOSTS],
    ['edge', 40],
  ]) {
    await store.createFleet(fleet(name), now - 90 * 86_400_000);
    // Created in order, a minute apart, so the oldest is v1.
    await store.createRelease(release(`${name}-v1`, name, V1), now - 3 * 60_000);
    await store.createRelease(release(`${name}-v2`, name, V2), now - 2 * 60_000);
    // v3 comes with its gate evidence document and its image diff from v2: what the Release view shows.
    const made = await releaseAttachments(ROOT, `${REPO}/${name}`, V2, V3, now);
    const v3 = release(`${name}-v3`, name, V3);
    v3.spec.gate.evidence = made.digest;
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
        bootc: bootcStatus(`${REPO}/${name}`, booted, booted === V2 ? V1 : undefined),
        health: unhealthy ? { state: 'unhealthy', failedChecks: ['app.service', 'disk-space'] } : { state: 'healthy' },
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
function exposures(now) {
  const hour = 3_600_000;
  const at = (ms) => new Date(ms).toISOString();
  const open = [
    ['DSA-5801-1', 'openssl', 'CVE-2026-0101', 40 * 24, 'blocked', 'the build failed: dnf could not resolve openssl'],
    ['DSA-5812-1', 'glibc', 'CVE-2026-0233', 9 * 24, 'open'],
    ['DSA-5820-1', 'curl', 'CVE-2026-0310', 3 * 24, 'not-installable', 'the fixed version is not in the mirror yet'],
    ['DSA-5824-1', 'sudo', 'CVE-2026-0342', 7, 'open'],
  ].map(([advisory, pkg, cve, hours, state, note]) => ({
    fleet: 'web',
    advisory,
    package: pkg,
    cves: [cve],
    state,
    ...(note === undefined ? {} : { note }),
    stages: { published: at(now - hours * hour), detected: at(now - hours * hour + 2 * hour) },
    releases: [],
  }));
  const closed = [];
  for (let week = 1; week <= 12; week++) {
    for (let each = 0; each < 3 + (week % 4); each++) {
      const completed = now - week * 7 * 24 * hour + each * 20 * hour;
      const hours = 6 + ((week * 37 + each * 53) % 96) + (each === 0 ? (week % 3) * 100 : 0);
      closed.push({
        fleet: 'web',
        advisory: `DSA-${5700 + week * 10 + each}-1`,
        package: ['openssl', 'glibc', 'curl', 'systemd', 'openssh'][each % 5],
        state: 'closed',
        stages: { published: at(completed - hours * hour), completed: at(completed) },
        releases: ['web-v2'],
      });
    }
  }
  return [...open, ...closed];
}

async function startServe(database, token) {
  const port = await freePort();
  const child = spawn(
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
    {
      env: { ...process.env, PATCHLINE_ADMIN_TOKEN: token },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  children.add(child);
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {}
    if (i > 300) throw new Error('patchline serve did not start');
    await sleep(100);
  }
  return { url, child };
}

async function api(server, token, method, path, body) {
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

async function hostCall(server, credential, method, path, body) {
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

async function until(what, probe, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

/** A rollout's selected hosts take the release, as hosts do: poll, stage, reboot, report (sick ones unhealthy). */
async function moveSelected(server, token, credentials, rollout, fleetName, sick) {
  const status = (await api(server, token, 'GET', `rollouts/${rollout}`)).status;
  const selected = Object.entries(status.hosts)
    .filter(([, record]) => record.state === 'selected')
    .map(([name]) => name);
  for (const host of selected) {
    const credential = credentials.get(host);
    await hostCall(server, credential, 'GET', '/host/v1/desired');
    const staged = bootcStatus(`${REPO}/${fleetName}`, V2, V1);
    staged.status.staged = bootcStatus(`${REPO}/${fleetName}`, V3).status.booted;
    await hostCall(server, credential, 'POST', '/host/v1/status', { bootc: staged, health: { state: 'healthy' } });
    await hostCall(server, credential, 'POST', '/host/v1/status', {
      bootc: bootcStatus(`${REPO}/${fleetName}`, V3, V2),
      health: sick ? { state: 'unhealthy', failedChecks: ['app.service'] } : { state: 'healthy' },
    });
  }
  return selected.length;
}

async function measure(browser, server, cookie) {
  const runs = [];
  for (let run = 0; run < RUNS; run++) {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    await context.addCookies([{ ...cookie, url: server.url }]);
    // Outside the page's CSP: an init script is the browser's own, not the console's.
    await context.addInitScript(() => {
      const observer = new MutationObserver(() => {
        if (document.querySelectorAll('#hosts tbody tr').length >= 100 && globalThis.renderedAt === undefined) {
          globalThis.renderedAt = performance.now();
          observer.disconnect();
        }
      });
      observer.observe(document, { childList: true, subtree: true });
    });
    const page = await context.newPage();
    await page.goto(`${server.url}/ui/#/fleet/web`);
    await page.waitForFunction(() => globalThis.renderedAt !== undefined, undefined, { timeout: 60_000 });
    const result = await page.evaluate(() => {
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
    });
    runs.push(result);
    log(
      `run ${run + 1}: first render ${result.renderedMs.toFixed(0)} ms (hosts call ${result.hostsCallMs?.toFixed(0)} ms)`,
    );
    await context.close();
  }
  return runs;
}

async function apiTimes(server, cookie) {
  const cases = {
    'page 1, by name': 'limit=100',
    'sorted by last seen, descending': 'sort=lastSeen&dir=desc&limit=100',
    'filtered: unhealthy in zone z3': 'show=unhealthy&q=zone%3Dz3&limit=100',
    'last page': `offset=${HOSTS - 100}&limit=100`,
  };
  const out = {};
  for (const [label, query] of Object.entries(cases)) {
    const times = [];
    for (let i = 0; i < 7; i++) {
      const started = performance.now();
      const response = await fetch(`${server.url}/ui/api/fleets/web/hosts?${query}`, {
        headers: { cookie: `${cookie.name}=${cookie.value}` },
      });
      await response.arrayBuffer();
      times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    out[label] = times[Math.floor(times.length / 2)];
  }
  return out;
}

async function screenshots(browser, server, cookie) {
  mkdirSync(SHOTS, { recursive: true });
  for (const scheme of ['light', 'dark']) {
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
    ];
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
      const serious = await page.evaluate(async () =>
        (await globalThis.axe.run()).violations
          .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
          .map((violation) => `${violation.id} (${violation.nodes.length})`),
      );
      if (serious.length > 0) throw new Error(`axe-core on ${name}${suffix}: ${serious.join(', ')}`);
    }
    await context.close();
  }
}

/** The Release view's weight in a page of its own, then with the evidence document opened. */
async function releaseWeight(context, url) {
  const page = await context.newPage();
  await page.goto(url);
  await page.locator('#gate-verdict').waitFor();
  log(`release view weight: ${JSON.stringify(await pageWeight(page))}`);
  await page.locator('#evidence-document summary').click();
  await page.locator('#evidence-document pre', { hasText: 'GateEvidence' }).waitFor();
  log(`release view weight, evidence document opened: ${JSON.stringify(await pageWeight(page))}`);
  await page.close();
}

/** Body bytes the page loaded so far: the console's files, and its API calls (the session, the view's JSON). */
async function pageWeight(page) {
  return page.evaluate(() => {
    const resources = performance.getEntriesByType('resource');
    const navigation = performance.getEntriesByType('navigation')[0];
    const bytes = (entries) => entries.reduce((sum, entry) => sum + entry.encodedBodySize, 0);
    return {
      assetBytes: navigation.encodedBodySize + bytes(resources.filter((entry) => !entry.name.includes('/ui/api/'))),
      apiBytes: bytes(resources.filter((entry) => entry.name.includes('/ui/api/'))),
      requests: resources.length + 1,
    };
  });
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
const [name, value] = signIn.headers.get('set-cookie').split(';')[0].split('=');
const cookie = { name, value };

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'], headless: true });
if (args['no-measure'] === true) {
  // Screenshots only (--no-measure): the figures in docs/benchmarks.md come from a run that measured.
  await screenshots(browser, server, cookie);
  await browser.close();
  for (const child of children) child.kill('SIGTERM');
  process.exit(0);
}
const loadBefore = loadavg()[0];
const runs = await measure(browser, server, cookie);
const api17 = await apiTimes(server, cookie);
const loadAfter = loadavg()[0];
if (args['no-screenshots'] !== true) await screenshots(browser, server, cookie);
await browser.close();

const rendered = runs.map((run) => run.renderedMs).sort((a, b) => a - b);
const summary = {
  date: new Date().toISOString(),
  hosts: HOSTS,
  cpus: `${cpus().length} × ${cpus()[0]?.model}`,
  node: process.version,
  chromium: browser.version(),
  load: { before: loadBefore, after: loadAfter },
  firstRenderMs: {
    first: runs[0].renderedMs,
    median: rendered[Math.floor(rendered.length / 2)],
    runs: runs.map((run) => run.renderedMs),
  },
  hostsCallMs: runs.map((run) => run.hostsCallMs),
  pageWeight: {
    assetBytes: runs[0].assetBytes,
    apiBytes: runs[0].apiBytes,
    hostsCallBytes: runs[0].hostsCallBytes,
    requests: runs[0].requests,
  },
  domNodes: runs[0].domNodes,
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
mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
writeFileSync(join(ROOT, 'bench/results/console.json'), `${JSON.stringify(summary, null, 2)}\n`);
for (const child of children) child.kill('SIGTERM');
process.exit(0);
