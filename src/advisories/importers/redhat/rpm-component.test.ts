import { describe, expect, it } from 'vitest';
import { compareVersions } from '../../../version/index.js';
import { readComponent } from './rpm-component.js';

describe('readComponent: rpm purls as Red Hat writes them', () => {
  it('keeps a non-zero epoch and drops epoch 0', () => {
    expect(readComponent('pkg:rpm/redhat/foreman-installer@3.7.0.7-1.el8sat?arch=noarch&epoch=1')).toEqual({
      component: {
        kind: 'rpm',
        name: 'foreman-installer',
        nameKind: 'binary',
        arch: 'noarch',
        evr: '1:3.7.0.7-1.el8sat',
      },
    });
    expect(readComponent('pkg:rpm/redhat/curl@7.76.1-26.el9_3.2?arch=src&epoch=0')).toEqual({
      component: { kind: 'rpm', name: 'curl', nameKind: 'source', evr: '7.76.1-26.el9_3.2' },
    });
    // Dropping epoch 0 changes nothing for the ordering: a missing epoch is 0 (python3-rpm's labelCompare agrees).
    expect(compareVersions('rpm', '0:7.76.1-26.el9_3.2', '7.76.1-26.el9_3.2')).toBe(0);
  });

  it('reads a module stream from rpmmod, and a module component from an rpmmod purl', () => {
    const nodejs =
      'pkg:rpm/redhat/nodejs-docs@20.16.0-1.module%2Bel9.4.0%2B22197%2b9e60f127?arch=x86_64&epoch=1&rpmmod=nodejs:20:9040020240807145403:rhel9';
    expect(readComponent(nodejs)).toEqual({
      component: {
        kind: 'rpm',
        name: 'nodejs-docs',
        nameKind: 'binary',
        arch: 'x86_64',
        module: 'nodejs:20',
        evr: '1:20.16.0-1.module+el9.4.0+22197+9e60f127',
      },
    });
    expect(readComponent('pkg:rpmmod/redhat/gimp@2.8:8080020250623120629:0621e4ee')).toEqual({
      component: { kind: 'module', module: 'gimp:2.8' },
    });
  });

  it('says what is wrong with a purl it cannot use', () => {
    expect(readComponent('pkg:rpm/redhat/x@1-1?rpmmod=rhel10')).toEqual({
      problem: 'rpmmod qualifier "rhel10" is not name:stream[:version:context]',
    });
    expect(readComponent('pkg:rpm/redhat/x@1-1?epoch=one')).toEqual({
      problem: 'epoch qualifier "one" is not a number',
    });
    expect(readComponent('pkg:rpm/redhat/x@1.0')).toEqual({ problem: 'version "1.0" has no release' });
    expect(readComponent('curl-7.76.1')).toMatchObject({ problem: expect.stringContaining('not a valid purl') });
    expect(readComponent('pkg:oci/ubi9@sha256:abc')).toEqual({ component: { kind: 'other', type: 'oci' } });
  });
});
