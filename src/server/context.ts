import type { Store } from '../store/index.js';
import type { Controller } from './controller.js';
import type { RateLimit, RateLimiter } from './rate-limit.js';
import type { Waiters } from './waiters.js';

export interface ServerLimits {
  /** Largest request body; larger ones get 413. */
  bodyBytes: number;
  /**
   * Largest host status report. A real `bootc status` is a few kilobytes, and each host's last report is kept, so
   * this bounds what one host can make the store hold.
   */
  reportBytes: number;
  /**
   * The largest gate evidence document kept with a release (one for thousands of findings is a few megabytes); the
   * release routes take bodies big enough for it and the image diff.
   */
  releaseEvidenceBytes: number;
  /** The largest image diff kept with a release, as JSON. */
  releaseDiffBytes: number;
  admin: RateLimit;
  /** Per host credential. */
  host: RateLimit;
  /** Per client address, for calls without a credential (enrollment, FleetLock, metrics). */
  anonymous: RateLimit;
  /** The longest a desired-state poll is held open. */
  longPollMaxSeconds: number;
  /** How long a FleetLock slot is held without renewal. */
  fleetLockTtlMs: number;
  /** FleetLock slots of a group the fleet's disruption budget does not size. */
  fleetLockDefaultSlots: number;
  /** Enrollment tokens live this long unless the request says otherwise. */
  enrollmentTokenTtlMs: number;
}

// A host reports once a minute and long-polls; 120 a minute with bursts of 30 leaves room for retries and restarts.
export const DEFAULT_LIMITS: ServerLimits = {
  bodyBytes: 1024 * 1024,
  reportBytes: 64 * 1024,
  releaseEvidenceBytes: 16 * 1024 * 1024,
  releaseDiffBytes: 4 * 1024 * 1024,
  admin: { perMinute: 6000, burst: 600 },
  host: { perMinute: 120, burst: 30 },
  anonymous: { perMinute: 600, burst: 100 },
  longPollMaxSeconds: 300,
  fleetLockTtlMs: 60 * 60 * 1000,
  fleetLockDefaultSlots: 1,
  enrollmentTokenTtlMs: 60 * 60 * 1000,
};

/** What every route needs. */
export interface ServerContext {
  store: Store;
  clock: () => number;
  controller: Controller;
  waiters: Waiters;
  /** Wakes long-polling hosts whose answer may have changed, here and at every other controller on the database. */
  wake: (hosts: Set<string> | 'all') => void;
  /** Per controller: several controllers behind a load balancer each allow this much. */
  limiter: RateLimiter;
  limits: ServerLimits;
  /** Null only when started with --insecure-no-admin-token. */
  adminToken: string | null;
}
