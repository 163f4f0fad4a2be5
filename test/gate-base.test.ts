import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdvisoryDatabase } from '../src/advisories/database.js';
import { importPaths } from '../src/advisories/import-paths.js';
import { lookupBase } from '../src/policy/base-lookup.js';
import { type GateResult, gateImage, type RuleResult } from '../src/policy/index.js';
import { baseImage, baseLayer, gateToolsMissing, rpmImage } from './helpers/gate-images.js';
import { hasBinary, startRegistry, type TestRegistry } from './helpers/registry.js';
import { tempDir } from './helpers/tmp.js';

/*
 * base.mustBeLatest against a real registry (CNCF distribution): the base image is pushed with skopeo, the image under
 * test is built on the same base layer and labelled with org.opencontainers.image.base.name/.digest, then the base's
 * tag is moved by pushing a rebuilt base. The digests the rule compares are read back with `skopeo inspect`.
 */

const run = promisify(execFile);
const SHARED = resolve(import.meta.dirname, '../../shared');
const RECORD = join(SHARED, 'fixtures/vuln/osv-almalinux/almalinux9__ALSA-2024:0001.json');
const SKIP = !existsSync(RECORD)
  ? '../shared is absent'
  : (gateToolsMissing() ??
    (['skopeo', 'docker-registry'].find((tool) => !hasBinary(tool))
      ? 'skopeo or docker-registry is missing'
      : undefined));
const NOW = '2026-09-01T00:00:00Z';

function baseRule(result: GateResult): RuleResult {
  return result.rules.find((r) => r.rule === 'base.mustBeLatest')!;
}

