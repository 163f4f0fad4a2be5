import type { Inventory, Kernel } from '../inventory/index.js';
import { rpmvercmp } from '../version/index.js';

export type KernelChangeKind = 'upgraded' | 'downgraded' | 'unchanged' | 'added' | 'removed' | 'none';

/** The kernel each image boots, and every kernel it carries. */
export interface KernelChange {
  change: KernelChangeKind;
  /** The release string (`uname -r`) of the kernel OLD boots, when it has one. */
  old?: string;
  new?: string;
  /** The package that installed each booted kernel, `name-[epoch:]version-release`, when the database says. */
  oldPackage?: string;
  newPackage?: string;
  /** Every kernel release each image carries (bootc's place first), so an extra kernel left behind shows. */
  oldKernels: string[];
  newKernels: string[];
}

/**
 * The kernel an image boots. A bootc host boots the one in `usr/lib/modules/<release>/vmlinuz` (ostree and bootc look
 * nowhere else); a classic image's boot loader picks the newest of `/boot`. Where several kernels qualify (a
 * `dnf upgrade` of an installonly kernel keeps the old one), the newest is the one booted by default. Release strings
 * are ordered with rpm's vercmp, which orders every distribution's `uname -r` (`6.1.0-18-amd64`, `5.14.0-503.el9.x86_64`).
 */
export function bootedKernel(inventory: Inventory): Kernel | undefined {
  const modules = inventory.kernels.filter((kernel) => kernel.location === 'modules');
  const candidates = inventory.bootc.bootc && modules.length > 0 ? modules : inventory.kernels;
  let newest: Kernel | undefined;
  for (const kernel of candidates) {
    if (!newest || rpmvercmp(kernel.version, newest.version) > 0) newest = kernel;
  }
  return newest;
}

export function diffKernels(oldInventory: Inventory, newInventory: Inventory): KernelChange {
  const old = bootedKernel(oldInventory);
  const next = bootedKernel(newInventory);
  const change: KernelChange = {
    change: kindOf(old?.version, next?.version),
    oldKernels: releases(oldInventory),
    newKernels: releases(newInventory),
  };
  if (old) change.old = old.version;
  if (next) change.new = next.version;
  if (old?.owner) change.oldPackage = packageLabel(old);
  if (next?.owner) change.newPackage = packageLabel(next);
  return change;
}

function kindOf(old: string | undefined, next: string | undefined): KernelChangeKind {
  if (old === undefined) return next === undefined ? 'none' : 'added';
  if (next === undefined) return 'removed';
  const order = rpmvercmp(old, next);
  return order < 0 ? 'upgraded' : order > 0 ? 'downgraded' : 'unchanged';
}

function releases(inventory: Inventory): string[] {
  return [...new Set(inventory.kernels.map((kernel) => kernel.version))];
}

function packageLabel(kernel: Kernel): string {
  const owner = kernel.owner!;
  const epoch = owner.epoch !== undefined ? `${owner.epoch}:` : '';
  return `${owner.name}-${epoch}${owner.version}${owner.release ? `-${owner.release}` : ''}`;
}
