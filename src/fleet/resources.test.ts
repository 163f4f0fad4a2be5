import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { bootcHostSchema, bootcIncompatibility, bootedDigest, rollbackDigest, stagedDigest } from './bootc-status.js';
import { releaseBlockers, releaseDigest, releaseDigests } from './releases.js';
import { fleetSchema, hostSchema, releaseSchema, rolloutSchema, rolloutStatusSchema } from './resources.js';
import { resolveRolloutPolicy } from './rollout-policy.js';

const SHARED = resolve(import.meta.dirname, '../../../shared');
const BOOTC = resolve(SHARED, 'fixtures/bootc');
const HAVE_SHARED = existsSync(BOOTC);
const SKIPPED = HAVE_SHARED ? '' : ' (skipped: ../shared is absent)';

const A = '47e5ed613a970b6574bfa954ab25bb6e85656552899aa518b5961d9645102b38';
const STAGED = 'sha256:16dc2b6256b4ff0d2ec18d2dbfb06d117904010c8cf9732cdb022818cf7a7566';
const BOOTED = 'sha256:736b359467c9437c1ac915acaae952aad854e07eb4a16a94999a48af08c83c34';

function fixtures(): Array<[string, unknown]> {
  if (!HAVE_SHARED) return [];
  return readdirSync(BOOTC)
    .filter((name) => name.startsWith('spec-'))
    .sort()
    .map((name) => {
      const text = readFileSync(resolve(BOOTC, name), 'utf8');
      return [name, name.endsWith('.json') ? JSON.parse(text) : parseYaml(text)];
    });
}

describe(`BootcHost status documents${SKIPPED}`, () => {
  const documents = fixtures();

  it.skipIf(!HAVE_SHARED)('reads every real `bootc status` output in the fixtures', () => {
    expect(documents.map(([name]) => name)).toEqual([
      'spec-only-booted.yaml',
      'spec-ostree-to-bootc.yaml',
      'spec-staged-booted.yaml',
      'spec-staged-rollback.yaml',
      'spec-v1-null.json',
      'spec-via-local-oci.yaml',
    ]);
    const read = Object.fromEntries(
      documents.map(([name, document]) => {
        const host = bootcHostSchema.parse(document);
        return [
          name,
          {
            booted: bootedDigest(host),
            staged: stagedDigest(host),
            rollback: rollbackDigest(host),
            unfit: bootcIncompatibility(host),
          },
        ];
      }),
    );
    expect(read).toEqual({
      'spec-only-booted.yaml': { booted: `sha256:${A}`, staged: undefined, rollback: undefined, unfit: undefined },
      'spec-ostree-to-bootc.yaml': {
        booted: undefined,
        staged: `sha256:${A}`,
        rollback: undefined,
        unfit: 'the booted deployment was not made from a container image',
      },
      'spec-staged-booted.yaml': { booted: BOOTED, staged: STAGED, rollback: undefined, unfit: undefined },
      'spec-staged-rollback.yaml': {
        booted: undefined,
        staged: STAGED,
        rollback: BOOTED,
        unfit: 'bootc reports no booted deployment',
      },
      'spec-v1-null.json': {
        booted: undefined,
        staged: undefined,
        rollback: undefined,
        unfit: 'bootc reports no booted deployment',
      },
      'spec-via-local-oci.yaml': { booted: `sha256:${A}`, staged: undefined, rollback: undefined, unfit: undefined },
    });
  });

  it.skipIf(!HAVE_SHARED)(
    'reads documents that bootc’s own JSON Schema accepts, keeping the fields it does not read',
    () => {
      const ajv = new Ajv({ strict: false });
      addFormats.default(ajv);
      ajv.addFormat('uint32', {
        type: 'number',
        validate: (n: number) => Number.isInteger(n) && n >= 0 && n < 2 ** 32,
      });
      const validate = ajv.compile(JSON.parse(readFileSync(resolve(BOOTC, 'host-v1.schema.json'), 'utf8')));
      for (const [name, document] of documents) {
        expect(validate(document), `${name}: ${ajv.errorsText(validate.errors)}`).toBe(true);
      }
      const [, staged] = documents.find(([name]) => name === 'spec-staged-booted.yaml') ?? [];
      expect(bootcHostSchema.parse(staged).status).toHaveProperty('isContainer', false);
    },
  );

  it('rejects what rollouts cannot trust', () => {
    const base = { apiVersion: 'org.containers.bootc/v1', kind: 'BootcHost' };
    const entry = (imageDigest: string) => ({
      image: { image: { image: 'quay.io/x/os', transport: 'registry' }, imageDigest },
      incompatible: false,
      pinned: false,
    });
    expect(bootcHostSchema.safeParse({ ...base, status: { booted: entry(BOOTED) } }).success).toBe(true);
    expect(bootcHostSchema.safeParse({ ...base, kind: 'Host' }).success).toBe(false);
    expect(bootcHostSchema.safeParse({ ...base, apiVersion: 'org.containers.bootc/v2' }).success).toBe(false);
    expect(bootcHostSchema.safeParse({ ...base, status: { booted: entry('sha256:abc') } }).success).toBe(false);
    expect(bootcHostSchema.safeParse({ ...base, status: { booted: { image: null } } }).success).toBe(false);
  });
});

