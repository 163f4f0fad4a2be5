export type EntryType = 'file' | 'dir' | 'symlink' | 'hardlink' | 'other';

/** One path as one layer (or a plain folder) defines it. */
export interface TreeEntry {
  type: EntryType;
  size: number;
  mode: number;
  /** Numeric owner and group; kept only where a tree is materialised on disk (extract-tree.ts). */
  uid?: number;
  gid?: number;
  /** Symlink target as written, or the hardlink's target path in the tree. */
  linkTarget?: string;
  /** Index of the layer that defines this entry (0 is the base); -1 for a plain folder. */
  layer: number;
  /** A folder no tar entry names, implied by the paths below it. */
  implicit?: boolean;
}
