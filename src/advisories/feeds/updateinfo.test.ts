import { describe, expect, it } from 'vitest';
import { parseFeed } from '../feeds.js';
import { updateinfoEntry } from './updateinfo.js';

const HEX = 'f1ee3fbe212a697b20fac032fff2a295d1b6c2dec60b0cba9b5f1f304457e000';

/** repomd.xml as createrepo_c writes it, with the updateinfo entry modifyrepo_c adds (`data` varies per case). */
function repomd(data: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<repomd xmlns="http://linux.duke.edu/metadata/repo" xmlns:rpm="http://linux.duke.edu/metadata/rpm">
  <revision>1796666503</revision>
  <data type="primary">
    <checksum type="sha256">e64dfbaca33e1fdffc9960af0000cc7e7862cd6890f6a89b1afe76ab05b5dae4</checksum>
    <location href="repodata/e64dfbaca33e1fdffc9960af0000cc7e7862cd6890f6a89b1afe76ab05b5dae4-primary.xml.gz"/>
    <size>537</size>
  </data>
${data}
</repomd>
`;
}

function updateinfo(checksum: string, href: string): string {
  return `  <data type="updateinfo">
    ${checksum}
    <open-checksum type="sha256">de4903d9f5be1abbbbcaa1c08bdda2d2ce5a2766c331cc6d4a0bd934be8e5628</open-checksum>
    <location href="${href}"/>
    <timestamp>1796666503</timestamp>
    <size>438</size>
    <open-size>840</open-size>
  </data>`;
}

describe('the updateinfo entry of repomd.xml', () => {
  it('gives the location, checksum and size of the updateinfo file, not of another entry', () => {
    const text = repomd(updateinfo(`<checksum type="sha256">${HEX}</checksum>`, `repodata/${HEX}-updateinfo.xml.gz`));
    expect(updateinfoEntry(text, 'repomd.xml')).toEqual({
      href: `repodata/${HEX}-updateinfo.xml.gz`,
      algorithm: 'sha256',
      hex: HEX,
      size: 438,
    });
    const sha1 = `<checksum type="sha">${'a'.repeat(40)}</checksum>`;
    expect(updateinfoEntry(repomd(updateinfo(sha1, 'repodata/u.xml.xz')), 'r')).toMatchObject({ algorithm: 'sha1' });
  });

  it.each([
    ['../../../etc/passwd', /not a path inside the repository/],
    ['repodata/../../x-updateinfo.xml.gz', /not a path inside the repository/],
    ['/srv/repo/repodata/u.xml.gz', /not a path inside the repository/],
    ['https://elsewhere.example/u.xml.gz', /not a path inside the repository/],
    ['file:///etc/shadow', /not a path inside the repository/],
  ])('refuses the location %s', (href, error) => {
    const text = repomd(updateinfo(`<checksum type="sha256">${HEX}</checksum>`, href));
    expect(() => updateinfoEntry(text, 'repomd.xml')).toThrow(error);
  });

  it('refuses a repository without errata, a checksum it cannot check, and a DOCTYPE', () => {
    expect(() => updateinfoEntry(repomd(''), 'repomd.xml')).toThrow(/lists no updateinfo/);
    const md5 = repomd(updateinfo(`<checksum type="md5">${'a'.repeat(32)}</checksum>`, 'repodata/u.xml.gz'));
    expect(() => updateinfoEntry(md5, 'repomd.xml')).toThrow(/checksum as "md5"/);
    const short = repomd(updateinfo('<checksum type="sha256">abc</checksum>', 'repodata/u.xml.gz'));
    expect(() => updateinfoEntry(short, 'repomd.xml')).toThrow(/not 64 hex digits/);
    const doctype = `<?xml version="1.0"?><!DOCTYPE repomd [<!ENTITY x "y">]>${repomd('').slice(39)}`;
    expect(() => updateinfoEntry(doctype, 'repomd.xml')).toThrow(/DOCTYPE declaration/);
  });
});

describe('updateinfo:URL#os=ID:VERSION_ID', () => {
  it('names a repository root and the ecosystem its errata are filed under; a mirror does not move it', () => {
    expect(
      parseFeed('updateinfo:https://yum.oracle.com/repo/OracleLinux/OL9/baseos/latest/x86_64#os=ol:9', 'https://m/'),
    ).toEqual({
      id: 'updateinfo:https://yum.oracle.com/repo/OracleLinux/OL9/baseos/latest/x86_64/',
      kind: 'updateinfo',
      base: 'https://yum.oracle.com/repo/OracleLinux/OL9/baseos/latest/x86_64/',
      os: 'Oracle Linux:9',
    });
    expect(parseFeed('updateinfo:file:///srv/al2023/').os).toBeUndefined();
    expect(parseFeed('updateinfo:http://m/fedora/41/#os=fedora:41').os).toBe('Fedora:41');
  });

  it.each([
    ['updateinfo:ftp://mirror/repo/', /must be http:\/\/, https:\/\/ or file:\/\//],
    ['updateinfo:https://mirror/repo/?token=x', /without a query/],
    ['updateinfo:not a url', /expected updateinfo:<repository URL>/],
    ['updateinfo:https://mirror/repo/#distro=ol:9', /unknown parameter #distro=ol:9/],
    ['updateinfo:https://mirror/repo/#os=oracle:9', /unknown os-release ID "oracle"/],
    ['updateinfo:https://mirror/repo/#os=amzn:2018.03', /"2018.03" is not a VERSION_ID of amzn/],
  ])('refuses %s', (spec, error) => {
    expect(() => parseFeed(spec)).toThrow(error);
  });
});
