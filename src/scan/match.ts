import type { AdvisorySource, AffectedMatch, VersionScheme } from '../advisories/index.js';
import { isPatchlineError } from '../core/index.js';
import type { Inventory, Package } from '../inventory/index.js';
import { fullVersion } from '../inventory/index.js';
import type { VersionComparator } from '../version/index.js';
import { ecosystemFor } from './ecosystems.js';
import { type EntryVerdict, evaluateEntry } from './evaluate-entry.js';
import type { Finding, ScanResult } from './finding.js';
import { STATUS_ORDER, sortFindings } from './finding-order.js';
import { cvesOf, mergeFindings } from './merge-findings.js';
import { entriesForMinor, osMinor } from './redhat-minor.js';
import { cachedComparators } from './version-cache.js';

/** What matching needs from the advisory database (AdvisoryDatabase is one). */
export interface AdvisoryLookup {
  lookup(ecosystem: string, names: readonly string[]): AffectedMatch[];
  /** Every ecosystem the data holds: a scan of an OS whose ecosystem is not among them found nothing to find. */
  ecosystems(): string[];
}

export interface MatchOptions {
  /** The scan's clock (ISO 8601 or a Date); default now. Matching is pure given the lookup and this. */
  now?: string | Date;
  /** Keep the publishers' `not-affected` statements as findings (default: dropped). */
  includeNotAffected?: boolean;
  /** The database the lookup reads, as reported in the result. */
  database?: { path: string; snapshotId: string; builtAt?: string };
}

type Verdict = Extract<EntryVerdict, { kind: 'finding' }>;

function findingOf(pkg: Package, match: AffectedMatch, verdict: Verdict, note: string | undefined): Finding {
  const { advisory, affected } = match;
  const format = advisory.source;
  const installed: Finding['package'] = {
    type: pkg.type,
    name: pkg.name,
    version: pkg.version,
    purl: pkg.purl,
    installed: fullVersion(pkg),
  };
  if (pkg.release !== undefined) installed.release = pkg.release;
  if (pkg.epoch !== undefined) installed.epoch = pkg.epoch;
  if (pkg.arch !== undefined) installed.arch = pkg.arch;
  if (pkg.sourceName !== undefined) installed.sourceName = pkg.sourceName;
  if (pkg.modularityLabel !== undefined) installed.modularityLabel = pkg.modularityLabel;
  if (pkg.layer !== undefined) installed.layer = pkg.layer;
  const finding: Finding = {
    id: advisory.id,
    aliases: [...advisory.aliases].sort(),
    cves: cvesOf(advisory.id, advisory.aliases),
    package: installed,
    scheme: affected.scheme,
    status: verdict.status,
    source:
      note === undefined ? { format, ecosystem: affected.ecosystem } : { format, ecosystem: affected.ecosystem, note },
  };
  if (verdict.fixedVersion !== undefined) finding.fixedVersion = verdict.fixedVersion;
  if (affected.fixAdvisory !== undefined) finding.fixAdvisory = affected.fixAdvisory;
  if (verdict.status === 'fix-available') {
    finding.fixAvailableSince = affected.fixAvailableSince ?? match.firstSeen;
    finding.fixDateOrigin = affected.fixAvailableSince === undefined ? 'first-seen' : 'published';
    // The exposure ledger's first stages: published, fix available, first seen by our sync.
    if (match.firstSeen !== '') finding.fixFirstSeen = match.firstSeen;
  }
  if (advisory.published !== undefined) finding.published = advisory.published;
  if (advisory.severity !== undefined) finding.severity = advisory.severity;
  if (advisory.summary !== undefined) finding.summary = advisory.summary;
  if (advisory.references?.length) finding.references = advisory.references;
  return finding;
}

/**
 * The verdict of one advisory on one package, from all its entries that name the package. An erratum often lists a
 * package more than once with different builds of the same fix (AlmaLinux's ALSA-2021:1809 has mod_md fixed in an
 * el8.5 and an el8.6 module build): a package that has any entry's fix has the fix. Otherwise the most actionable
 * entry speaks: a fix (the lowest fixed version, the first build with it) before no fix, will not fix, not affected.
 * Red Hat's main-stream fixes of several minor releases are first narrowed to one minor (redhat-minor.ts).
 */
function advisoryVerdict(
  pkg: Package,
  matches: readonly AffectedMatch[],
  comparators: (scheme: VersionScheme) => VersionComparator,
  imageMinor: number | undefined,
): { match: AffectedMatch; verdict: Verdict } | undefined {
  let best: { match: AffectedMatch; verdict: Verdict } | undefined;
  for (const match of entriesForMinor(matches, pkg, imageMinor)) {
    let verdict: EntryVerdict;
    try {
      verdict = evaluateEntry(match.affected, pkg, comparators);
    } catch (error) {
      // A version the scheme cannot read (a corrupt package record) says nothing about this entry; the scan goes on.
      if (isPatchlineError(error)) continue;
      throw error;
    }
    if (verdict.kind === 'unrelated') continue;
    if (verdict.kind === 'clear' && match.affected.status === 'fixed') return undefined;
    if (verdict.kind !== 'finding') continue;
    if (!best || preferred(verdict, best.verdict, comparators(match.affected.scheme))) best = { match, verdict };
  }
  return best;
}

