import type { Kysely, Selectable } from 'kysely';
import {
  API_VERSION,
  type FailedDigest,
  type Host,
  type HostReport,
  type Labels,
  toTimestamp,
} from '../fleet/index.js';
import { canonicalJson } from './canonical-json.js';
import { StoreError } from './errors.js';
import type { GroupedReports, PreviousReport } from './grouped-reports.js';
import { assignHostFleet } from './host-fleets.js';
import { checkHostMembership } from './membership.js';
import { carriedMetadata, checkExpectedVersion, emptyHost, freshMetadata, type Stored } from './resources.js';
import type { Database, Dialect } from './schema.js';
import { hashSecret, newSecret } from './secrets.js';

type HostRow = Selectable<Database['hosts']>;

/**
 * A host's row back as a Host resource. The status columns are parsed without a schema: only the server writes
 * them, after validating the request, and hosts are read by the thousand on every controller tick.
 */
export function hostFromRow(row: HostRow): Stored<Host> {
  const host = JSON.parse(row.doc) as Host;
  const status: NonNullable<Host['status']> = {};
  if (row.last_seen !== null) status.lastSeen = row.last_seen;
  if (row.last_served !== null) status.lastServed = JSON.parse(row.last_served);
  if (row.report !== null) status.report = JSON.parse(row.report);
  const failed = JSON.parse(row.failed_digests) as FailedDigest[];
  if (failed.length > 0) status.failedDigests = failed;
  return { resource: { ...host, status }, resourceVersion: row.resource_version };
}

/**
 * A report with only what rollout decisions read: each deployment's image digest, whether bootc calls it
 * incompatible or pinned, and the health. A tick reads every host of a fleet; parsing full reports was most of it.
 */
export function decisionReport(report: HostReport): HostReport {
  const entry = (deployment: BootEntry | null | undefined): BootEntry | null => {
    if (deployment === undefined || deployment === null) return null;
    const image = deployment.image;
    return {
      image:
        image === undefined || image === null
          ? null
          : { image: { image: image.image.image, transport: image.image.transport }, imageDigest: image.imageDigest },
      incompatible: deployment.incompatible,
      pinned: deployment.pinned,
    };
  };
  const status = report.bootc.status;
  const bootc: HostReport['bootc'] = {
    apiVersion: report.bootc.apiVersion,
    kind: report.bootc.kind,
    status:
      status === undefined || status === null
        ? null
        : { booted: entry(status.booted), staged: entry(status.staged), rollback: entry(status.rollback) },
  };
  return { receivedAt: report.receivedAt, bootc, ...(report.health === undefined ? {} : { health: report.health }) };
}

type BootEntry = NonNullable<NonNullable<HostReport['bootc']['status']>['booted']>;

const DECISION_COLUMNS = ['name', 'labels', 'last_seen', 'last_served', 'observed', 'failed_digests'] as const;

/**
 * A fleet's hosts as rollout decisions see them (names, labels and what they last did, without full reports), and
 * the version each one's prepared answer is kept under, read in the same statement: answers computed from what is
 * read afterwards may be kept over these versions (host-answers.ts).
 */
export async function listHostsForDecision(
  db: Kysely<Database>,
  fleet: string,
): Promise<{ hosts: Host[]; answerVersions: Map<string, number> }> {
  const rows = await db
    .selectFrom('hosts')
    .leftJoin('host_answers', 'host_answers.host', 'hosts.name')
    .select(DECISION_COLUMNS.map((column) => `hosts.${column}` as const))
    .select('host_answers.version')
    .where('hosts.fleet', '=', fleet)
    .execute();
  const answerVersions = new Map<string, number>();
  for (const row of rows) if (row.version !== null) answerVersions.set(row.name, Number(row.version));
  return { hosts: rows.map(hostForDecision), answerVersions };
}

export interface HostForPoll {
  host: Host;
  fleet: string | null;
  /** The prepared answer (host-answers.ts), null when there is none, and the version it is kept under. */
  answer: string | null;
  answerVersion: number;
}

