import { z } from 'zod';
import type {
  AdvisoryRecord,
  AffectedPackage,
  AffectedStatus,
  Importer,
  ImportProblem,
  ImportResult,
} from '../advisory.js';
import type { DebianAdvisory } from './debian-dsa-list.js';
import { debianReleaseNumber } from './debian-releases.js';
import { isObject, jsonPointer, zodProblem } from './import-problem.js';
import { versionProblem } from './version-problem.js';

/**
 * The Debian security tracker's JSON (https://security-tracker.debian.org/tracker/data/json):
 * `{source package: {issue: {description, scope, debianbug, releases: {codename: {status, repositories,
 * fixed_version, urgency, nodsa, nodsa_reason}}}}}`. One record per issue (a CVE, or a tracker `TEMP-…` id), with one
 * affected entry per source package and release; the same issue under several packages is one record.
 */

const releaseSchema = z.object({
  status: z.string(),
  fixed_version: z.string().optional(),
  urgency: z.string().optional(),
  nodsa: z.string().optional(),
  nodsa_reason: z.string().optional(),
});

const issueSchema = z.object({
  description: z.string().optional(),
  debianbug: z.number().int().optional(),
  // An issue with no release is serialised as `[]` rather than `{}` (CVE-2022-0358 in the fixture).
  releases: z.preprocess(
    (releases) => (Array.isArray(releases) && releases.length === 0 ? {} : releases),
    z.record(z.string(), releaseSchema),
  ),
});

type TrackerRelease = z.infer<typeof releaseSchema>;

const ISSUE_ID = /^(?:CVE-\d{4}-\d{4,}|TEMP-\d{7}-[0-9A-F]{6})$/;

/**
 * The tracker's per-release states, as its data/CVE/list tags them and the JSON exports them (security-tracker
 * README, "Issues not warranting a security advisory"; security-team.debian.org/security_tracker.html):
 * - `resolved` with `fixed_version` `0`: `<not-affected>`, the release never had the vulnerable code.
 * - `resolved` with a version: fixed in that version.
 * - `open` with urgency `unimportant`: the team will not fix it (no security impact in Debian's build).
 * - `open` with urgency `end-of-life`: security support for the package in that release has ended.
 * - `open` with `nodsa_reason` `ignored` (`<ignored>`): will further be ignored; with a plain `<no-dsa>` (nodsa set,
 *   no reason): not worth an advisory, no fix planned. Both are will-not-fix, as advisory.ts has it.
 * - `open` with `nodsa_reason` `postponed` (`<postponed>`): the fix is queued for a later update: affected.
 * - `open` otherwise (`<unfixed>`): affected, no fix yet.
 * - `undetermined`: the team has not settled whether the release is affected; kept as affected, so it is shown
 *   (as no fix yet) rather than silently dropped.
 */
function releaseStatus(release: TrackerRelease): AffectedStatus | undefined {
  if (release.status === 'resolved') return release.fixed_version === '0' ? 'not-affected' : 'fixed';
  if (release.status === 'undetermined') return 'affected';
  if (release.status !== 'open') return undefined;
  if (release.urgency === 'unimportant') return 'will-not-fix';
  if (release.urgency === 'end-of-life') return 'out-of-support';
  if (release.nodsa_reason === 'postponed') return 'affected';
  if (release.nodsa_reason === 'ignored' || (release.nodsa !== undefined && release.nodsa !== ''))
    return 'will-not-fix';
  return 'affected';
}

/** The advisory of the DSA/DLA lists that ships exactly this fix, when one does. */
type FixLookup = (issue: string, codename: string, source: string, version: string) => DebianAdvisory | undefined;

function fixLookup(advisories: readonly DebianAdvisory[]): FixLookup {
  const byFix = new Map<string, DebianAdvisory>();
  for (const advisory of advisories) {
    for (const cve of advisory.cves) {
      for (const fix of advisory.fixes) {
        const key = `${cve} ${fix.release} ${fix.package} ${fix.version}`;
        // The earliest advisory wins: a regression update (`DSA-2808-2`) re-lists the fix of the first one.
        const known = byFix.get(key);
        if (known === undefined || advisory.date < known.date) byFix.set(key, advisory);
      }
    }
  }
  return (issue, codename, source, version) => byFix.get(`${issue} ${codename} ${source} ${version}`);
}

