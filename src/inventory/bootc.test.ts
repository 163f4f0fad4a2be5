import { describe, expect, it } from 'vitest';
import type { FoundFile } from '../rootfs/index.js';
import { bootcRequests, detectBootc } from './bootc.js';

function found(path: string, type: FoundFile['entry']['type']): FoundFile {
  return { request: path, path, entry: { type, size: 0, mode: 0o755, layer: 0 } };
}

// Labels of a real Fedora CoreOS image as `skopeo inspect` printed them (openshift/machine-config-operator,
// pkg/daemon/osrelease/osrelease_test.go), abridged to the ostree ones.
const FCOS_LABELS = {
  'ostree.bootable': 'true',
  'ostree.commit': 'a9cae909177102060c848b4088c046274fcfb8297ff1544bd80b0c6c8ce43f47',
  'ostree.linux': '6.1.10-200.fc37.x86_64',
  version: '37.20230211.20.0',
};

// The UBI 8 base image's labels from the same file, abridged: an ordinary container image.
const UBI8_LABELS = { architecture: 'x86_64', 'com.redhat.component': 'ubi8-container', name: 'ubi8', version: '8.7' };

describe('detectBootc', () => {
  it('sees the labels', () => {
    expect(detectBootc(FCOS_LABELS, [])).toEqual({
      bootc: true,
      evidence: [{ kind: 'label', name: 'ostree.bootable', value: 'true' }],
    });
    expect(detectBootc({ 'containers.bootc': '1', 'ostree.bootable': '1' }, [])).toEqual({
      bootc: true,
      evidence: [
        { kind: 'label', name: 'containers.bootc', value: '1' },
        { kind: 'label', name: 'ostree.bootable', value: '1' },
      ],
    });
  });

  it('sees the bootc folder and the ostree repositories', () => {
    const files = [found('usr/lib/bootc', 'dir'), found('sysroot/ostree/repo', 'dir'), found('ostree/repo', 'dir')];
    expect(detectBootc(undefined, files).evidence).toEqual([
      { kind: 'path', path: 'usr/lib/bootc' },
      { kind: 'path', path: 'sysroot/ostree/repo' },
      { kind: 'path', path: 'ostree/repo' },
    ]);
  });

  it('calls an ordinary image not bootable, whatever else it has', () => {
    expect(detectBootc(UBI8_LABELS, [])).toEqual({ bootc: false, evidence: [] });
    expect(detectBootc({ 'containers.bootc': '0', 'ostree.bootable': 'false' }, []).bootc).toBe(false);
    expect(detectBootc(undefined, [found('usr/lib/bootc', 'file'), found('etc/os-release', 'file')]).bootc).toBe(false);
  });

  it('asks only whether the paths exist', () => {
    expect(bootcRequests.every((request) => request.content === 'none')).toBe(true);
  });
});
