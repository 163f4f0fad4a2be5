import { describe, expect, it } from 'vitest';
import { hasFilesInstalled, parseDpkgStatus } from './status.js';

// Three paragraphs of aquasecurity/trivy pkg/fanal/analyzer/pkg/dpkg/testdata/corrupsed (copied as data): a real
// Ubuntu status file whose continuation lines lost their leading space, with a paragraph without a version that
// trivy's authors added.
const TRIVY_CORRUPSED = `Package: libpam-runtime
Status: install ok installed
Priority: required
Section: admin
Installed-Size: 300
Maintainer: Ubuntu Developers <ubuntu-devel-discuss@lists.ubuntu.com>
Architecture: all
Multi-Arch: foreign
Source: pam
Version: 1.1.8-3.1ubuntu3
Replaces: libpam0g-dev, libpam0g-util
Depends: debconf (>= 0.5) | debconf-2.0, debconf (>= 1.5.19) | cdebconf, libpam-modules (>= 1.0.1-6)
Conflicts: libpam0g-util
Conffiles:
/etc/pam.conf 87fc76f18e98ee7d3848f6b81b3391e5
/etc/pam.d/other 31aa7f2181889ffb00b87df4126d1701
Description: Runtime support for the PAM library
Contains configuration files and  directories required for
authentication  to work on Debian systems.  This package is required
on almost all installations.
Homepage: http://pam.sourceforge.net/
Original-Maintainer: Steve Langasek <vorlon@debian.org>

Package: brokenPackageWithNoVersionThatShouldGetThrownOut

Package: libgcc1
Status: install ok installed
Priority: required
Section: libs
Installed-Size: 131
Maintainer: Ubuntu Core developers <ubuntu-devel-discuss@lists.ubuntu.com>
Architecture: amd64
Multi-Arch: same
Source: gcc-5 (5.1.1-12ubuntu1)
Version: 1:5.1.1-12ubuntu1
Depends: gcc-5-base (= 5.1.1-12ubuntu1), libc6 (>= 2.14)
Pre-Depends: multiarch-support
Breaks: gcc-4.3 (<< 4.3.6-1), gcc-4.4 (<< 4.4.6-4), gcc-4.5 (<< 4.5.3-2)
Description: GCC support library
Shared version of the support library, a library of internal subroutines
that GCC uses to overcome shortcomings of particular machines, or
special needs for some languages.
Homepage: http://gcc.gnu.org/
Original-Maintainer: Debian GCC Maintainers <debian-gcc@lists.debian.org>
`;

// The first paragraph of ../shared/fixtures/dpkg/debian12-minbase.status, with well-formed multi-line fields.
const ADDUSER = `Package: adduser
Status: install ok installed
Priority: important
Section: admin
Installed-Size: 686
Maintainer: Debian Adduser Developers <adduser@packages.debian.org>
Architecture: all
Multi-Arch: foreign
Version: 3.134
Depends: passwd
Suggests: liblocale-gettext-perl, perl, cron, quota
Conffiles:
 /etc/adduser.conf cc3493ecd2d09837ffdcc3e25fdfff18
 /etc/deluser.conf 11a06baf8245fd8d690b99024d228c1f
Description: add and remove users and groups
 This package includes the 'adduser' and 'deluser' commands for creating
 and removing users.
 .
  - 'adduser' creates new users and groups and adds existing users to
    existing groups;
  - 'deluser' removes users and groups and removes users from a given
    group.
 .
 Adding users with 'adduser' is much easier than adding them manually.
 'Adduser' will choose UID and GID values that conform to Debian policy,
 create a home directory, copy skeletal user configuration, and
 automate setting initial values for the user's password, real name
 and so on.
 .
 'Deluser' can back up and remove users' home directories
 and mail spool or all the files they own on the system.
 .
 A custom script can be executed after each of the commands.
 .
 'Adduser' and 'Deluser' are intended to be used by the local
 administrator in lieu of the tools from the 'useradd' suite, and
 they provide support for easy use from Debian package maintainer
 scripts, functioning as kind of a policy layer to make those scripts
 easier and more stable to write and maintain.
`;

describe('parseDpkgStatus', () => {
  it('reads name, version, architecture, source and size, skipping lines that belong to no field', () => {
    const { records, problems } = parseDpkgStatus(TRIVY_CORRUPSED);
    expect(records).toEqual([
      {
        name: 'libpam-runtime',
        version: '1.1.8-3.1ubuntu3',
        architecture: 'all',
        status: { want: 'install', flag: 'ok', state: 'installed' },
        sourceName: 'pam',
        installedSizeKiB: 300,
        line: 1,
      },
      {
        name: 'libgcc1',
        version: '1:5.1.1-12ubuntu1',
        architecture: 'amd64',
        status: { want: 'install', flag: 'ok', state: 'installed' },
        sourceName: 'gcc-5',
        // The source's version, without the binary's epoch, as the Source field writes it.
        sourceVersion: '5.1.1-12ubuntu1',
        installedSizeKiB: 131,
        line: 26,
      },
    ]);
    // dpkg lowercases package names; the broken paragraph is reported with its line, not dropped silently.
    expect(problems).toEqual([
      'line 24: package brokenpackagewithnoversionthatshouldgetthrownout has no Version field',
    ]);
  });

  it('reads a paragraph with multi-line fields as one package', () => {
    const { records, problems } = parseDpkgStatus(ADDUSER);
    expect(problems).toEqual([]);
    expect(records).toEqual([
      {
        name: 'adduser',
        version: '3.134',
        architecture: 'all',
        status: { want: 'install', flag: 'ok', state: 'installed' },
        installedSizeKiB: 686,
        line: 1,
      },
    ]);
  });

  it('reads field names in any case, CRLF line ends, and the Origin field', () => {
    const { records } = parseDpkgStatus(
      'package: Foo\r\nSTATUS: install ok installed\r\nversion: 2.0-1\r\nsource: foo-src (2.0-0)\r\nOrigin: Ubuntu\r\n',
    );
    expect(records).toMatchObject([
      { name: 'foo', version: '2.0-1', sourceName: 'foo-src', sourceVersion: '2.0-0', origin: 'Ubuntu' },
    ]);
  });

  it('drops packages dpkg knows only by name, and reports unreadable ones', () => {
    const { records, problems } = parseDpkgStatus(
      'Package: gone\nStatus: purge ok not-installed\n\nVersion: 1.0\n\nPackage: odd\nStatus: install installed\nVersion: 1\n',
    );
    expect(records).toEqual([]);
    expect(problems).toEqual([
      'line 4: a paragraph without a Package field',
      'line 6: package odd has an unreadable Status "install installed"',
    ]);
  });
});

describe('hasFilesInstalled', () => {
  const record = (state?: string) => ({
    name: 'p',
    version: '1',
    line: 1,
    ...(state ? { status: { want: 'install', flag: 'ok', state } } : {}),
  });

  it('counts the states in which the files are on disk, not config-files', () => {
    for (const state of [
      'installed',
      'triggers-pending',
      'triggers-awaited',
      'half-configured',
      'unpacked',
      'half-installed',
    ]) {
      expect(hasFilesInstalled(record(state), 'status')).toBe(true);
    }
    expect(hasFilesInstalled(record('config-files'), 'status')).toBe(false);
  });

  it('reads a missing Status as dpkg does in its status file, and as installed in status.d', () => {
    expect(hasFilesInstalled(record(), 'status')).toBe(false);
    expect(hasFilesInstalled(record(), 'status.d')).toBe(true);
  });
});
