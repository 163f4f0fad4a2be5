import type { Kysely, Transaction } from 'kysely';
import {
  type Exposure,
  type Fleet,
  type FleetLockOutcome,
  type FleetLockState,
  type Host,
  type HostReport,
  hostsToWake,
  type Labels,
  type Pipeline,
  type PipelineRun,
  type Release,
  type Rollout,
  type RolloutActionResult,
  type RolloutDecision,
  type RolloutState,
  releaseRepository,
} from '../fleet/index.js';
import { canonicalJson } from './canonical-json.js';
import * as consoleQueries from './console-queries.js';
import { CredentialCache } from './credential-cache.js';
import { checkFence, claimLease, type Fence, releaseLease } from './decider-lease.js';
import { StoreError } from './errors.js';
import { allLocks, runLockCall, type StoredLockHolder } from './fleet-locks.js';
import { GroupedReports } from './grouped-reports.js';
import { dropAllAnswers, dropFleetAnswers } from './host-answers.js';
import { assignAllHostFleets } from './host-fleets.js';
import * as hosts from './hosts.js';
import { checkFleetMembership, checkHostMembership } from './membership.js';
import { type MetricsSnapshot, metricsSnapshot } from './metrics.js';
import { createNotifications, type Notifications } from './notifications.js';
import { openDatabase } from './open-database.js';
import * as pipelines from './pipelines.js';
import { type ReleaseAttachments, readAttachments, storeAttachments } from './release-attachments.js';
import {
  carriedMetadata,
  checkExpectedVersion,
  deleteDocument,
  freshMetadata,
  getDocument,
  insertDocument,
  listDocuments,
  type Stored,
  updateDocument,
} from './resources.js';
import { DEFAULT_RETENTION, type PruneResult, prune, type RetentionPolicy } from './retention.js';
import * as rollouts from './rollouts.js';
import type { Database, Dialect } from './schema.js';
import { credentialMark, hashSecret } from './secrets.js';

/** Enough for the largest fleet one controller serves; past it the cache starts again. */
const CACHED_CREDENTIALS = 1_000_000;

export type ApplyResult = 'created' | 'updated' | 'unchanged';

/**
 * The controller's persistence. Every method is one transaction: a change and everything that follows from it
 * (a decision's status, host records, failed images and events) are written together or not at all, so a controller
 * killed at any moment restarts from a consistent state.
 */
export class Store {
  readonly db: Kysely<Database>;
  readonly dialect: Dialect;
  /** Messages to the other controllers on the same PostgreSQL database (none on SQLite). */
  readonly notifications: Notifications;

  private readonly credentials: CredentialCache;
  // On PostgreSQL only: SQLite writes in process, where grouping saves no round trip.
  private readonly groupedReports: GroupedReports | undefined;

  constructor(db: Kysely<Database>, dialect: Dialect, notifications: Notifications) {
    this.db = db;
    this.dialect = dialect;
    this.notifications = notifications;
    this.groupedReports = dialect === 'postgres' ? new GroupedReports(db) : undefined;
    this.credentials = new CredentialCache(CACHED_CREDENTIALS, () => notifications.hearing());
    notifications.subscribe('patchline_credentials', (hosts) => this.credentials.forget(hosts));
    notifications.onReconnect(() => this.credentials.forget('all'));
  }

  static async open(location: string): Promise<Store> {
    const { db, dialect } = await openDatabase(location);
    return new Store(db, dialect, createNotifications(dialect, location));
  }

  async close(): Promise<void> {
    await this.notifications.close();
    await this.db.destroy();
  }

  private async transaction<T>(work: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
    try {
      return await this.db.transaction().execute(work);
    } catch (error) {
      throw asConflict(error) ?? error;
    }
  }

  // ── Fleets ──────────────────────────────────────────────────────────────────────────────────────────────────────

