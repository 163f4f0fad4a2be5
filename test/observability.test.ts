/**
 * The shipped monitoring, for real: Debian's Prometheus scrapes a real `patchline serve` (the built CLI) while
 * simulated bootc hosts report to it, a sick canary halts a rollout, a host goes offline, the ledger holds a fix
 * older than the policy allows, and hosts pull through the registry gateway from an upstream that is down.
 *
 * Then every expression of every panel of deploy/grafana/*.json must return data through Prometheus's query API,
 * and the alerts of deploy/prometheus/patchline-rules.yml must fire for what happened (and the no-decider alert must
 * not: the one controller decides). The rules Prometheus loads here are a copy with every `for:` set to 0s, so an
 * alert fires on its first evaluation instead of after the minutes the shipped rules wait; expressions and the
 * exposure threshold are the shipped ones.
 */

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { ensureBuilt, projectRoot } from './helpers/cli.js';
import { type ControllerProcess, freePort, startController } from './helpers/controller-process.js';
import { HttpBootcHost, runHosts } from './helpers/http-bootc-host.js';
import { hasBinary } from './helpers/registry.js';
import { tempDir } from './helpers/tmp.js';
import { until } from './helpers/until.js';

const missing = ['prometheus', 'promtool'].filter((name) => !hasBinary(name));
if (missing.length > 0) console.warn(`skipping the observability test: ${missing.join(', ')} not installed`);

const RULES = join(projectRoot, 'deploy/prometheus/patchline-rules.yml');
const RULE_TESTS = join(projectRoot, 'deploy/prometheus/patchline-rules.test.yml');
const DASHBOARDS = join(projectRoot, 'deploy/grafana');
const API = 'apis/patchline.dev/v1';
const DAY = 86_400_000;
const digest = (n: number) => `sha256:${n.toString(16).padStart(2, '0').repeat(32)}`;
const V1 = digest(1);
const V2 = digest(2);

interface PrometheusProcess {
  url: string;
  output: () => string;
  stop: () => Promise<void>;
}

interface QueryResult {
  status: string;
  data: { resultType: string; result: Array<{ metric: Record<string, string>; value: [number, string] }> };
}

interface Alert {
  labels: Record<string, string>;
  state: 'pending' | 'firing';
}

interface Panel {
  title?: string;
  type: string;
  targets?: Array<{ expr: string }>;
}

let controller: ControllerProcess | undefined;
let prometheus: PrometheusProcess | undefined;
const running: Array<{ stop: () => Promise<void> }> = [];

afterAll(async () => {
  await Promise.all(running.splice(0).map((each) => each.stop()));
  await prometheus?.stop();
  await controller?.kill('SIGKILL');
});

/** The rules as shipped, but every alert's `for` set to 0s: a copy for Prometheus to load here. */
async function rulesWithoutFor(into: string): Promise<string> {
  const rules = parse(await readFile(RULES, 'utf8')) as { groups: Array<{ rules: Array<Record<string, unknown>> }> };
  let alerts = 0;
  for (const group of rules.groups) {
    for (const rule of group.rules) {
      if (rule.alert === undefined) continue;
      expect(rule.for, `${String(rule.alert)} waits before it fires`).toMatch(/^[1-9][0-9]*m$/);
      rule.for = '0s';
      alerts++;
    }
  }
  expect(alerts).toBe(5);
  const file = join(into, 'patchline-rules.yml');
  await writeFile(file, stringify(rules));
  return file;
}

