import { describe, expect, it } from 'vitest';
import { PatchlineError } from '../core/index.js';
import { buildPurl, type PurlParts } from './purl.js';

// "build" cases from the purl-spec test suite (package-url/purl-spec, tests/types/*-test.json and
// tests/spec/specification-test.json): the input components and the canonical string the spec expects, as written
// there. Data samples, reproduced to check our encoder against the spec's own answers.
const SPEC_BUILD_CASES: Array<{ from: string; input: PurlParts; expected: string }> = [
  {
    from: 'tests/types/deb-test.json',
    input: {
      type: 'deb',
      namespace: 'debian',
      name: 'curl',
      version: '7.50.3-1',
      qualifiers: { arch: 'i386', distro: 'jessie' },
    },
    expected: 'pkg:deb/debian/curl@7.50.3-1?arch=i386&distro=jessie',
  },
  {
    from: 'tests/types/deb-test.json',
    input: { type: 'deb', namespace: 'ubuntu', name: 'dpkg', version: '1.19.0.4', qualifiers: { arch: 'amd64' } },
    expected: 'pkg:deb/ubuntu/dpkg@1.19.0.4?arch=amd64',
  },
  {
    from: 'tests/types/deb-test.json',
    input: { type: 'deb', namespace: 'debian', name: 'attr', version: '1:2.4.47-2', qualifiers: { arch: 'source' } },
    expected: 'pkg:deb/debian/attr@1:2.4.47-2?arch=source',
  },
  {
    from: 'tests/types/deb-test.json',
    input: { type: 'deb', namespace: 'debian', name: 'attr', version: '1:2.4.47-2+b1', qualifiers: { arch: 'amd64' } },
    expected: 'pkg:deb/debian/attr@1:2.4.47-2%2Bb1?arch=amd64',
  },
  {
    from: 'tests/types/apk-test.json',
    input: { type: 'apk', namespace: 'alpine', name: 'curl', version: '7.83.0-r0', qualifiers: { arch: 'x86' } },
    expected: 'pkg:apk/alpine/curl@7.83.0-r0?arch=x86',
  },
  {
    from: 'tests/types/apk-test.json',
    input: {
      type: 'apk',
      namespace: 'alpine',
      name: 'libcrypto3',
      version: '3.5.5-r0',
      qualifiers: { arch: 'x86_64', distro: 'alpine-edge', upstream: 'openssl' },
    },
    expected: 'pkg:apk/alpine/libcrypto3@3.5.5-r0?arch=x86_64&distro=alpine-edge&upstream=openssl',
  },
  {
    from: 'tests/types/rpm-test.json',
    input: {
      type: 'rpm',
      namespace: 'fedora',
      name: 'curl',
      version: '7.50.3-1.fc25',
      qualifiers: { arch: 'i386', distro: 'fedora-25' },
    },
    expected: 'pkg:rpm/fedora/curl@7.50.3-1.fc25?arch=i386&distro=fedora-25',
  },
  {
    from: 'tests/types/rpm-test.json (qualifiers given out of order)',
    input: {
      type: 'rpm',
      name: 'centerim',
      version: '4.22.10-1.el6',
      qualifiers: { arch: 'i686', epoch: '1', distro: 'fedora-25' },
    },
    expected: 'pkg:rpm/centerim@4.22.10-1.el6?arch=i686&distro=fedora-25&epoch=1',
  },
  {
    from: 'tests/types/generic-test.json',
    input: {
      type: 'generic',
      name: 'openssl',
      version: '1.1.10g',
      qualifiers: { checksum: 'sha256:de4d501267da', download_url: 'https://openssl.org/source/openssl-1.1.0g.tar.gz' },
    },
    expected:
      'pkg:generic/openssl@1.1.10g?checksum=sha256:de4d501267da&download_url=https://openssl.org/source/openssl-1.1.0g.tar.gz',
  },
  {
    from: 'tests/types/generic-test.json',
    input: {
      type: 'generic',
      name: 'bitwarderl',
      qualifiers: { vcs_url: 'git+https://git.fsfe.org/dxtr/bitwarderl@cc55108da32' },
    },
    expected: 'pkg:generic/bitwarderl?vcs_url=git%2Bhttps://git.fsfe.org/dxtr/bitwarderl%40cc55108da32',
  },
  {
    from: 'tests/spec/specification-test.json',
    input: {
      type: 'generic',
      name: 'openssl',
      version: '1.1.10g',
      qualifiers: { checksum: 'sha1:ad9503c3e994a4f,sha256:41bf9088b3a1e6c1ef1d' },
    },
    expected: 'pkg:generic/openssl@1.1.10g?checksum=sha1:ad9503c3e994a4f%2Csha256:41bf9088b3a1e6c1ef1d',
  },
  {
    from: 'tests/types/maven-test.json',
    input: {
      type: 'maven',
      namespace: 'org.apache.xmlgraphics',
      name: 'batik-anim',
      version: '1.9.1',
      qualifiers: { classifier: 'sources', repository_url: 'repo.spring.io/release' },
    },
    expected:
      'pkg:maven/org.apache.xmlgraphics/batik-anim@1.9.1?classifier=sources&repository_url=repo.spring.io/release',
  },
  {
    from: 'tests/types/maven-test.json',
    input: {
      type: 'maven',
      namespace: 'mygroup',
      name: 'myartifact',
      version: '1.0.0 Final',
      qualifiers: { mykey: 'my value' },
    },
    expected: 'pkg:maven/mygroup/myartifact@1.0.0%20Final?mykey=my%20value',
  },
  {
    from: 'tests/types/maven-test.json (case kept: a maven name is case-sensitive)',
    input: { type: 'maven', namespace: 'HTTPClient', name: 'HTTPClient', version: '0.3-3' },
    expected: 'pkg:maven/HTTPClient/HTTPClient@0.3-3',
  },
  {
    from: 'tests/types/npm-test.json',
    input: { type: 'npm', namespace: '@angular', name: 'animation', version: '12.3.1' },
    expected: 'pkg:npm/%40angular/animation@12.3.1',
  },
];

