import { z } from 'zod';
import type { AdvisoryRecord, AffectedPackage, Importer, ImportProblem, ImportResult } from '../advisory.js';
import { isObject, jsonPointer, zodProblem } from './import-problem.js';
import { type OsvEcosystem, readOsvEcosystem } from './osv-ecosystem.js';
import { isModularRelease, purlModuleStream, titleModuleStreams } from './rpm-module.js';
import { versionProblem } from './version-problem.js';

/**
 * OSV records (ossf/osv-schema docs/schema.md) of the distributions Patchline scans, one record per document, as
 * osv.dev's per-ecosystem `all.zip` and the publishers' own repositories (AlmaLinux/osv-database, Rocky's) hold them.
 */

const timestamp = z.iso.datetime({ offset: true });

const eventSchema = z
  .object({
    introduced: z.string().min(1).optional(),
    fixed: z.string().min(1).optional(),
    last_affected: z.string().min(1).optional(),
    limit: z.string().min(1).optional(),
  })
  .refine((event) => Object.values(event).filter((value) => value !== undefined).length === 1, {
    message: 'an event has exactly one of introduced, fixed, last_affected, limit',
  });

const rangeSchema = z
  .object({
    type: z.enum(['ECOSYSTEM', 'SEMVER', 'GIT']),
    events: z.array(eventSchema).min(1),
  })
  .refine((range) => range.events.some((event) => event.introduced !== undefined), {
    message: 'a range needs at least one introduced event',
    path: ['events'],
  })
  .refine((range) => !(hasEvent(range.events, 'fixed') && hasEvent(range.events, 'last_affected')), {
    message: 'a range has fixed or last_affected events, not both',
    path: ['events'],
  });

const severitySchema = z.object({ type: z.string(), score: z.string() });
const specificSchema = z.record(z.string(), z.unknown());

const affectedSchema = z.object({
  package: z.object({ ecosystem: z.string().min(1), name: z.string().min(1), purl: z.string().optional() }),
  severity: z.array(severitySchema).optional(),
  ranges: z.array(rangeSchema).optional(),
  versions: z.array(z.string()).optional(),
  ecosystem_specific: specificSchema.optional(),
  database_specific: specificSchema.optional(),
});

const recordSchema = z.object({
  id: z.string().min(1),
  modified: timestamp,
  published: timestamp.optional(),
  withdrawn: timestamp.optional(),
  aliases: z.array(z.string()).optional(),
  related: z.array(z.string()).optional(),
  upstream: z.array(z.string()).optional(),
  summary: z.string().optional(),
  severity: z.array(severitySchema).optional(),
  affected: z.array(affectedSchema).optional(),
  references: z.array(z.object({ type: z.string(), url: z.string() })).optional(),
  database_specific: specificSchema.optional(),
});

type OsvRecord = z.infer<typeof recordSchema>;
type OsvAffectedEntry = z.infer<typeof affectedSchema>;
type Event = z.infer<typeof eventSchema>;

function hasEvent(events: Event[], kind: keyof Event): boolean {
  return events.some((event) => event[kind] !== undefined);
}

/**
 * Advisory ids whose record ships the fix, so that its `published` is when the fix became available: errata
 * (ALSA/ALBA/ALEA, RLSA/…, RHSA/…), Debian's DSA/DLA/DTSA, Ubuntu's USN, SUSE's update ids. Records about a
 * vulnerability rather than an update (`CVE-…`, `DEBIAN-CVE-…`, `UBUNTU-CVE-…`, `ALPINE-CVE-…`, Chainguard's and
 * Wolfi's `CGA-…`) were published when the issue was, often long before any fix: they get no date here, and the
 * database records the first sync that saw the fix instead.
 */
const FIX_ADVISORY_ID = /^(?:(?:AL|RL|RH)[SBE]A-|DSA-|DLA-|DTSA-|USN-|(?:open)?SUSE-[A-Z]{2}-)/;

/** The severity as the publisher wrote it, in the order of how specific the source is; shown, never decided on. */
function publishedSeverity(record: OsvRecord): string | undefined {
  const databaseSeverity = record.database_specific?.severity;
  if (typeof databaseSeverity === 'string') return databaseSeverity;
  if (record.severity?.length) return record.severity.map((severity) => severity.score).join(' ');
  for (const affected of record.affected ?? []) {
    const specific = affected.ecosystem_specific?.severity ?? affected.database_specific?.severity;
    if (typeof specific === 'string') return specific;
    if (affected.severity?.length) return affected.severity.map((severity) => severity.score).join(' ');
  }
  // AlmaLinux and Rocky copy Red Hat's erratum title, which starts with Red Hat's impact: `Important: kernel update`.
  return /^(Critical|Important|Moderate|Low): /.exec(record.summary ?? '')?.[1];
}

// A distribution's record about a CVE: `UBUNTU-CVE-2023-38545`, `DEBIAN-CVE-…`, `ALPINE-CVE-…`.
const DISTRIBUTION_CVE = /^[A-Z]+-(CVE-\d{4}-\d{4,})$/;

function recordAliases(record: OsvRecord): string[] {
  const related = (record.related ?? []).filter((id) => id.startsWith('CVE-'));
  const all = new Set([...(record.aliases ?? []), ...related, ...(record.upstream ?? [])]);
  // Ubuntu's USNs name their CVEs only through Ubuntu's own CVE records (`upstream: ["UBUNTU-CVE-…"]`): the CVE itself
  // is what VEX statements and policies name, so it is an alias too.
  for (const id of record.upstream ?? []) {
    const cve = DISTRIBUTION_CVE.exec(id)?.[1];
    if (cve !== undefined) all.add(cve);
  }
  all.delete(record.id);
  return [...all].sort();
}