async function startPrometheus(target: string, rules: string): Promise<PrometheusProcess> {
  const dir = await tempDir('patchline-prometheus-');
  const config = join(dir, 'prometheus.yml');
  await writeFile(
    config,
    stringify({
      global: { scrape_interval: '1s', evaluation_interval: '1s' },
      rule_files: [rules],
      scrape_configs: [{ job_name: 'patchline', static_configs: [{ targets: [target] }] }],
    }),
  );
  const port = await freePort();
  const child: ChildProcess = spawn(
    'prometheus',
    [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  try {
    await until('Prometheus to be ready', async () => {
      if (child.exitCode !== null) throw new Error(`prometheus exited (${child.exitCode}):\n${output}`);
      const response = await fetch(`${url}/-/ready`).catch(() => undefined);
      await response?.arrayBuffer();
      return response?.status === 200 ? true : undefined;
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, output: () => output, stop };
}

async function query(expr: string): Promise<QueryResult['data']['result']> {
  const server = prometheus ?? expect.unreachable('no Prometheus');
  const response = await fetch(`${server.url}/api/v1/query?${new URLSearchParams({ query: expr })}`);
  const body = (await response.json()) as QueryResult & { error?: string };
  expect(response.status, `${expr}: ${body.error ?? ''}`).toBe(200);
  return body.data.result;
}

async function alerts(): Promise<Alert[]> {
  const server = prometheus ?? expect.unreachable('no Prometheus');
  const body = (await (await fetch(`${server.url}/api/v1/alerts`)).json()) as { data: { alerts: Alert[] } };
  return body.data.alerts;
}

/** Every panel of a dashboard, rows' own panels included. */
function panelsOf(dashboard: { panels: Array<Panel & { panels?: Panel[] }> }): Panel[] {
  return dashboard.panels.flatMap((panel) => [panel, ...(panel.panels ?? [])]);
}

async function admin(path: string, method = 'GET', body?: unknown): Promise<Response> {
  const server = controller ?? expect.unreachable('no controller');
  return fetch(`${server.url}/${path}`, {
    method,
    headers: {
      authorization: `Bearer ${server.adminToken}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

async function create(path: string, body: unknown): Promise<void> {
  const response = await admin(`${API}/${path}`, 'POST', body);
  expect(response.status, `${path}: ${await response.text()}`).toBeLessThan(300);
}

async function enrolledHost(options: ConstructorParameters<typeof HttpBootcHost>[1]): Promise<HttpBootcHost> {
  const server = controller ?? expect.unreachable('no controller');
  const response = await admin(`${API}/enrollment-tokens`, 'POST', { labels: options.labels });
  const { token } = (await response.json()) as { token: string };
  const host = new HttpBootcHost(server.url, options);
  await host.enroll(token);
  return host;
}

function fleet(name: string, image: string, spec: Record<string, unknown> = {}) {
  return {
    apiVersion: 'patchline.dev/v1',
    kind: 'Fleet',
    metadata: { name },
    spec: { selector: { matchLabels: { fleet: name } }, image, ...spec },
  };
}

describe.skipIf(missing.length > 0)(
  'Prometheus scraping patchline serve, with the shipped dashboards and rules',
  () => {
    beforeAll(async () => {
      ensureBuilt();
      const dir = await tempDir('patchline-observability-');
      controller = await startController({
        database: join(dir, 'controller.db'),
        extraArgs: ['--tick', '1s', '--log-level', 'warn', '--gateway-cache', join(dir, 'gateway')],
      });
      prometheus = await startPrometheus(new URL(controller.url).host, await rulesWithoutFor(dir));
    }, 120_000);

    it('checks the shipped rules and passes their unit tests with promtool', () => {
      const check = spawnSync('promtool', ['check', 'rules', RULES], { encoding: 'utf8' });
      expect(check.status, check.stdout + check.stderr).toBe(0);
      expect(check.stdout).toContain('SUCCESS: 6 rules found');
      const unit = spawnSync('promtool', ['test', 'rules', RULE_TESTS], { encoding: 'utf8' });
      expect(unit.status, unit.stdout + unit.stderr).toBe(0);
      expect(unit.stdout).toContain('SUCCESS');
    });

    it('answers every dashboard panel with data, and fires the alerts for what happened', async () => {
      const server = controller ?? expect.unreachable('no controller');
      // The upstream registry is down: a port nothing listens on.
      const upstream = `127.0.0.1:${await freePort()}/obs/os`;
      await create('fleets', fleet('obs', upstream));
      await create('fleets', fleet('lab', upstream, { hostOfflineAfter: '2s' }));
      for (const [name, image] of [
        ['v1', V1],
        ['v2', V2],
      ] as const) {
        await create('releases', {
          apiVersion: 'patchline.dev/v1',
          kind: 'Release',
          metadata: { name },
          spec: { fleet: 'obs', image: `${upstream}@${image}`, gate: { passed: true } },
        });
      }
      // Three hosts on v1 to which v2 is poison (greenboot takes a sick one back); a lab host that vanishes.
      const hosts = await Promise.all(
        ['obs-01', 'obs-02', 'obs-03'].map((name) =>
          enrolledHost({
            name,
            labels: { fleet: 'obs' },
            booted: V1,
            repository: upstream,
            sickImages: new Set([V2]),
            downloadMs: 300,
            rebootMs: 600,
          }),
        ),
      );
      let labGone = false;
      const lab = await enrolledHost({ name: 'lab-01', labels: { fleet: 'lab' }, booted: V1, offline: () => labGone });
      running.push(runHosts([...hosts, lab], 1500));
      await until('every host to report', async () => {
        const list = (await (await admin(`${API}/hosts`)).json()) as {
          items: Array<{ status?: { report?: unknown } }>;
        };
        return list.items.length === 4 && list.items.every((host) => host.status?.report !== undefined)
          ? true
          : undefined;
      });
      labGone = true;

      await create('rollouts', {
        apiVersion: 'patchline.dev/v1',
        kind: 'Rollout',
        metadata: { name: 'v2' },
        spec: { release: 'v2', batches: [{ limit: 1 }], onFailure: 'halt', updateTimeout: '30s' },
      });
      await until('rollout v2 to halt', async () => {
        const rollout = (await (await admin(`${API}/rollouts/v2`)).json()) as { status?: { phase: string } };
        return rollout.status?.phase === 'halted' ? true : undefined;
      });

      // The ledger: a fix published ten days ago still open (the shipped threshold is seven), one closed.
      const iso = (ms: number) => new Date(ms).toISOString();
      const now = Date.now();
      await create('exposures', {
        items: [
          {
            fleet: 'obs',
            advisory: 'DSA-1',
            package: 'openssl',
            state: 'open',
            stages: { published: iso(now - 10 * DAY) },
            releases: [],
          },
          {
            fleet: 'obs',
            advisory: 'DSA-2',
            package: 'zlib',
            state: 'closed',
            stages: {
              published: iso(now - 3 * DAY),
              detected: iso(now - 3 * DAY + 600_000),
              built: iso(now - 3 * DAY + 1_200_000),
              released: iso(now - 2 * DAY),
              rolloutStarted: iso(now - 2 * DAY + 60_000),
              completed: iso(now - DAY),
            },
            releases: ['v1'],
          },
        ],
      });
      // A reboot slot held (the rollout is over, so it holds up nobody).
      const lock = await fetch(`${server.url}/v1/pre-reboot`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'fleet-lock-protocol': 'true' },
        body: JSON.stringify({ client_params: { id: 'obs-03', group: 'default' } }),
      });
      expect(lock.status, await lock.text()).toBe(200);

      // A host pulls v2 through the gateway once per Prometheus scrape, as its timer would: the gateway answers 503.
      // (obs-02 stays well within the server's per-host rate limit.)
      const lastScrape = async (): Promise<string | undefined> => {
        const targets = (await (await fetch(`${prometheus?.url}/api/v1/targets`)).json()) as {
          data: { activeTargets: Array<{ lastScrape?: string }> };
        };
        return targets.data.activeTargets[0]?.lastScrape;
      };
      const pullStatuses = new Set<number>();
      let pulling = true;
      const credential = hosts[1]?.credential ?? expect.unreachable('obs-02 is not enrolled');
      const pulls = (async () => {
        while (pulling) {
          const response = await fetch(`${server.url}/v2/fleets/obs/os/manifests/${V2}`, {
            headers: {
              accept: 'application/vnd.oci.image.manifest.v1+json',
              authorization: `Basic ${Buffer.from(`obs-02:${credential}`).toString('base64')}`,
            },
          });
          await response.arrayBuffer();
          pullStatuses.add(response.status);
          const scraped = await lastScrape();
          await until('the next scrape', async () => (!pulling || (await lastScrape()) !== scraped ? true : undefined));
        }
      })();
      running.push({
        stop: async () => {
          pulling = false;
          await pulls;
        },
      });

      // The dashboards' fleet variable lists the fleets.
      await until('Prometheus to know both fleets', async () => {
        const response = await fetch(
          `${prometheus?.url}/api/v1/label/fleet/values?${new URLSearchParams({ 'match[]': 'patchline_fleet_hosts' })}`,
        );
        const values = ((await response.json()) as { data: string[] }).data;
        return values.includes('obs') && values.includes('lab') ? values : undefined;
      });

      const files = readdirSync(DASHBOARDS).filter((name) => name.endsWith('.json'));
      expect(files.sort()).toEqual(['patchline-controllers.json', 'patchline-fleets.json']);
      let expressions = 0;
      for (const file of files) {
        const dashboard = JSON.parse(await readFile(join(DASHBOARDS, file), 'utf8'));
        for (const panel of panelsOf(dashboard)) {
          if (panel.type === 'row') continue;
          expect(panel.targets?.length ?? 0, `${file}: ${panel.title}`).toBeGreaterThan(0);
          for (const target of panel.targets ?? []) {
            // Grafana's variables, as it would fill them in: one fleet, and a rate window of several scrapes.
            const expr = target.expr.replaceAll('$fleet', 'obs').replaceAll('$__rate_interval', '30s');
            expect(expr, `${file}: ${panel.title}`).not.toContain('$');
            const result = await until(`data for "${panel.title}" (${file}): ${expr}`, async () => {
              const samples = await query(expr);
              return samples.length > 0 ? samples : undefined;
            });
            expect(result.length).toBeGreaterThan(0);
            expressions++;
          }
        }
      }
      expect(expressions).toBe(26);

      // promtool's lint finds nothing to say about what the controller exports, with every family populated.
      const exported = await (await fetch(`${server.url}/metrics`)).text();
      expect(exported).toContain('patchline_fleetlock_holders{fleet="obs",group="default"} 1');
      const lint = spawnSync('promtool', ['check', 'metrics'], { input: exported, encoding: 'utf8' });
      expect(lint.status, lint.stdout + lint.stderr).toBe(0);
      expect(lint.stdout + lint.stderr).toBe('');

      // What the panels show is what happened.
      expect((await query('patchline_rollout_phase{fleet="obs",rollout="v2"}')).map((s) => s.metric.phase)).toEqual([
        'halted',
      ]);
      expect(Number((await query('patchline_fleet_hosts_online{fleet="lab"}'))[0]?.value[1])).toBe(0);
      expect(
        Number((await query('patchline_fleet_oldest_open_fix_seconds{fleet="obs"}'))[0]?.value[1]),
      ).toBeGreaterThan(10 * 86_400);

      const firing = await until(
        'the alerts to fire',
        async () => {
          const now = (await alerts()).filter((alert) => alert.state === 'firing');
          const names = new Set(now.map((alert) => alert.labels.alertname));
          const wanted = [
            'PatchlineRolloutHalted',
            'PatchlineHostsOffline',
            'PatchlineExposureOverPolicy',
            'PatchlineGatewayUpstreamFailing',
          ];
          return wanted.every((name) => names.has(name)) ? now : undefined;
        },
        90_000,
      );
      const labelsOf = (name: string) =>
        firing
          .filter((alert) => alert.labels.alertname === name)
          .map(({ labels }) => {
            const { alertname: _name, severity: _severity, ...rest } = labels;
            return rest;
          });
      expect(labelsOf('PatchlineRolloutHalted')).toEqual([{ fleet: 'obs', rollout: 'v2', phase: 'halted' }]);
      expect(labelsOf('PatchlineHostsOffline')).toEqual([{ fleet: 'lab' }]);
      expect(labelsOf('PatchlineExposureOverPolicy')).toEqual([{ fleet: 'obs' }]);
      expect(labelsOf('PatchlineGatewayUpstreamFailing')).toEqual([{ instance: new URL(server.url).host }]);
      // The one controller holds the decider lease.
      expect((await alerts()).filter((alert) => alert.labels.alertname === 'PatchlineNoDecider')).toEqual([]);
      expect([...pullStatuses]).toEqual([503]);
      for (const each of [...hosts, lab]) expect(each.failures, each.name).toEqual([]);
    }, 300_000);
  },
);
