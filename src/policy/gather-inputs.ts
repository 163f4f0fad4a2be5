import { AdvisoryDatabase } from '../advisories/index.js';
import { VERSION } from '../core/index.js';
import type { Inventory } from '../inventory/index.js';
import { fullVersion } from '../inventory/index.js';
import { type OpenImageOptions, parseImageReference } from '../oci/index.js';
import { ecosystemFor, scanImage, scanInventory } from '../scan/index.js';
import { lookupBase } from './base-lookup.js';
import { scanCompliance } from './compliance-scan.js';
import type { GateInputs, ImageFacts, KernelFacts } from './gate-inputs.js';
import type { LoadedPolicy } from './load-policy.js';
import { kernelInstalledVersion, newestKernelFix } from './newest-kernel.js';

export interface GatherOptions {
  /** The advisory database file; default the user's cache. */
  db?: string;
  /** How to open the image and the base image's registry. */
  image?: OpenImageOptions;
  /** The scan's clock (findings' fix ages); the gate's own clock is passed to evaluatePolicy. */
  now?: Date | string;
  /** Called with the inventory before matching, as scanImage's option (a CLI refuses empty inventories here). */
  onInventory?: (inventory: Inventory) => void;
  /** The image's inventory when the caller already read it (a pipeline reads each image once): not read again. */
  inventory?: Inventory;
  /** Where to keep OpenSCAP's ARF results file when the policy has a compliance rule (beside the evidence). */
  complianceArf?: string;
}

/** The I/O edge of the gate: the scan, the image's facts, the base image's registry, the advisory database. */
export async function gatherInputs(
  reference: string,
  policy: LoadedPolicy,
  options: GatherOptions = {},
): Promise<GateInputs> {
  const dbPath = options.db ?? AdvisoryDatabase.defaultPath();
  let inventory: Inventory | undefined = options.inventory;
  const scanOptions = { db: dbPath, ...(options.now === undefined ? {} : { now: options.now }) };
  const scan =
    inventory !== undefined
      ? scanInventory(inventory, scanOptions)
      : await scanImage(reference, {
          ...scanOptions,
          ...(options.image === undefined ? {} : { image: options.image }),
          onInventory: (read) => {
            inventory = read;
            options.onInventory?.(read);
          },
        });
  if (inventory === undefined) throw new Error('scanImage did not report the inventory');
  const image = imageFacts(reference, inventory);
  const db = AdvisoryDatabase.open(dbPath, { readonly: true });
  let database: GateInputs['database'];
  let kernel: KernelFacts;
  try {
    database = db.status();
    kernel = kernelFacts(inventory, db);
  } finally {
    db.close();
  }
  const parsed = parseImageReference(reference);
  const base = await lookupBase(
    policy.policy.spec.base,
    {
      ...image,
      ...(inventory.target.platform === undefined ? {} : { platform: inventory.target.platform }),
      ...(parsed.transport === 'docker' ? { registry: parsed.registry } : {}),
    },
    options.image ?? {},
  );
  const inputs: GateInputs = { policy, scan, image, base, database, kernel, toolVersion: VERSION };
  const compliance = policy.policy.spec.compliance;
  if (compliance !== undefined) {
    inputs.compliance = await scanCompliance(reference, policy.path, compliance, {
      ...(options.image === undefined ? {} : { image: options.image }),
      ...(options.complianceArf === undefined ? {} : { arf: options.complianceArf }),
    });
  }
  return inputs;
}

function imageFacts(reference: string, inventory: Inventory): ImageFacts {
  const { target } = inventory;
  const facts: ImageFacts = {
    reference,
    labels: target.labels,
    diffIds: target.layers.map((layer) => layer.diffId),
    bootc: inventory.bootc.bootc,
    packages: inventory.packages.map((pkg) =>
      pkg.sourceName === undefined
        ? { name: pkg.name, installed: fullVersion(pkg) }
        : { name: pkg.name, sourceName: pkg.sourceName, installed: fullVersion(pkg) },
    ),
  };
  if (target.digest !== undefined) facts.digest = target.digest;
  if (target.unverifiedIdentity !== undefined) facts.unverifiedIdentity = target.unverifiedIdentity;
  if (target.created !== undefined) facts.created = target.created;
  return facts;
}

function kernelFacts(inventory: Inventory, db: AdvisoryDatabase): KernelFacts {
  const choice = ecosystemFor(inventory.os);
  const facts: KernelFacts = { kernels: [] };
  if (choice.ecosystem !== undefined) facts.ecosystem = choice.ecosystem;
  for (const kernel of inventory.kernels) {
    const fact: KernelFacts['kernels'][number] = {
      version: kernel.version,
      path: kernel.path,
      location: kernel.location,
    };
    const owner = kernel.owner;
    if (owner !== undefined) {
      fact.package = { name: owner.name, installed: kernelInstalledVersion(owner), scheme: owner.type };
      if (choice.ecosystem !== undefined) {
        const names = [...new Set([owner.name, owner.sourceName ?? owner.name])].sort();
        const newest = newestKernelFix(owner, db.lookup(choice.ecosystem, names));
        if (newest !== undefined) fact.newest = newest;
      }
    }
    facts.kernels.push(fact);
  }
  return facts;
}