  getFleet(name: string): Promise<Stored<Fleet> | undefined> {
    return getDocument(this.db, 'fleets', name);
  }

  listFleets(): Promise<Array<Stored<Fleet>>> {
    return listDocuments(this.db, 'fleets');
  }

  createFleet(fleet: Fleet, now: number): Promise<Fleet> {
    return this.transaction(async (trx) => {
      await checkFleetMembership(trx, this.dialect, fleet);
      const created = freshMetadata(withoutStatus(fleet), now);
      await insertDocument(trx, 'fleets', created, now);
      await assignAllHostFleets(trx);
      await dropAllAnswers(trx);
      return created;
    });
  }

  /** Create or change a fleet's spec; its status is the controller's and is kept. */
  applyFleet(fleet: Fleet, now: number, expectedVersion?: number): Promise<ApplyResult> {
    return this.transaction(async (trx) => {
      await checkFleetMembership(trx, this.dialect, fleet);
      const stored = await getDocument(trx, 'fleets', fleet.metadata.name);
      if (stored === undefined) {
        await insertDocument(trx, 'fleets', freshMetadata(withoutStatus(fleet), now), now);
        await assignAllHostFleets(trx);
        await dropAllAnswers(trx);
        return 'created';
      }
      checkExpectedVersion('fleets', fleet.metadata.name, stored.resourceVersion, expectedVersion);
      const next = carriedMetadata({ ...fleet, status: stored.resource.status }, stored.resource);
      if (next.status === undefined) delete next.status;
      if (canonicalJson(next) === canonicalJson(stored.resource)) return 'unchanged';
      await updateDocument(trx, 'fleets', next, stored.resourceVersion);
      if (canonicalJson(next.spec.selector) !== canonicalJson(stored.resource.spec.selector)) {
        await assignAllHostFleets(trx);
        await dropAllAnswers(trx);
      } else {
        // Its image or windows may have changed what its hosts are told.
        await dropFleetAnswers(trx, fleet.metadata.name);
      }
      return 'updated';
    });
  }

  deleteFleet(name: string): Promise<void> {
    return this.transaction(async (trx) => {
      const releases = await trx.selectFrom('releases').select('name').where('fleet', '=', name).execute();
      if (releases.length > 0) {
        throw new StoreError(
          'Conflict',
          `fleet ${name} still has releases (${releases.map((r) => r.name).join(', ')})`,
        );
      }
      await deleteDocument(trx, 'fleets', name);
      await trx.deleteFrom('fleet_locks').where('fleet', '=', name).execute();
      await assignAllHostFleets(trx);
      await dropAllAnswers(trx);
    });
  }

  // ── Releases (immutable) ────────────────────────────────────────────────────────────────────────────────────────

  getRelease(name: string): Promise<Stored<Release> | undefined> {
    return getDocument(this.db, 'releases', name);
  }

  listReleases(fleet?: string): Promise<Array<Stored<Release>>> {
    return listDocuments(this.db, 'releases', fleet);
  }

  /** The attachments are stored as given: the caller has checked them (server/release-attachments.ts). */
  createRelease(release: Release, now: number, attachments: ReleaseAttachments = {}): Promise<Release> {
    return this.transaction(async (trx) => {
      await checkReleaseFleet(trx, release);
      const created = freshMetadata(release, now);
      await insertDocument(trx, 'releases', created, now, { fleet: release.spec.fleet });
      await storeAttachments(trx, release.metadata.name, attachments);
      return created;
    });
  }

