import type { FileRequest, FoundFile } from '../rootfs/index.js';
import type { Package } from './package.js';

/** A kernel the image can boot, and the package that installed it. */
export interface Kernel {
  /** `6.0.7-301.fc37.x86_64`: the modules folder name, or what follows `vmlinuz-` in /boot. */
  version: string;
  /** The kernel image, root-relative. */
  path: string;
  /**
   * `modules`: `usr/lib/modules/<version>/vmlinuz`, where bootc and ostree look for the kernel of the deployment.
   * `boot`: `boot/vmlinuz-<version>`, the classic place (a non-bootc image, or one built for a package-mode host).
   */
  location: 'modules' | 'boot';
  owner?: Package;
  layer?: FoundFile['layer'];
}

/** Finds the package that installed a root-relative path; undefined when no package claims it. */
export type OwnerLookup = (path: string) => Package | undefined;

const MODULES_KERNEL = 'usr/lib/modules/*/vmlinuz';
const BOOT_KERNEL = 'boot/vmlinuz-*';

/** The kernel images; their existence is what counts, so no content is read. */
export const kernelRequests: FileRequest[] = [
  { path: MODULES_KERNEL, content: 'none' },
  { path: BOOT_KERNEL, content: 'none' },
];

/**
 * A path as merged /usr sees it: `/lib/modules/x` and `usr/lib/modules/x` are one file once `/lib` is a link to
 * `usr/lib`, and package databases still list either spelling (Debian's kernel packages say `/lib/modules`).
 */
export function canonicalPath(path: string): string {
  const relative = path.replace(/^\/+/, '');
  return /^(?:bin|sbin|lib|lib32|lib64|libx32)(?:\/|$)/.test(relative) ? `usr/${relative}` : relative;
}

/** An owner lookup over packages whose `files` the database listed (rpm, apk; dpkg's `info/*.list` read by its caller). */
export function ownerFromPackages(packages: Package[]): OwnerLookup {
  const owners = new Map<string, Package>();
  for (const pkg of packages) {
    for (const file of pkg.files ?? []) {
      const path = canonicalPath(file);
      if (!owners.has(path)) owners.set(path, pkg);
    }
  }
  return (path) => owners.get(canonicalPath(path));
}

/**
 * The kernels among the found files, bootc's first, each with its owner when `owner` knows it. Rescue images
 * (`vmlinuz-0-rescue-<machine id>`, made on a host, not by a package) are not kernels a fix can reach, so they are left out.
 */
export function findKernels(files: FoundFile[], owner?: OwnerLookup): Kernel[] {
  const kernels: Kernel[] = [];
  for (const file of files) {
    if (file.entry.type === 'dir') continue;
    const modules = /^usr\/lib\/modules\/([^/]+)\/vmlinuz$/.exec(file.path);
    const boot = /^boot\/vmlinuz-(.+)$/.exec(file.path);
    const version = modules?.[1] ?? boot?.[1];
    if (!version || version.startsWith('0-rescue-')) continue;
    const kernel: Kernel = { version, path: file.path, location: modules ? 'modules' : 'boot' };
    const pkg = owner?.(file.path);
    if (pkg) kernel.owner = pkg;
    if (file.layer) kernel.layer = file.layer;
    kernels.push(kernel);
  }
  const order = { modules: 0, boot: 1 };
  return kernels.sort((a, b) => order[a.location] - order[b.location] || a.version.localeCompare(b.version));
}