/** One host as rollout decisions see it, with its fleet and prepared answer: all a desired-state poll reads. */
export async function getHostForPoll(db: Kysely<Database>, name: string): Promise<HostForPoll | undefined> {
  const row = await db
    .selectFrom('hosts')
    .leftJoin('host_answers', 'host_answers.host', 'hosts.name')
    .select(DECISION_COLUMNS.map((column) => `hosts.${column}` as const))
    .select(['hosts.fleet', 'host_answers.answer', 'host_answers.version'])
    .where('hosts.name', '=', name)
    .executeTakeFirst();
  return row === undefined
    ? undefined
    : { host: hostForDecision(row), fleet: row.fleet, answer: row.answer, answerVersion: Number(row.version ?? 0) };
}

function hostForDecision(row: Pick<HostRow, (typeof DECISION_COLUMNS)[number]>): Host {
  const status: NonNullable<Host['status']> = {};
  if (row.last_seen !== null) status.lastSeen = row.last_seen;
  if (row.last_served !== null) status.lastServed = JSON.parse(row.last_served);
  if (row.observed !== null) status.report = JSON.parse(row.observed);
  if (row.failed_digests !== '[]') status.failedDigests = JSON.parse(row.failed_digests);
  return {
    apiVersion: API_VERSION,
    kind: 'Host',
    metadata: { name: row.name, labels: JSON.parse(row.labels) },
    status,
  };
}

export async function getHost(db: Kysely<Database>, name: string): Promise<Stored<Host> | undefined> {
  const row = await db.selectFrom('hosts').selectAll().where('name', '=', name).executeTakeFirst();
  return row === undefined ? undefined : hostFromRow(row);
}

export async function listHosts(db: Kysely<Database>): Promise<Array<Stored<Host>>> {
  const rows = await db.selectFrom('hosts').selectAll().orderBy('name').execute();
  return rows.map(hostFromRow);
}

async function insertHost(db: Kysely<Database>, host: Host, now: number): Promise<void> {
  const exists = await db.selectFrom('hosts').select('name').where('name', '=', host.metadata.name).executeTakeFirst();
  if (exists !== undefined) throw new StoreError('AlreadyExists', `host ${host.metadata.name} already exists`);
  const answersTo = await lockIdHolder(db, host.metadata.name);
  if (answersTo !== undefined) {
    throw new StoreError('Conflict', `host ${answersTo} already answers FleetLock as ${host.metadata.name}`);
  }
  const fresh = freshMetadata({ ...host, status: undefined }, now);
  delete fresh.status;
  await db
    .insertInto('hosts')
    .values({
      name: host.metadata.name,
      resource_version: 1,
      created_at: toTimestamp(now),
      doc: JSON.stringify(fresh),
      labels: JSON.stringify(host.metadata.labels ?? {}),
      last_seen: null,
      last_served: null,
      report: null,
      observed: null,
      booted: null,
      failed_digests: '[]',
      fleet: null,
    })
    .execute();
  await db.insertInto('host_answers').values({ host: host.metadata.name, answer: null, version: 0 }).execute();
  await assignHostFleet(db, host.metadata.name, host.metadata.labels);
}

/** An admin may register a host ahead of enrollment; its status stays the host's to report. */
export async function createHost(db: Kysely<Database>, host: Host, now: number): Promise<void> {
  await insertHost(db, host, now);
}

