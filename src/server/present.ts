import {
  API_VERSION,
  DEFAULT_HOST_OFFLINE_AFTER,
  type Fleet,
  fleetOfLabels,
  fromTimestamp,
  type Host,
  parseDuration,
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

/** A host with whether it is online, judged by its fleet's hostOfflineAfter (5m when it has no fleet). */
export function presentHost(stored: Stored<Host>, fleets: ReadonlyArray<Stored<Fleet>>, now: number): Host {
  const host = present(stored);
  const fleet = fleetOfLabels(fleets, host.metadata.labels);
  const offlineAfter = parseDuration(fleet?.resource.spec.hostOfflineAfter ?? DEFAULT_HOST_OFFLINE_AFTER);
  const lastSeen = host.status?.lastSeen;
  const online = lastSeen !== undefined && now - fromTimestamp(lastSeen) <= offlineAfter;
  return {
    ...host,
    status: {
      ...host.status,
      online,
      ...(fleet === undefined ? {} : { fleet: fleet.resource.metadata.name }),
    } as Host['status'],
  };
}

/** The version a request names in metadata.resourceVersion, if any. */
export function requestedVersion(body: unknown): number | undefined {
  const value = (body as { metadata?: { resourceVersion?: unknown } } | undefined)?.metadata?.resourceVersion;
  if (value === undefined || value === null || value === '') return undefined;
  const number = Number(value);
  return Number.isInteger(number) && number > 0 ? number : Number.NaN;
}
