import { type Kysely, sql } from 'kysely';
import {
  applyDecision,
  type Fleet,
  fromTimestamp,
  type Host,
  type HostRecord,
  hostsToWake,
  isFinalPhase,
  isInFlight,
  isSupersedable,
  type Release,
  type Rollout,
  type RolloutActionResult,
  type RolloutDecision,
  type RolloutEvent,
  type RolloutPhase,
  type RolloutState,
  type RolloutStatus,
  rolloutPolicySchema,
  supersedeRollout,
} from '../fleet/index.js';
import { type AnswerSources, answerChanges, answerFrom, type ComputedAnswer } from './answer-changes.js';
import { canonicalJson } from './canonical-json.js';
import { StoreError } from './errors.js';
import {
  decodeAnswer,
  dropFleetAnswers,
  dropHostAnswers,
  keepAnswers,
  type PreparedAnswer,
  storeAnswer,
} from './host-answers.js';
import {
  addFailedDigests,
  getHostForPoll,
  type HostForPoll,
  listHostsForDecision,
  recordSeen,
  seenIsStale,
} from './hosts.js';
import { completeExposures } from './pipelines.js';
import {
  carriedMetadata,
  checkExpectedVersion,
  freshMetadata,
  getDocument,
  insertDocument,
  listDocuments,
  parseDocument,
  requireDocument,
  type Stored,
  updateDocument,
} from './resources.js';
import type { Database, Dialect } from './schema.js';

/**
 * Rollouts in the store. A rollout's document holds its spec and status except the per-host records, which live one
 * row per host in rollout_hosts: a decision writes only the hosts it moved, and a host's desired-state poll reads only
 * its own row.
 */

// A finished rollout still follows hosts it told to update (they may yet end healthy or come home) for this long.
const FOLLOW_FINISHED_MS = 24 * 60 * 60 * 1000;

const POLICY_FIELDS = Object.keys(rolloutPolicySchema.shape) as Array<keyof Rollout['spec']>;

function withoutHosts(status: RolloutStatus | undefined): Omit<RolloutStatus, 'hosts'> | undefined {
  if (status === undefined) return undefined;
  const { hosts: _hosts, ...rest } = status;
  return rest;
}

function storedDocument(rollout: Rollout): Rollout {
  const status = withoutHosts(rollout.status);
  const document: Rollout = { ...rollout };
  if (status === undefined) delete document.status;
  else document.status = { ...status, hosts: {} };
  return document;
}

async function hostRecords(db: Kysely<Database>, rollout: string): Promise<Record<string, HostRecord>> {
  const rows = await db
    .selectFrom('rollout_hosts')
    .select(['host', 'record'])
    .where('rollout', '=', rollout)
    .orderBy('host')
    .execute();
  return Object.fromEntries(rows.map((row) => [row.host, JSON.parse(row.record) as HostRecord]));
}

/** A rollout with its per-host records, as the API shows it. */
export async function getRollout(db: Kysely<Database>, name: string): Promise<Stored<Rollout> | undefined> {
  const stored = await getDocument(db, 'rollouts', name);
  if (stored === undefined || stored.resource.status === undefined) return stored;
  const hosts = await hostRecords(db, name);
  return { ...stored, resource: { ...stored.resource, status: { ...stored.resource.status, hosts } } };
}

export async function listRollouts(db: Kysely<Database>, fleet?: string): Promise<Array<Stored<Rollout>>> {
  const stored = await listDocuments(db, 'rollouts', fleet);
  return Promise.all(stored.map(async (each) => (await getRollout(db, each.resource.metadata.name)) ?? each));
}

/**
 * A new rollout takes a snapshot of what it will need later: the fleet's current release (what a rollback returns
 * to) and the fleet's rollout policy, so editing the fleet mid-rollout does not change a rollout already moving.
 * A fleet has one moving rollout at a time; creating one retires the finished ones from the controller's attention.
 */
