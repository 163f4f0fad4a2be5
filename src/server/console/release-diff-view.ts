import type { ReleaseDiff } from '../../report/index.js';

type AdvisoryChange = Extract<ReleaseDiff['advisories'], { computed: true }>['fixesGained'][number];

export interface DiffFinding {
  id: string;
  cves: string[];
  package: string;
  status: string;
  from: string;
  to: string;
  fixedVersion?: string | undefined;
  /** When the fix was published (or first seen): its age is how long hosts waited for it. */
  fixAvailableSince?: string | undefined;
  severity?: string | undefined;
  cause: string;
}

export interface PackageChangeView {
  change: 'added' | 'removed' | 'upgraded' | 'downgraded';
  name: string;
  arch?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
}

/** The image diff as the Release view shows it: fixes shipped oldest first, new findings, package changes. */
export interface DiffView {
  old: { reference: string; digest?: string | undefined };
  new: { reference: string; digest?: string | undefined };
  /** Why advisories were not compared; the findings lists are then empty. */
  advisoriesSkipped?: string | undefined;
  fixesShipped: DiffFinding[];
  newFindings: DiffFinding[];
  packages: PackageChangeView[];
  unchangedPackages: number;
  kernel: { change: string; old?: string | undefined; new?: string | undefined };
}

export function diffView(diff: ReleaseDiff): DiffView {
  const advisories = diff.advisories;
  const packages: PackageChangeView[] = [
    ...diff.packages.upgraded.map((pkg) => ({ change: 'upgraded' as const, ...changed(pkg) })),
    ...diff.packages.downgraded.map((pkg) => ({ change: 'downgraded' as const, ...changed(pkg) })),
    ...diff.packages.added.map((pkg) => ({
      change: 'added' as const,
      name: pkg.name,
      arch: pkg.arch,
      to: pkg.version,
    })),
    ...diff.packages.removed.map((pkg) => ({
      change: 'removed' as const,
      name: pkg.name,
      arch: pkg.arch,
      from: pkg.version,
    })),
  ];
  return {
    old: { reference: diff.old.reference, digest: diff.old.digest },
    new: { reference: diff.new.reference, digest: diff.new.digest },
    advisoriesSkipped: advisories.computed ? undefined : advisories.reason,
    fixesShipped: advisories.computed ? advisories.fixesGained.map(finding).sort(oldestFixFirst) : [],
    newFindings: advisories.computed ? advisories.newlyApplicable.map(finding) : [],
    packages,
    unchangedPackages: diff.packages.unchanged,
    kernel: { change: diff.kernel.change, old: diff.kernel.old, new: diff.kernel.new },
  };
}

function changed(pkg: { name: string; arch?: string | undefined; from: string; to: string }) {
  return { name: pkg.name, arch: pkg.arch, from: pkg.from, to: pkg.to };
}

function finding(change: AdvisoryChange): DiffFinding {
  return {
    id: change.id,
    cves: change.cves,
    package: change.package.name,
    status: change.status,
    from: change.oldVersions.join(', '),
    to: change.newVersions.join(', '),
    fixedVersion: change.fixedVersion,
    fixAvailableSince: change.fixAvailableSince,
    severity: change.severity,
    cause: change.cause,
  };
}

/** The fix that waited longest first; fixes without a date after those with one. */
function oldestFixFirst(a: DiffFinding, b: DiffFinding): number {
  const since = (each: DiffFinding) => each.fixAvailableSince ?? '\uffff';
  return since(a).localeCompare(since(b)) || a.id.localeCompare(b.id) || a.package.localeCompare(b.package);
}
