/**
 * Rollouts driven through the registry gateway alone, end to end: 20 simulated bootc hosts (the controller issue's
 * host simulator) learn what to run only by pulling `fleets/e2e/os:latest` through the gateway with skopeo, as bootc's
 * update timer would; a few of them pull the whole image. The upstream is a real docker-registry with htpasswd auth.
 *
 * Oracles: the digests come from skopeo reading the upstream registry directly; what each simulated host booted is
 * tracked in this process, independently of the controller; batch sizes follow from the rollout's spec by arithmetic.
 */

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authFile, type GatewayHarness, release, sha256, skopeo, startGateway } from './helpers/gateway.js';
import { GatewayBootcHost } from './helpers/gateway-bootc-host.js';
import { runHosts } from './helpers/http-bootc-host.js';
import { makeLayoutImage } from './helpers/images.js';
import { pseudoBytes } from './helpers/pseudo-bytes.js';
import { hasBinary, startRegistry, type TestRegistry } from './helpers/registry.js';
import { tempDir } from './helpers/tmp.js';
import { until } from './helpers/until.js';

const missing = ['docker-registry', 'skopeo'].filter((name) => !hasBinary(name));
if (missing.length > 0) console.warn(`skipping the gateway rollout test: ${missing.join(', ')} not installed`);

const CREDS = 'builder:upstream-secret';
const HOST_TICK_MS = 1500;

interface Images {
  v1: string;
  v2: string;
  v3: string;
}

let registry: TestRegistry;
let images: Images;
let gateway: GatewayHarness | undefined;

beforeAll(async () => {
  if (missing.length > 0) return;
  registry = await startRegistry({ kind: 'htpasswd', users: { builder: 'upstream-secret' } });
  const dir = await tempDir('patchline-e2e-images-');
  const pushed: string[] = [];
  for (const version of ['v1', 'v2', 'v3']) {
    const layout = await makeLayoutImage(dir, version, [
      [{ name: 'usr/lib/base.bin', content: pseudoBytes('base', 200_000) }],
      [{ name: 'usr/lib/os-release', content: `VERSION_ID=${version}\n` }],
    ]);
    const target = `docker://${registry.host}/e2e/os:${version}`;
    await skopeo('copy', '--quiet', '--dest-tls-verify=false', '--dest-creds', CREDS, layout.ref, target);
    pushed.push(sha256(await skopeo('inspect', '--raw', '--tls-verify=false', '--creds', CREDS, target)));
  }
  images = { v1: pushed[0] ?? '', v2: pushed[1] ?? '', v3: pushed[2] ?? '' };
}, 120_000);

afterAll(async () => {
  await gateway?.close();
  await registry?.stop();
});

interface RolloutView {
  status?: {
    phase: string;
    halt?: { batch: number; breakdown: Record<string, number> };
    batchResults: Array<{ batch: number; outcome: string; breakdown: { total: number; healthy: number } }>;
    hosts: Record<string, { state: string }>;
  };
}

const FINAL = new Set(['halted', 'rolled-back', 'succeeded', 'aborted']);

async function startRollout(name: string, version: string, batches: unknown[]): Promise<RolloutView> {
  const harness = gateway ?? fail();
  const created = await harness.admin('POST', 'rollouts', {
    apiVersion: 'patchline.dev/v1',
    kind: 'Rollout',
    metadata: { name },
    spec: { release: version, batches, updateTimeout: '60s' },
  });
  expect(created.status, created.body).toBe(201);
  return until(
    `rollout ${name} to end`,
    async () => {
      const view = (await harness.admin('GET', `rollouts/${name}`)).json() as RolloutView;
      return view.status !== undefined && FINAL.has(view.status.phase) ? view : undefined;
    },
    150_000,
  );
}

function fail(): never {
  throw new Error('the gateway did not start');
}

