import { VERSION } from '../core/index.js';
import type { Inventory } from '../inventory/index.js';

/**
 * Patchline's own JSON for an inventory. File lists are left out (they would dominate the document); a kernel's owner
 * is named by its purl.
 */
export function inventoryJson(inventory: Inventory): string {
  const document = {
    schema: 'patchline.dev/v1/Inventory',
    tool: { name: 'patchline', version: VERSION },
    target: inventory.target,
    os: inventory.os ?? null,
    bootc: inventory.bootc,
    kernels: inventory.kernels.map(({ owner, ...kernel }) => ({
      ...kernel,
      ...(owner ? { owner: { name: owner.name, purl: owner.purl } } : {}),
    })),
    databases: inventory.databases,
    partial: inventory.problems.length > 0,
    problems: inventory.problems,
    packages: inventory.packages.map(({ files: _files, ...pkg }) => pkg),
    stats: inventory.stats,
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}
