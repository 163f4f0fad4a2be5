import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../core/index.js';
import type { Inventory } from '../inventory/index.js';
import { readInventory } from '../inventory/index.js';
import type { OpenImageOptions } from '../oci/index.js';
import { openFileTree } from '../rootfs/index.js';

/**
 * The inventories of the images a pipeline built or runs, by manifest digest. Content under a digest never changes,
 * so an image is read once: later passes match its cached inventory against each new advisory database in
 * milliseconds instead of streaming every layer again. Only inventories that passed the caller's checks (complete,
 * not empty) are kept; an unreadable cache file is read again from the image.
 */
export class InventoryCache {
  constructor(private readonly dir: string) {}

  async inventory(
    reference: string,
    digest: string,
    image: OpenImageOptions,
    check: (reference: string, inventory: Inventory) => void,
  ): Promise<Inventory> {
    const file = join(this.dir, `${digest.replace(':', '-')}.json`);
    const cached = await readFile(file, 'utf8').then(
      (text) => JSON.parse(text) as Inventory,
      () => undefined,
    );
    if (cached?.target.digest === digest) return cached;
    const tree = await openFileTree(reference, image);
    let inventory: Inventory;
    try {
      inventory = await readInventory(tree);
    } finally {
      await tree.close();
    }
    check(reference, inventory);
    if (inventory.target.digest === digest) {
      await mkdir(this.dir, { recursive: true });
      await writeFileAtomic(file, JSON.stringify(inventory));
    }
    return inventory;
  }
}