/**
 * Every version of an ECOSYSTEM range, with where it sits, to be checked against the scheme. `versions` is not
 * checked: it is matched by exact string (the schema allows strings the ordering cannot read), and osv.dev fills it
 * from every version a distribution ever had.
 */
function* ecosystemVersions(entry: OsvAffectedEntry, index: number): Generator<[string, (string | number)[]]> {
  for (const [r, range] of (entry.ranges ?? []).entries()) {
    if (range.type !== 'ECOSYSTEM') continue;
    for (const [e, event] of range.events.entries()) {
      const [kind, version] = Object.entries(event).find(([, value]) => value !== undefined) ?? [];
      if (
        version === undefined ||
        (kind === 'introduced' && version === '0') ||
        (kind === 'limit' && version === '*')
      ) {
        continue;
      }
      yield [version, ['affected', index, 'ranges', r, 'events', e, kind ?? '']];
    }
  }
}

/** The rpm module streams an entry's fix belongs to; one affected entry is written per stream (see rpm-module.ts). */
function moduleStreams(
  entry: OsvAffectedEntry,
  fixed: string[],
  titleStreams: () => string[],
): Array<string | undefined> {
  const fromPurl = purlModuleStream(entry.package.purl);
  if (fromPurl !== undefined) return [fromPurl];
  if (!fixed.some(isModularRelease)) return [undefined];
  const fromTitle = titleStreams();
  // A modular fix whose title names no stream (`Important: varnish security update`): the stream is unknown, and the
  // entry is kept without one rather than guessed.
  return fromTitle.length > 0 ? fromTitle : [undefined];
}

function affectedPackages(
  entry: OsvAffectedEntry,
  ecosystem: OsvEcosystem,
  fixAvailableSince: string | undefined,
  titleStreams: () => string[],
): AffectedPackage[] {
  const fixed = [
    ...new Set(
      (entry.ranges ?? [])
        .filter((range) => range.type === 'ECOSYSTEM')
        .flatMap((range) => range.events.flatMap((event) => event.fixed ?? [])),
    ),
  ];
  const status = fixed.length > 0 ? 'fixed' : 'affected';
  return moduleStreams(entry, fixed, titleStreams).map((module) => {
    const affected: AffectedPackage = {
      ecosystem: ecosystem.ecosystem,
      scheme: ecosystem.scheme,
      package: entry.package.name,
      nameKind: ecosystem.nameKind,
      status,
    };
    if (ecosystem.stream !== undefined) affected.stream = ecosystem.stream;
    if (module !== undefined) affected.module = module;
    if (entry.ranges?.length) affected.ranges = entry.ranges;
    if (entry.versions?.length) affected.versions = entry.versions;
    if (fixed.length === 1) affected.fixedVersion = fixed[0];
    if (status === 'fixed' && fixAvailableSince !== undefined) affected.fixAvailableSince = fixAvailableSince;
    return affected;
  });
}

function toRecord(record: OsvRecord, input: string): { record?: AdvisoryRecord; problem?: ImportProblem } {
  const fixAvailableSince = FIX_ADVISORY_ID.test(record.id) ? record.published : undefined;
  const affected: AffectedPackage[] = [];
  const unread = new Set<string>();
  let streams: string[] | undefined;
  const titleStreams = () => {
    streams ??= titleModuleStreams(record.summary ?? '');
    return streams;
  };
  for (const [index, entry] of (record.affected ?? []).entries()) {
    const ecosystem = readOsvEcosystem(entry.package.ecosystem, entry.package.purl);
    if (ecosystem === undefined) {
      unread.add(entry.package.ecosystem);
      continue;
    }
    for (const [version, path] of ecosystemVersions(entry, index)) {
      const problem = versionProblem(ecosystem.scheme, version);
      if (problem !== undefined)
        return { problem: { input, at: jsonPointer(path), problem: `${record.id}: ${problem}` } };
    }
    affected.push(...affectedPackages(entry, ecosystem, fixAvailableSince, titleStreams));
  }
  if (affected.length === 0 && unread.size > 0) {
    const names = [...unread].join(', ');
    return {
      problem: { input, at: '/affected', problem: `${record.id}: no package in an ecosystem scanned here (${names})` },
    };
  }

  const advisory: AdvisoryRecord = { id: record.id, source: 'osv', aliases: recordAliases(record), affected };
  if (record.summary !== undefined) advisory.summary = record.summary;
  const severity = publishedSeverity(record);
  if (severity !== undefined) advisory.severity = severity;
  if (record.published !== undefined) advisory.published = record.published;
  advisory.modified = record.modified;
  if (record.withdrawn !== undefined) advisory.withdrawn = record.withdrawn;
  if (record.references?.length) advisory.references = record.references.map((reference) => reference.url);
  return { record: advisory };
}

export const osvImporter: Importer = {
  source: 'osv',

  // An OSV record has a string id and a `modified` timestamp or an `affected` list; CSAF documents have `document`,
  // Bodhi updates `alias`, the Debian tracker objects under package names, secdb `packages`.
  detect(document: unknown): boolean {
    if (!isObject(document) || typeof document.id !== 'string' || 'document' in document) return false;
    return typeof document.modified === 'string' || Array.isArray(document.affected);
  },

  parse(document: unknown, input: string): ImportResult {
    const parsed = recordSchema.safeParse(document);
    if (!parsed.success) return { records: [], problems: [zodProblem(input, [], parsed.error)] };
    const { record, problem } = toRecord(parsed.data, input);
    return { records: record ? [record] : [], problems: problem ? [problem] : [] };
  },
};