describe('buildPurl', () => {
  it.each(SPEC_BUILD_CASES)('builds $expected ($from)', ({ input, expected }) => {
    expect(buildPurl(input)).toBe(expected);
  });

  it('lowercases the type, the qualifier keys, and what the deb and apk definitions call case-insensitive', () => {
    expect(
      buildPurl({ type: 'DEB', namespace: 'Debian', name: 'LibFoo', version: '1.0-1', qualifiers: { Arch: 'amd64' } }),
    ).toBe('pkg:deb/debian/libfoo@1.0-1?arch=amd64');
    expect(buildPurl({ type: 'rpm', namespace: 'Fedora', name: 'NetworkManager', version: '1.0-1' })).toBe(
      'pkg:rpm/fedora/NetworkManager@1.0-1',
    );
  });

  it('leaves out empty qualifiers, and the question mark when none is left', () => {
    expect(
      buildPurl({
        type: 'apk',
        namespace: 'alpine',
        name: 'musl',
        version: '1.2.5-r9',
        qualifiers: { arch: '', distro: undefined },
      }),
    ).toBe('pkg:apk/alpine/musl@1.2.5-r9');
  });

  it('encodes characters outside the permitted set as UTF-8 bytes, and the separators inside a component', () => {
    expect(buildPurl({ type: 'generic', name: 'a/b@c?d#e', version: 'ü&=' })).toBe(
      'pkg:generic/a%2Fb%40c%3Fd%23e@%C3%BC%26%3D',
    );
    expect(buildPurl({ type: 'generic', name: 'x', subpath: '/./src/../lib//a b' })).toBe(
      'pkg:generic/x#src/lib/a%20b',
    );
  });

  it('refuses what cannot be a purl', () => {
    expect(() => buildPurl({ type: '3nginx', name: 'nginx' })).toThrow(PatchlineError);
    expect(() => buildPurl({ type: 'nginx:a', name: 'nginx' })).toThrow(PatchlineError);
    expect(() => buildPurl({ type: 'maven', name: '' })).toThrow(PatchlineError);
    expect(() => buildPurl({ type: 'npm', name: 'x', qualifiers: { 'in production': 'true' } })).toThrow(
      PatchlineError,
    );
  });
});
