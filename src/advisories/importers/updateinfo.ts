import { PatchlineError } from '../../core/index.js';
import type { AdvisoryRecord, AffectedPackage, Importer, ImportProblem, ImportResult } from '../advisory.js';
import { inferEcosystem } from './rpm-distribution.js';
import { versionProblem } from './version-problem.js';
import { type XmlEvent, xmlEvents } from './xml-events.js';

/**
 * An rpm repository's own errata, `repodata/*-updateinfo.xml`: what `dnf updateinfo` reads, published by Fedora,
 * Oracle Linux, Amazon Linux, SUSE and by anyone who runs a mirror with `modifyrepo_c --mdtype=updateinfo`.
 * Each `<update>` names the binary rpms that carry the fix (`<package name epoch version release arch>`, inside a
 * `<collection>` that may belong to a module stream), its `<issued date>` and its `<reference type="cve">`s.
 * Only security errata, or errata that reference a CVE, are advisories: a bugfix erratum would make every older build
 * look like it lacks a fix (the same rule as the Bodhi importer). Source rpms listed beside the binaries are not
 * entries: images hold binaries, and the binaries are listed.
 */

interface RawPackage {
  name: string;
  epoch: string;
  version: string;
  release: string;
  arch: string;
  module?: string;
}

interface RawUpdate {
  type: string;
  id: string;
  title: string;
  severity: string;
  issued?: string;
  updated?: string;
  cves: Set<string>;
  references: Set<string>;
  packages: RawPackage[];
}

const CVE = /^CVE-\d{4}-\d{4,}$/;

/**
 * The dates publishers write: `2024-01-03`, `2024-01-03 10:00:00`, `2024-01-03 10:00:00 UTC` (Amazon),
 * `2024-01-03T10:00:00Z`, or seconds since the epoch (SUSE). Times without a zone are UTC, as dnf reads them.
 */
export function updateinfoDate(text: string | undefined): string | undefined {
  const value = text?.trim();
  if (!value) return undefined;
  if (/^\d{9,11}$/.test(value)) return new Date(Number(value) * 1000).toISOString();
  const match = /^(\d{4}-\d{2}-\d{2})(?:[ T](\d{2}:\d{2}(?::\d{2})?)(?:\.\d+)?)?\s*(Z|UTC|GMT|[+-]\d{2}:?\d{2})?$/.exec(
    value,
  );
  if (match === null) return undefined;
  const zone = match[3] === undefined || match[3] === 'UTC' || match[3] === 'GMT' ? 'Z' : match[3];
  const time = match[2] === undefined ? '00:00:00' : match[2].length === 5 ? `${match[2]}:00` : match[2];
  const parsed = new Date(`${match[1]}T${time}${zone}`);
  // `2023-02-30` would roll over into March: a date that is not a calendar date is no date.
  if (Number.isNaN(parsed.getTime())) return undefined;
  if (zone === 'Z' && parsed.toISOString().slice(0, 10) !== match[1]) return undefined;
  return parsed.toISOString();
}

