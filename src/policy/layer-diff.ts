/** A layer as the manifest lists it: the digest of its (compressed) blob and that blob's size. */
export interface DiffLayer {
  digest: string;
  size: number;
  /** The digest of the uncompressed tar, from the image config, when known. */
  diffId?: string;
}

export interface LayerDiff {
  /** Layers of NEW that OLD has too (a host that has OLD does not fetch them), in NEW's order. */
  shared: DiffLayer[];
  /** Layers of NEW that OLD lacks, in NEW's order: what a host updating from OLD downloads. */
  added: DiffLayer[];
  /** Layers of OLD that NEW no longer has, in OLD's order. */
  removed: DiffLayer[];
  bytes: {
    /** Sum of the blob sizes each manifest lists. */
    old: number;
    new: number;
    shared: number;
    /** What an update from OLD to NEW downloads. */
    added: number;
    removed: number;
  };
}

/**
 * Layers are the same when their blob digests are: that is what a registry client (bootc, podman) compares before it
 * fetches one. A layer rebuilt with the same content but compressed again is a new blob and is downloaded again, so
 * it counts as added here too. A layer listed twice in one manifest is fetched once, and counted once.
 */
export function diffLayers(oldLayers: readonly DiffLayer[], newLayers: readonly DiffLayer[]): LayerDiff {
  const oldDigests = new Set(oldLayers.map((layer) => layer.digest));
  const newDigests = new Set(newLayers.map((layer) => layer.digest));
  const shared = unique(newLayers.filter((layer) => oldDigests.has(layer.digest)));
  const added = unique(newLayers.filter((layer) => !oldDigests.has(layer.digest)));
  const removed = unique(oldLayers.filter((layer) => !newDigests.has(layer.digest)));
  return {
    shared,
    added,
    removed,
    bytes: {
      old: total(oldLayers),
      new: total(newLayers),
      shared: total(shared),
      added: total(added),
      removed: total(removed),
    },
  };
}

function unique(layers: DiffLayer[]): DiffLayer[] {
  const seen = new Set<string>();
  return layers.filter((layer) => !seen.has(layer.digest) && seen.add(layer.digest)).map((layer) => ({ ...layer }));
}

function total(layers: readonly DiffLayer[]): number {
  return layers.reduce((sum, layer) => sum + layer.size, 0);
}
