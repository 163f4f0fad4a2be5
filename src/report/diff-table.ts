import { terminalSafe } from '../core/index.js';
import type { AdvisoryChange, DiffImage, DiffPackage, ImageDiff, PackageChange } from '../policy/index.js';
import { type Cell, humanBytes, shortDigest, type TableLayout, table } from './text-table.js';

/**
 * `patchline diff` for people: the images, then the package changes (upgrades first, as an update's release notes
 * read), the kernel, the fixes gained and the advisories newly applicable, and the layers an update downloads. Given a
 * width, long CVE lists are shortened to a count; `-f json` keeps everything.
 */
export function diffTable(diff: ImageDiff, layout: Pick<TableLayout, 'width'> = {}): string {
  const lines = [`OLD  ${imageLine(diff.old)}`, `NEW  ${imageLine(diff.new)}`, ''];
  const { packages } = diff;
  lines.push(
    `Packages: ${packages.upgraded.length} upgraded, ${packages.downgraded.length} downgraded, ${packages.added.length} added, ${packages.removed.length} removed, ${packages.unchanged} unchanged`,
  );
  const rows = packageRows(diff);
  if (rows.length > 0) lines.push(table([['CHANGE', 'PACKAGE', 'OLD', 'NEW'], ...rows]));
  lines.push('', `Kernel: ${kernelLine(diff)}`, '');
  const { advisories } = diff;
  if (!advisories.computed) {
    lines.push(`Fixes gained and advisories newly applicable: not computed (${terminalSafe(advisories.reason)})`);
  } else {
    lines.push(`Fixes gained: ${advisories.fixesGained.length}`);
    if (advisories.fixesGained.length > 0) {
      const header = ['PACKAGE', 'OLD', 'NEW', 'FIXED IN', 'ADVISORY', 'HOW'];
      lines.push(table([header, ...advisories.fixesGained.map(gainedRow)], layout));
    }
    lines.push('', `Advisories newly applicable: ${advisories.newlyApplicable.length}`);
    if (advisories.newlyApplicable.length > 0) {
      const header = ['PACKAGE', 'INSTALLED', 'STATUS', 'FIXED IN', 'ADVISORY', 'WHY'];
      lines.push(table([header, ...advisories.newlyApplicable.map(applicableRow)], layout));
    }
    const before = advisories.counts.old['fix-available'];
    const after = advisories.counts.new['fix-available'];
    lines.push('', `Fixes available but not installed: ${before} in OLD, ${after} in NEW`);
    lines.push(
      `Advisory database: ${terminalSafe(advisories.database.path)} (snapshot ${advisories.database.snapshotId})`,
    );
    if (advisories.note) lines.push(`Note: ${terminalSafe(advisories.note)}`);
  }
  lines.push('', layersLine(diff));
  return `${lines.join('\n')}\n`;
}

export function imageLine(image: DiffImage): string {
  const parts = [terminalSafe(image.reference)];
  if (image.digest) parts.push(shortDigest(image.digest));
  if (image.os?.prettyName) parts.push(`(${terminalSafe(image.os.prettyName)})`);
  if (image.bootc) parts.push('bootc');
  return parts.join('  ');
}

export function packageLabel(pkg: { name: string; arch?: string }): string {
  return terminalSafe(pkg.arch ? `${pkg.name}.${pkg.arch}` : pkg.name);
}

function packageRows(diff: ImageDiff): string[][] {
  const change = (kind: string) => (pkg: PackageChange) => [
    kind,
    pkg.oldArch ? `${packageLabel(pkg)} (was ${terminalSafe(pkg.oldArch)})` : packageLabel(pkg),
    terminalSafe(pkg.from),
    terminalSafe(pkg.to),
  ];
  const single = (kind: 'added' | 'removed') => (pkg: DiffPackage) => {
    const version = terminalSafe(pkg.version);
    const alongside = pkg.alongside?.length ? ` (NEW also has ${pkg.alongside.map(terminalSafe).join(', ')})` : '';
    return kind === 'added'
      ? [kind, packageLabel(pkg), '', `${version}${alongside}`]
      : [kind, packageLabel(pkg), version, alongside.trim()];
  };
  return [
    ...diff.packages.upgraded.map(change('upgraded')),
    ...diff.packages.downgraded.map(change('downgraded')),
    ...diff.packages.added.map(single('added')),
    ...diff.packages.removed.map(single('removed')),
  ];
}

export function kernelLine(diff: ImageDiff): string {
  const { kernel } = diff;
  const old = kernel.old ? terminalSafe(kernel.old) : '';
  const next = kernel.new ? terminalSafe(kernel.new) : '';
  const text: Record<typeof kernel.change, string> = {
    upgraded: `${old} -> ${next} (upgraded)`,
    downgraded: `${old} -> ${next} (downgraded)`,
    unchanged: `${next} (unchanged)`,
    added: `${next} (OLD has no kernel)`,
    removed: `${old} (NEW has no kernel)`,
    none: 'neither image has a kernel',
  };
  const extra =
    kernel.newKernels.length > 1
      ? `; NEW carries ${kernel.newKernels.length} kernels: ${kernel.newKernels.map(terminalSafe).join(', ')}`
      : '';
  return `${text[kernel.change]}${extra}`;
}

function advisoryCell(change: AdvisoryChange): Cell {
  const cves = change.cves.filter((cve) => cve !== change.id);
  return { head: terminalSafe(change.id), items: cves.map(terminalSafe) };
}

function gainedRow(change: AdvisoryChange): Cell[] {
  return [
    packageLabel(change.package),
    change.oldVersions.map(terminalSafe).join(', '),
    change.newVersions.length > 0 ? change.newVersions.map(terminalSafe).join(', ') : '(removed)',
    terminalSafe(change.fixedVersion ?? ''),
    advisoryCell(change),
    change.cause,
  ];
}

function applicableRow(change: AdvisoryChange): Cell[] {
  return [
    packageLabel(change.package),
    change.newVersions.map(terminalSafe).join(', '),
    change.status,
    terminalSafe(change.fixedVersion ?? ''),
    advisoryCell(change),
    change.cause,
  ];
}

export function layersLine(diff: ImageDiff): string {
  const { layers } = diff;
  return [
    `Layers: ${layers.shared.length} shared (${humanBytes(layers.bytes.shared)}), ${layers.added.length} added (${humanBytes(layers.bytes.added)}), ${layers.removed.length} removed (${humanBytes(layers.bytes.removed)})`,
    `Image size: ${humanBytes(layers.bytes.old)} -> ${humanBytes(layers.bytes.new)}; an update from OLD downloads ${humanBytes(layers.bytes.added)}`,
  ].join('\n');
}