describe.skipIf(SKIP !== undefined)(
  SKIP ? `gate base.mustBeLatest (skipped: ${SKIP})` : 'gate base.mustBeLatest',
  () => {
    let registry: TestRegistry;
    let work: string;
    let db: string;
    let tag: string;
    let labelled: string;
    let unlabelled: string;
    let pinnedToMissing: string;
    let firstDigest: string;
    let base: string;
    // The base's manifest and config are fetched into a cache of the test's own, not the user's.
    const options = () => ({ db, now: NOW, image: { cacheDir: join(work, 'cache') } });

    async function push(dir: string, name: string): Promise<string> {
      await run('skopeo', ['copy', '--quiet', `oci:${dir}:${name}`, `docker://${tag}`, '--dest-tls-verify=false']);
      const { stdout } = await run('skopeo', [
        'inspect',
        '--tls-verify=false',
        '--format',
        '{{.Digest}}',
        `docker://${tag}`,
      ]);
      return stdout.trim();
    }

    async function policy(name: string, mustBeLatest: string): Promise<string> {
      const file = join(work, `${name}.yaml`);
      await writeFile(
        file,
        `apiVersion: patchline.dev/v1\nkind: Policy\nmetadata: {name: base}\nspec:\n  base: {mustBeLatest: ${mustBeLatest}}\n`,
      );
      return file;
    }

    beforeAll(async () => {
      registry = await startRegistry();
      work = await tempDir('patchline-gate-base-');
      db = join(work, 'advisories.db');
      const database = AdvisoryDatabase.open(db);
      try {
        await importPaths(database, [RECORD], { at: '2026-08-31T00:00:00Z' });
      } finally {
        database.close();
      }
      tag = `${registry.host}/os/base:9`;
      base = await baseLayer(work);
      firstDigest = await push(await baseImage(work, 'base-v1', [base]), 'base-v1');
      const labels = { 'org.opencontainers.image.base.name': tag, 'org.opencontainers.image.base.digest': firstDigest };
      labelled = (await rpmImage(work, 'labelled', { base, rpms: [], labels })).ref;
      unlabelled = (await rpmImage(work, 'unlabelled', { base, rpms: [] })).ref;
      pinnedToMissing = (
        await rpmImage(work, 'missing-base', {
          base,
          rpms: [],
          labels: { 'org.opencontainers.image.base.name': `${registry.host}/os/gone:9` },
        })
      ).ref;
    }, 120_000);

    afterAll(async () => {
      await registry?.stop();
    });

    it('passes while the tag still points at the base the image was built on, then fails once it moved', async () => {
      const byLabel = await policy('label', 'true');
      const byReference = await policy('reference', tag);
      const before = await gateImage(labelled, byLabel, options());
      expect(baseRule(before)).toMatchObject({
        outcome: 'pass',
        inputs: { expectedDigest: firstDigest, from: 'label' },
      });
      expect(before.image.base).toEqual({ name: tag, digest: firstDigest });
      // Named in the policy, with no digest label: the base's layers are the image's first layers.
      const unlabelledBefore = await gateImage(unlabelled, byReference, options());
      expect(baseRule(unlabelledBefore)).toMatchObject({ outcome: 'pass', inputs: { from: 'policy', baseLayers: 1 } });

      // The base is rebuilt (one more layer) and pushed to the same tag.
      const extra = join(work, 'extra');
      await mkdir(join(extra, 'etc'), { recursive: true });
      await writeFile(join(extra, 'etc/motd'), 'rebuilt base\n');
      await run('tar', ['--numeric-owner', '-C', extra, '-cf', `${extra}.tar`, '.']);
      const { stdout } = await run('sh', ['-c', 'ls "$1"/base-root-*.tar', 'sh', work]);
      const movedDigest = await push(await baseImage(work, 'base-v2', [stdout.trim(), `${extra}.tar`]), 'base-v2');
      expect(movedDigest).not.toBe(firstDigest);

      const after = await gateImage(labelled, byLabel, options());
      expect(after.verdict).toBe('fail');
      expect(baseRule(after)).toMatchObject({
        outcome: 'fail',
        message: expect.stringContaining(`has moved to ${movedDigest}`),
      });
      const unlabelledAfter = await gateImage(unlabelled, byReference, options());
      expect(baseRule(unlabelledAfter)).toMatchObject({ outcome: 'fail', inputs: { baseLayers: 2 } });
    });

    it('fails closed when the base cannot be found or is not named', async () => {
      const gone = await gateImage(pinnedToMissing, await policy('gone', 'true'), options());
      expect(baseRule(gone)).toMatchObject({
        outcome: 'fail',
        message: expect.stringContaining('could not be looked up'),
      });
      const unnamed = await gateImage(unlabelled, await policy('unnamed', 'true'), options());
      expect(baseRule(unnamed)).toMatchObject({
        outcome: 'fail',
        message: expect.stringContaining('no org.opencontainers.image.base.name label'),
      });
    });
  },
);

describe.skipIf(SKIP !== undefined)(
  SKIP ? `gate base lookup credentials (skipped: ${SKIP})` : 'gate base lookup credentials',
  () => {
    it("sends --creds given for the image's registry to that registry only", async () => {
      const registry = await startRegistry({ kind: 'htpasswd', users: { alice: 'secret' } });
      try {
        const work = await tempDir('patchline-gate-creds-');
        const dir = await baseImage(work, 'base', [await baseLayer(work)]);
        const tag = `${registry.host}/os/base:9`;
        await run('skopeo', [
          'copy',
          '--quiet',
          '--dest-creds',
          'alice:secret',
          `oci:${dir}:base`,
          `docker://${tag}`,
          '--dest-tls-verify=false',
        ]);
        const image = { reference: 'x', labels: {}, diffIds: [], bootc: false, packages: [], platform: 'linux/amd64' };
        const options = {
          credentials: { username: 'alice', password: 'secret' },
          authFiles: [],
          cacheDir: join(work, 'cache'),
        };
        const same = await lookupBase({ mustBeLatest: tag }, { ...image, registry: registry.host }, options);
        expect(same).toMatchObject({ kind: 'found', reference: tag });
        const other = await lookupBase({ mustBeLatest: tag }, { ...image, registry: 'registry.example.com' }, options);
        expect(other).toMatchObject({ kind: 'error', reference: tag });
        expect(registry.log()).toMatch(/401|unauthorized|authentication/i);
      } finally {
        await registry.stop();
      }
    });
  },
);
