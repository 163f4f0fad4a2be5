/**
 * The gateway's flags on the built `patchline serve`, as users run it: a real upstream registry with htpasswd auth,
 * its credentials in an auth file given with --upstream-auth, the cache where --gateway-cache says, and skopeo pulling
 * through it. Bad flags are usage errors (exit 2) before anything starts.
 */

import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, runCli } from './helpers/cli.js';
import { type ControllerProcess, startController } from './helpers/controller-process.js';
import { authFile, release, sha256, skopeo } from './helpers/gateway.js';
import { makeLayoutImage } from './helpers/images.js';
import { hasBinary, startRegistry, type TestRegistry } from './helpers/registry.js';
import { tempDir } from './helpers/tmp.js';

const missing = ['docker-registry', 'skopeo'].filter((name) => !hasBinary(name));
if (missing.length > 0) console.warn(`skipping the gateway serve test: ${missing.join(', ')} not installed`);

let registry: TestRegistry | undefined;
let controller: ControllerProcess | undefined;

beforeAll(() => {
  ensureBuilt();
}, 300_000);

afterAll(async () => {
  await controller?.kill('SIGKILL');
  await registry?.stop();
});

describe('patchline serve --gateway-*', () => {
  it('refuses unreadable or malformed upstream auth files and bad flag values (exit 2)', async () => {
    const dir = await tempDir('patchline-gateway-serve-');
    const env = { PATCHLINE_ADMIN_TOKEN: 'a-long-enough-admin-token-for-these-checks' };
    const database = join(dir, 'c.db');
    const absent = runCli(['serve', '--database', database, '--upstream-auth', join(dir, 'nope.json')], env);
    expect([absent.status, absent.stderr]).toEqual([
      2,
      expect.stringMatching(/nope\.json: cannot read the upstream auth file \(ENOENT\)/),
    ]);
    const malformed = join(dir, 'auth.json');
    await writeFile(malformed, '{"auth": {}}');
    const wrong = runCli(['serve', '--database', database, '--upstream-auth', malformed], env);
    expect([wrong.status, wrong.stderr]).toEqual([2, expect.stringMatching(/expected a containers auth.json/)]);
    const verify = runCli(['serve', '--database', database, '--upstream-tls-verify', 'maybe'], env);
    expect([verify.status, verify.stderr]).toEqual([2, expect.stringMatching(/--upstream-tls-verify=maybe/)]);
    expect(runCli(['serve', '--database', database, '--gateway-challenge', 'digest'], env).status).toBe(2);
    // Nothing was started or written.
    expect(existsSync(database)).toBe(false);
  });

  it.skipIf(missing.length > 0)(
    'pulls through the gateway with the upstream credentials and cache the flags name',
    async () => {
      registry = await startRegistry({ kind: 'htpasswd', users: { builder: 'upstream-secret' } });
      const dir = await tempDir('patchline-gateway-serve-');
      const layout = await makeLayoutImage(dir, 'v1', [[{ name: 'usr/lib/os-release', content: 'VERSION_ID=1\n' }]]);
      const target = `docker://${registry.host}/site/os:v1`;
      const creds = 'builder:upstream-secret';
      await skopeo('copy', '--quiet', '--dest-tls-verify=false', '--dest-creds', creds, layout.ref, target);
      const raw = await skopeo('inspect', '--raw', '--tls-verify=false', '--creds', creds, target);
      const digest = sha256(raw);
      const cache = join(dir, 'gateway-cache');
      controller = await startController({
        database: join(dir, 'c.db'),
        extraArgs: [
          '--gateway-cache',
          cache,
          '--upstream-auth',
          await authFile(registry.host, 'builder', 'upstream-secret'),
          '--gateway-challenge',
          'basic',
          '--log-level',
          'warn',
        ],
      });
      const api = `${controller.url}/apis/patchline.dev/v1`;
      const admin = { authorization: `Bearer ${controller.adminToken}`, 'content-type': 'application/json' };
      const post = async (path: string, body: unknown) => {
        const response = await fetch(`${api}/${path}`, { method: 'POST', headers: admin, body: JSON.stringify(body) });
        expect(response.status, await response.clone().text()).toBe(201);
        return response.json() as Promise<Record<string, unknown>>;
      };
      await post('fleets', {
        apiVersion: 'patchline.dev/v1',
        kind: 'Fleet',
        metadata: { name: 'site' },
        spec: { selector: { matchLabels: { fleet: 'site' } }, image: `${registry.host}/site/os` },
      });
      await post('releases', release('v1', 'site', `${registry.host}/site/os@${digest}`));
      const { token } = (await post('enrollment-tokens', { labels: { fleet: 'site' } })) as { token: string };
      const enrolled = (await (
        await fetch(`${controller.url}/host/v1/enroll`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ token, name: 'edge-1' }),
        })
      ).json()) as { credential: string };
      await post('rollouts', {
        apiVersion: 'patchline.dev/v1',
        kind: 'Rollout',
        metadata: { name: 'r1' },
        spec: { release: 'v1' },
      });

      const ping = await fetch(`${controller.url}/v2/`);
      expect(ping.headers.get('www-authenticate')).toBe('Basic realm="patchline"');
      const out = join(dir, 'pulled');
      await skopeo(
        'copy',
        '--quiet',
        '--src-tls-verify=false',
        '--src-creds',
        `edge-1:${enrolled.credential}`,
        `docker://${controller.url.replace('http://', '')}/fleets/site/os:latest`,
        `oci:${out}:x`,
      );
      const manifest = JSON.parse(raw.toString()) as { config: { digest: string }; layers: Array<{ digest: string }> };
      for (const blob of [manifest.config, ...manifest.layers]) {
        expect(existsSync(join(out, 'blobs/sha256', blob.digest.slice(7))), blob.digest).toBe(true);
        expect(existsSync(join(cache, 'blobs/sha256', blob.digest.slice(7))), blob.digest).toBe(true);
      }
      expect(existsSync(join(cache, 'manifests/sha256', digest.slice(7)))).toBe(true);
    },
    120_000,
  );
});