  /**
   * A release never changes: applying the same spec again is fine, another spec is a conflict. So are attachments
   * other than those it was created with (sending none changes nothing).
   */
  applyRelease(release: Release, now: number, attachments: ReleaseAttachments = {}): Promise<ApplyResult> {
    return this.transaction(async (trx) => {
      const stored = await getDocument(trx, 'releases', release.metadata.name);
      if (stored === undefined) {
        await checkReleaseFleet(trx, release);
        await insertDocument(trx, 'releases', freshMetadata(release, now), now, { fleet: release.spec.fleet });
        await storeAttachments(trx, release.metadata.name, attachments);
        return 'created';
      }
      if (canonicalJson(stored.resource.spec) !== canonicalJson(release.spec)) {
        throw new StoreError(
          'Conflict',
          `release ${release.metadata.name} is immutable and has another spec; create a release with a new name`,
        );
      }
      const kept = await readAttachments(trx, release.metadata.name);
      for (const key of ['evidence', 'diff'] as const) {
        if (attachments[key] !== undefined && attachments[key] !== kept?.[key]) {
          throw new StoreError(
            'Conflict',
            `release ${release.metadata.name} is immutable and was created with ${kept?.[key] === undefined ? 'no' : 'another'} ${key === 'evidence' ? 'evidence document' : 'image diff'}`,
          );
        }
      }
      const next = carriedMetadata(release, stored.resource);
      if (canonicalJson(next) === canonicalJson(stored.resource)) return 'unchanged';
      await updateDocument(trx, 'releases', next, stored.resourceVersion);
      return 'updated';
    });
  }

  /** The evidence document and image diff a release was created with; undefined when the release does not exist. */
  releaseAttachments(name: string): Promise<ReleaseAttachments | undefined> {
    return readAttachments(this.db, name);
  }

  deleteRelease(name: string): Promise<void> {
    return this.transaction(async (trx) => {
      const users = await trx.selectFrom('rollouts').select(['name', 'doc']).execute();
      const using = users.filter((row) => {
        const spec = (JSON.parse(row.doc) as Rollout).spec;
        return spec.release === name || spec.previousRelease === name;
      });
      if (using.length > 0) {
        throw new StoreError('Conflict', `release ${name} is used by rollout ${using.map((r) => r.name).join(', ')}`);
      }
      const fleets = await listDocuments(trx, 'fleets');
      const current = fleets.find((fleet) => fleet.resource.status?.currentRelease === name);
      if (current !== undefined) {
        throw new StoreError(
          'Conflict',
          `release ${name} is fleet ${current.resource.metadata.name}'s current release`,
        );
      }
      await deleteDocument(trx, 'releases', name);
    });
  }

  // ── Rollouts ────────────────────────────────────────────────────────────────────────────────────────────────────

  getRollout(name: string): Promise<Stored<Rollout> | undefined> {
    return rollouts.getRollout(this.db, name);
  }

  listRollouts(fleet?: string): Promise<Array<Stored<Rollout>>> {
    return rollouts.listRollouts(this.db, fleet);
  }

  createRollout(rollout: Rollout, now: number): Promise<Rollout> {
    return this.transaction((trx) => rollouts.createRollout(trx, this.dialect, rollout, now));
  }

  applyRollout(rollout: Rollout, now: number, expectedVersion?: number): Promise<ApplyResult> {
    return this.transaction((trx) => rollouts.applyRollout(trx, this.dialect, rollout, now, expectedVersion));
  }

  deleteRollout(name: string): Promise<void> {
    return this.transaction((trx) => rollouts.deleteRollout(trx, name));
  }

  editRollout(name: string, edit: (rollout: Rollout) => RolloutActionResult): Promise<Rollout> {
    return this.transaction((trx) => rollouts.editRollout(trx, name, edit));
  }

  activeRollouts(): Promise<rollouts.ActiveRollout[]> {
    return rollouts.activeRollouts(this.db);
  }

  /** Takes or renews the decider lease (see decider-lease.ts); undefined while another controller holds it. */
  claimDecider(holder: string, held: Fence | undefined, now: number, ttlMs: number): Promise<Fence | undefined> {
    return this.transaction((trx) => claimLease(trx, holder, held, now, ttlMs));
  }

  releaseDecider(held: Fence): Promise<void> {
    return releaseLease(this.db, held);
  }

