import { PatchlineError } from '../core/index.js';
import type { Inventory } from '../inventory/index.js';
import { catalogers } from '../inventory/index.js';

/**
 * An image without any package database, or with one read only in part, fails unless --allow-empty or --allow-partial
 * accepts it: anything computed from such an inventory (a scan, a diff) would quietly miss packages. The problems are
 * warned on stderr either way.
 */
export function checkInventory(
  image: string,
  inventory: Inventory,
  flags: { allowEmpty?: boolean; allowPartial?: boolean },
): void {
  if (inventory.databases.length === 0 && !flags.allowEmpty) {
    const looked = catalogers.flatMap((cataloger) => cataloger.requests.map((request) => request.path));
    throw new PatchlineError(
      'not-found',
      image,
      `no package database found (looked for ${looked.join(', ')}); if the image really has no OS packages, pass --allow-empty`,
    );
  }
  for (const problem of inventory.problems) {
    process.stderr.write(`patchline: warning: ${problem.path}: ${problem.message}\n`);
  }
  if (inventory.problems.length > 0 && !flags.allowPartial) {
    throw new PatchlineError(
      'input',
      image,
      `${inventory.problems.length} package database problem(s): a result from a partial inventory would miss packages (pass --allow-partial to accept it)`,
    );
  }
}