describe.skipIf(missing.length > 0)('rollouts through the registry gateway', () => {
  it('halts release 2 at its failing canaries and brings the fleet back to release 1, then rolls release 3 over 20 hosts in batches', async () => {
    gateway = await startGateway(
      { upstreamAuthFile: await authFile(registry.host, 'builder', 'upstream-secret') },
      { tickMs: 1000 },
    );
    const harness = gateway;
    const repository = `${registry.host}/e2e/os`;
    const fleet = await harness.admin('POST', 'fleets', {
      apiVersion: 'patchline.dev/v1',
      kind: 'Fleet',
      metadata: { name: 'e2e' },
      spec: { selector: { matchLabels: { fleet: 'e2e' } }, image: repository },
    });
    expect(fleet.status, fleet.body).toBe(201);
    for (const [name, digest] of Object.entries(images)) {
      expect((await harness.admin('POST', 'releases', release(name, 'e2e', `${repository}@${digest}`))).status).toBe(
        201,
      );
    }
    const names = Array.from({ length: 20 }, (_, index) => `host-${String(index + 1).padStart(2, '0')}`);
    // Three hosts pull whole images (the first two are the canaries: batches take hosts in name order).
    const fullPullers = new Set(['host-01', 'host-02', 'host-20']);
    const hosts = await Promise.all(
      names.map(async (name, index) => {
        const credential = await harness.enroll(name, { fleet: 'e2e', zone: index % 2 === 0 ? 'a' : 'b' });
        const host = new GatewayBootcHost(harness.url, harness.address, fullPullers.has(name), {
          name,
          labels: { fleet: 'e2e', zone: index % 2 === 0 ? 'a' : 'b' },
          booted: images.v1,
          repository,
          sickImages: new Set([images.v2]),
          downloadMs: 300,
          rebootMs: 600,
        });
        host.credential = credential;
        return host;
      }),
    );
    const running = runHosts(hosts, HOST_TICK_MS);
    try {
      await until(
        'every host to report',
        async () => {
          const stored = await Promise.all(names.map((name) => harness.store.getHost(name)));
          return stored.every((each) => each?.resource.status?.report !== undefined) ? true : undefined;
        },
        60_000,
      );
      expect((await startRollout('roll-v1', 'v1', [])).status?.phase).toBe('succeeded');
      // Before a host's first report no release spoke for it, and the tag was 404 (it keeps its image); from here on
      // every pull must succeed.
      for (const each of hosts) each.pullFailures.splice(0);

      // Release 2: its canaries boot it, fail their health checks, greenboot takes them back; the rollout halts and
      // rolls back, and the gateway's tag answers v1 to everyone again.
      const v2 = await startRollout('roll-v2', 'v2', [{ name: 'canary', limit: 2 }, { limit: '50%' }]);
      expect(v2.status?.phase).toBe('rolled-back');
      // It halts as soon as the canary batch cannot reach its threshold: one failure of two may already be enough.
      expect(v2.status?.halt).toMatchObject({ batch: 0, breakdown: { total: 2, healthy: 0 } });
      expect(v2.status?.halt?.breakdown.failed).toBeGreaterThanOrEqual(1);
      await until(
        'every host back on v1 and told v1',
        async () =>
          hosts.every(
            (each) =>
              each.host.booted === images.v1 && each.host.staged === undefined && each.desired?.digest === images.v1,
          )
            ? true
            : undefined,
        60_000,
      );
      const tried = hosts.filter((each) => each.host.bootedImages.has(images.v2));
      expect(tried.length).toBeGreaterThanOrEqual(1);
      for (const each of tried) {
        expect(['host-01', 'host-02']).toContain(each.name);
        // The canaries pulled release 2 whole through the gateway before they staged it.
        expect(each.copied.has(images.v2), each.name).toBe(true);
      }

      // Release 3 is healthy: it moves over all 20 in batches of 2, 25% (5), 50% (10) and the rest (3).
      const v3 = await startRollout('roll-v3', 'v3', [
        { name: 'canary', limit: 2 },
        { limit: '25%' },
        { limit: '50%' },
      ]);
      expect(v3.status?.phase).toBe('succeeded');
      expect(
        v3.status?.batchResults.map((each) => [each.batch, each.outcome, each.breakdown.total, each.breakdown.healthy]),
      ).toEqual([
        [0, 'succeeded', 2, 2],
        [1, 'succeeded', 5, 5],
        [2, 'succeeded', 10, 10],
        [3, 'succeeded', 3, 3],
      ]);
      await until(
        'every host on v3',
        async () => (hosts.every((each) => each.host.booted === images.v3) ? true : undefined),
        60_000,
      );
      for (const each of hosts) {
        expect([each.name, each.host.health.state]).toEqual([each.name, 'healthy']);
        expect(each.failures, each.name).toEqual([]);
      }
      // A whole pull got exactly the release's manifest: the oci layout skopeo wrote names the v3 digest.
      const host20 = hosts.find((each) => each.name === 'host-20');
      const layout = JSON.parse(await readFile(join(host20?.copied.get(images.v3) ?? '', 'index.json'), 'utf8')) as {
        manifests: Array<{ digest: string }>;
      };
      expect(layout.manifests[0]?.digest).toBe(images.v3);
    } finally {
      await running.stop();
    }
    // No pull failed along the way: every answer came from the gateway.
    for (const each of hosts) expect(each.pullFailures, each.name).toEqual([]);
  }, 300_000);
});
