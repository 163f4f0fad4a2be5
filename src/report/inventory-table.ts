import type { Inventory } from '../inventory/index.js';
import { fullVersion } from '../inventory/index.js';
import { table } from './text-table.js';

/** The inventory for people: what the image is, then one line a package. */
export function inventoryTable(inventory: Inventory): string {
  const os = inventory.os;
  const lines = [
    `Image:     ${inventory.target.name}${inventory.target.digest ? `@${inventory.target.digest}` : ''}`,
    `OS:        ${os ? `${os.prettyName ?? `${os.id} ${os.versionId ?? ''}`.trim()} (${os.id}${os.versionId ? ` ${os.versionId}` : ''})` : 'unknown'}`,
    `bootc:     ${inventory.bootc.bootc ? 'yes' : 'no'}`,
    ...inventory.kernels.map(
      (kernel) => `Kernel:    ${kernel.version}${kernel.owner ? ` (${kernel.owner.name})` : ''}`,
    ),
    `Packages:  ${inventory.packages.length} from ${inventory.databases.join(', ') || 'no package database'}`,
    ...inventory.problems.map((problem) => `Partial:   ${problem.path}: ${problem.message}`),
    '',
  ];
  const sorted = [...inventory.packages].sort(
    (a, b) => a.name.localeCompare(b.name) || (a.arch ?? '').localeCompare(b.arch ?? ''),
  );
  lines.push(
    table([
      ['NAME', 'VERSION', 'ARCH', 'SOURCE', 'LAYER'],
      ...sorted.map((pkg) => [
        pkg.name,
        fullVersion(pkg),
        pkg.arch ?? '',
        pkg.sourceName && pkg.sourceName !== pkg.name ? pkg.sourceName : '',
        pkg.layer ? String(pkg.layer.index) : '',
      ]),
    ]),
  );
  return `${lines.join('\n')}\n`;
}