/** The `<update>`s of a document, gathered from the event stream; throws on XML that is not well-formed. */
function* rawUpdates(text: string, input: string): Generator<RawUpdate> {
  let update: RawUpdate | undefined;
  let field: 'id' | 'title' | 'severity' | undefined;
  let module: string | undefined;
  let depth = 0;
  let rootChecked = false;
  for (const event of xmlEvents(text, input) as Generator<XmlEvent>) {
    if (event.type === 'open') {
      depth++;
      if (!rootChecked) {
        rootChecked = true;
        if (event.name !== 'updates')
          throw new PatchlineError('input', input, `has root <${event.name}>, not <updates>`);
        continue;
      }
      if (depth === 2 && event.name === 'update') {
        update = {
          type: event.attributes.type ?? '',
          id: '',
          title: '',
          severity: '',
          cves: new Set(),
          references: new Set(),
          packages: [],
        };
        continue;
      }
      if (update === undefined) continue;
      switch (event.name) {
        case 'id':
        case 'title':
        case 'severity':
          if (depth === 3) field = event.name;
          break;
        case 'issued':
          update.issued = event.attributes.date;
          break;
        case 'updated':
          update.updated = event.attributes.date;
          break;
        case 'reference': {
          const { href, id, type } = event.attributes;
          if (href) update.references.add(href);
          const cve = (id ?? '').trim().toUpperCase();
          if (type === 'cve' && CVE.test(cve)) update.cves.add(cve);
          break;
        }
        case 'collection':
          module = undefined;
          break;
        case 'module': {
          const { name, stream } = event.attributes;
          if (name && stream) module = `${name}:${stream}`;
          break;
        }
        case 'package': {
          const a = event.attributes;
          const pkg: RawPackage = {
            name: a.name ?? '',
            epoch: a.epoch ?? '0',
            version: a.version ?? '',
            release: a.release ?? '',
            arch: a.arch ?? '',
          };
          if (module !== undefined) pkg.module = module;
          update.packages.push(pkg);
          break;
        }
      }
    } else if (event.type === 'text') {
      if (update !== undefined && field !== undefined) update[field] += event.text;
    } else {
      depth--;
      field = undefined;
      if (event.name === 'collection') module = undefined;
      if (depth === 1 && event.name === 'update' && update !== undefined) {
        yield update;
        update = undefined;
      }
    }
  }
}

/** How a document's errata are filed. */
export interface UpdateinfoOptions {
  /** The ecosystem key every erratum is filed under; without it, each erratum's id must say (rpm-distribution.ts). */
  ecosystem?: string;
  /** The repository the document is from (its URL), kept as each entry's stream. */
  repository?: string;
  /**
   * The entries the database holds for an erratum: those another repository gave are kept beside this one's, since a
   * BaseOS and an AppStream repository each list their own half of one erratum (the kernel and kernel-devel).
   */
  storedEntries?: (id: string) => AffectedPackage[] | undefined;
}

function toRecord(raw: RawUpdate, options: UpdateinfoOptions, input: string): ImportResult {
  const ecosystem = options.ecosystem;
  const id = raw.id.trim();
  const problem = (text: string): ImportResult => ({
    records: [],
    problems: [{ input, at: id || undefined, problem: text } as ImportProblem],
  });
  if (!/^[A-Za-z0-9][A-Za-z0-9._:+-]{0,127}$/.test(id))
    return problem(`an <update> has no usable <id> ("${id.slice(0, 40)}")`);
  if (raw.type !== 'security' && raw.cves.size === 0) return { records: [], problems: [] };
  const binaries = raw.packages.filter((pkg) => pkg.arch !== 'src' && pkg.arch !== 'nosrc');
  const key =
    ecosystem ??
    inferEcosystem(
      id,
      binaries.map((pkg) => pkg.release),
    );
  if (key === undefined) {
    return problem(
      `${id}: which distribution this erratum is for is not known; name it (updateinfo:URL#os=ID:VERSION_ID, or db import --os)`,
    );
  }
  const issued = updateinfoDate(raw.issued);
  // One entry per package and fixed version, with every arch the erratum lists it for.
  const entries = new Map<string, AffectedPackage>();
  for (const pkg of binaries) {
    if (!pkg.name || !pkg.version || !pkg.release)
      return problem(`${id}: a <package> lacks its name, version or release`);
    if (!/^\d+$/.test(pkg.epoch)) return problem(`${id}: ${pkg.name} has epoch "${pkg.epoch}", not a number`);
    const fixedVersion = `${pkg.epoch === '0' ? '' : `${pkg.epoch}:`}${pkg.version}-${pkg.release}`;
    const invalid = versionProblem('rpm', fixedVersion);
    if (invalid !== undefined) return problem(`${id}: ${pkg.name}: ${invalid}`);
    const entryKey = `${pkg.name} ${fixedVersion} ${pkg.module ?? ''}`;
    const existing = entries.get(entryKey);
    if (existing !== undefined) {
      if (pkg.arch && existing.arches && !existing.arches.includes(pkg.arch)) existing.arches.push(pkg.arch);
      if (!pkg.arch) delete existing.arches;
      continue;
    }
    const entry: AffectedPackage = {
      ecosystem: key,
      scheme: 'rpm',
      package: pkg.name,
      nameKind: 'binary',
      status: 'fixed',
      fixedVersion,
      fixAdvisory: id,
    };
    if (pkg.arch) entry.arches = [pkg.arch];
    if (pkg.module !== undefined) entry.module = pkg.module;
    if (options.repository !== undefined) entry.stream = options.repository;
    if (issued !== undefined) entry.fixAvailableSince = issued;
    entries.set(entryKey, entry);
  }
  const record: AdvisoryRecord = {
    id,
    source: 'updateinfo',
    aliases: [...raw.cves].sort(),
    affected: [...entries.values()].map((entry) => (entry.arches ? { ...entry, arches: entry.arches.sort() } : entry)),
  };
  if (raw.title.trim()) record.summary = raw.title.trim();
  if (raw.severity.trim() && raw.severity.trim().toLowerCase() !== 'none') record.severity = raw.severity.trim();
  if (issued !== undefined) record.published = issued;
  const updated = updateinfoDate(raw.updated);
  if (updated !== undefined) record.modified = updated;
  if (raw.references.size > 0) record.references = [...raw.references];
  return { records: [record], problems: [] };
}