  /**
   * One controller step for one rollout: load its state, decide, and commit the decision in one transaction whose
   * version check fails (Conflict) when anyone wrote the rollout since it was read, so a decision is never written
   * over a state it did not see, and two controllers deciding at once cannot both commit. The state is read outside
   * the write transaction: holding it while deciding would stall every host call behind the decision. With a fence,
   * the commit also fails unless its controller still holds the decider lease at that epoch. A decision that changed
   * something tells the other controllers' long-polling hosts, at its commit.
   */
  async decide(
    name: string,
    now: number,
    decide: (state: RolloutState, now: number) => RolloutDecision,
    fence?: Fence,
  ): Promise<{ decision: RolloutDecision; changed: boolean }> {
    const loaded = await rollouts.loadRolloutState(this.db, name);
    const decision = decide(loaded.state, now);
    const changed = await this.transaction(async (trx) => {
      if (fence !== undefined) await checkFence(trx, fence);
      const wrote = await rollouts.commitDecision(trx, loaded, decision, now);
      if (wrote) await this.notifications.publish(trx, 'patchline_desired', hostsToWake(decision));
      return wrote;
    });
    return { decision, changed };
  }

  /** What a decision of this rollout would read, without deciding: the console asks why a rollout waits. */
  async rolloutState(name: string): Promise<RolloutState> {
    return (await rollouts.loadRolloutState(this.db, name)).state;
  }

  latestEvents(rollout: string, limit: number): Promise<rollouts.StoredEvent[]> {
    return consoleQueries.latestEvents(this.db, rollout, limit);
  }

  /** Rollouts without their per-host records (status.hosts is empty): cheap at any fleet size. */
  listRolloutDocuments(fleet?: string): Promise<Array<Stored<Rollout>>> {
    return consoleQueries.rolloutDocuments(this.db, fleet);
  }

  rolloutMark(rollout: string): Promise<string | undefined> {
    return consoleQueries.rolloutMark(this.db, rollout);
  }

  rolloutHostStates(rollout: string): Promise<Map<string, string>> {
    return consoleQueries.rolloutHostStates(this.db, rollout);
  }

  /** A fleet's hosts (every host when undefined) as the console lists them. */
  consoleHosts(fleet?: string): Promise<consoleQueries.ConsoleHostRow[]> {
    return consoleQueries.consoleHostRows(this.db, this.dialect, fleet);
  }

  events(rollout: string, after = 0, limit = 1000): Promise<rollouts.StoredEvent[]> {
    return rollouts.listEvents(this.db, rollout, after, limit);
  }

  // ── Hosts ───────────────────────────────────────────────────────────────────────────────────────────────────────

  getHost(name: string): Promise<Stored<Host> | undefined> {
    return hosts.getHost(this.db, name);
  }

  listHosts(): Promise<Array<Stored<Host>>> {
    return hosts.listHosts(this.db);
  }

  createHost(host: Host, now: number): Promise<void> {
    return this.transaction(async (trx) => {
      await hosts.createHost(trx, host, now);
      await checkHostMembership(trx, this.dialect, host.metadata.name, host.metadata.labels);
    });
  }

  applyHost(host: Host, now: number, expectedVersion?: number): Promise<ApplyResult> {
    return this.transaction(async (trx) => {
      const result = await hosts.applyHost(trx, host, now, expectedVersion);
      await checkHostMembership(trx, this.dialect, host.metadata.name, host.metadata.labels);
      return result;
    });
  }

  async deleteHost(name: string): Promise<void> {
    await this.transaction(async (trx) => {
      await hosts.deleteHost(trx, name);
      await this.notifications.publish(trx, 'patchline_credentials', new Set([name]));
    });
    this.credentials.forget(new Set([name]));
  }

  createEnrollmentToken(labels: Labels, ttlMs: number, now: number): Promise<{ token: string; expiresAt: string }> {
    return hosts.createEnrollmentToken(this.db, labels, ttlMs, now);
  }

