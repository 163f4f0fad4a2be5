/**
 * The registry gateway's Prometheus counters, from real pulls: skopeo pulls one release through the gateway twice
 * (cold, then warm), and /metrics must say where the blobs came from, what upstream cost, and how requests ended.
 */

import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GatewayHarness, release, sha256, skopeo, startGateway } from './helpers/gateway.js';
import { makeLayoutImage } from './helpers/images.js';
import { hasBinary, startRegistry, type TestRegistry } from './helpers/registry.js';
import { tempDir } from './helpers/tmp.js';

const missing = ['docker-registry', 'skopeo'].filter((name) => !hasBinary(name));
if (missing.length > 0) console.warn(`skipping the gateway metrics test: ${missing.join(', ')} not installed`);

let registry: TestRegistry | undefined;
let gateway: GatewayHarness | undefined;

afterAll(async () => {
  await gateway?.close();
  await registry?.stop();
});

function sampleOf(text: string, series: string): number {
  const line = text.split('\n').find((each) => each.startsWith(`${series} `));
  if (line === undefined) throw new Error(`no ${series} in /metrics:\n${text}`);
  return Number(line.slice(series.length + 1));
}

describe.skipIf(missing.length > 0)('registry gateway metrics', () => {
  let digest = '';
  let blobs: Array<{ digest: string; size: number }> = [];

  beforeAll(async () => {
    registry = await startRegistry({ kind: 'none' });
    const dir = await tempDir('patchline-gateway-metrics-');
    const layout = await makeLayoutImage(dir, 'v1', [
      [{ name: 'usr/lib/os-release', content: 'VERSION_ID=1\n' }],
      [{ name: 'usr/bin/app', content: 'app v1' }],
    ]);
    const target = `docker://${registry.host}/metrics/os:v1`;
    await skopeo('copy', '--quiet', '--dest-tls-verify=false', layout.ref, target);
    const raw = await skopeo('inspect', '--raw', '--tls-verify=false', target);
    digest = sha256(raw);
    const manifest = JSON.parse(raw.toString()) as {
      config: { digest: string; size: number };
      layers: Array<{ digest: string; size: number }>;
    };
    blobs = [manifest.config, ...manifest.layers];
    gateway = await startGateway();
  }, 120_000);

  it('counts cache hits, upstream downloads and their bytes, and requests by kind and code', async () => {
    const harness =
      gateway ??
      (() => {
        throw new Error('no gateway');
      })();
    const repository = `${registry?.host}/metrics/os`;
    expect(
      (
        await harness.admin('POST', 'fleets', {
          apiVersion: 'patchline.dev/v1',
          kind: 'Fleet',
          metadata: { name: 'metrics' },
          spec: { selector: { matchLabels: { fleet: 'metrics' } }, image: repository },
        })
      ).status,
    ).toBe(201);
    expect((await harness.admin('POST', 'releases', release('m1', 'metrics', `${repository}@${digest}`))).status).toBe(
      201,
    );
    const credential = await harness.enroll('m-01', { fleet: 'metrics' });
    const pull = async (into: string) =>
      skopeo(
        'copy',
        '--quiet',
        '--src-tls-verify=false',
        '--src-creds',
        `m-01:${credential}`,
        `docker://${harness.address}/fleets/metrics/os@${digest}`,
        `oci:${join(await tempDir('patchline-pulled-'), into)}:x`,
      );
    await pull('cold');
    await pull('warm');
    // A repository that is not this host's fleet: refused, and counted as such.
    const denied = await fetch(`${harness.url}/v2/fleets/other/os/manifests/latest`, {
      headers: { authorization: `Basic ${Buffer.from(`m-01:${credential}`).toString('base64')}` },
    });
    expect(denied.status).toBe(403);

    const text = await (await fetch(`${harness.url}/metrics`)).text();
    expect(text).toContain('# TYPE patchline_gateway_requests_total counter');
    expect(sampleOf(text, 'patchline_gateway_blob_opens_total{source="upstream"}')).toBe(blobs.length);
    expect(sampleOf(text, 'patchline_gateway_blob_opens_total{source="cache"}')).toBe(blobs.length);
    expect(sampleOf(text, 'patchline_gateway_upstream_bytes_total')).toBe(
      blobs.reduce((sum, blob) => sum + blob.size, 0),
    );
    expect(sampleOf(text, 'patchline_gateway_upstream_failures_total')).toBe(0);
    // Every blob was asked for twice and answered 200 both times.
    expect(sampleOf(text, 'patchline_gateway_requests_total{kind="blob",code="200"}')).toBe(2 * blobs.length);
    expect(sampleOf(text, 'patchline_gateway_requests_total{kind="manifest",code="200"}')).toBeGreaterThanOrEqual(2);
    expect(sampleOf(text, 'patchline_gateway_requests_total{kind="manifest",code="403"}')).toBe(1);
  }, 120_000);
});
