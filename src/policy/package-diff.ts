import { isPatchlineError } from '../core/index.js';
import type { Package, PackageType } from '../inventory/index.js';
import { fullVersion } from '../inventory/index.js';
import type { Ordering } from '../version/index.js';
import { compareVersions } from '../version/index.js';

/** A package as the diff names it: its identity and one installed version (`[epoch:]version[-release]`). */
export interface DiffPackage {
  type: PackageType;
  name: string;
  arch?: string;
  version: string;
  sourceName?: string;
  /**
   * For a package installed in several versions at once (kernels, rpm's installonly packages): the other versions of
   * it that NEW has. Absent for packages installed once.
   */
  alongside?: string[];
}

/** One package present once in both images, at a different version (or, rarely, with a changed architecture). */
export interface PackageChange {
  type: PackageType;
  name: string;
  arch?: string;
  /** OLD's architecture, when it differs (a package that went from noarch to x86_64, or from all to amd64). */
  oldArch?: string;
  from: string;
  to: string;
  sourceName?: string;
}

export interface PackageDiff {
  added: DiffPackage[];
  removed: DiffPackage[];
  upgraded: PackageChange[];
  downgraded: PackageChange[];
  /** Packages installed at the same version in both. */
  unchanged: number;
}

/** The versions of one package identity in one image, newest last. */
interface Installed {
  type: PackageType;
  name: string;
  arch?: string;
  sourceName?: string;
  versions: string[];
}

/** One identity's installs in OLD and in NEW; either may be absent. */
interface Pair {
  old?: Installed;
  new?: Installed;
}

/**
 * The package changes from OLD to NEW. A package is the same package across images when its type, name and
 * architecture are the same (rpm's NEVRA without the EVR; dpkg's `name:arch`; apk's name and arch); one that exists
 * once on each side under the same name but another architecture is paired too, as dnf and apt pair an arch change.
 * Packages installed in several versions (kernels) are compared version by version: what NEW lacks is removed, what
 * it gains is added, each with the versions that stay (docs/decisions: image diff).
 */
export function diffPackages(oldPackages: readonly Package[], newPackages: readonly Package[]): PackageDiff {
  const olds = byIdentity(oldPackages);
  const news = byIdentity(newPackages);
  const pairs: Pair[] = [];
  for (const [key, old] of olds) pairs.push({ old, ...(news.has(key) ? { new: news.get(key)! } : {}) });
  for (const [key, added] of news) if (!olds.has(key)) pairs.push({ new: added });
  const diff: PackageDiff = { added: [], removed: [], upgraded: [], downgraded: [], unchanged: 0 };
  for (const pair of pairArchChanges(pairs)) {
    if (!pair.new) {
      diff.removed.push(...pair.old!.versions.map((version) => entry(pair.old!, version, [])));
    } else if (!pair.old) {
      const alongside = pair.new.versions;
      diff.added.push(...alongside.map((version) => entry(pair.new!, version, alongside)));
    } else {
      compareInstalled(pair.old, pair.new, diff);
    }
  }
  const order = (a: { name: string; arch?: string }, b: { name: string; arch?: string }) =>
    compareText(a.name, b.name) || compareText(a.arch ?? '', b.arch ?? '');
  diff.added.sort(order);
  diff.removed.sort(order);
  diff.upgraded.sort(order);
  diff.downgraded.sort(order);
  return diff;
}

function compareInstalled(old: Installed, next: Installed, diff: PackageDiff): void {
  if (old.versions.length === 1 && next.versions.length === 1) {
    const from = old.versions[0]!;
    const to = next.versions[0]!;
    const order = safeCompare(old.type, from, to);
    if (order === 0 && old.arch === next.arch) {
      diff.unchanged++;
      return;
    }
    const change: PackageChange = { type: next.type, name: next.name, from, to };
    if (next.arch !== undefined) change.arch = next.arch;
    if (old.arch !== next.arch && old.arch !== undefined) change.oldArch = old.arch;
    if (next.sourceName !== undefined) change.sourceName = next.sourceName;
    (order > 0 ? diff.downgraded : diff.upgraded).push(change);
    return;
  }
  // Several versions on one side: each version is its own install, so the diff is of the two sets.
  const kept = next.versions.filter((version) => old.versions.some((o) => safeCompare(old.type, o, version) === 0));
  diff.unchanged += kept.length;
  for (const version of old.versions) {
    if (!next.versions.some((n) => safeCompare(old.type, version, n) === 0)) {
      diff.removed.push(entry(old, version, next.versions));
    }
  }
  for (const version of next.versions) {
    if (!old.versions.some((o) => safeCompare(old.type, o, version) === 0)) {
      diff.added.push(entry(next, version, next.versions));
    }
  }
}

function entry(installed: Installed, version: string, newVersions: string[]): DiffPackage {
  const pkg: DiffPackage = { type: installed.type, name: installed.name, version };
  if (installed.arch !== undefined) pkg.arch = installed.arch;
  if (installed.sourceName !== undefined) pkg.sourceName = installed.sourceName;
  const others = newVersions.filter((other) => other !== version);
  if (installed.versions.length > 1 || others.length > 0) pkg.alongside = others;
  return pkg;
}

/**
 * A name that is on both sides but under different architectures, once on each side, is one package whose
 * architecture changed; anything less clear-cut (several architectures of one name) stays added and removed.
 */
function pairArchChanges(pairs: Pair[]): Pair[] {
  const lone = new Map<string, Pair[]>();
  for (const pair of pairs) {
    if (pair.old && pair.new) continue;
    const side = pair.old ?? pair.new!;
    const key = `${side.type}\0${side.name}`;
    lone.set(key, [...(lone.get(key) ?? []), pair]);
  }
  const result: Pair[] = [];
  const merged = new Set<Pair>();
  for (const group of lone.values()) {
    const old = group.filter((pair) => pair.old);
    const added = group.filter((pair) => pair.new);
    const from = old[0]?.old;
    const to = added[0]?.new;
    if (old.length !== 1 || added.length !== 1 || from?.versions.length !== 1 || to?.versions.length !== 1) continue;
    result.push({ old: from, new: to });
    merged.add(old[0]!).add(added[0]!);
  }
  return [...pairs.filter((pair) => !merged.has(pair)), ...result];
}

function byIdentity(packages: readonly Package[]): Map<string, Installed> {
  const groups = new Map<string, Installed>();
  for (const pkg of packages) {
    const key = `${pkg.type}\0${pkg.name}\0${pkg.arch ?? ''}`;
    let group = groups.get(key);
    if (!group) {
      group = { type: pkg.type, name: pkg.name, versions: [] };
      if (pkg.arch !== undefined) group.arch = pkg.arch;
      if (pkg.sourceName !== undefined) group.sourceName = pkg.sourceName;
      groups.set(key, group);
    }
    const version = fullVersion(pkg);
    // A database can hold the same record twice (a duplicated rpm header); one install is one version.
    if (!group.versions.includes(version)) group.versions.push(version);
  }
  for (const group of groups.values()) group.versions.sort((a, b) => safeCompare(group.type, a, b));
  return groups;
}

/**
 * The package manager's order; a version it would refuse (a corrupt record) is ordered as text rather than failing
 * the whole diff, since the diff only reports it.
 */
export function safeCompare(type: PackageType, a: string, b: string): Ordering {
  try {
    return compareVersions(type, a, b);
  } catch (error) {
    if (!isPatchlineError(error)) throw error;
    return compareText(a, b);
  }
}

function compareText(a: string, b: string): Ordering {
  return a < b ? -1 : a > b ? 1 : 0;
}