/** Updates what an admin may change on a host (its labels and spec); the status is never taken from the request. */
export async function applyHost(
  db: Kysely<Database>,
  host: Host,
  now: number,
  expectedVersion?: number,
): Promise<'created' | 'updated' | 'unchanged'> {
  const stored = await getHost(db, host.metadata.name);
  if (stored === undefined) {
    await insertHost(db, host, now);
    return 'created';
  }
  checkExpectedVersion('hosts', host.metadata.name, stored.resourceVersion, expectedVersion);
  const previous = { ...stored.resource, status: undefined };
  const next = carriedMetadata({ ...host, status: undefined }, previous);
  delete next.status;
  delete previous.status;
  if (canonicalJson(next) === canonicalJson(previous)) return 'unchanged';
  const result = await db
    .updateTable('hosts')
    .set({
      doc: JSON.stringify(next),
      labels: JSON.stringify(next.metadata.labels ?? {}),
      resource_version: stored.resourceVersion + 1,
    })
    .where('name', '=', host.metadata.name)
    .where('resource_version', '=', stored.resourceVersion)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) !== 1) {
    throw new StoreError('Conflict', `host ${host.metadata.name} was changed by someone else; read it again and retry`);
  }
  await assignHostFleet(db, host.metadata.name, next.metadata.labels);
  return 'updated';
}

export async function deleteHost(db: Kysely<Database>, name: string): Promise<void> {
  const result = await db.deleteFrom('hosts').where('name', '=', name).executeTakeFirst();
  if (Number(result.numDeletedRows) !== 1) throw new StoreError('NotFound', `host ${name} not found`);
  await db.deleteFrom('host_answers').where('host', '=', name).execute();
  await db.deleteFrom('host_credentials').where('host', '=', name).execute();
}

// ── Enrollment and credentials ──────────────────────────────────────────────────────────────────────────────────

export async function createEnrollmentToken(
  db: Kysely<Database>,
  labels: Labels,
  ttlMs: number,
  now: number,
): Promise<{ token: string; expiresAt: string }> {
  const token = newSecret('ple_');
  const expiresAt = toTimestamp(now + ttlMs);
  await db
    .insertInto('enrollment_tokens')
    .values({
      hash: hashSecret(token),
      labels: JSON.stringify(labels),
      created_at: toTimestamp(now),
      expires_at: expiresAt,
      consumed_at: null,
      host: null,
    })
    .execute();
  return { token, expiresAt };
}

/**
 * Trades a one-time enrollment token for a host and its credential: the one way a host gets a credential. The token
 * is consumed by a conditional update, so of two hosts racing with the same token exactly one wins, in either
 * database. The labels that place a host in a fleet are an admin's decision, never the host's: they are the token's,
 * merged with those an admin registered the host with (enrollment claims a registered host that has no credential
 * yet). The host may repeat labels it expects, and is refused if it asks for any other (see
 * docs/decisions/0032-enrollment-decides-labels.md). Every check fails the whole transaction, token included.
 */
export async function enrollHost(
  db: Kysely<Database>,
  dialect: Dialect,
  token: string,
  name: string,
  asked: Labels,
  now: number,
  fleetLockId?: string,
): Promise<{ credential: string }> {
  const stamp = toTimestamp(now);
  const hash = hashSecret(token);
  const consumed = await db
    .updateTable('enrollment_tokens')
    .set({ consumed_at: stamp, host: name })
    .where('hash', '=', hash)
    .where('consumed_at', 'is', null)
    .where('expires_at', '>', stamp)
    .executeTakeFirst();
  if (Number(consumed.numUpdatedRows) !== 1) {
    throw new StoreError('Unauthorized', 'the enrollment token is unknown, expired or already used');
  }
  const row = await db
    .selectFrom('enrollment_tokens')
    .select('labels')
    .where('hash', '=', hash)
    .executeTakeFirstOrThrow();
  const tokenLabels = JSON.parse(row.labels) as Labels;
  const registered = await getHost(db, name);
  if (registered !== undefined && (await credentialOf(db, name)) !== undefined) {
    throw new StoreError(
      'AlreadyExists',
      `host ${name} is enrolled already; to enroll it again an admin deletes it first (patchline host delete ${name})`,
    );
  }
  const labels = registered === undefined ? tokenLabels : claimLabels(name, registered.resource, tokenLabels);
  const foreign = Object.entries(asked).filter(([key, value]) => labels[key] !== value);
  if (foreign.length > 0) {
    throw new StoreError(
      'Forbidden',
      `labels ${foreign.map(([key, value]) => `${key}=${value}`).join(', ')}: a host's labels come from its enrollment token (or its registration), not from the host; ask the admin for a token that carries them`,
    );
  }
  await checkHostMembership(db, dialect, name, labels);
  if (registered === undefined) {
    await insertHost(db, emptyHost(name, labels), now);
  } else {
    const resource = registered.resource;
    await applyHost(db, { ...resource, metadata: { ...resource.metadata, labels } }, now, registered.resourceVersion);
  }
  if (fleetLockId !== undefined && fleetLockId !== name) await setFleetLockId(db, name, fleetLockId);
  const credential = newSecret('plh_');
  await db
    .insertInto('host_credentials')
    .values({ hash: hashSecret(credential), host: name, created_at: stamp })
    .execute();
  return { credential };
}

