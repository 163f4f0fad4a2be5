import { parseDuration } from './duration.js';
import { fromTimestamp } from './instant.js';
import { DEFAULT_HOST_OFFLINE_AFTER, type Fleet, type Host } from './resources.js';

/**
 * The one definition of "online", shared by the decider, the API, the console and /metrics: a host is online while
 * its last sign of life (any call, or a report) is at most its fleet's hostOfflineAfter old, the bound included. A
 * host never seen is offline.
 */
export function isOnline(lastSeenMs: number | undefined, offlineAfterMs: number, now: number): boolean {
  return lastSeenMs !== undefined && now - lastSeenMs <= offlineAfterMs;
}

/** The fleet's hostOfflineAfter in milliseconds (5m for a host in no fleet, or a fleet that does not say). */
export function hostOfflineAfterMs(fleet: Fleet | undefined): number {
  return parseDuration(fleet?.spec.hostOfflineAfter ?? DEFAULT_HOST_OFFLINE_AFTER);
}

/**
 * The latest of the host's last call and its last report. The store moves lastSeen with every report, but a host
 * document need not come from the store (a test, a simulation), and a report is a sign of life whatever lastSeen says.
 */
export function hostLastSeen(host: Host): number | undefined {
  const seen = [host.status?.lastSeen, host.status?.report?.receivedAt]
    .filter((timestamp): timestamp is string => timestamp !== undefined)
    .map(fromTimestamp);
  return seen.length === 0 ? undefined : Math.max(...seen);
}
