import type { Digest } from '../oci/index.js';
import type { ReadStats } from '../rootfs/index.js';
import type { BootcDetection } from './bootc.js';
import type { Kernel } from './kernel.js';
import type { OperatingSystem } from './os.js';
import type { CatalogProblem, Package } from './package.js';

/** What was inventoried: an image (with its identity) or a plain root filesystem. */
export interface InventoryTarget {
  /** The reference as given, in transport syntax. */
  name: string;
  digest?: Digest;
  /** Why `digest` was computed rather than checked against the source, when it was (docker-archive). */
  unverifiedIdentity?: string;
  configDigest?: Digest;
  platform?: string;
  created?: string;
  labels: Record<string, string>;
  layers: Array<{ index: number; digest: Digest; diffId: Digest; size: number }>;
}

export interface Inventory {
  target: InventoryTarget;
  os?: OperatingSystem;
  bootc: BootcDetection;
  kernels: Kernel[];
  packages: Package[];
  /** Package databases found, root-relative. */
  databases: string[];
  /** Databases read only in part. */
  problems: CatalogProblem[];
  stats: ReadStats;
}