/** The host whose FleetLock client sends this id (other than its own name), if any. */
async function lockIdHolder(db: Kysely<Database>, id: string): Promise<string | undefined> {
  const row = await db.selectFrom('hosts').select('name').where('fleetlock_id', '=', id).executeTakeFirst();
  return row?.name;
}

/** Records the id the host's FleetLock client sends; one host per id, and never another host's name. */
async function setFleetLockId(db: Kysely<Database>, name: string, id: string): Promise<void> {
  const holder = await lockIdHolder(db, id);
  const named = await db.selectFrom('hosts').select('name').where('name', '=', id).executeTakeFirst();
  if ((holder !== undefined && holder !== name) || named !== undefined) {
    throw new StoreError('Conflict', `fleetLockId: ${id} is already host ${holder ?? named?.name}'s`);
  }
  await db.updateTable('hosts').set({ fleetlock_id: id }).where('name', '=', name).execute();
}

/**
 * The enrolled host a FleetLock client id stands for: the host of that name, else the host that gave the id at
 * enrollment (Zincati sends the machine's app-specific id, not a host name).
 */
export async function hostOfLockId(db: Kysely<Database>, id: string): Promise<string | undefined> {
  const named = await db.selectFrom('hosts').select('name').where('name', '=', id).executeTakeFirst();
  return named?.name ?? (await lockIdHolder(db, id));
}

/** A registered host's labels with the token's added; a token that says otherwise about a label is refused. */
function claimLabels(name: string, registered: Host, tokenLabels: Labels): Labels {
  const own = registered.metadata.labels ?? {};
  const clashes = Object.entries(tokenLabels).filter(([key, value]) => own[key] !== undefined && own[key] !== value);
  if (clashes.length > 0) {
    throw new StoreError(
      'Conflict',
      `host ${name} was registered with ${clashes.map(([key]) => `${key}=${own[key]}`).join(', ')}, and the token says ${clashes.map(([key, value]) => `${key}=${value}`).join(', ')}`,
    );
  }
  return { ...own, ...tokenLabels };
}

/** The hash of the host's credential, if it has one. */
export async function credentialOf(db: Kysely<Database>, name: string): Promise<string | undefined> {
  const row = await db.selectFrom('host_credentials').select('hash').where('host', '=', name).executeTakeFirst();
  return row?.hash;
}

/** The host a credential belongs to, by the credential's hash (hashSecret), if any. */
export async function hostOfHash(db: Kysely<Database>, hash: string): Promise<string | undefined> {
  const row = await db.selectFrom('host_credentials').select('host').where('hash', '=', hash).executeTakeFirst();
  return row?.host;
}

// ── What hosts tell us ──────────────────────────────────────────────────────────────────────────────────────────

export interface ReportOutcome {
  /** Whether it differs from the previous report in anything a rollout decides on (digests and health). */
  changed: boolean;
  /** The host's fleet, whose rollout a change concerns. */
  fleet: string | undefined;
}