export async function createRollout(
  db: Kysely<Database>,
  dialect: Dialect,
  rollout: Rollout,
  now: number,
): Promise<Rollout> {
  await serializeRolloutCreation(db, dialect);
  const release = await getDocument(db, 'releases', rollout.spec.release);
  if (release === undefined) {
    throw new StoreError('Invalid', `spec.release: release ${rollout.spec.release} not found`);
  }
  const fleetName = release.resource.spec.fleet;
  // A decision of the fleet's current rollout committing meanwhile would keep answers for that rollout after this one
  // became the fleet's latest; holding its row until this commits makes such a decision either finish before the
  // reads below (which then see it) or commit after, when it finds it is no longer the latest and drops instead.
  if (dialect === 'postgres') {
    await sql`select name from rollouts where fleet = ${fleetName} for update`.execute(db);
  }
  // Read before the fleet's document, so the answers this rollout changes are kept over these versions (see
  // loadRolloutState).
  const { hosts, answerVersions } = await listHostsForDecision(db, fleetName);
  const fleet = await getDocument(db, 'fleets', fleetName);
  if (fleet === undefined) {
    throw new StoreError(
      'Invalid',
      `spec.release: release ${rollout.spec.release} names fleet ${fleetName}, not found`,
    );
  }
  if (
    rollout.spec.previousRelease !== undefined &&
    (await getDocument(db, 'releases', rollout.spec.previousRelease)) === undefined
  ) {
    throw new StoreError('Invalid', `spec.previousRelease: release ${rollout.spec.previousRelease} not found`);
  }
  const answersBefore = await answerSources(db, fleet.resource, 'all');
  const moving = await db.selectFrom('rollouts').select(['name', 'phase']).where('fleet', '=', fleetName).execute();
  const busy = moving.find((row) => row.phase === null || !isFinalPhase(row.phase as RolloutPhase));
  if (busy !== undefined && busy.name !== rollout.metadata.name) {
    await supersedeOrRefuse(
      db,
      busy.name,
      fleetName,
      { rollout: rollout.metadata.name, release: release.resource },
      now,
    );
  }
  const spec: Rollout['spec'] = { ...rollout.spec };
  const policy = fleet.resource.spec.rolloutPolicy ?? {};
  for (const field of POLICY_FIELDS) {
    if (spec[field] === undefined && policy[field as keyof typeof policy] !== undefined) {
      (spec as Record<string, unknown>)[field] = policy[field as keyof typeof policy];
    }
  }
  const current = fleet.resource.status?.currentRelease;
  if (spec.previousRelease === undefined && current !== undefined && current !== spec.release) {
    spec.previousRelease = current;
  }
  const created = freshMetadata({ ...rollout, spec }, now);
  delete created.status;
  const last = await db
    .selectFrom('rollouts')
    .select((eb) => eb.fn.max('seq').as('seq'))
    .executeTakeFirst();
  await insertDocument(db, 'rollouts', created, now, {
    fleet: fleetName,
    phase: null,
    active: 1,
    seq: Number(last?.seq ?? 0) + 1,
  });
  await db
    .updateTable('rollouts')
    .set({ active: 0 })
    .where('fleet', '=', fleetName)
    .where('name', '!=', rollout.metadata.name)
    .execute();
  // Most hosts' answers stay what they were (the previous release); those that change are kept, not dropped, so the
  // fleet's next round of polls is not a round of computations.
  const previous =
    spec.previousRelease === undefined ? undefined : await getDocument(db, 'releases', spec.previousRelease);
  const answersAfter: AnswerSources = {
    fleet: fleet.resource,
    rollout: { resource: created, release: release.resource, previous: previous?.resource },
  };
  const candidates = hosts.map((host) => ({ before: host, after: host }));
  await keepAnswers(db, answerChanges(candidates, { before: answersBefore, after: answersAfter }, answerVersions, now));
  return created;
}

/**
 * Rollout creations take turns on PostgreSQL (an advisory lock held to the end of the transaction), so the check for a
 * moving rollout and the next sequence number read what the previous creation committed; under READ COMMITTED two
 * creations would otherwise both pass. The constraints (migration 0006) stand behind it. SQLite runs one write
 * transaction at a time anyway.
 */
async function serializeRolloutCreation(db: Kysely<Database>, dialect: Dialect): Promise<void> {
  if (dialect === 'postgres') {
    await sql`select pg_advisory_xact_lock(hashtext('patchline:rollout-creation'))`.execute(db);
  }
}

/**
 * A fleet has one moving rollout at a time, but one that only waits (blocked by its release's gate, or waiting for an
 * approval) gives way to a rollout of a newer release of the fleet: it ends aborted, saying by what, with the phase
 * change among its events. Anything else in progress refuses the new rollout.
 */
