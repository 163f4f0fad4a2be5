import type { RolloutState } from './decide.js';
import { type Instant, toMillis } from './instant.js';
import { matchesSelector } from './labels.js';
import { releaseDigest, releaseDigests } from './releases.js';
import type { Host } from './resources.js';
import { isAnyWindowOpen, type MaintenanceWindows, mayApplyNow } from './windows.js';

/**
 * The image digest a host should run now, as the registry gateway will answer its pull; undefined when the rollout
 * has no opinion (the host is not in the fleet, or the fleet has no previous release to hold it on), in which case
 * the host keeps what it runs.
 *
 * Only hosts the rollout selected get the release, and a selected host only inside a download window; every other
 * host of the fleet stays on the previous release. A rollback sends every host back to it, and a host never gets
 * an image that already failed on it.
 */
export function desiredDigestFor(host: Host, state: RolloutState, now: Instant): string | undefined {
  if (!matchesSelector(state.fleet.spec.selector, host.metadata.labels)) {
    return undefined;
  }
  const release = releaseDigest(state.release);
  const previous = state.previousRelease === undefined ? undefined : releaseDigest(state.previousRelease);
  const status = state.rollout.status;
  if (status === undefined || status.phase === 'rolling-back' || status.phase === 'rolled-back') {
    return previous;
  }
  const digests = releaseDigests(state.release);
  if ((host.status?.failedDigests ?? []).some((failure) => digests.has(failure.digest))) {
    return previous;
  }
  if (status.phase === 'succeeded') {
    return release;
  }
  switch (status.hosts[host.metadata.name]?.state) {
    case 'selected':
      // Selection happens inside a download window; a host that calls after it closed waits for the next one. A
      // host selected but not served yet when the rollout stopped does not start after the stop.
      return status.phase === 'progressing' &&
        isAnyWindowOpen(state.fleet.spec.maintenanceWindows?.download, toMillis(now))
        ? release
        : previous;
    case 'updating':
    case 'rebooting':
    case 'verifying':
    case 'healthy':
    // A host we stopped waiting for keeps its instructions: taking them back mid-update would only add a reboot.
    case 'timed-out':
      return release;
    default:
      return previous;
  }
}

/**
 * Whether a host that applies what it is told at once (bootc's update service, through the registry gateway) is told
 * the desired digest now: when it is nothing new to the host (`known`: the digests it runs, and the one it was last
 * told, whose download may still be under way), or while the fleet's download and reboot windows are both open.
 * Otherwise it is answered what it runs (docs/decisions/0038).
 */
export function revealsNow(
  desired: string | undefined,
  known: ReadonlySet<string>,
  windows: MaintenanceWindows | undefined,
  now: Instant,
): boolean {
  return desired !== undefined && (known.has(desired) || mayApplyNow(windows, now));
}