function preferred(candidate: Verdict, current: Verdict, compare: VersionComparator): boolean {
  const byStatus = STATUS_ORDER.indexOf(candidate.status) - STATUS_ORDER.indexOf(current.status);
  if (byStatus !== 0) return byStatus < 0;
  if (candidate.fixedVersion === undefined || current.fixedVersion === undefined) {
    return current.fixedVersion === undefined && candidate.fixedVersion !== undefined;
  }
  return compare(candidate.fixedVersion, current.fixedVersion) < 0;
}

/** One advisory's entries naming the package and those naming its source package, together. */
function joined(
  a: Map<string, AffectedMatch[]>,
  b: Map<string, AffectedMatch[]>,
): Map<string, readonly AffectedMatch[]> {
  const all = new Map<string, readonly AffectedMatch[]>(a);
  for (const [key, matches] of b) all.set(key, [...(all.get(key) ?? []), ...matches]);
  return all;
}

function scannedAt(now: MatchOptions['now']): string {
  if (now === undefined) return new Date().toISOString();
  return typeof now === 'string' ? new Date(now).toISOString() : now.toISOString();
}

/**
 * Matches an inventory against advisories: every package is looked up by its name and its source package's name in
 * the OS's ecosystem, every advisory's entries are evaluated, advisories about the same CVE in the same package are
 * merged, and the findings are sorted as ScanResult says. One lookup per scan, so 500 packages cost one query.
 */
export function matchInventory(
  inventory: Inventory,
  advisories: AdvisoryLookup,
  options: MatchOptions = {},
): ScanResult {
  const at = scannedAt(options.now);
  const database = options.database ?? { path: '', snapshotId: '' };
  const result: ScanResult = {
    target: inventory.target,
    ecosystems: [],
    findings: [],
    suppressed: [],
    database: { ...database },
    packages: inventory.packages.length,
    scannedAt: at,
  };
  if (inventory.os) result.os = inventory.os;
  if (database.builtAt !== undefined) {
    result.database.ageSeconds = Math.max(0, Math.floor((Date.parse(at) - Date.parse(database.builtAt)) / 1000));
  }
  const choice = ecosystemFor(inventory.os);
  if (choice.ecosystem === undefined) {
    result.ecosystems.push({ ecosystem: '', source: 'none', note: choice.reason });
    result.noData = `no advisory data can apply: ${choice.reason}`;
    return result;
  }
  if (!advisories.ecosystems().includes(choice.ecosystem)) {
    // Fail closed: nothing found in no data is not a clean image.
    result.ecosystems.push({ ecosystem: choice.ecosystem, source: 'none', note: 'no data in the advisory database' });
    // A repository's errata are not among the default feeds: say which source to add.
    const update =
      choice.sources[0] === 'updateinfo'
        ? '`patchline db update --source updateinfo:<the repository URL>`'
        : '`patchline db update`';
    result.noData = `the advisory database holds no data for ${choice.ecosystem} (${choice.sources.join(' or ')}): a scan against it finds nothing; run ${update}, or \`patchline db import PATH\` offline`;
    return result;
  }

  const names = new Set<string>();
  for (const pkg of inventory.packages) {
    names.add(pkg.name);
    if (pkg.sourceName) names.add(pkg.sourceName);
  }
  // Entries grouped once by the name they match (binary or source), then by advisory: every package of that name
  // reads the same groups, and never the entries about another package that happens to share its source's name.
  const byName = new Map<string, Map<string, AffectedMatch[]>>();
  const sources = new Set<AdvisorySource>();
  for (const match of advisories.lookup(choice.ecosystem, [...names].sort())) {
    if (match.advisory.withdrawn) continue;
    sources.add(match.advisory.source);
    const nameKey = `${match.affected.nameKind}\u0000${match.affected.package}`;
    let perAdvisory = byName.get(nameKey);
    if (!perAdvisory) {
      perAdvisory = new Map();
      byName.set(nameKey, perAdvisory);
    }
    const key = `${match.advisory.source}\u0000${match.advisory.id}`;
    const list = perAdvisory.get(key);
    if (list) list.push(match);
    else perAdvisory.set(key, [match]);
  }
  const reported = sources.size > 0 ? choice.sources.filter((s) => sources.has(s)) : [choice.sources[0]!];
  for (const source of [...sources].filter((s) => !reported.includes(s)).sort()) reported.push(source);
  for (const source of reported) {
    result.ecosystems.push(
      choice.note === undefined
        ? { ecosystem: choice.ecosystem, source }
        : { ecosystem: choice.ecosystem, source, note: choice.note },
    );
  }

  const comparators = cachedComparators();
  const imageMinor = choice.ecosystem.startsWith('Red Hat:') ? osMinor(inventory.os) : undefined;
  for (const pkg of inventory.packages) {
    const byBinary = byName.get(`binary\u0000${pkg.name}`);
    const bySource = byName.get(`source\u0000${pkg.sourceName ?? pkg.name}`);
    if (!byBinary && !bySource) continue;
    const perAdvisory = byBinary && bySource ? joined(byBinary, bySource) : (byBinary ?? bySource)!;
    const findings: Finding[] = [];
    for (const matches of perAdvisory.values()) {
      const chosen = advisoryVerdict(pkg, matches, comparators, imageMinor);
      if (!chosen) continue;
      if (chosen.verdict.status === 'not-affected' && !options.includeNotAffected) continue;
      findings.push(findingOf(pkg, chosen.match, chosen.verdict, choice.note));
    }
    result.findings.push(...mergeFindings(findings));
  }
  sortFindings(result.findings);
  return result;
}
