import { describe, expect, it } from 'vitest';
import type { FoundFile } from '../rootfs/index.js';
import { canonicalPath, findKernels, kernelRequests, ownerFromPackages } from './kernel.js';
import type { Package } from './package.js';

const digest = `sha256:${'a'.repeat(64)}` as const;

function found(path: string, type: FoundFile['entry']['type'] = 'file'): FoundFile {
  return { request: path, path, entry: { type, size: 10, mode: 0o644, layer: 0 }, layer: { index: 0, digest } };
}

function rpm(name: string, version: string, files: string[]): Package {
  return {
    type: 'rpm',
    name,
    version,
    release: '301.fc37',
    arch: 'x86_64',
    purl: `pkg:rpm/fedora/${name}`,
    source: 'usr/share/rpm/rpmdb.sqlite',
    files,
  };
}

// Fedora CoreOS 37's kernel as its content metadata names it (../shared/fixtures/bootc/fedora-coreos-contentmeta.json.gz:
// `kernel-core-6.0.7-301.fc37.x86_64` and `initramfs (kernel 6.0.7-301.fc37.x86_64)`).
const KERNEL_VERSION = '6.0.7-301.fc37.x86_64';
const kernelCore = rpm('kernel-core', '6.0.7', [
  `/usr/lib/modules/${KERNEL_VERSION}/vmlinuz`,
  `/usr/lib/modules/${KERNEL_VERSION}/System.map`,
]);
const kernelModules = rpm('kernel-modules', '6.0.7', [`/usr/lib/modules/${KERNEL_VERSION}/kernel/fs/ext4/ext4.ko.xz`]);

describe('findKernels', () => {
  it('finds the kernel a bootc image boots and the package that installed it', () => {
    const kernels = findKernels(
      [found(`usr/lib/modules/${KERNEL_VERSION}/vmlinuz`)],
      ownerFromPackages([kernelModules, kernelCore]),
    );
    expect(kernels).toEqual([
      {
        version: KERNEL_VERSION,
        path: `usr/lib/modules/${KERNEL_VERSION}/vmlinuz`,
        location: 'modules',
        owner: kernelCore,
        layer: { index: 0, digest },
      },
    ]);
  });

  it('finds classic /boot kernels, bootc ones first, and leaves out rescue images and folders', () => {
    const kernels = findKernels([
      found('boot/vmlinuz-6.1.0-13-amd64'),
      found('boot/vmlinuz-0-rescue-4f1e0b2a9c'),
      found('usr/lib/modules/6.1.0-13-amd64/vmlinuz'),
      found('usr/lib/modules/6.1.0-13-amd64', 'dir'),
    ]);
    expect(kernels.map((k) => `${k.location}:${k.version}`)).toEqual(['modules:6.1.0-13-amd64', 'boot:6.1.0-13-amd64']);
    expect(kernels.every((k) => k.owner === undefined)).toBe(true);
  });

  it('asks a deb owner lookup too, through the callback', () => {
    const linuxImage: Package = {
      type: 'deb',
      name: 'linux-image-6.1.0-13-amd64',
      version: '6.1.55-1',
      purl: 'pkg:deb/debian/x',
      source: 'var/lib/dpkg/status',
    };
    const asked: string[] = [];
    const kernels = findKernels([found('boot/vmlinuz-6.1.0-13-amd64')], (path) => {
      asked.push(path);
      return path === 'boot/vmlinuz-6.1.0-13-amd64' ? linuxImage : undefined;
    });
    expect(asked).toEqual(['boot/vmlinuz-6.1.0-13-amd64']);
    expect(kernels[0]?.owner).toBe(linuxImage);
  });

  it('requests the kernel paths without their content', () => {
    expect(kernelRequests).toEqual([
      { path: 'usr/lib/modules/*/vmlinuz', content: 'none' },
      { path: 'boot/vmlinuz-*', content: 'none' },
    ]);
  });
});

describe('canonicalPath', () => {
  it('reads the merged-/usr folders as their /usr selves', () => {
    expect(canonicalPath('/lib/modules/6.1/vmlinuz')).toBe('usr/lib/modules/6.1/vmlinuz');
    expect(canonicalPath('/bin/bash')).toBe('usr/bin/bash');
    expect(canonicalPath('/boot/vmlinuz-6.1')).toBe('boot/vmlinuz-6.1');
    expect(canonicalPath('/library/x')).toBe('library/x');
    expect(ownerFromPackages([kernelCore])(`lib/modules/${KERNEL_VERSION}/vmlinuz`)).toBe(kernelCore);
  });
});
