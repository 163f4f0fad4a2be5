export { compileGlob, isGlob, normalizeRequestPath } from '../core/index.js';
export { DirectoryTree } from './directory-tree.js';
export type { EntryType, TreeEntry } from './entry.js';
export type { ExtractStats } from './extract-tree.js';
export { extractMergedTree } from './extract-tree.js';
export { FileContent } from './file-content.js';
export type {
  FileRequest,
  FileTree,
  FoundFile,
  ReadOptions,
  ReadProgress,
  ReadResult,
  ReadStats,
} from './file-tree.js';
export type { LayerIndex } from './layer-index.js';
export { LayeredTree } from './layered-tree.js';
export type { ContentLocation, Lookup, Resolution } from './merged-tree.js';
export { MergedTree } from './merged-tree.js';
export { openFileTree } from './open.js';
export { normalizeTarPath, readTarEntries } from './tar-entries.js';
