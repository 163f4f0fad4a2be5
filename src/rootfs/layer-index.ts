import type { TreeEntry } from './entry.js';

/** What one layer says about the tree: the entries it adds or replaces, and what it deletes from the layers below. */
export interface LayerIndex {
  entries: Map<string, TreeEntry>;
  /** Paths deleted by `.wh.NAME` files: they and everything under them are gone from lower layers. */
  whiteouts: Set<string>;
  /** Folders marked `.wh..wh..opq`: their lower-layer contents are hidden. */
  opaques: Set<string>;
}

export function emptyLayerIndex(): LayerIndex {
  return { entries: new Map(), whiteouts: new Set(), opaques: new Set() };
}

const WHITEOUT_PREFIX = '.wh.';
const OPAQUE_MARKER = '.wh..wh..opq';

/** Records one tar entry (already normalised) in the layer's index; returns false for whiteout markers. */
export function addToLayerIndex(index: LayerIndex, path: string, entry: TreeEntry): boolean {
  const slash = path.lastIndexOf('/');
  const parent = slash === -1 ? '' : path.slice(0, slash);
  const base = path.slice(slash + 1);
  addImplicitParents(index, parent, entry.layer);
  if (base.startsWith(WHITEOUT_PREFIX)) {
    if (base === OPAQUE_MARKER) index.opaques.add(parent);
    // Other `.wh..wh.` names are aufs bookkeeping (hardlink dirs), not deletions.
    else if (!base.startsWith(`${WHITEOUT_PREFIX}${WHITEOUT_PREFIX}`)) {
      index.whiteouts.add(
        parent === '' ? base.slice(WHITEOUT_PREFIX.length) : `${parent}/${base.slice(WHITEOUT_PREFIX.length)}`,
      );
    }
    return false;
  }
  const existing = index.entries.get(path);
  // An explicit folder entry refines an implicit one; otherwise, within one layer, the later entry wins as in tar.
  if (!existing || existing.implicit || entry.type !== 'dir' || existing.type !== 'dir') index.entries.set(path, entry);
  return true;
}

function addImplicitParents(index: LayerIndex, parent: string, layer: number): void {
  let dir = parent;
  while (dir !== '' && !index.entries.has(dir)) {
    index.entries.set(dir, { type: 'dir', size: 0, mode: 0o755, layer, implicit: true });
    const slash = dir.lastIndexOf('/');
    dir = slash === -1 ? '' : dir.slice(0, slash);
  }
}
