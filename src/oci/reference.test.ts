import { describe, expect, it } from 'vitest';
import { PatchlineError } from '../core/index.js';
import { formatImageReference, parseImageReference } from './reference.js';

const digest = `sha256:${'a'.repeat(64)}`;

describe('parseImageReference', () => {
  it.each([
    ['debian', { transport: 'docker', registry: 'registry-1.docker.io', repository: 'library/debian', tag: 'latest' }],
    [
      'docker://debian:12',
      { transport: 'docker', registry: 'registry-1.docker.io', repository: 'library/debian', tag: '12' },
    ],
    [
      'quay.io/fedora/fedora-bootc:42',
      { transport: 'docker', registry: 'quay.io', repository: 'fedora/fedora-bootc', tag: '42' },
    ],
    [
      '127.0.0.1:5000/os/base',
      { transport: 'docker', registry: '127.0.0.1:5000', repository: 'os/base', tag: 'latest' },
    ],
    ['localhost/img:1', { transport: 'docker', registry: 'localhost', repository: 'img', tag: '1' }],
    [`quay.io/a/b@${digest}`, { transport: 'docker', registry: 'quay.io', repository: 'a/b', digest }],
    [`quay.io/a/b:t@${digest}`, { transport: 'docker', registry: 'quay.io', repository: 'a/b', tag: 't', digest }],
    ['oci:/srv/layout', { transport: 'oci', path: '/srv/layout' }],
    ['oci:/srv/layout:v1', { transport: 'oci', path: '/srv/layout', tag: 'v1' }],
    ['oci-archive:img.tar:stable', { transport: 'oci-archive', path: 'img.tar', tag: 'stable' }],
    ['docker-archive:save.tar', { transport: 'docker-archive', path: 'save.tar' }],
    [
      'docker-archive:save.tar:busybox:latest',
      { transport: 'docker-archive', path: 'save.tar', tag: 'busybox:latest' },
    ],
    ['docker-archive:save.tar:@1', { transport: 'docker-archive', path: 'save.tar', index: 1 }],
    ['dir:/mnt/root', { transport: 'dir', path: '/mnt/root' }],
  ])('%s', (input, expected) => {
    expect(parseImageReference(input)).toEqual(expected);
  });

  it.each([
    ['Upper/Case', /is not an image name/],
    ['docker:debian', /docker:\/\/HOST\/REPO/],
    ['quay.io/a/b@sha256:short', /is not a digest/],
    ['oci:', /the path is empty/],
    ['oci:dir:', /tag after ":" is empty/],
    ['docker-archive:x.tar:@-1', /not a manifest index/],
    ['containers-storage:localhost/x', /podman save/],
    ['dir:', /unpacked root filesystem/],
  ])('refuses %s with a message naming it', (input, message) => {
    const error = (() => {
      try {
        parseImageReference(input);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(PatchlineError);
    expect((error as PatchlineError).message).toMatch(message);
    expect((error as PatchlineError).message.startsWith(input)).toBe(true);
  });

  it('formats back to a name that parses to the same reference', () => {
    for (const input of [
      'quay.io/fedora/fedora-bootc:42',
      `localhost:5000/x@${digest}`,
      'oci:/a:b',
      'docker-archive:f.tar:@2',
      'dir:/r',
    ]) {
      const parsed = parseImageReference(input);
      expect(parseImageReference(formatImageReference(parsed))).toEqual(parsed);
    }
  });
});
