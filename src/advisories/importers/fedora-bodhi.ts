import { z } from 'zod';
import type { AdvisoryRecord, AffectedPackage, Importer, ImportProblem, ImportResult } from '../advisory.js';
import { isObject, jsonPointer, zodProblem } from './import-problem.js';
import { versionProblem } from './version-problem.js';

/**
 * Fedora's and EPEL's updates from Bodhi (bodhi.fedoraproject.org/updates/<alias>, or a page of `/updates/?…` with
 * its `updates` list). Fedora has no OSV ecosystem; a stable Bodhi update is Fedora's statement that a build fixes
 * the bugs (and CVEs) it closes. Each build is a Koji build of a source rpm (`httpd-2.4.55-1.fc37` builds httpd,
 * httpd-core, mod_ssl, ...), so packages are source names, matched against an installed package's source rpm.
 */

/** Bodhi writes UTC times without a zone: `2014-12-06 10:05:03`. */
const bodhiTime = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/, 'expected a Bodhi time (YYYY-MM-DD hh:mm:ss)');

const updateSchema = z.object({
  alias: z.string().regex(/^FEDORA-[A-Z-]*\d{4}-[0-9a-f]+$/, 'expected an update id such as FEDORA-2023-6d4055d482'),
  notes: z.string().nullish(),
  type: z.string(),
  status: z.string(),
  severity: z.string().nullish(),
  date_modified: bodhiTime.nullish(),
  date_stable: bodhiTime.nullish(),
  date_pushed: bodhiTime.nullish(),
  url: z.string().nullish(),
  release: z.object({ version: z.string().min(1), id_prefix: z.string().min(1) }),
  bugs: z.array(z.object({ bug_id: z.number().int(), title: z.string().nullish() })).default([]),
  builds: z.array(z.object({ nvr: z.string(), type: z.string().default('rpm'), epoch: z.number().int().nullish() })),
});

type Update = z.infer<typeof updateSchema>;

/** The ecosystems of the rpm releases; FEDORA-FLATPAK, FEDORA-CONTAINER and FEDORA-MODULAR ship no plain rpms. */
const ECOSYSTEMS: ReadonlyMap<string, string> = new Map([
  ['FEDORA', 'Fedora'],
  ['FEDORA-EPEL', 'Fedora EPEL'],
  ['FEDORA-EPEL-NEXT', 'Fedora EPEL Next'],
]);
const NOT_RPM = new Set(['FEDORA-FLATPAK', 'FEDORA-CONTAINER', 'FEDORA-MODULAR']);

function toUtc(time: string): string {
  return `${time.replace(' ', 'T')}Z`;
}

/**
 * `cross-binutils-2.27-9.el7.1` → name, version, release: the last two hyphens split them, since a name may hold
 * hyphens and a version or release may not.
 */
function splitNvr(nvr: string): { name: string; version: string; release: string } | undefined {
  const match = /^(.+)-([^-]+)-([^-]+)$/.exec(nvr);
  if (!match) return undefined;
  return { name: match[1] ?? '', version: match[2] ?? '', release: match[3] ?? '' };
}

function cveIds(update: Update): string[] {
  const found = update.bugs.flatMap((bug) => bug.title?.match(/\bCVE-\d{4}-\d{4,}\b/g) ?? []);
  return [...new Set(found)].sort();
}

function toRecord(
  update: Update,
  ecosystem: string,
  input: string,
  base: (string | number)[],
): { record?: AdvisoryRecord; problem?: ImportProblem } {
  const fixDate = update.date_stable ?? update.date_pushed;
  const affected: AffectedPackage[] = [];
  for (const [index, build] of update.builds.entries()) {
    if (build.type !== 'rpm') continue;
    const at = jsonPointer([...base, 'builds', index, 'nvr']);
    const nvr = splitNvr(build.nvr);
    if (nvr === undefined)
      return { problem: { input, at, problem: `${update.alias}: not a name-version-release: ${build.nvr}` } };
    const epoch = build.epoch ? `${build.epoch}:` : '';
    const fixedVersion = `${epoch}${nvr.version}-${nvr.release}`;
    const invalid = versionProblem('rpm', fixedVersion);
    if (invalid !== undefined) return { problem: { input, at, problem: `${update.alias}: ${invalid}` } };
    const entry: AffectedPackage = {
      ecosystem,
      scheme: 'rpm',
      package: nvr.name,
      nameKind: 'source',
      status: 'fixed',
      fixedVersion,
    };
    if (fixDate) entry.fixAvailableSince = toUtc(fixDate);
    affected.push(entry);
  }
  const record: AdvisoryRecord = { id: update.alias, source: 'fedora-bodhi', aliases: cveIds(update), affected };
  const summary = update.notes?.trim();
  if (summary) record.summary = summary;
  if (update.severity && update.severity !== 'unspecified') record.severity = update.severity;
  if (fixDate) record.published = toUtc(fixDate);
  if (update.date_modified) record.modified = toUtc(update.date_modified);
  record.references = [
    update.url ?? `https://bodhi.fedoraproject.org/updates/${update.alias}`,
    ...update.bugs.map((bug) => `https://bugzilla.redhat.com/show_bug.cgi?id=${bug.bug_id}`),
  ];
  return { record };
}

/**
 * One update. Only stable updates shipped their builds to users (testing, pending, obsolete and unpushed ones did
 * not), and only security updates, or updates closing a CVE's bug, are advisories: every other update would make any
 * older build look like it lacks a fix. Those are skipped without a problem; what cannot be read is a problem.
 */
function readUpdate(value: unknown, input: string, base: (string | number)[]): ImportResult {
  const parsed = updateSchema.safeParse(value);
  if (!parsed.success) return { records: [], problems: [zodProblem(input, base, parsed.error)] };
  const update = parsed.data;
  const prefix = update.release.id_prefix;
  const ecosystem = ECOSYSTEMS.get(prefix);
  if (ecosystem === undefined) {
    if (NOT_RPM.has(prefix)) return { records: [], problems: [] };
    const at = jsonPointer([...base, 'release', 'id_prefix']);
    return { records: [], problems: [{ input, at, problem: `${update.alias}: unknown Bodhi release kind ${prefix}` }] };
  }
  if (update.status !== 'stable' || (update.type !== 'security' && cveIds(update).length === 0)) {
    return { records: [], problems: [] };
  }
  const { record, problem } = toRecord(update, `${ecosystem}:${update.release.version}`, input, base);
  return { records: record ? [record] : [], problems: problem ? [problem] : [] };
}

function parseBodhi(document: unknown, input: string): ImportResult {
  if (isObject(document) && Array.isArray(document.updates)) {
    const results = document.updates.map((update, index) => readUpdate(update, input, ['updates', index]));
    return {
      records: results.flatMap((result) => result.records),
      problems: results.flatMap((result) => result.problems),
    };
  }
  return readUpdate(document, input, []);
}

export const fedoraBodhiImporter: Importer = {
  source: 'fedora-bodhi',
  // One update (`alias` + `builds`), or a page of the updates list (`updates` + `total`/`pages`).
  detect: (document) =>
    isObject(document) &&
    ((typeof document.alias === 'string' && Array.isArray(document.builds)) ||
      (Array.isArray(document.updates) && typeof document.pages === 'number')),
  parse: parseBodhi,
};
