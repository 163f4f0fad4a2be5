import { bootcIncompatibility, bootedDigest, rollbackDigest, stagedDigest } from './bootc-status.js';
import { fromTimestamp } from './instant.js';
import type { Labels } from './labels.js';
import { hostLastSeen, isOnline } from './online.js';
import type { Host, HostHealth } from './resources.js';

/** What the controller knows of a host at a moment: its last report, read once, and whether it is still around. */
export interface HostObservation {
  name: string;
  labels: Labels;
  /** The latest of its last report and its last call of any kind (a desired-state poll counts). */
  lastSeen?: number | undefined;
  /** Milliseconds since it was last seen; infinite when it never was. */
  sinceSeenMs: number;
  /** Seen within the fleet's hostOfflineAfter. */
  online: boolean;
  reportedAt?: number | undefined;
  /** The digest the controller last told the host to run, and when. */
  served?: { digest: string; at: number } | undefined;
  booted?: string | undefined;
  staged?: string | undefined;
  rollback?: string | undefined;
  health?: HostHealth | undefined;
  /** Why the host cannot take rollouts at all, if it cannot. */
  unfit?: { reason: 'no-report' | 'incompatible'; detail: string } | undefined;
  failedDigests: ReadonlySet<string>;
}

export function observeHost(host: Host, offlineAfterMs: number, now: number): HostObservation {
  const report = host.status?.report;
  const lastSeen = hostLastSeen(host);
  const sinceSeenMs = lastSeen === undefined ? Number.POSITIVE_INFINITY : now - lastSeen;
  const incompatibility = report === undefined ? undefined : bootcIncompatibility(report.bootc);
  return {
    name: host.metadata.name,
    labels: host.metadata.labels ?? {},
    lastSeen,
    sinceSeenMs,
    online: isOnline(lastSeen, offlineAfterMs, now),
    reportedAt: report === undefined ? undefined : fromTimestamp(report.receivedAt),
    served:
      host.status?.lastServed === undefined
        ? undefined
        : { digest: host.status.lastServed.digest, at: fromTimestamp(host.status.lastServed.at) },
    booted: report === undefined ? undefined : bootedDigest(report.bootc),
    staged: report === undefined ? undefined : stagedDigest(report.bootc),
    rollback: report === undefined ? undefined : rollbackDigest(report.bootc),
    health: report?.health,
    unfit:
      report === undefined
        ? { reason: 'no-report', detail: 'the host has not reported its bootc status yet' }
        : incompatibility === undefined
          ? undefined
          : { reason: 'incompatible', detail: incompatibility },
    failedDigests: new Set((host.status?.failedDigests ?? []).map((failure) => failure.digest)),
  };
}
