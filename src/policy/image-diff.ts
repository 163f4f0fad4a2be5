import type { Inventory } from '../inventory/index.js';
import type { ScanResult } from '../scan/index.js';
import { type AdvisoryDiff, type AdvisoryDiffSkipped, diffAdvisories } from './advisory-diff.js';
import { diffKernels, type KernelChange } from './kernel-diff.js';
import { type DiffLayer, diffLayers, type LayerDiff } from './layer-diff.js';
import { diffPackages, type PackageDiff } from './package-diff.js';

/** One side of the diff, as read: its inventory, its scan when advisories were matched, and its layers. */
export interface DiffSide {
  inventory: Inventory;
  /** The scan of the same inventory; both sides have one or the advisory diff is skipped. */
  scan?: ScanResult;
  /** The manifest's layers; default the inventory's (which come from the manifest). */
  layers?: DiffLayer[];
}

/** What the diff says about each image. */
export interface DiffImage {
  /** The reference as given. */
  reference: string;
  digest?: string;
  created?: string;
  os?: { id: string; versionId?: string; prettyName?: string };
  bootc: boolean;
  packages: number;
}

/** The patch notes of an update from OLD to NEW: `patchline diff OLD NEW`. */
export interface ImageDiff {
  apiVersion: 'patchline.dev/v1';
  kind: 'ImageDiff';
  old: DiffImage;
  new: DiffImage;
  packages: PackageDiff;
  kernel: KernelChange;
  layers: LayerDiff;
  advisories: AdvisoryDiff | AdvisoryDiffSkipped;
}

export interface DiffOptions {
  /** Why advisories were not matched, when they were not (the scans are then ignored). */
  advisoriesSkipped?: string;
}

/** Pure: everything the diff says comes from the two inventories, scans and layer lists given. */
export function diffImages(old: DiffSide, next: DiffSide, options: DiffOptions = {}): ImageDiff {
  let advisories: ImageDiff['advisories'];
  if (options.advisoriesSkipped !== undefined) {
    advisories = { computed: false, reason: options.advisoriesSkipped };
  } else if (!old.scan || !next.scan) {
    advisories = { computed: false, reason: 'no scan of both images was given' };
  } else {
    advisories = diffAdvisories(old.scan, next.scan, old.inventory.packages, next.inventory.packages);
  }
  return {
    apiVersion: 'patchline.dev/v1',
    kind: 'ImageDiff',
    old: describe(old.inventory),
    new: describe(next.inventory),
    packages: diffPackages(old.inventory.packages, next.inventory.packages),
    kernel: diffKernels(old.inventory, next.inventory),
    layers: diffLayers(old.layers ?? layersOf(old.inventory), next.layers ?? layersOf(next.inventory)),
    advisories,
  };
}

function layersOf(inventory: Inventory): DiffLayer[] {
  return inventory.target.layers.map((layer) => ({ digest: layer.digest, size: layer.size, diffId: layer.diffId }));
}

function describe(inventory: Inventory): DiffImage {
  const { target, os } = inventory;
  const image: DiffImage = {
    reference: target.name,
    bootc: inventory.bootc.bootc,
    packages: inventory.packages.length,
  };
  if (target.digest !== undefined) image.digest = target.digest;
  if (target.created !== undefined) image.created = target.created;
  if (os) {
    image.os = { id: os.id };
    if (os.versionId !== undefined) image.os.versionId = os.versionId;
    if (os.prettyName !== undefined) image.os.prettyName = os.prettyName;
  }
  return image;
}