const FLEET_YAML = `
apiVersion: patchline.dev/v1
kind: Fleet
metadata: { name: web, labels: { team: platform } }
spec:
  selector: { matchLabels: { role: web }, matchExpressions: [{ key: zone, operator: In, values: [a, b] }] }
  image: quay.io/example/web-os
  rolloutPolicy:
    batches: [{ name: canary, limit: 1 }, { selector: { matchLabels: { zone: a } }, limit: 50% }]
    successThreshold: 0.95
    updateTimeout: 45m
    onFailure: rollback
  maintenanceWindows:
    download: [{ schedule: "0 * * * *", timeZone: UTC, duration: 50m }]
    reboot: [{ schedule: "0 2 * * mon-fri", timeZone: Europe/Berlin, duration: 3h }]
  disruptionBudget: { groupBy: rack, maxUnavailable: 25% }
`;

const RELEASE_YAML = `
apiVersion: patchline.dev/v1
kind: Release
metadata: { name: web-2024-05-01 }
spec:
  fleet: web
  image: quay.io/example/web-os@${BOOTED}
  platformDigests: [${STAGED}]
  gate: { passed: false, evidence: "CVE-2024-0001 fix available 3 days, not shipped" }
  force: { reason: "hotfix for the outage", by: alice }
`;

describe('resources', () => {
  it('reads a fleet and a release as people write them', () => {
    const fleet = fleetSchema.parse(parseYaml(FLEET_YAML));
    const release = releaseSchema.parse(parseYaml(RELEASE_YAML));
    expect(releaseDigest(release)).toBe(BOOTED);
    expect([...releaseDigests(release)]).toEqual([BOOTED, STAGED]);
    // Forced with a reason, so its failed gate does not block it.
    expect(releaseBlockers(release, fleet)).toEqual([]);
    const unforced = { ...release, spec: { ...release.spec, force: undefined } };
    expect(releaseBlockers(unforced, fleet)).toEqual([
      'release web-2024-05-01 failed its gate; force it with a reason to roll it out',
    ]);
    const elsewhere = { ...release, spec: { ...release.spec, fleet: 'db', image: `quay.io/example/db-os@${BOOTED}` } };
    expect(releaseBlockers(elsewhere, fleet)).toHaveLength(2);
  });

  it('layers the rollout policy: defaults, then the fleet, then the rollout', () => {
    const fleet = fleetSchema.parse(parseYaml(FLEET_YAML));
    const rollout = rolloutSchema.parse({
      apiVersion: 'patchline.dev/v1',
      kind: 'Rollout',
      metadata: { name: 'web-2024-05-01' },
      spec: { release: 'web-2024-05-01', successThreshold: 1, approval: 'manual' },
    });
    expect(resolveRolloutPolicy(fleet.spec.rolloutPolicy, rollout.spec)).toEqual({
      batches: fleet.spec.rolloutPolicy?.batches,
      successThreshold: 1,
      updateTimeoutMs: 45 * 60_000,
      offlineTimeoutMs: 30 * 60_000,
      onFailure: 'rollback',
      approval: 'manual',
    });
  });

  it('names what is wrong and where', () => {
    const result = fleetSchema.safeParse({
      apiVersion: 'patchline.dev/v1',
      kind: 'Fleet',
      metadata: { name: 'Web_1' },
      spec: {
        selector: { matchExpressions: [{ key: 'zone', operator: 'In' }] },
        image: 'quay.io/example/os:latest',
        rolloutPolicy: { batches: [{ limit: '150%' }], successThreshold: 2 },
        disruptionBudget: { groupBy: 'rack', maxUnavailable: 0 },
      },
    });
    expect(result.error?.issues.map((issue) => issue.path.join('.'))).toEqual([
      'metadata.name',
      'spec.selector.matchExpressions.0',
      'spec.image',
      'spec.rolloutPolicy.batches.0.limit',
      'spec.rolloutPolicy.successThreshold',
      'spec.disruptionBudget.maxUnavailable',
    ]);
    expect(
      releaseSchema.safeParse({ ...parseYaml(RELEASE_YAML), spec: { fleet: 'web', image: 'quay.io/x/os:latest' } })
        .success,
    ).toBe(false);
  });

  it('validates hosts with their bootc report and the rollout status it produces', () => {
    const host = hostSchema.parse({
      apiVersion: 'patchline.dev/v1',
      kind: 'Host',
      metadata: { name: 'web-01', labels: { role: 'web' } },
      status: {
        lastSeen: '2024-05-01T10:00:00Z',
        report: {
          receivedAt: '2024-05-01T10:00:00Z',
          bootc: { apiVersion: 'org.containers.bootc/v1', kind: 'BootcHost', status: { booted: null } },
          health: { state: 'unhealthy', failedChecks: ['nginx'] },
        },
        failedDigests: [{ digest: BOOTED, at: '2024-05-01T09:00:00Z', rollout: 'web-1' }],
      },
    });
    expect(host.status?.report?.health).toEqual({ state: 'unhealthy', failedChecks: ['nginx'] });
    expect(
      hostSchema.safeParse({
        ...host,
        status: { report: { ...host.status?.report, health: { state: 'unhealthy', failedChecks: [] } } },
      }).success,
    ).toBe(false);
    expect(
      rolloutStatusSchema.safeParse({
        phase: 'progressing',
        batch: 0,
        hosts: { 'web-01': { state: 'selected', reason: 'selected', since: '2024-05-01T10:00:00.000Z', batch: 0 } },
        batchResults: [],
        startedAt: '2024-05-01T10:00:00.000Z',
      }).success,
    ).toBe(true);
  });

  it('converts to JSON Schema, for the server’s OpenAPI document', () => {
    for (const schema of [hostSchema, fleetSchema, releaseSchema, rolloutSchema]) {
      const json = z.toJSONSchema(schema, { io: 'input' });
      expect(json).toHaveProperty('properties.apiVersion');
      expect(json).toHaveProperty('properties.spec');
    }
  });
});
