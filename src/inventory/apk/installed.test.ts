import { describe, expect, it } from 'vitest';
import { parseApkInstalled } from './installed.js';

// The first three paragraphs of aquasecurity/trivy's Alpine `installed` test file (../shared/fixtures/apk/
// alpine-trivy.installed), copied as data: musl, the paragraph trivy's authors added to exercise a package without a
// version, and busybox with its file list cut short after etc/logrotate.d/acpid.
const TRIVY_INSTALLED = `C:Q11otALzX1d1D0kVawy06IairTXS0=
P:musl
V:1.1.14-r10
A:x86_64
S:445080
I:569344
T:the musl c library (libc) implementation
U:http://www.musl-libc.org/
L:MIT
o:musl
m:Timo Teräs <timo.teras@iki.fi>
t:1466181580
c:e6c226fbe17bb8f856dce5f0d9bc088b333e6225
p:so:libc.musl-x86_64.so.1=1
F:lib
R:libc.musl-x86_64.so.1
a:0:0:777
Z:Q17yJ3JFNypA4mxhJJr0ou6CzsJVI=
R:ld-musl-x86_64.so.1
a:0:0:755
Z:Q1KUwsFGLHn/enpN9+QIpK/FmixtQ=

P:invalidPackageWithoutAVersion

C:Q1yhJHGSZ80L7cL0y4UKKGrBPwrUQ=
P:busybox
V:1.24.2-r9
A:x86_64
S:642121
I:909312
T:Size optimized toolbox of many common UNIX utilities
U:http://busybox.net
L:GPL2
o:busybox
m:Natanael Copa <ncopa@alpinelinux.org>
t:1466671780
c:386b639b3917a9d1b8588dd87f09ed446501cddf
D:so:libc.musl-x86_64.so.1
F:bin
R:busybox
a:0:0:755
Z:Q1xOlCsdvx4O0gnKWoFCNKjz2quRE=
R:sh
a:0:0:777
Z:Q1pcfTfDNEbNKQc2s1tia7da05M8Q=
F:etc
R:securetty
Z:Q14VDshgWFleuDbp4jqXk+UNES65Q=
R:udhcpd.conf
Z:Q1PWhOJ+TaEzAXw+XC6kkz/FXI/KA=
F:etc/logrotate.d
R:acpid
Z:Q1bPM2hPZy1LntZ/YdI4ZFJzVl1Y8=
`;

describe('parseApkInstalled', () => {
  it('reads each package with its files under their folders', () => {
    const { records, problems } = parseApkInstalled(TRIVY_INSTALLED);
    expect(records).toEqual([
      {
        name: 'musl',
        version: '1.1.14-r10',
        arch: 'x86_64',
        origin: 'musl',
        license: 'MIT',
        maintainer: 'Timo Teräs <timo.teras@iki.fi>',
        commit: 'e6c226fbe17bb8f856dce5f0d9bc088b333e6225',
        installedSize: 569344,
        files: ['lib/libc.musl-x86_64.so.1', 'lib/ld-musl-x86_64.so.1'],
        line: 1,
      },
      {
        name: 'busybox',
        version: '1.24.2-r9',
        arch: 'x86_64',
        origin: 'busybox',
        license: 'GPL2',
        maintainer: 'Natanael Copa <ncopa@alpinelinux.org>',
        commit: '386b639b3917a9d1b8588dd87f09ed446501cddf',
        installedSize: 909312,
        files: ['bin/busybox', 'bin/sh', 'etc/securetty', 'etc/udhcpd.conf', 'etc/logrotate.d/acpid'],
        line: 25,
      },
    ]);
    expect(problems).toEqual(['line 23: package invalidPackageWithoutAVersion has no version (V:)']);
  });

  it('reports a line that is not a field, and a paragraph without a name', () => {
    const { records, problems } = parseApkInstalled('V:1.0-r0\nthis is not a field\n\nP:ok\nV:2-r0\n');
    expect(records.map((r) => `${r.name}@${r.version}`)).toEqual(['ok@2-r0']);
    expect(problems).toEqual([
      'line 2: "this is not a field" is not a field line',
      'line 1: a paragraph without a package name (P:)',
    ]);
  });
});