/**
 * Stores a report, and says whether there is something new to decide and for which fleet. On PostgreSQL one
 * statement for a group of reports (grouped-reports.ts): the UPDATE joins the rows as they were before it (a self-join
 * sees the statement's snapshot), so the previous reports come back with it. SQLite cannot return a joined table's
 * columns, and its two statements cost no round trip.
 */
export async function recordReport(
  db: Kysely<Database>,
  grouped: GroupedReports | undefined,
  name: string,
  report: HostReport,
): Promise<ReportOutcome> {
  const columns = {
    report: JSON.stringify(report),
    observed: JSON.stringify(decisionReport(report)),
    last_seen: report.receivedAt,
    booted: report.bootc.status?.booted?.image?.imageDigest ?? null,
  };
  let previous: PreviousReport;
  if (grouped !== undefined) {
    previous = await grouped.write(name, columns);
  } else {
    previous = await db.selectFrom('hosts').select(['observed', 'fleet']).where('name', '=', name).executeTakeFirst();
    if (previous !== undefined) await db.updateTable('hosts').set(columns).where('name', '=', name).execute();
  }
  if (previous === undefined) throw new StoreError('NotFound', `host ${name} not found`);
  const changed =
    previous.observed === null ||
    decisionRelevant(JSON.parse(previous.observed) as HostReport) !== decisionRelevant(report);
  return { changed, fleet: previous.fleet ?? undefined };
}

function decisionRelevant(report: HostReport): string {
  const status = report.bootc.status;
  return canonicalJson([
    status?.booted?.image?.imageDigest,
    status?.staged?.image?.imageDigest,
    status?.rollback?.image?.imageDigest,
    status?.booted?.incompatible,
    report.health,
  ]);
}

/**
 * Notes a call from the host. Skipped when the host was seen within the last few seconds (its report usually comes
 * just before its poll): online-ness is judged in minutes, and a write per call is the costliest part of a poll.
 */
export async function recordSeen(db: Kysely<Database>, name: string, now: number): Promise<void> {
  await db
    .updateTable('hosts')
    .set({ last_seen: toTimestamp(now) })
    .where('name', '=', name)
    .where((eb) => eb.or([eb('last_seen', 'is', null), eb('last_seen', '<', toTimestamp(now - SEEN_RESOLUTION_MS))]))
    .execute();
}

const SEEN_RESOLUTION_MS = 10_000;

/** Whether a call at `now` is worth noting, given when the host was last seen (recordSeen's condition). */
export function seenIsStale(lastSeen: string | undefined, now: number): boolean {
  return lastSeen === undefined || lastSeen < toTimestamp(now - SEEN_RESOLUTION_MS);
}

export async function recordServed(db: Kysely<Database>, name: string, digest: string, now: number): Promise<void> {
  const at = toTimestamp(now);
  await db
    .updateTable('hosts')
    .set({ last_served: JSON.stringify({ digest, at }), last_seen: at })
    .where('name', '=', name)
    .execute();
}

/** Remembers images that failed on hosts, once each, so they are never offered to those hosts again. */
export async function addFailedDigests(
  db: Kysely<Database>,
  failures: ReadonlyArray<{ host: string } & FailedDigest>,
): Promise<void> {
  const byHost = new Map<string, FailedDigest[]>();
  for (const { host, ...failure } of failures) {
    byHost.set(host, [...(byHost.get(host) ?? []), failure]);
  }
  for (const [host, added] of byHost) {
    const row = await db.selectFrom('hosts').select('failed_digests').where('name', '=', host).executeTakeFirst();
    if (row === undefined) continue;
    const known = JSON.parse(row.failed_digests) as FailedDigest[];
    for (const failure of added) {
      if (!known.some((entry) => entry.digest === failure.digest)) known.push(failure);
    }
    await db
      .updateTable('hosts')
      .set({ failed_digests: JSON.stringify(known) })
      .where('name', '=', host)
      .execute();
  }
}
