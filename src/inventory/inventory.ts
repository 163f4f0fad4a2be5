import type { Image, OpenImageOptions } from '../oci/index.js';
import { formatPlatform } from '../oci/index.js';
import type { FileRequest, FileTree, FoundFile, ReadOptions } from '../rootfs/index.js';
import { LayeredTree, openFileTree } from '../rootfs/index.js';
import { apkCataloger } from './apk/cataloger.js';
import { bootcRequests, detectBootc } from './bootc.js';
import type { Cataloger } from './cataloger.js';
import { dpkgCataloger } from './dpkg/cataloger.js';
import { dpkgFileListRequests, dpkgOwnerLookup } from './dpkg/file-lists.js';
import { identifyOs, osRequests } from './identify-os.js';
import type { Inventory, InventoryTarget } from './inventory-types.js';
import { findKernels, kernelRequests, type OwnerLookup, ownerFromPackages } from './kernel.js';
import type { CatalogProblem, Package } from './package.js';
import { rpmCataloger } from './rpm/cataloger.js';

export const catalogers: readonly Cataloger[] = [rpmCataloger, dpkgCataloger, apkCataloger];

/** How many of a package's files are tried when looking for the layer that brought it. */
const FILES_TRIED_PER_PACKAGE = 3;

/**
 * Everything the inventory needs from an image, asked for in one read of its layers: OS files, bootc markers, kernels,
 * and every cataloger's databases. A second, metadata-only lookup then finds the layer each package's files sit in.
 */
export async function readInventory(tree: FileTree, options: ReadOptions = {}): Promise<Inventory> {
  const image = tree instanceof LayeredTree ? tree.image : undefined;
  const groups = {
    os: osRequests,
    bootc: bootcRequests,
    kernels: kernelRequests,
    owners: dpkgFileListRequests,
    ...Object.fromEntries(catalogers.map((cataloger) => [cataloger.name, cataloger.requests])),
  } as Record<string, FileRequest[]>;
  const result = await tree.read(Object.values(groups).flat(), options);
  try {
    const filesFor = (requests: FileRequest[]) => {
      const wanted = new Set(requests.map((request) => request.path));
      const byPath = new Map<string, FoundFile>();
      for (const file of result.files) {
        // The same path may answer two requests (with and without content); a consumer sees it once, content first.
        if (wanted.has(file.request) && (!byPath.has(file.path) || file.content)) byPath.set(file.path, file);
      }
      return [...byPath.values()];
    };

    const os = await identifyOs(filesFor(osRequests));
    const packages: Package[] = [];
    const problems: CatalogProblem[] = [];
    const databases: string[] = [];
    for (const cataloger of catalogers) {
      const found = await cataloger.catalog(filesFor(cataloger.requests), os ? { os } : {});
      packages.push(...found.packages);
      problems.push(...found.problems);
      databases.push(...found.databases);
    }
    if (image) await attributeLayers(tree, packages, options);

    // Owner maps cover every file of every package: built only when there is a kernel to find the owner of.
    const kernelFiles = filesFor(kernelRequests);
    const owners: OwnerLookup[] =
      kernelFiles.length === 0
        ? []
        : [ownerFromPackages(packages), await dpkgOwnerLookup(filesFor(dpkgFileListRequests), packages)];
    const kernels = findKernels(kernelFiles, (path) => owners.map((owner) => owner(path)).find(Boolean));
    const inventory: Inventory = {
      target: describeTarget(tree, image),
      bootc: detectBootc(image?.config.config?.Labels ?? undefined, filesFor(bootcRequests)),
      kernels,
      packages,
      databases,
      problems,
      stats: result.stats,
    };
    if (os) inventory.os = os;
    return inventory;
  } finally {
    await result.dispose();
  }
}

/** Opens an image (or a `dir:` root filesystem) by reference and reads its inventory. */
export async function inventoryOf(reference: string, options: OpenImageOptions & ReadOptions = {}): Promise<Inventory> {
  const tree = await openFileTree(reference, options);
  try {
    return await readInventory(tree, options);
  } finally {
    await tree.close();
  }
}

/**
 * Databases record a package's files, not the layer that installed them; the layer holding one of its files in the
 * merged tree is the layer that brought the package in its present version. Catalogers already gave the layer of the
 * database (or, for dpkg, of the package's file list); this refines it where the database lists files.
 */
async function attributeLayers(tree: FileTree, packages: Package[], options: ReadOptions): Promise<void> {
  const candidates = new Map<Package, string[]>();
  for (const pkg of packages) {
    if (pkg.type === 'deb' || !pkg.files || pkg.files.length === 0) continue;
    // Deeper paths are more often files than shared folders; folders say nothing about who installed them.
    const tried = deepest(pkg.files, FILES_TRIED_PER_PACKAGE);
    candidates.set(pkg, tried);
  }
  if (candidates.size === 0) return;
  const paths = [...new Set([...candidates.values()].flat())];
  const { files } = await tree.read(
    paths.map((path) => ({ path, content: 'none' as const })),
    options,
  );
  const layers = new Map(
    files.filter((file) => file.entry.type !== 'dir' && file.layer).map((file) => [file.request, file.layer!]),
  );
  for (const [pkg, tried] of candidates) {
    const layer = tried.map((path) => layers.get(path)).find(Boolean);
    if (layer) pkg.layer = layer;
  }
}

function describeTarget(tree: FileTree, image: Image | undefined): InventoryTarget {
  if (!image) return { name: tree.name, labels: {}, layers: [] };
  const target: InventoryTarget = {
    name: image.name,
    digest: image.digest,
    configDigest: image.configDigest,
    platform: formatPlatform(image.platform),
    labels: image.config.config?.Labels ?? {},
    layers: image.layers.map((layer) => ({
      index: layer.index,
      digest: layer.descriptor.digest,
      diffId: layer.diffId,
      size: layer.descriptor.size,
    })),
  };
  if (image.config.created) target.created = image.config.created;
  if (image.unverifiedIdentity !== undefined) target.unverifiedIdentity = image.unverifiedIdentity;
  return target;
}

/** The `count` paths with the most components, in one pass (a package can list tens of thousands of files). */
function deepest(paths: string[], count: number): string[] {
  const best: Array<{ path: string; depth: number }> = [];
  for (const path of paths) {
    let depth = 0;
    for (let i = path.indexOf('/'); i !== -1; i = path.indexOf('/', i + 1)) depth++;
    if (best.length === count && depth <= best[best.length - 1]!.depth) continue;
    best.push({ path, depth });
    best.sort((a, b) => b.depth - a.depth);
    if (best.length > count) best.pop();
  }
  return best.map((entry) => entry.path);
}