async function supersedeOrRefuse(
  db: Kysely<Database>,
  busy: string,
  fleet: string,
  by: { rollout: string; release: Release },
  now: number,
): Promise<void> {
  const refuse = (why: string) =>
    new StoreError('Conflict', `fleet ${fleet} already has rollout ${busy} in progress${why}`);
  const stored = await requireDocument(db, 'rollouts', busy);
  if (!isSupersedable(stored.resource.status?.phase)) throw refuse('');
  const waiting = await requireDocument(db, 'releases', stored.resource.spec.release);
  const createdAt = (release: Release) => fromTimestamp(release.metadata.createdAt ?? '1970-01-01T00:00:00Z');
  if (createdAt(by.release) <= createdAt(waiting.resource)) {
    throw refuse(
      `; it is ${stored.resource.status?.phase}, and only a newer release than ${waiting.resource.metadata.name} supersedes it`,
    );
  }
  const result = supersedeRollout(stored.resource, { rollout: by.rollout, release: by.release.metadata.name }, now);
  if (!result.ok) throw refuse('');
  await updateDocument(db, 'rollouts', storedDocument(result.rollout), stored.resourceVersion, {
    phase: 'aborted',
    active: 0,
  });
  if (result.action !== undefined) await appendEvents(db, [result.action]);
}

/** Create, or change the spec of a rollout; its release cannot change, and its snapshots stay unless given. */
export async function applyRollout(
  db: Kysely<Database>,
  dialect: Dialect,
  rollout: Rollout,
  now: number,
  expectedVersion?: number,
): Promise<'created' | 'updated' | 'unchanged'> {
  const stored = await getDocument(db, 'rollouts', rollout.metadata.name);
  if (stored === undefined) {
    await createRollout(db, dialect, rollout, now);
    return 'created';
  }
  checkExpectedVersion('rollouts', rollout.metadata.name, stored.resourceVersion, expectedVersion);
  const before = stored.resource;
  if (rollout.spec.release !== before.spec.release) {
    throw new StoreError(
      'Invalid',
      `spec.release: rollout ${rollout.metadata.name} moves ${before.spec.release}; create a new rollout for ${rollout.spec.release}`,
    );
  }
  const spec = { ...before.spec, ...dropUndefined(rollout.spec) };
  const next = carriedMetadata({ ...before, metadata: rollout.metadata, spec }, before);
  if (canonicalJson(next) === canonicalJson(before)) return 'unchanged';
  await updateDocument(db, 'rollouts', next, stored.resourceVersion);
  await dropRolloutFleetAnswers(db, rollout.metadata.name);
  return 'updated';
}

function dropUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, each]) => each !== undefined)) as Partial<T>;
}

export async function deleteRollout(db: Kysely<Database>, name: string): Promise<void> {
  await requireDocument(db, 'rollouts', name);
  await dropRolloutFleetAnswers(db, name);
  await db.deleteFrom('rollouts').where('name', '=', name).execute();
  await db.deleteFrom('rollout_hosts').where('rollout', '=', name).execute();
  await db.deleteFrom('events').where('rollout', '=', name).execute();
}

/**
 * A hand edit (pause, resume, approve, abort), written over the version it was made on, with the action appended to
 * the rollout's events. The edit sees the rollout with its host records (an approval needs to know whether the
 * current batch has started).
 */
export async function editRollout(
  db: Kysely<Database>,
  name: string,
  edit: (rollout: Rollout) => RolloutActionResult,
): Promise<Rollout> {
  const stored = await getRollout(db, name);
  if (stored === undefined) throw new StoreError('NotFound', `rollout ${name} not found`);
  const result = edit(stored.resource);
  if (!result.ok) throw new StoreError('Conflict', result.problem);
  if (canonicalJson(result.rollout) !== canonicalJson(stored.resource)) {
    const next = storedDocument(carriedMetadata(result.rollout, stored.resource));
    await updateDocument(db, 'rollouts', next, stored.resourceVersion);
    if (result.action !== undefined) await appendEvents(db, [result.action]);
  }
  return result.rollout;
}

export interface ActiveRollout {
  name: string;
  fleet: string;
}

/** Rollouts the controller still decides, oldest first. */
export async function activeRollouts(db: Kysely<Database>): Promise<ActiveRollout[]> {
  return db.selectFrom('rollouts').select(['name', 'fleet']).where('active', '=', 1).orderBy('seq').execute();
}

