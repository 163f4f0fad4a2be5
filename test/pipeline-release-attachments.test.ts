/**
 * The pipeline's release step over the admin API of a real controller (listening on a port, the CLI's client): a
 * release carries the gate evidence document the run wrote and, when the image the run diffed from is the fleet's
 * newest release, the image diff; a fleet whose newest release is another image gets the evidence and no diff.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ControllerClient } from '../src/cli/controller-client.js';
import { httpPipelineController } from '../src/cli/pipeline-controller.js';
import type { Pipeline } from '../src/fleet/index.js';
import { carryOutPromotion, fleetStates } from '../src/pipeline/advance-promotion.js';
import { releaseDiffOf } from '../src/report/release-diff.js';
import { createServer, type PatchlineServer } from '../src/server/index.js';
import { Store } from '../src/store/index.js';
import { digest, fleetDoc } from './helpers/fleet-docs.js';
import { FIXTURE_REPOSITORY, releaseFixture } from './helpers/release-attachments.js';
import { tempDir } from './helpers/tmp.js';

const ADMIN = 'pipeline-release-attachments-admin-token';
const NOW = Date.parse('2026-12-07T10:00:00Z');
const OLD = digest(0x41);
const NEW = digest(0x42);
const OTHER = digest(0x43);

let opened: { server: PatchlineServer; store: Store } | undefined;
afterEach(async () => {
  await opened?.server.app.close();
  await opened?.store.close();
  opened = undefined;
});

describe("the pipeline's release step", () => {
  it('sends the evidence document, and the diff only to a fleet whose newest release it starts from', async () => {
    const store = await Store.open(join(await tempDir('patchline-pipeline-release-'), 'controller.db'));
    const server = await createServer({ store, adminToken: ADMIN, clock: () => NOW });
    opened = { server, store };
    const address = await server.app.listen({ host: '127.0.0.1', port: 0 });
    const controller = httpPipelineController(new ControllerClient(address, ADMIN));
    for (const [fleet, image] of [
      ['canary', OLD],
      ['production', OTHER],
    ] as const) {
      await store.createFleet(
        { ...fleetDoc(fleet), spec: { ...fleetDoc(fleet).spec, image: FIXTURE_REPOSITORY } },
        NOW,
      );
      await store.createRelease(
        {
          apiVersion: 'patchline.dev/v1',
          kind: 'Release',
          metadata: { name: `${fleet}-1` },
          spec: { fleet, image: `${FIXTURE_REPOSITORY}@${image}`, gate: { passed: false } },
        },
        NOW - 60_000,
      );
    }
    const pipeline: Pipeline = {
      apiVersion: 'patchline.dev/v1',
      kind: 'Pipeline',
      metadata: { name: 'os' },
      spec: {
        source: { containerfile: 'Containerfile' },
        publish: { repository: FIXTURE_REPOSITORY },
        promote: [{ fleet: 'canary' }, { fleet: 'production' }],
      },
    };
    const fixture = releaseFixture(OLD, NEW);
    const evidence = `sha256:${createHash('sha256').update(fixture.evidence).digest('hex')}`;
    await carryOutPromotion(
      pipeline,
      {
        reference: `${FIXTURE_REPOSITORY}@${NEW}`,
        digest: NEW,
        evidence,
        shipped: [],
        evidenceDocument: fixture.evidence,
        diff: releaseDiffOf(fixture.diff),
      },
      {
        states: [],
        actions: [
          { action: 'release', fleet: 'canary', name: 'canary-2' },
          { action: 'release', fleet: 'production', name: 'production-2' },
        ],
      },
      controller,
      () => NOW,
      await fleetStates(pipeline, controller),
    );
    const canary = await store.releaseAttachments('canary-2');
    expect(canary?.evidence).toBe(fixture.evidence);
    expect(JSON.parse(canary?.diff ?? 'null')).toEqual(releaseDiffOf(fixture.diff));
    const production = await store.releaseAttachments('production-2');
    expect(production).toEqual({ evidence: fixture.evidence });
    expect((await store.getRelease('production-2'))?.resource.spec.gate).toEqual({ passed: true, evidence });
  });
});