function readRelease(
  issue: string,
  source: string,
  codename: string,
  release: TrackerRelease,
  lookup: FixLookup,
): { affected?: AffectedPackage; problem?: string } {
  const number = debianReleaseNumber(codename);
  if (number === undefined) return { problem: `unknown Debian release ${codename}` };
  const status = releaseStatus(release);
  if (status === undefined) return { problem: `unknown status ${release.status}` };
  const affected: AffectedPackage = {
    ecosystem: `Debian:${number}`,
    stream: codename,
    scheme: 'deb',
    package: source,
    nameKind: 'source',
    status,
  };
  if (status === 'fixed') {
    const version = release.fixed_version;
    if (version === undefined) return { problem: 'resolved without a fixed_version' };
    const problem = versionProblem('deb', version);
    if (problem !== undefined) return { problem };
    affected.fixedVersion = version;
    // The tracker dates nothing; the DSA/DLA that shipped this very version does, when the lists were given.
    const advisory = lookup(issue, codename, source, version);
    if (advisory !== undefined) {
      affected.fixAdvisory = advisory.id;
      affected.fixAvailableSince = advisory.date;
    }
  }
  return { affected };
}

function newRecord(issue: string, description: string | undefined): AdvisoryRecord {
  const record: AdvisoryRecord = {
    id: issue,
    source: 'debian-tracker',
    aliases: [],
    affected: [],
    references: [`https://security-tracker.debian.org/tracker/${issue}`],
  };
  if (description !== undefined && description !== '') record.summary = description;
  return record;
}

/** Urgencies as published, per release differing (`high**`, `unimportant`), joined; shown, never decided on. */
function urgencies(releases: TrackerRelease[]): string | undefined {
  const values = [...new Set(releases.flatMap((release) => release.urgency ?? []))].sort();
  return values.length > 0 ? values.join(', ') : undefined;
}

function parseTracker(document: unknown, input: string, lookup: FixLookup): ImportResult {
  if (!isObject(document))
    return { records: [], problems: [{ input, at: '/', problem: 'expected an object of source packages' }] };
  const records = new Map<string, AdvisoryRecord>();
  const problems: ImportProblem[] = [];
  // Every release entry of each issue, across its packages, for the severity shown.
  const seen = new Map<string, TrackerRelease[]>();
  for (const [source, issues] of Object.entries(document)) {
    if (!isObject(issues)) {
      problems.push({ input, at: jsonPointer([source]), problem: 'expected an object of issues' });
      continue;
    }
    for (const [issue, value] of Object.entries(issues)) {
      const path = [source, issue];
      if (!ISSUE_ID.test(issue)) {
        problems.push({ input, at: jsonPointer(path), problem: `not a CVE or tracker issue id: ${issue}` });
        continue;
      }
      const parsed = issueSchema.safeParse(value);
      if (!parsed.success) {
        problems.push(zodProblem(input, path, parsed.error));
        continue;
      }
      const record = records.get(issue) ?? newRecord(issue, parsed.data.description);
      records.set(issue, record);
      if (parsed.data.debianbug !== undefined)
        record.references?.push(`https://bugs.debian.org/${parsed.data.debianbug}`);
      const releases = Object.entries(parsed.data.releases);
      for (const [codename, release] of releases) {
        const { affected, problem } = readRelease(issue, source, codename, release, lookup);
        if (problem !== undefined) {
          problems.push({ input, at: jsonPointer([...path, 'releases', codename]), problem: `${issue}: ${problem}` });
        }
        if (affected !== undefined) record.affected.push(affected);
        if (affected?.fixAdvisory !== undefined) record.aliases.push(affected.fixAdvisory);
      }
      seen.set(issue, [...(seen.get(issue) ?? []), ...releases.map(([, release]) => release)]);
    }
  }
  for (const record of records.values()) {
    record.aliases = [...new Set(record.aliases)].sort();
    record.references = [...new Set(record.references)];
    const severity = urgencies(seen.get(record.id) ?? []);
    if (severity !== undefined) record.severity = severity;
  }
  return { records: [...records.values()], problems };
}

/** Whether a document looks like the tracker's JSON: its first package's first key is an issue with `releases`. */
function detectTracker(document: unknown): boolean {
  if (!isObject(document)) return false;
  const [first] = Object.values(document);
  if (!isObject(first)) return false;
  const [issue] = Object.entries(first);
  return issue !== undefined && ISSUE_ID.test(issue[0]) && isObject(issue[1]) && 'releases' in issue[1];
}

/**
 * The importer, optionally with the DSA/DLA lists (parseDebianAdvisoryList): with them, a fix a DSA or DLA shipped gets
 * that advisory as `fixAdvisory` and alias and its date as `fixAvailableSince`; without them fixes carry no date, and
 * the database records the first sync that saw them.
 */
export function createDebianTrackerImporter(advisories: readonly DebianAdvisory[] = []): Importer {
  const lookup = fixLookup(advisories);
  return {
    source: 'debian-tracker',
    detect: detectTracker,
    parse: (document, input) => parseTracker(document, input, lookup),
  };
}

export const debianTrackerImporter: Importer = createDebianTrackerImporter();
