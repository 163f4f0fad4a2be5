import {
  API_VERSION,
  type Fleet,
  fleetOfLabels,
  type Host,
  hostLastSeen,
  hostOfflineAfterMs,
  isOnline,
} from '../fleet/index.js';
import type { Stored } from '../store/index.js';

/** A resource as the API answers with it: its stored version in metadata.resourceVersion, as Kubernetes does. */
export function present<T extends { metadata: object }>(stored: Stored<T>): T {
  return {
    ...stored.resource,
    metadata: { ...stored.resource.metadata, resourceVersion: String(stored.resourceVersion) },
  };
}

export function list(kind: string, items: unknown[]): { apiVersion: string; kind: string; items: unknown[] } {
  return { apiVersion: API_VERSION, kind: `${kind}List`, items };
}

/** A host with its fleet and whether it is online, judged as the decider judges it (fleet/online.ts). */
export function presentHost(stored: Stored<Host>, fleets: ReadonlyArray<Stored<Fleet>>, now: number): Host {
  const host = present(stored);
  const fleet = fleetOfLabels(fleets, host.metadata.labels)?.resource;
  return {
    ...host,
    status: {
      ...host.status,
      online: isOnline(hostLastSeen(host), hostOfflineAfterMs(fleet), now),
      ...(fleet === undefined ? {} : { fleet: fleet.metadata.name }),
    },
  };
}

/** The version a request names in metadata.resourceVersion, if any. */
export function requestedVersion(body: unknown): number | undefined {
  const value = (body as { metadata?: { resourceVersion?: unknown } } | undefined)?.metadata?.resourceVersion;
  if (value === undefined || value === null || value === '') return undefined;
  const number = Number(value);
  return Number.isInteger(number) && number > 0 ? number : Number.NaN;
}
