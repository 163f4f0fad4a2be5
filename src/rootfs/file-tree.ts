import type { Digest } from '../oci/index.js';
import type { TreeEntry } from './entry.js';
import type { FileContent } from './file-content.js';

export interface FileRequest {
  /** An exact path (symlinks followed) or a glob (`usr/lib/modules/*\/vmlinuz`, `**\/os-release`). */
  path: string;
  /** `buffer` (default) keeps content in memory, `stream` spools it to a temporary file, `none` reads no content. */
  content?: 'buffer' | 'stream' | 'none';
}

export interface FoundFile {
  /** The request (path or glob) this answers. */
  request: string;
  /** The path in the merged tree, as matched or requested. */
  path: string;
  entry: TreeEntry;
  /** Where symlinks led, when they led somewhere else. */
  resolvedPath?: string;
  /** The layer the final content (or entry) came from; absent for a plain folder. */
  layer?: { index: number; digest: Digest };
  content?: FileContent;
}

export interface ReadStats {
  layers: number;
  /** Distinct layers read (a layer re-read for a hardlink counts once here). */
  layersRead: number;
  /** Layer reads, re-reads included. */
  layerReads: number;
  /** Compressed bytes read, from the cache, a file or the network. */
  bytesRead: number;
  bytesUncompressed: number;
  /** Bytes fetched over the network during this read. */
  bytesDownloaded: number;
}

export interface ReadResult {
  files: FoundFile[];
  /** Requests that matched nothing. */
  missing: string[];
  stats: ReadStats;
  /** Removes spooled content; call when done with `stream` results. */
  dispose(): Promise<void>;
}

export interface ReadProgress {
  layer(index: number, bytesRead: number, total: number): void;
  done(): void;
}

export interface ReadOptions {
  /** Most bytes of one file kept in memory for a `buffer` request. */
  maxFileBytes?: number;
  /** Layers read at once. */
  concurrency?: number;
  progress?: ReadProgress;
}

/** A root file tree that answers path requests: an image's merged layers, or an unpacked folder. */
export interface FileTree {
  readonly name: string;
  read(requests: FileRequest[], options?: ReadOptions): Promise<ReadResult>;
  close(): Promise<void>;
}
