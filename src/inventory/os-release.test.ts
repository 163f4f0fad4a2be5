import { describe, expect, it } from 'vitest';
import { parseOsRelease } from './os-release.js';

describe('parseOsRelease', () => {
  it('reads unquoted, double-quoted and single-quoted values, and skips comments and blank lines', () => {
    // Fedora CoreOS 37's os-release (openshift/machine-config-operator, pkg/daemon/osrelease/osrelease_test.go),
    // abridged: it mixes all three quoting styles and an empty string.
    const text = [
      'NAME="Fedora Linux"',
      'VERSION="37.20230126.20.0 (CoreOS)"',
      'ID=fedora',
      'VERSION_ID=37',
      'VERSION_CODENAME=""',
      '',
      '# a comment line',
      'VARIANT_ID=coreos',
      "OSTREE_VERSION='37.20230126.20.0'",
    ].join('\n');
    expect(Object.fromEntries(parseOsRelease(text))).toEqual({
      NAME: 'Fedora Linux',
      VERSION: '37.20230126.20.0 (CoreOS)',
      ID: 'fedora',
      VERSION_ID: '37',
      VERSION_CODENAME: '',
      VARIANT_ID: 'coreos',
      OSTREE_VERSION: '37.20230126.20.0',
    });
  });

  it('keeps a commented-out assignment out', () => {
    // openSUSE Tumbleweed (aquasecurity/trivy, pkg/fanal/analyzer/os/release/testdata/opensusetumbleweed) comments
    // out VERSION.
    const values = parseOsRelease('NAME="openSUSE Tumbleweed"\n# VERSION="20220412"\nID="opensuse-tumbleweed"\n');
    expect(values.has('VERSION')).toBe(false);
    expect(values.get('ID')).toBe('opensuse-tumbleweed');
  });

  it('applies shell escapes: backslashes in double quotes and unquoted, none in single quotes', () => {
    const values = parseOsRelease(
      [
        String.raw`A="say \"hi\" for \$5 \\ \n"`,
        String.raw`B='no \escapes "here"'`,
        String.raw`C=one\ word`,
        `D="joined"'pieces'too`,
      ].join('\n'),
    );
    expect(values.get('A')).toBe(String.raw`say "hi" for $5 \ \n`);
    expect(values.get('B')).toBe(String.raw`no \escapes "here"`);
    expect(values.get('C')).toBe('one word');
    expect(values.get('D')).toBe('joinedpiecestoo');
  });

  it('skips lines that are not assignments, or leave a quote open, and reads CRLF files', () => {
    const values = parseOsRelease('garbage line\n=novalue\nBROKEN="open\r\nID=debian\r\nVERSION_ID="12"  \r\n');
    expect(Object.fromEntries(values)).toEqual({ ID: 'debian', VERSION_ID: '12' });
  });

  it('lets a later assignment win, as a shell sourcing the file would', () => {
    // The podman-built test image appends to os-release (test/helpers/real-images.ts), as image builders do.
    expect(parseOsRelease('ID=debian\nID=patched\n').get('ID')).toBe('patched');
  });
});
