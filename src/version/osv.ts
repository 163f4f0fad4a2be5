import { PatchlineError } from '../core/index.js';
import type { VersionComparator } from './compare.js';
import { compareSemver } from './semver.js';

/**
 * Whether a package version is affected by an OSV record, by the evaluation algorithm of the OSV schema
 * (ossf/osv-schema docs/schema.md, "Evaluation"). The caller has matched the package; the ecosystem's ordering is
 * passed in, since OSV leaves `ECOSYSTEM` versions to the ecosystem.
 */

/** One event of a range. The schema allows exactly one field per event; the first present one is the event's kind. */
export interface OsvEvent {
  introduced?: string;
  fixed?: string;
  last_affected?: string;
  limit?: string;
}

export interface OsvRange {
  /** `ECOSYSTEM`, `SEMVER` or `GIT`. */
  type: string;
  events: OsvEvent[];
}

/** The part of an `affected[]` entry that decides which versions it covers. */
export interface OsvAffected {
  ranges?: OsvRange[];
  versions?: string[];
}

type TimelineEvent = { kind: 'introduced' | 'fixed' | 'last_affected'; version: string };

function timelineEvent(event: OsvEvent): TimelineEvent | undefined {
  if (event.introduced !== undefined) return { kind: 'introduced', version: event.introduced };
  if (event.fixed !== undefined) return { kind: 'fixed', version: event.fixed };
  if (event.last_affected !== undefined) return { kind: 'last_affected', version: event.last_affected };
  return undefined; // a limit, which bounds the range rather than changing state along it
}

/** `introduced: "0"` is the schema's "before any version", whatever the ecosystem would make of the string `0`. */
function isBeginning(event: TimelineEvent): boolean {
  return event.kind === 'introduced' && event.version === '0';
}

/** The schema's BeforeLimits: with no limit, there is an implicit `*`; a limit containing `*` is infinity. */
function beforeLimits(version: string, range: OsvRange, compare: VersionComparator): boolean {
  const limits = range.events.flatMap((event) => (event.limit === undefined ? [] : [event.limit]));
  if (limits.length === 0) return true;
  return limits.some((limit) => limit.includes('*') || compare(version, limit) < 0);
}

function rangeComparator(range: OsvRange, compareEcosystem: VersionComparator): VersionComparator {
  if (range.type === 'ECOSYSTEM') return compareEcosystem;
  if (range.type === 'SEMVER') return compareSemver;
  throw new PatchlineError('unsupported', range.type, 'OSV range type not evaluated here (ECOSYSTEM and SEMVER are)');
}

/**
 * Whether `version` falls in one range: walking the events in version order, each introduced at or below the version
 * opens the range, each fixed at or below it closes it, each last_affected below it closes it. `GIT` ranges are never
 * matched: they need the repository's commit graph, and the schema has the record list the affected versions instead.
 */
export function osvRangeAffects(range: OsvRange, version: string, compareEcosystem: VersionComparator): boolean {
  if (range.type === 'GIT') return false;
  const compare = rangeComparator(range, compareEcosystem);
  if (!beforeLimits(version, range, compare)) return false;

  const timeline = range.events.flatMap((event) => timelineEvent(event) ?? []);
  // Array.prototype.sort is stable: events at the same version keep the record's order.
  timeline.sort((x, y) => {
    if (isBeginning(x) !== isBeginning(y)) return isBeginning(x) ? -1 : 1;
    return isBeginning(x) ? 0 : compare(x.version, y.version);
  });
  let vulnerable = false;
  for (const event of timeline) {
    if (event.kind === 'introduced') {
      if (isBeginning(event) || compare(version, event.version) >= 0) vulnerable = true;
    } else if (event.kind === 'fixed') {
      if (compare(version, event.version) >= 0) vulnerable = false;
    } else if (compare(version, event.version) > 0) {
      vulnerable = false;
    }
  }
  return vulnerable;
}

/**
 * The schema's IsVulnerable for one `affected[]` entry whose package matched. The `versions` list is matched by
 * exact string, as the schema says: it may hold strings the ecosystem's ordering cannot read (upstream git tags).
 */
export function osvAffects(affected: OsvAffected, version: string, compareEcosystem: VersionComparator): boolean {
  if (affected.versions?.includes(version)) return true;
  return (affected.ranges ?? []).some((range) => osvRangeAffects(range, version, compareEcosystem));
}
