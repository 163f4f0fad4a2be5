import type { BootcHost, Fleet, Host, HostReport, Release, Rollout } from '../../src/fleet/index.js';

/** Small builders for controller resources, shared by the store and server tests. */

export const REPO = 'quay.io/example/os';

export function digest(n: number): string {
  return `sha256:${n.toString(16).padStart(2, '0').repeat(32)}`;
}

export function fleetDoc(name: string, spec: Partial<Fleet['spec']> = {}): Fleet {
  return {
    apiVersion: 'patchline.dev/v1',
    kind: 'Fleet',
    metadata: { name },
    spec: { selector: { matchLabels: { fleet: name } }, image: REPO, ...spec },
  };
}

export function releaseDoc(name: string, fleet: string, digestOf: string, passed = true): Release {
  return {
    apiVersion: 'patchline.dev/v1',
    kind: 'Release',
    metadata: { name },
    spec: { fleet, image: `${REPO}@${digestOf}`, gate: { passed } },
  };
}

export function rolloutDoc(name: string, release: string, spec: Partial<Rollout['spec']> = {}): Rollout {
  return { apiVersion: 'patchline.dev/v1', kind: 'Rollout', metadata: { name }, spec: { release, ...spec } };
}

export function hostDoc(name: string, labels: Record<string, string>): Host {
  return { apiVersion: 'patchline.dev/v1', kind: 'Host', metadata: { name, labels } };
}

/**
 * `bootc status --format=json` in the shape bootc 1.x prints (see ../shared/fixtures/bootc/spec-*.yaml), booted from
 * `image.repository` (REPO unless given); `image.version` is the version label real images carry (none unless given).
 */
export function bootcStatus(
  booted: string,
  staged?: string,
  rollback?: string,
  image: { repository?: string; version?: string } = {},
): BootcHost {
  const repository = image.repository ?? REPO;
  const entry = (imageDigest: string | undefined) =>
    imageDigest === undefined
      ? null
      : {
          image: {
            image: { image: `${repository}:stable`, transport: 'registry', signature: 'containerPolicy' },
            version: image.version ?? null,
            timestamp: null,
            imageDigest,
          },
          cachedUpdate: null,
          incompatible: false,
          pinned: false,
          store: 'ostreeContainer',
          ostree: { checksum: imageDigest.slice(7), deploySerial: 0 },
        };
  return {
    apiVersion: 'org.containers.bootc/v1',
    kind: 'BootcHost',
    metadata: { name: 'host' },
    spec: { image: { image: `${repository}:stable`, transport: 'registry' }, bootOrder: 'default' },
    status: {
      staged: entry(staged),
      booted: entry(booted),
      rollback: entry(rollback),
      rollbackQueued: false,
      type: 'bootcHost',
    },
  };
}

export function report(
  at: number,
  booted: string,
  options: { staged?: string; rollback?: string; healthy?: boolean } = {},
): HostReport {
  return {
    receivedAt: new Date(at).toISOString(),
    bootc: bootcStatus(booted, options.staged, options.rollback),
    health: options.healthy === false ? { state: 'unhealthy', failedChecks: ['app.service'] } : { state: 'healthy' },
  };
}
