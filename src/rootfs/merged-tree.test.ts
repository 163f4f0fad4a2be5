import { describe, expect, it } from 'vitest';
import type { TreeEntry } from './entry.js';
import { addToLayerIndex, emptyLayerIndex, type LayerIndex } from './layer-index.js';
import { MergedTree } from './merged-tree.js';

type Spec = Record<string, string>; // path → 'file' | 'dir' | '->target' | '=>hardlink-target' | 'wh' | 'opq'

function layer(index: number, spec: Spec): LayerIndex {
  const built = emptyLayerIndex();
  for (const [path, what] of Object.entries(spec)) {
    const entry: TreeEntry = { type: 'file', size: 1, mode: 0o644, layer: index };
    if (what === 'dir') entry.type = 'dir';
    else if (what.startsWith('->')) Object.assign(entry, { type: 'symlink', linkTarget: what.slice(2) });
    else if (what.startsWith('=>')) Object.assign(entry, { type: 'hardlink', linkTarget: what.slice(2) });
    if (what === 'wh') addToLayerIndex(built, path.replace(/([^/]+)$/, '.wh.$1'), entry);
    else if (what === 'opq') addToLayerIndex(built, `${path}/.wh..wh..opq`, entry);
    else addToLayerIndex(built, path, entry);
  }
  return built;
}

describe('MergedTree', () => {
  it('hides lower layers below a replaced non-folder', () => {
    const tree = new MergedTree([layer(0, { 'a/b/c': 'file' }), layer(1, { 'a/b': 'file' })]);
    expect(tree.lookup('a/b').state).toBe('present');
    expect(tree.lookup('a/b/c').state).toBe('absent');
  });

  it('lets a folder replace a lower file and keeps merging folders', () => {
    const tree = new MergedTree([layer(0, { 'a/x': 'file', b: 'file' }), layer(1, { 'a/y': 'file', 'b/z': 'file' })]);
    expect(tree.lookup('a/x').state).toBe('present');
    expect(tree.lookup('a/y').state).toBe('present');
    expect(tree.lookup('b/z').state).toBe('present');
    const b = tree.lookup('b');
    expect(b.state === 'present' && b.entry.type).toBe('dir');
  });

  it('whiteout of a folder removes its whole subtree, and a later layer can recreate it', () => {
    const tree = new MergedTree([layer(0, { 'd/old': 'file' }), layer(1, { d: 'wh' }), layer(2, { 'd/new': 'file' })]);
    expect(tree.lookup('d/old').state).toBe('absent');
    expect(tree.lookup('d/new').state).toBe('present');
    expect(tree.lookup('d/old', 0).state).toBe('present');
  });

  it('an opaque folder hides lower contents but not its own layer', () => {
    const tree = new MergedTree([layer(0, { 'o/a': 'file' }), layer(1, { o: 'opq', 'o/b': 'file' })]);
    expect(tree.lookup('o/a').state).toBe('absent');
    expect(tree.lookup('o/b').state).toBe('present');
  });

  it('answers unknown while a deciding layer is unread, and settles when a higher layer decides', () => {
    const tree = new MergedTree([undefined, layer(1, { 'x/here': 'file' })]);
    expect(tree.lookup('x/here').state).toBe('present');
    expect(tree.lookup('x/elsewhere').state).toBe('unknown');
    expect(tree.resolve('x/elsewhere')).toEqual({ state: 'unknown', pending: 'x/elsewhere' });
  });

  it('follows relative, absolute and chained symlinks, clamping .. at the root', () => {
    const tree = new MergedTree([
      layer(0, {
        'usr/share/rpm/rpmdb.sqlite': 'file',
        'usr/lib/sysimage/rpm': '->../../share/rpm',
        'var/lib/rpm': '->/usr/lib/sysimage/rpm',
        up: '->../../../../usr',
      }),
    ]);
    for (const path of ['var/lib/rpm/rpmdb.sqlite', 'usr/lib/sysimage/rpm/rpmdb.sqlite', 'up/share/rpm/rpmdb.sqlite']) {
      const resolved = tree.resolve(path);
      expect(resolved.state === 'present' && resolved.path).toBe('usr/share/rpm/rpmdb.sqlite');
    }
  });

  it('resolves a hardlink as of its own layer, even when a later layer replaced the target', () => {
    const tree = new MergedTree([
      layer(0, { 'obj/1.file': 'file', 'usr/lib/os-release': '=>obj/1.file' }),
      layer(1, { 'obj/1.file': 'file' }),
    ]);
    const resolved = tree.resolve('usr/lib/os-release');
    expect(resolved.state === 'present' && resolved.content).toEqual({ layer: 0, path: 'obj/1.file' });
  });
});