export interface LoadedRollout {
  state: RolloutState;
  rolloutVersion: number;
  fleetVersion: number;
  /** The hosts' answer versions, read before the fleet's document: a decision keeps its answers over them. */
  answerVersions: Map<string, number>;
}

/**
 * Everything one decision reads. The rollout's document is read before its host records, so a decision committed
 * in between shows as a newer version and the commit of a decision taken on this state fails its version check.
 * The hosts and their answer versions are read before the fleet's document (its releases never change), so an answer
 * computed from what was read is kept only if no change dropped it since (host-answers.ts).
 */
export async function loadRolloutState(db: Kysely<Database>, name: string): Promise<LoadedRollout> {
  const rollout = await getRollout(db, name);
  if (rollout === undefined) throw new StoreError('NotFound', `rollout ${name} not found`);
  const release = await requireDocument(db, 'releases', rollout.resource.spec.release);
  const previousName = rollout.resource.spec.previousRelease;
  const previous = previousName === undefined ? undefined : await requireDocument(db, 'releases', previousName);
  // Reports that arrive after this read are decided on at the next tick. Only the fleet's own hosts are read (a host
  // that two fleets' selectors match belongs to neither: the store refuses such overlaps, and hosts.fleet is empty
  // for any left from before that rule).
  const { hosts, answerVersions } = await listHostsForDecision(db, release.resource.spec.fleet);
  const fleet = await requireDocument(db, 'fleets', release.resource.spec.fleet);
  return {
    state: {
      fleet: fleet.resource,
      rollout: rollout.resource,
      release: release.resource,
      previousRelease: previous?.resource,
      hosts,
    },
    rolloutVersion: rollout.resourceVersion,
    fleetVersion: fleet.resourceVersion,
    answerVersions,
  };
}

/** Whether the controller should keep deciding a rollout after this status. */
function stillActive(status: RolloutStatus, now: number): boolean {
  if (!isFinalPhase(status.phase)) return true;
  if (status.finishedAt !== undefined && now - fromTimestamp(status.finishedAt) > FOLLOW_FINISHED_MS) return false;
  return Object.values(status.hosts).some(
    (host) =>
      isInFlight(host.state) ||
      host.state === 'timed-out' ||
      (status.phase === 'rolled-back' && (host.state === 'healthy' || host.state === 'failed')),
  );
}

/**
 * Writes a decision: the rollout's status, the records of the hosts it moved, the images that failed, its events,
 * and, when the rollout succeeded, the fleet's current release. The caller runs this in the transaction the state
 * was loaded in; the version check makes a second controller that decided on the same state fail instead of
 * writing over the first. Returns false when the decision changed nothing, and writes nothing then.
 */
export async function commitDecision(
  db: Kysely<Database>,
  loaded: LoadedRollout,
  decision: RolloutDecision,
  now: number,
): Promise<boolean> {
  const { rollout, fleet, release } = loaded.state;
  const active = stillActive(decision.status, now);
  const unchanged =
    decision.transitions.length === 0 &&
    decision.events.length === 0 &&
    decision.failedDigests.length === 0 &&
    canonicalJson(withoutHosts(decision.status)) === canonicalJson(withoutHosts(rollout.status));
  if (unchanged) {
    if (!active) {
      await db.updateTable('rollouts').set({ active: 0 }).where('name', '=', rollout.metadata.name).execute();
    }
    return false;
  }
  await updateDocument(db, 'rollouts', storedDocument({ ...rollout, status: decision.status }), loaded.rolloutVersion, {
    phase: decision.rolloutPhase,
    active: active ? 1 : 0,
  });
  const latest = new Map<string, HostRecord>();
  for (const transition of decision.transitions) latest.set(transition.host, transition.to);
  const rows = [...latest].map(([host, record]) => ({
    rollout: rollout.metadata.name,
    host,
    state: record.state,
    record: JSON.stringify(record),
  }));
  for (const chunk of chunks(rows, 500)) {
    await db
      .insertInto('rollout_hosts')
      .values(chunk)
      .onConflict((conflict) =>
        conflict.columns(['rollout', 'host']).doUpdateSet((eb) => ({
          state: eb.ref('excluded.state'),
          record: eb.ref('excluded.record'),
        })),
      )
      .execute();
  }
  await addFailedDigests(db, decision.failedDigests);
  await appendEvents(db, decision.events);
  const moved = hostsToWake(decision);
  let fleetAfter = fleet;
  if (decision.rolloutPhase === 'succeeded' && fleet.status?.currentRelease !== release.metadata.name) {
    fleetAfter = { ...fleet, status: { ...fleet.status, currentRelease: release.metadata.name } };
    await updateDocument(db, 'fleets', fleetAfter, loaded.fleetVersion);
  }
  await keepDecidedAnswers(db, loaded, decision, fleetAfter, moved, now);
  if (decision.rolloutPhase === 'succeeded') {
    // In the same transaction as the decision: the ledger closes exactly when the rollout's last host is healthy.
    await completeExposures(db, { ...rollout, status: decision.status }, now);
  }
  return true;
}

