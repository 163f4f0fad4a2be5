// `bootc status --format=json` as a bootc 1.x host prints it, booted from `repository`: the document the benchmarks'
// simulated hosts report (the same shape as test/helpers/fleet-docs.ts, with a version string as real images carry).

export function bootcStatus(repository, booted, rollback) {
  const entry = (imageDigest) =>
    imageDigest === undefined
      ? null
      : {
          image: {
            image: { image: `${repository}:stable`, transport: 'registry', signature: 'containerPolicy' },
            version: '42.20261122.0',
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
      staged: null,
      booted: entry(booted),
      rollback: entry(rollback),
      rollbackQueued: false,
      type: 'bootcHost',
    },
  };
}