/**
 * Reads a whole updateinfo document. Throws a PatchlineError when the document is not well-formed XML (truncated,
 * or with a DOCTYPE: entities are never expanded); an erratum that cannot be read is a problem, the others are kept.
 */
export function readUpdateinfo(text: string, input: string, options: UpdateinfoOptions = {}): ImportResult {
  const result: ImportResult = { records: [], problems: [] };
  const seen = new Map<string, AdvisoryRecord>();
  for (const raw of rawUpdates(text, input)) {
    const { records, problems } = toRecord(raw, options, input);
    result.problems.push(...problems);
    for (const record of records) {
      // An id listed twice (in two collections of one file) is one advisory with both lists of packages.
      const previous = seen.get(record.id);
      if (previous === undefined) seen.set(record.id, record);
      else previous.affected.push(...record.affected);
    }
  }
  const { repository, storedEntries } = options;
  if (repository !== undefined && storedEntries !== undefined) {
    for (const record of seen.values()) {
      const others = (storedEntries(record.id) ?? []).filter((e) => e.stream !== undefined && e.stream !== repository);
      record.affected.push(...others);
    }
  }
  result.records = [...seen.values()];
  return result;
}

/** Where the document says it is an updateinfo: a name ending in updateinfo.xml, or an `<updates>` root early on. */
function looksLikeUpdateinfo(document: unknown, name: string): document is string {
  if (typeof document !== 'string') return false;
  return (
    /updateinfo\.xml$/i.test(name.replace(/\.(gz|xz|zst|zstd)$/i, '')) || /<updates[\s/>]/.test(document.slice(0, 4096))
  );
}

/** The updateinfo importer, filing errata as `options` say (`db import --os`, `updateinfo:URL#os=`). */
export function createUpdateinfoImporter(options: UpdateinfoOptions = {}): Importer {
  return {
    source: 'updateinfo',
    detect: looksLikeUpdateinfo,
    parse(document, input) {
      try {
        return readUpdateinfo(document as string, input, options);
      } catch (error) {
        if (!(error instanceof PatchlineError)) throw error;
        return { records: [], problems: [{ input, problem: error.message.replace(`${input}: `, '') }] };
      }
    },
  };
}

export const updateinfoImporter: Importer = createUpdateinfoImporter();