/**
 * The answers a decision changed, kept in its transaction: its hosts' next polls read them instead of each computing
 * its own (a phase change alters every host's answer, a batch thousands). Only the fleet's latest rollout speaks for
 * its hosts; a decision of an older one (still following hosts it told) drops the answers of the hosts it moved.
 */
async function keepDecidedAnswers(
  db: Kysely<Database>,
  loaded: LoadedRollout,
  decision: RolloutDecision,
  fleetAfter: Fleet,
  moved: Set<string> | 'all',
  now: number,
): Promise<void> {
  const { rollout, fleet, release, previousRelease, hosts } = loaded.state;
  const failed = decision.failedDigests.map((failure) => failure.host);
  const latest = await latestRolloutRow(db, fleet.metadata.name);
  if (latest?.name !== rollout.metadata.name) {
    if (moved === 'all') await dropFleetAnswers(db, fleet.metadata.name);
    else await dropHostAnswers(db, [...moved, ...failed]);
    return;
  }
  const after = applyDecision(loaded.state, decision).hosts;
  const touched = moved === 'all' ? undefined : new Set([...moved, ...failed]);
  const candidates = hosts
    .map((host, index) => ({ before: host, after: after[index]! }))
    .filter(({ before }) => touched === undefined || touched.has(before.metadata.name));
  const changes = answerChanges(
    candidates,
    {
      before: { fleet, rollout: { resource: rollout, release, previous: previousRelease } },
      after: {
        fleet: fleetAfter,
        rollout: { resource: { ...rollout, status: decision.status }, release, previous: previousRelease },
      },
    },
    loaded.answerVersions,
    now,
  );
  await keepAnswers(db, changes);
}

async function dropRolloutFleetAnswers(db: Kysely<Database>, rollout: string): Promise<void> {
  const row = await db.selectFrom('rollouts').select('fleet').where('name', '=', rollout).executeTakeFirst();
  if (row !== undefined) await dropFleetAnswers(db, row.fleet);
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let start = 0; start < items.length; start += size) out.push(items.slice(start, start + size));
  return out;
}

export async function appendEvents(db: Kysely<Database>, events: readonly RolloutEvent[]): Promise<void> {
  const rows = events.map((event) => ({
    rollout: event.rollout,
    at: event.at,
    type: event.type,
    doc: JSON.stringify(event),
  }));
  for (const chunk of chunks(rows, 500)) {
    await db.insertInto('events').values(chunk).execute();
  }
}

export type StoredEvent = RolloutEvent & { id: number };

export async function listEvents(
  db: Kysely<Database>,
  rollout: string,
  after: number,
  limit: number,
): Promise<StoredEvent[]> {
  const rows = await db
    .selectFrom('events')
    .select(['id', 'doc'])
    .where('rollout', '=', rollout)
    .where('id', '>', after)
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map((row) => ({ id: Number(row.id), ...(JSON.parse(row.doc) as RolloutEvent) }));
}

// ── What a host should run ──────────────────────────────────────────────────────────────────────────────────────

export interface Desired {
  fleet: string;
  digest: string;
  /** repository@digest of the release the digest belongs to. */
  image: string;
  /** Whether the host was told exactly this within the last few seconds already (no need to note it again). */
  servedRecently: boolean;
}

// How often telling a host the same digest again is noted; a rollout counts a host as served from the note on.
const SERVED_RESOLUTION_MS = 10_000;

function servedRecently(host: Host, digest: string, now: number): boolean {
  const served = host.status?.lastServed;
  return served !== undefined && served.digest === digest && now - fromTimestamp(served.at) < SERVED_RESOLUTION_MS;
}

