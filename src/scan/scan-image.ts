import { AdvisoryDatabase } from '../advisories/index.js';
import type { Inventory } from '../inventory/index.js';
import { readInventory } from '../inventory/index.js';
import type { OpenImageOptions } from '../oci/index.js';
import { openFileTree } from '../rootfs/index.js';
import type { ScanResult } from './finding.js';
import { type MatchOptions, matchInventory } from './match.js';

export interface ScanImageOptions extends Omit<MatchOptions, 'database'> {
  /** The advisory database file; default the user's cache (AdvisoryDatabase.defaultPath()). */
  db?: string;
  /** How to open the image (credentials, platform, TLS), as `patchline sbom` takes them. */
  image?: OpenImageOptions;
  /** Called with the inventory before matching (a CLI checks for empty or partial inventories here). */
  onInventory?: (inventory: Inventory) => void;
}

/** Reads an image's inventory (as `patchline sbom` does), opens the advisory database read-only and matches. */
export async function scanImage(reference: string, options: ScanImageOptions = {}): Promise<ScanResult> {
  const tree = await openFileTree(reference, options.image ?? {});
  let inventory: Inventory;
  try {
    inventory = await readInventory(tree);
  } finally {
    await tree.close();
  }
  options.onInventory?.(inventory);
  return scanInventory(inventory, options);
}

/** Matches an inventory already read (a pipeline keeps its images' inventories by digest) against the database. */
export function scanInventory(inventory: Inventory, options: ScanImageOptions = {}): ScanResult {
  const db = AdvisoryDatabase.open(options.db ?? AdvisoryDatabase.defaultPath(), { readonly: true });
  try {
    const status = db.summary();
    const database: NonNullable<MatchOptions['database']> = { path: db.path, snapshotId: status.snapshotId };
    if (status.builtAt !== undefined) database.builtAt = status.builtAt;
    const { db: _db, image: _image, onInventory: _onInventory, ...match } = options;
    return matchInventory(inventory, db, { ...match, database });
  } finally {
    db.close();
  }
}
