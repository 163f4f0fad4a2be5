// store/: the controller's persistence over SQLite (default) or PostgreSQL, with the same migrations for both.

export type { ConsoleHostRow } from './console-queries.js';
export type { Fence } from './decider-lease.js';
export type { StoreErrorReason } from './errors.js';
export { isStoreError, StoreError } from './errors.js';
export type { StoredLockHolder } from './fleet-locks.js';
export { DEFAULT_LOCK_GROUP, lockConfigFor } from './fleet-locks.js';
export type { MetricsSnapshot } from './metrics.js';
export { exposureSeconds, oldestReleaseNotEverywhere, rollableReleases } from './metrics.js';
export { latestMigration } from './migrations.js';
export type { Channel, Notifications } from './notifications.js';
export { dialectOf, redact } from './open-database.js';
export type { ReleaseAttachments } from './release-attachments.js';
export type { Stored } from './resources.js';
export type { PrunedKind, PruneResult, RetentionPolicy } from './retention.js';
export { DEFAULT_RETENTION, PRUNED_KINDS, RUNS_KEPT_PER_PIPELINE } from './retention.js';
export type { ActiveRollout, Desired, StoredEvent } from './rollouts.js';
export type { Database, Dialect } from './schema.js';
export { hashSecret, newSecret, sameSecret } from './secrets.js';
export type { ApplyResult } from './store.js';
export { Store } from './store.js';