  /** Enrolls a host; `fleetLockId` is the id its FleetLock client sends when that is not its name (Zincati's). */
  enroll(
    token: string,
    name: string,
    labels: Labels,
    now: number,
    fleetLockId?: string,
  ): Promise<{ credential: string }> {
    return this.transaction((trx) => hosts.enrollHost(trx, this.dialect, token, name, labels, now, fleetLockId));
  }

  /** The enrolled host a FleetLock client id stands for (its name, or the id it enrolled with). */
  hostOfLockId(id: string): Promise<string | undefined> {
    return hosts.hostOfLockId(this.db, id);
  }

  async hostOfCredential(credential: string): Promise<string | undefined> {
    const hash = hashSecret(credential);
    const cached = this.credentials.host(hash);
    if (cached !== undefined) return cached;
    const generation = this.credentials.begin();
    const host = await hosts.hostOfHash(this.db, hash);
    if (host !== undefined) this.credentials.remember(generation, hash, host);
    return host;
  }

  /** The mark of the host's current credential (see credentialMark); undefined when it has none. */
  async credentialMarkOf(host: string): Promise<string | undefined> {
    let hash = this.credentials.hash(host);
    if (hash === undefined) {
      const generation = this.credentials.begin();
      hash = await hosts.credentialOf(this.db, host);
      if (hash !== undefined) this.credentials.remember(generation, hash, host);
    }
    return hash === undefined ? undefined : credentialMark(hash);
  }

  /**
   * Stores a report, saying whether it changed something a rollout decides on and the host's fleet. Without a
   * transaction (on SQLite a read then an UPDATE of the host's own columns; on PostgreSQL one statement with the
   * reports that arrived beside it): the answer only decides whether to wake the controller early, and its timer
   * decides anyway.
   */
  recordReport(name: string, report: HostReport): Promise<hosts.ReportOutcome> {
    return hosts.recordReport(this.db, this.groupedReports, name, report);
  }

  recordSeen(name: string, now: number): Promise<void> {
    return hosts.recordSeen(this.db, name, now);
  }

  recordServed(name: string, digest: string, now: number): Promise<void> {
    return hosts.recordServed(this.db, name, digest, now);
  }

  /** What the host should run; the call also notes the host as seen (as recordSeen) from the row it reads anyway. */
  desiredFor(name: string, now: number): Promise<rollouts.Desired | undefined> {
    return rollouts.desiredFor(this.db, name, now);
  }

  /** The fleet a host belongs to (the first by name whose selector matches it). */
  fleetOfHost(name: string): Promise<Stored<Fleet> | undefined> {
    return rollouts.fleetOfHost(this.db, name);
  }

  /** Every host's labels, for sizing FleetLock groups. */
  async hostLabels(): Promise<Array<Record<string, string>>> {
    const rows = await this.db.selectFrom('hosts').select('labels').execute();
    return rows.map((row) => JSON.parse(row.labels) as Record<string, string>);
  }

  // ── FleetLock ───────────────────────────────────────────────────────────────────────────────────────────────────

  fleetLock(fleet: string, call: (state: FleetLockState) => FleetLockOutcome): Promise<FleetLockOutcome> {
    return this.transaction((trx) => runLockCall(trx, this.dialect, fleet, call));
  }

  async lockHolders(now: number): Promise<StoredLockHolder[]> {
    return (await allLocks(this.db)).filter((holder) => holder.expiresAt > now);
  }

  // ── Pipelines, runs and the exposure ledger ─────────────────────────────────────────────────────────────────────

  getPipeline(name: string): Promise<Stored<Pipeline> | undefined> {
    return pipelines.getPipeline(this.db, name);
  }

  listPipelines(): Promise<Array<Stored<Pipeline>>> {
    return pipelines.listPipelines(this.db);
  }

