import { PatchlineError } from '../core/index.js';
import type { TreeEntry } from './entry.js';
import type { LayerIndex } from './layer-index.js';

const MAX_LINK_HOPS = 40;

export type Lookup =
  | { state: 'present'; entry: TreeEntry }
  | { state: 'absent' }
  /** A layer that could decide this path has not been read yet. */
  | { state: 'unknown' };

export type Resolution =
  | { state: 'present'; path: string; entry: TreeEntry; content?: ContentLocation }
  | { state: 'absent'; path: string }
  | { state: 'unknown'; pending: string };

/** Where a regular file's bytes are: the layer that holds them and the path in that layer's tar. */
export interface ContentLocation {
  layer: number;
  path: string;
}

function* ancestors(path: string): Generator<string> {
  let slash = path.indexOf('/');
  while (slash !== -1) {
    yield path.slice(0, slash);
    slash = path.indexOf('/', slash + 1);
  }
}

/**
 * The union of layers as overlayfs presents it, read from the top down: the highest layer that says anything about a
 * path decides it, a whiteout or opaque folder hides lower layers, and a non-folder hides everything below its path in
 * lower layers. Layers not read yet (undefined) make the answer `unknown`, which is what lets a reader stop early.
 */
export class MergedTree {
  /** `name` (the image) prefixes the paths that errors name, so a message says which image a bad link is in. */
  constructor(
    private readonly layers: ReadonlyArray<LayerIndex | undefined>,
    private readonly name?: string,
  ) {}

  private where(path: string): string {
    return this.name === undefined ? path : `${this.name}: ${path}`;
  }

  get top(): number {
    return this.layers.length - 1;
  }

  /** The entry at exactly this path, symlinks not followed, as the tree stands with layers 0..asOf applied. */
  lookup(path: string, asOf = this.top): Lookup {
    if (path === '')
      return { state: 'present', entry: { type: 'dir', size: 0, mode: 0o755, layer: -1, implicit: true } };
    // A folder a layer only implies (no tar entry of its own) takes its metadata from the highest explicit one below.
    let implied: TreeEntry | undefined;
    const decided = (fallback: Lookup): Lookup => (implied ? { state: 'present', entry: implied } : fallback);
    for (let i = asOf; i >= 0; i--) {
      const layer = this.layers[i];
      if (!layer) return decided({ state: 'unknown' });
      const entry = layer.entries.get(path);
      if (entry && !entry.implicit)
        return implied && entry.type !== 'dir' ? decided({ state: 'absent' }) : { state: 'present', entry };
      if (entry) implied ??= entry;
      else if (layer.whiteouts.has(path)) return decided({ state: 'absent' });
      for (const ancestor of ancestors(path)) {
        if (layer.whiteouts.has(ancestor) || layer.opaques.has(ancestor)) return decided({ state: 'absent' });
        const above = layer.entries.get(ancestor);
        if (above && above.type !== 'dir') return decided({ state: 'absent' });
      }
    }
    return decided({ state: 'absent' });
  }

  /**
   * Follows symlinks (absolute ones from the image root, relative ones from their folder, `..` never above the root)
   * and hardlinks to the entry a program opening this path would read.
   */
  resolve(path: string, followLast = true): Resolution {
    const queue = path.split('/').filter((part) => part !== '' && part !== '.');
    const resolved: string[] = [];
    let hops = 0;
    let last: TreeEntry | undefined;
    while (queue.length > 0) {
      const part = queue.shift()!;
      if (part === '.' || part === '') continue;
      if (part === '..') {
        resolved.pop();
        last = undefined;
        continue;
      }
      const candidate = [...resolved, part].join('/');
      const found = this.lookup(candidate);
      if (found.state === 'unknown') return { state: 'unknown', pending: [candidate, ...queue].join('/') };
      if (found.state === 'absent') return { state: 'absent', path: [candidate, ...queue].join('/') };
      const entry = found.entry;
      if (entry.type === 'symlink' && (queue.length > 0 || followLast)) {
        if (++hops > MAX_LINK_HOPS) {
          throw new PatchlineError(
            'limit',
            this.where(path),
            `has more than ${MAX_LINK_HOPS} symlinks in its path (a symlink loop?)`,
          );
        }
        const target = entry.linkTarget ?? '';
        if (target.startsWith('/')) resolved.length = 0;
        queue.unshift(...target.split('/').filter((p) => p !== '' && p !== '.'));
        last = undefined;
        continue;
      }
      if (queue.length > 0 && entry.type !== 'dir') return { state: 'absent', path: [candidate, ...queue].join('/') };
      resolved.push(part);
      last = entry;
    }
    const finalPath = resolved.join('/');
    const entry = last ?? this.lookupPresent(finalPath);
    if (!entry) return { state: 'absent', path: finalPath };
    if (entry.type === 'file')
      return { state: 'present', path: finalPath, entry, content: { layer: entry.layer, path: finalPath } };
    if (entry.type === 'hardlink') return this.resolveHardlink(finalPath, entry);
    return { state: 'present', path: finalPath, entry };
  }

  /** A tar hardlink names a file already in the tree when the layer is applied: this layer's or a lower one's. */
  private resolveHardlink(path: string, link: TreeEntry): Resolution {
    let current = link;
    for (let hops = 0; hops < MAX_LINK_HOPS; hops++) {
      const target = current.linkTarget ?? '';
      const found = this.lookup(target, current.layer);
      if (found.state === 'unknown') return { state: 'unknown', pending: target };
      if (found.state === 'absent' || (found.entry.type !== 'file' && found.entry.type !== 'hardlink')) {
        throw new PatchlineError(
          'input',
          this.where(path),
          `is a hardlink to "${target}", which is missing from the image`,
        );
      }
      if (found.entry.type === 'file') {
        return {
          state: 'present',
          path,
          entry: { ...link, size: found.entry.size },
          content: { layer: found.entry.layer, path: target },
        };
      }
      current = found.entry;
    }
    throw new PatchlineError('limit', this.where(path), 'is a chain of hardlinks too long to follow');
  }

  private lookupPresent(path: string): TreeEntry | undefined {
    const found = this.lookup(path);
    return found.state === 'present' ? found.entry : undefined;
  }

  /** Every visible path whose literal name matches, with its entry: what `ls -R` on the merged tree shows. */
  list(matches: (path: string) => boolean): Array<{ path: string; entry: TreeEntry }> {
    const seen = new Set<string>();
    const out: Array<{ path: string; entry: TreeEntry }> = [];
    for (let i = this.top; i >= 0; i--) {
      const layer = this.layers[i];
      if (!layer) continue;
      for (const path of layer.entries.keys()) {
        if (seen.has(path) || !matches(path)) continue;
        seen.add(path);
        const found = this.lookup(path);
        if (found.state === 'present') out.push({ path, entry: found.entry });
      }
    }
    return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }
}