/** The one fleet a host belongs to (see host-fleets.ts: none when its labels match two). */
export async function fleetOfHost(db: Kysely<Database>, name: string): Promise<Stored<Fleet> | undefined> {
  const row = await db.selectFrom('hosts').select('fleet').where('name', '=', name).executeTakeFirst();
  return row?.fleet === null || row === undefined ? undefined : getDocument(db, 'fleets', row.fleet);
}

/**
 * What a host should run now: its fleet's latest rollout decides (desiredDigestFor); a fleet without one holds its
 * hosts on its current release; undefined when nothing has an opinion and the host keeps what it runs. Answered from
 * the host's prepared answer when it has one (host-answers.ts), else computed and, unless it depends on the clock,
 * kept for next time.
 */
export async function desiredFor(db: Kysely<Database>, name: string, now: number): Promise<Desired | undefined> {
  const found = await getHostForPoll(db, name);
  if (found === undefined) throw new StoreError('NotFound', `host ${name} not found`);
  if (seenIsStale(found.host.status?.lastSeen, now)) await recordSeen(db, name, now);
  if (found.answer !== null) return withServed(found.host, decodeAnswer(found.answer), now);
  const { answer, timeBound } = await computeAnswer(db, found, now);
  if (!timeBound) await storeAnswer(db, name, found.answerVersion, answer);
  return withServed(found.host, answer, now);
}

/** desiredFor without prepared answers, computed from the fleet, rollout and releases: the oracle of the tests. */
export async function computeDesiredFor(db: Kysely<Database>, name: string, now: number): Promise<Desired | undefined> {
  const found = await getHostForPoll(db, name);
  if (found === undefined) throw new StoreError('NotFound', `host ${name} not found`);
  return withServed(found.host, (await computeAnswer(db, found, now)).answer, now);
}

function withServed(host: Host, answer: PreparedAnswer | undefined, now: number): Desired | undefined {
  return answer === undefined ? undefined : { ...answer, servedRecently: servedRecently(host, answer.digest, now) };
}

/** The answer from the state itself, for one host: its fleet, the fleet's latest rollout and the host's record in it. */
async function computeAnswer(db: Kysely<Database>, found: HostForPoll, now: number): Promise<ComputedAnswer> {
  const fleet = found.fleet === null ? undefined : await getDocument(db, 'fleets', found.fleet);
  if (fleet === undefined) return { answer: undefined, timeBound: false };
  return answerFrom(found.host, await answerSources(db, fleet.resource, found.host.metadata.name), now);
}

/** The fleet's latest rollout, the one that speaks for its hosts (by sequence number, finished or not). */
function latestRolloutRow(db: Kysely<Database>, fleet: string) {
  return db
    .selectFrom('rollouts')
    .select(['name', 'doc'])
    .where('fleet', '=', fleet)
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();
}

/**
 * What the fleet's answers follow from, with the latest rollout's records of the named host only, or of all its
 * hosts.
 */
async function answerSources(db: Kysely<Database>, fleet: Fleet, hosts: string | 'all'): Promise<AnswerSources> {
  const row = await latestRolloutRow(db, fleet.metadata.name);
  if (row === undefined) {
    const current = fleet.status?.currentRelease;
    return {
      fleet,
      current: current === undefined ? undefined : (await getDocument(db, 'releases', current))?.resource,
    };
  }
  const rollout = parseDocument('rollouts', row.name, row.doc);
  let records: Record<string, HostRecord>;
  if (hosts === 'all') {
    records = await hostRecords(db, row.name);
  } else {
    const record = await db
      .selectFrom('rollout_hosts')
      .select('record')
      .where('rollout', '=', row.name)
      .where('host', '=', hosts)
      .executeTakeFirst();
    records = record === undefined ? {} : { [hosts]: JSON.parse(record.record) as HostRecord };
  }
  const resource =
    rollout.status === undefined ? rollout : { ...rollout, status: { ...rollout.status, hosts: records } };
  const previousName = rollout.spec.previousRelease;
  return {
    fleet,
    rollout: {
      resource,
      release: (await requireDocument(db, 'releases', rollout.spec.release)).resource,
      previous: previousName === undefined ? undefined : (await getDocument(db, 'releases', previousName))?.resource,
    },
  };
}