  applyPipeline(pipeline: Pipeline, now: number, expectedVersion?: number): Promise<ApplyResult> {
    return this.transaction((trx) => pipelines.applyPipeline(trx, pipeline, now, expectedVersion));
  }

  deletePipeline(name: string): Promise<void> {
    return this.transaction((trx) => pipelines.deletePipeline(trx, name));
  }

  listRuns(pipeline: string, limit = 50): Promise<PipelineRun[]> {
    return pipelines.listRuns(this.db, pipeline, limit);
  }

  getRun(name: string): Promise<PipelineRun | undefined> {
    return pipelines.getRun(this.db, name);
  }

  startRun(run: PipelineRun, now: number): Promise<void> {
    return this.transaction((trx) => pipelines.startRun(trx, run, now));
  }

  updateRun(run: PipelineRun): Promise<void> {
    return this.transaction((trx) => pipelines.updateRun(trx, run));
  }

  listExposures(fleet?: string): Promise<Exposure[]> {
    return pipelines.listExposures(this.db, fleet);
  }

  recordExposures(updates: readonly Exposure[]): Promise<void> {
    return this.transaction((trx) => pipelines.recordExposures(trx, updates));
  }

  // ── Retention ───────────────────────────────────────────────────────────────────────────────────────────────────

  /**
   * Deletes what the retention policy no longer keeps (old finished rollouts with their host records and events, old
   * events and pipeline runs), in batches that are each their own short transaction; see retention.ts.
   */
  prune(now: number, policy: RetentionPolicy = DEFAULT_RETENTION): Promise<PruneResult> {
    return prune(this.db, this.dialect, now, policy);
  }

  // ── Metrics ─────────────────────────────────────────────────────────────────────────────────────────────────────

  metrics(now: number): Promise<MetricsSnapshot> {
    return metricsSnapshot(this.db, now);
  }
}

/**
 * A release is for a fleet that exists, and its image is in that fleet's repository: the gateway lets a fleet's
 * hosts pull what its releases name, so a release elsewhere would widen that (and a later release of the same digest
 * would be served from the wrong repository).
 */
async function checkReleaseFleet(db: Kysely<Database>, release: Release): Promise<void> {
  const fleet = await getDocument(db, 'fleets', release.spec.fleet);
  if (fleet === undefined) {
    throw new StoreError('Invalid', `spec.fleet: fleet ${release.spec.fleet} not found`);
  }
  const repository = releaseRepository(release);
  if (repository !== fleet.resource.spec.image) {
    throw new StoreError(
      'Invalid',
      `spec.image: ${repository} is not fleet ${release.spec.fleet}'s repository ${fleet.resource.spec.image}`,
    );
  }
}

/**
 * Errors that mean "someone else wrote first", as the Conflict a caller may retry: another process writing the same
 * SQLite file, or a unique constraint that a concurrent transaction satisfied first (two enrollments of one name on
 * PostgreSQL, a second moving rollout for a fleet).
 */
function asConflict(error: unknown): StoreError | undefined {
  const { code, constraint, detail } = error as { code?: unknown; constraint?: unknown; detail?: unknown };
  if (typeof code !== 'string') return undefined;
  const message = (error as Error).message;
  if (code.startsWith('SQLITE_BUSY')) {
    return new StoreError('Conflict', `the database is busy with another writer; retry (${message})`);
  }
  const unique = code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
  if (!unique) return undefined;
  if (constraint === 'rollouts_one_moving' || message.includes('rollouts.fleet')) {
    return new StoreError('Conflict', 'the fleet already has a rollout in progress (created at the same moment)');
  }
  const what = typeof detail === 'string' ? detail : message;
  return new StoreError('Conflict', `a concurrent request wrote the same record first; retry (${what})`);
}

function withoutStatus(fleet: Fleet): Fleet {
  const { status: _status, ...rest } = fleet;
  return rest;
}
