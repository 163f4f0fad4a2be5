// What the benchmarks' simulated hosts report: test/helpers/fleet-docs.ts's `bootc status`, with the version string
// real images carry (it is part of every stored report, so of the bytes the store benchmarks measure).
import type { BootcHost } from '../../src/fleet/index.js';
import { bootcStatus } from '../../test/helpers/fleet-docs.js';

const IMAGE_VERSION = '42.20261122.0';

export function hostStatus(repository: string, booted: string, rollback?: string): BootcHost {
  return bootcStatus(booted, undefined, rollback, { repository, version: IMAGE_VERSION });
}
