import { z } from 'zod';
import {
  API_VERSION,
  type Fleet,
  fleetOfLabels,
  type Host,
  hostLastSeen,
  hostOfflineAfterMs,
  isOnline,
  type Pipeline,
  type PipelineRun,
} from '../fleet/index.js';
import type { Store, Stored } from '../store/index.js';

/** A resource as the API answers with it: its stored version in metadata.resourceVersion, as Kubernetes does. */
export function present<T extends { metadata: object }>(stored: Stored<T>): T {
  return {
    ...stored.resource,
    metadata: { ...stored.resource.metadata, resourceVersion: String(stored.resourceVersion) },
  };
}

export function list<K extends string, T>(
  kind: K,
  items: T[],
): { apiVersion: typeof API_VERSION; kind: `${K}List`; items: T[] } {
  return { apiVersion: API_VERSION, kind: `${kind}List`, items };
}

/** The schema of a `…List` answer, for route schemas. */
export function listSchema<K extends string, T extends z.ZodType>(kind: K, item: T) {
  return z.object({ apiVersion: z.literal(API_VERSION), kind: z.literal(`${kind}List`), items: z.array(item) });
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

/** A pipeline with what `pipeline get` shows of its newest runs. */
export async function presentPipeline(store: Store, stored: Stored<Pipeline>): Promise<Pipeline> {
  const pipeline = present(stored);
  const runs = await store.listRuns(pipeline.metadata.name, 20);
  return { ...pipeline, status: pipelineStatus(runs) };
}

/** What `pipeline get` shows, derived from the newest runs rather than stored beside them. */
export function pipelineStatus(runs: readonly PipelineRun[]): Record<string, unknown> {
  const last = runs[0];
  const shipped = runs.find((run) => run.status.outcome === 'shipped');
  const status: Record<string, unknown> = {};
  if (last !== undefined) {
    status.lastRun = {
      name: last.metadata.name,
      outcome: last.status.outcome,
      startedAt: last.status.startedAt,
      ...(last.status.finishedAt === undefined ? {} : { finishedAt: last.status.finishedAt }),
      ...(last.status.message === undefined ? {} : { message: last.status.message }),
    };
  }
  if (shipped?.status.image !== undefined) {
    status.lastShipped = {
      run: shipped.metadata.name,
      image: shipped.status.image.reference,
      at: shipped.status.finishedAt,
    };
  }
  return status;
}

/** The version a request names in metadata.resourceVersion, if any. */
export function requestedVersion(body: unknown): number | undefined {
  const value = (body as { metadata?: { resourceVersion?: unknown } } | undefined)?.metadata?.resourceVersion;
  if (value === undefined || value === null || value === '') return undefined;
  const number = Number(value);
  return Number.isInteger(number) && number > 0 ? number : Number.NaN;
}
