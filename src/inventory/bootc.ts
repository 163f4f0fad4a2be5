import type { FileRequest, FoundFile } from '../rootfs/index.js';

/** One sign that an image is a bootable container (bootc) image. */
export type BootcEvidence =
  | { kind: 'label'; name: 'containers.bootc' | 'ostree.bootable'; value: string }
  | { kind: 'path'; path: string };

export interface BootcDetection {
  bootc: boolean;
  /** Every sign seen, so a report can say why it called the image bootable. */
  evidence: BootcEvidence[];
}

// bootc's own folder (kernel arguments, install configuration), and the ostree repository that ostree-container
// images carry: `sysroot/ostree/repo` in images made by rpm-ostree and bootc, `ostree/repo` in some older ones.
const BOOTC_PATHS = ['usr/lib/bootc', 'sysroot/ostree/repo', 'ostree/repo'];

/** The paths `detectBootc` looks at; only whether they exist matters, so no content is read. */
export const bootcRequests: FileRequest[] = BOOTC_PATHS.map((path) => ({ path, content: 'none' }));

/** `ostree.bootable` is set to `true` by coreos-assembler and to `1` by bootc's base images; only "off" counts as off. */
function labelIsOn(value: string): boolean {
  return !['', '0', 'false', 'no'].includes(value.trim().toLowerCase());
}

/**
 * Whether an image is a bootc image: the label `containers.bootc=1` (bootc's own marker), the label `ostree.bootable`,
 * bootc's folder, or an ostree repository inside the image. Any one is enough; all that were seen are reported.
 */
export function detectBootc(labels: Record<string, string> | undefined, files: FoundFile[]): BootcDetection {
  const evidence: BootcEvidence[] = [];
  const bootcLabel = labels?.['containers.bootc'];
  if (bootcLabel !== undefined && bootcLabel.trim() === '1') {
    evidence.push({ kind: 'label', name: 'containers.bootc', value: bootcLabel });
  }
  const ostreeLabel = labels?.['ostree.bootable'];
  if (ostreeLabel !== undefined && labelIsOn(ostreeLabel)) {
    evidence.push({ kind: 'label', name: 'ostree.bootable', value: ostreeLabel });
  }
  for (const path of BOOTC_PATHS) {
    // These are folders; a plain file of that name is not bootc's layout.
    const found = files.find((file) => file.path === path);
    if (found && found.entry.type !== 'file') evidence.push({ kind: 'path', path });
  }
  return { bootc: evidence.length > 0, evidence };
}
