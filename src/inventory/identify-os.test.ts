import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { FoundFile } from '../rootfs/index.js';
import { FileContent } from '../rootfs/index.js';
import { identifyOs, identifyOsFromTexts, osRequests } from './identify-os.js';
import type { OperatingSystem } from './os.js';

// Real release files, copied as data from the public test fixtures named beside each one. They are the distributions'
// own texts; only the quoting needed to hold them in TypeScript was added.
const TRIVY = 'aquasecurity/trivy pkg/fanal/analyzer/os';
const DISTRO = 'python-distro/distro tests/resources/distros';
const ANSIBLE = 'ansible/ansible test/units/module_utils/facts/system/distribution/fixtures';

interface Sample {
  name: string;
  origin: string;
  files: Record<string, string>;
  expected: Omit<OperatingSystem, 'prettyName'> & { prettyName?: string };
}

const SAMPLES: Sample[] = [
  {
    name: 'RHEL 9.4',
    origin: `${TRIVY}/release/testdata/rhel`,
    files: {
      'etc/os-release': `NAME="Red Hat Enterprise Linux"
VERSION="9.4 (Plow)"
ID="rhel"
ID_LIKE="fedora"
VERSION_ID="9.4"
PLATFORM_ID="platform:el9"
PRETTY_NAME="Red Hat Enterprise Linux 9.4 (Plow)"
ANSI_COLOR="0;31"
LOGO="fedora-logo-icon"
CPE_NAME="cpe:/o:redhat:enterprise_linux:9::baseos"
HOME_URL="https://www.redhat.com/"
DOCUMENTATION_URL="https://access.redhat.com/documentation/en-us/red_hat_enterprise_linux/9"
BUG_REPORT_URL="https://issues.redhat.com/"

REDHAT_BUGZILLA_PRODUCT="Red Hat Enterprise Linux 9"
REDHAT_BUGZILLA_PRODUCT_VERSION=9.4
REDHAT_SUPPORT_PRODUCT="Red Hat Enterprise Linux"
REDHAT_SUPPORT_PRODUCT_VERSION="9.4"`,
    },
    expected: {
      id: 'rhel',
      family: 'redhat',
      versionId: '9.4',
      prettyName: 'Red Hat Enterprise Linux 9.4 (Plow)',
      source: 'etc/os-release',
    },
  },
  {
    name: 'RHEL 10.0',
    origin: `${DISTRO}/rhel10/etc/os-release`,
    files: {
      'etc/os-release': `NAME="Red Hat Enterprise Linux"
VERSION="10.0 (Coughlan)"
ID="rhel"
ID_LIKE="centos fedora"
VERSION_ID="10.0"
PLATFORM_ID="platform:el10"
PRETTY_NAME="Red Hat Enterprise Linux 10.0 (Coughlan)"
ANSI_COLOR="0;31"
LOGO="fedora-logo-icon"
CPE_NAME="cpe:/o:redhat:enterprise_linux:10.0"
HOME_URL="https://www.redhat.com/"
VENDOR_NAME="Red Hat"
VENDOR_URL="https://www.redhat.com/"
DOCUMENTATION_URL="https://access.redhat.com/documentation/en-us/red_hat_enterprise_linux/10"
BUG_REPORT_URL="https://issues.redhat.com/"

REDHAT_BUGZILLA_PRODUCT="Red Hat Enterprise Linux 10"
REDHAT_BUGZILLA_PRODUCT_VERSION=10.0
REDHAT_SUPPORT_PRODUCT="Red Hat Enterprise Linux"
REDHAT_SUPPORT_PRODUCT_VERSION="10.0"
`,
    },
    expected: { id: 'rhel', family: 'redhat', versionId: '10.0', source: 'etc/os-release' },
  },
  {
    name: 'Fedora 42, in usr/lib/os-release only',
    origin: `${DISTRO}/fedora42/usr/lib/os-release`,
    files: {
      'usr/lib/os-release': `NAME="Fedora Linux"
VERSION="42 (Forty Two)"
ID=fedora
VERSION_ID=42
VERSION_CODENAME=""
PLATFORM_ID="platform:f42"
PRETTY_NAME="Fedora Linux 42 (Forty Two)"
ANSI_COLOR="0;38;2;60;110;180"
LOGO=fedora-logo-icon
CPE_NAME="cpe:/o:fedoraproject:fedora:42"
DEFAULT_HOSTNAME="fedora"
HOME_URL="https://fedoraproject.org/"
DOCUMENTATION_URL="https://docs.fedoraproject.org/en-US/fedora/f42/"
SUPPORT_URL="https://ask.fedoraproject.org/"
BUG_REPORT_URL="https://bugzilla.redhat.com/"
REDHAT_BUGZILLA_PRODUCT="Fedora"
REDHAT_BUGZILLA_PRODUCT_VERSION=42
REDHAT_SUPPORT_PRODUCT="Fedora"
REDHAT_SUPPORT_PRODUCT_VERSION=42
SUPPORT_END=2026-05-13
`,
      'etc/fedora-release': 'Fedora release 42 (Forty Two)\n',
    },
    expected: {
      id: 'fedora',
      family: 'redhat',
      versionId: '42',
      prettyName: 'Fedora Linux 42 (Forty Two)',
      source: 'usr/lib/os-release',
    },
  },
  {
    name: 'Fedora CoreOS 37 (an ostree-based, bootable image)',
    origin: 'openshift/machine-config-operator pkg/daemon/osrelease/osrelease_test.go',
    files: {
      'etc/os-release': `NAME="Fedora Linux"
VERSION="37.20230126.20.0 (CoreOS)"
ID=fedora
VERSION_ID=37
VERSION_CODENAME=""
PLATFORM_ID="platform:f37"
PRETTY_NAME="Fedora CoreOS 37.20230126.20.0"
ANSI_COLOR="0;38;2;60;110;180"
LOGO=fedora-logo-icon
CPE_NAME="cpe:/o:fedoraproject:fedora:37"
HOME_URL="https://getfedora.org/coreos/"
DOCUMENTATION_URL="https://docs.fedoraproject.org/en-US/fedora-coreos/"
SUPPORT_URL="https://github.com/coreos/fedora-coreos-tracker/"
BUG_REPORT_URL="https://github.com/coreos/fedora-coreos-tracker/"
REDHAT_BUGZILLA_PRODUCT="Fedora"
REDHAT_BUGZILLA_PRODUCT_VERSION=37
REDHAT_SUPPORT_PRODUCT="Fedora"
REDHAT_SUPPORT_PRODUCT_VERSION=37
SUPPORT_END=2023-11-14
VARIANT="CoreOS"
VARIANT_ID=coreos
OSTREE_VERSION='37.20230126.20.0'`,
    },
    expected: {
      id: 'fedora',
      family: 'redhat',
      versionId: '37',
      prettyName: 'Fedora CoreOS 37.20230126.20.0',
      source: 'etc/os-release',
    },
  },
  {
    name: 'CentOS Stream 9',
    origin: `${DISTRO}/centosstream9/etc/os-release`,
    files: {
      'etc/os-release': `NAME="CentOS Stream"
VERSION="9"
ID="centos"
ID_LIKE="rhel fedora"
VERSION_ID="9"
PLATFORM_ID="platform:el9"
PRETTY_NAME="CentOS Stream 9"
ANSI_COLOR="0;31"
LOGO="fedora-logo-icon"
CPE_NAME="cpe:/o:centos:centos:9"
HOME_URL="https://centos.org/"
BUG_REPORT_URL="https://issues.redhat.com/"
REDHAT_SUPPORT_PRODUCT="Red Hat Enterprise Linux 9"
REDHAT_SUPPORT_PRODUCT_VERSION="CentOS Stream"
`,
    },
    expected: { id: 'centos', family: 'redhat', versionId: '9', stream: true, source: 'etc/os-release' },
  },
  {
    name: 'CentOS Stream 8',
    origin: `${TRIVY}/release/testdata/centos-stream`,
    files: {
      'etc/os-release': `NAME="CentOS Stream"
VERSION="8"
ID="centos"
ID_LIKE="rhel fedora"
VERSION_ID="8"
PLATFORM_ID="platform:el8"
PRETTY_NAME="CentOS Stream 8"
ANSI_COLOR="0;31"
CPE_NAME="cpe:/o:centos:centos:8"
HOME_URL="https://centos.org/"
BUG_REPORT_URL="https://bugzilla.redhat.com/"
REDHAT_SUPPORT_PRODUCT="Red Hat Enterprise Linux 8"
REDHAT_SUPPORT_PRODUCT_VERSION="CentOS Stream"`,
    },
    expected: { id: 'centos', family: 'redhat', versionId: '8', stream: true, source: 'etc/os-release' },
  },
  {
    name: 'CentOS Linux 7',
    origin: `${TRIVY}/release/testdata/centos`,
    files: {
      'etc/os-release': `NAME="CentOS Linux"
VERSION="7 (Core)"
ID="centos"
ID_LIKE="rhel fedora"
VERSION_ID="7"
PRETTY_NAME="CentOS Linux 7 (Core)"
ANSI_COLOR="0;31"
CPE_NAME="cpe:/o:centos:centos:7"
HOME_URL="https://www.centos.org/"
BUG_REPORT_URL="https://bugs.centos.org/"

CENTOS_MANTISBT_PROJECT="CentOS-7"
CENTOS_MANTISBT_PROJECT_VERSION="7"
REDHAT_SUPPORT_PRODUCT="centos"
REDHAT_SUPPORT_PRODUCT_VERSION="7"`,
    },
    expected: { id: 'centos', family: 'redhat', versionId: '7', stream: false, source: 'etc/os-release' },
  },
  {
    name: 'CentOS Stream 9 from centos-release alone',
    origin: `${TRIVY}/redhatbase/testdata/centos/centos-stream-release`,
    files: { 'etc/centos-release': 'CentOS Stream release 9\n' },
    expected: { id: 'centos', family: 'redhat', versionId: '9', stream: true, source: 'etc/centos-release' },
  },
  {
    name: 'CentOS Linux 7 from centos-release alone',
    origin: `${TRIVY}/redhatbase/testdata/centos/centos-release`,
    files: { 'etc/centos-release': 'CentOS Linux release 7.6.1810 (Core) \n' },
    expected: { id: 'centos', family: 'redhat', versionId: '7.6.1810', stream: false, source: 'etc/centos-release' },
  },
  {
    name: 'CentOS 6.7, which has no os-release',
    origin: `${ANSIBLE}/centos_6.7.json`,
    files: {
      'etc/redhat-release': 'CentOS release 6.7 (Final)\n',
      'etc/system-release': 'CentOS release 6.7 (Final)\n',
    },
    expected: { id: 'centos', family: 'redhat', versionId: '6.7', stream: false, source: 'etc/redhat-release' },
  },
  {
    name: 'RHEL 6.7 from redhat-release',
    origin: `${ANSIBLE}/redhat_6.7.json`,
    files: { 'etc/redhat-release': 'Red Hat Enterprise Linux Server release 6.7 (Santiago)\n' },
    expected: { id: 'rhel', family: 'redhat', versionId: '6.7', source: 'etc/redhat-release' },
  },
  {
    name: 'RHEL 8.10 from redhat-release',
    origin: 'anchore/syft syft/linux/testdata/os/redhat/from-redhat-release/etc/redhat-release',
    files: { 'etc/redhat-release': 'Red Hat Enterprise Linux release 8.10 (Ootpa)' },
    expected: { id: 'rhel', family: 'redhat', versionId: '8.10', source: 'etc/redhat-release' },
  },
  {
    name: 'AlmaLinux 9.4',
    origin: `${TRIVY}/release/testdata/alma`,
    files: {
      'etc/os-release': `NAME="AlmaLinux"
VERSION="9.4 (Seafoam Ocelot)"
ID="almalinux"
ID_LIKE="rhel centos fedora"
VERSION_ID="9.4"
PLATFORM_ID="platform:el9"
PRETTY_NAME="AlmaLinux 9.4 (Seafoam Ocelot)"
ANSI_COLOR="0;34"
LOGO="fedora-logo-icon"
CPE_NAME="cpe:/o:almalinux:almalinux:9::baseos"
HOME_URL="https://almalinux.org/"
DOCUMENTATION_URL="https://wiki.almalinux.org/"
BUG_REPORT_URL="https://bugs.almalinux.org/"

ALMALINUX_MANTISBT_PROJECT="AlmaLinux-9"
ALMALINUX_MANTISBT_PROJECT_VERSION="9.4"
REDHAT_SUPPORT_PRODUCT="AlmaLinux"
REDHAT_SUPPORT_PRODUCT_VERSION="9.4"
SUPPORT_END=2032-06-01`,
    },
    expected: { id: 'almalinux', family: 'redhat', versionId: '9.4', source: 'etc/os-release' },
  },
  {
    name: 'AlmaLinux 8.4 from almalinux-release',
    origin: `${TRIVY}/redhatbase/testdata/alma/almalinux-release`,
    files: {
      'etc/almalinux-release': 'AlmaLinux release 8.4 (Electric Cheetah)\n',
      // syft's fixture (syft/linux/testdata/os/almalinux/from-redhat-release): redhat-release names Alma too.
      'etc/redhat-release': 'AlmaLinux release 8.10 (Cerulean Leopard)',
    },
    expected: { id: 'almalinux', family: 'redhat', versionId: '8.4', source: 'etc/almalinux-release' },
  },
  {
    name: 'Rocky Linux 9.3',
    origin: `${TRIVY}/release/testdata/rocky`,
    files: {
      'etc/os-release': `NAME="Rocky Linux"
VERSION="9.3 (Blue Onyx)"
ID="rocky"
ID_LIKE="rhel centos fedora"
VERSION_ID="9.3"
PLATFORM_ID="platform:el9"
PRETTY_NAME="Rocky Linux 9.3 (Blue Onyx)"
ANSI_COLOR="0;32"
LOGO="fedora-logo-icon"
CPE_NAME="cpe:/o:rocky:rocky:9::baseos"
HOME_URL="https://rockylinux.org/"
BUG_REPORT_URL="https://bugs.rockylinux.org/"
SUPPORT_END="2032-05-31"
ROCKY_SUPPORT_PRODUCT="Rocky-Linux-9"
ROCKY_SUPPORT_PRODUCT_VERSION="9.3"
REDHAT_SUPPORT_PRODUCT="Rocky Linux"
REDHAT_SUPPORT_PRODUCT_VERSION="9.3"`,
    },
    expected: { id: 'rocky', family: 'redhat', versionId: '9.3', source: 'etc/os-release' },
  },
  {
    name: 'Rocky Linux 8.4 from rocky-release',
    origin: `${TRIVY}/redhatbase/testdata/rocky/rocky-release`,
    files: { 'etc/rocky-release': 'Rocky Linux release 8.4 (Green Obsidian)' },
    expected: { id: 'rocky', family: 'redhat', versionId: '8.4', source: 'etc/rocky-release' },
  },
  {
    name: 'Oracle Linux 8.10',
    origin: `${TRIVY}/release/testdata/oracle`,
    files: {
      'etc/os-release': `NAME="Oracle Linux Server"
VERSION="8.10"
ID="ol"
ID_LIKE="fedora"
VARIANT="Server"
VARIANT_ID="server"
VERSION_ID="8.10"
PLATFORM_ID="platform:el8"
PRETTY_NAME="Oracle Linux Server 8.10"
ANSI_COLOR="0;31"
CPE_NAME="cpe:/o:oracle:linux:8:10:server"
HOME_URL="https://linux.oracle.com/"
BUG_REPORT_URL="https://github.com/oracle/oracle-linux"

ORACLE_BUGZILLA_PRODUCT="Oracle Linux 8"
ORACLE_BUGZILLA_PRODUCT_VERSION=8.10
ORACLE_SUPPORT_PRODUCT="Oracle Linux"
ORACLE_SUPPORT_PRODUCT_VERSION=8.10`,
    },
    expected: { id: 'ol', family: 'redhat', versionId: '8.10', source: 'etc/os-release' },
  },
  {
    name: 'Oracle Linux 7.6 from oracle-release',
    origin: `${TRIVY}/redhatbase/testdata/oracle_7/oracle-release`,
    files: { 'etc/oracle-release': 'Oracle Linux Server release 7.6\n' },
    expected: { id: 'ol', family: 'redhat', versionId: '7.6', source: 'etc/oracle-release' },
  },
  {
    name: 'Amazon Linux 2023',
    origin: `${DISTRO}/amazon2023/etc/os-release`,
    files: {
      'etc/os-release': `NAME="Amazon Linux"
VERSION="2023"
ID="amzn"
ID_LIKE="fedora"
VERSION_ID="2023"
PLATFORM_ID="platform:al2023"
PRETTY_NAME="Amazon Linux 2023"
ANSI_COLOR="0;33"
CPE_NAME="cpe:2.3:o:amazon:amazon_linux:2023"
HOME_URL="https://aws.amazon.com/linux/"
BUG_REPORT_URL="https://github.com/amazonlinux/amazon-linux-2023"
SUPPORT_END="2028-03-01"
`,
    },
    expected: { id: 'amzn', family: 'redhat', versionId: '2023', source: 'etc/os-release' },
  },
  {
    name: 'Amazon Linux 2',
    origin: `${ANSIBLE}/amazon_linux_2.json`,
    files: {
      'etc/os-release': `NAME="Amazon Linux"
VERSION="2"
ID="amzn"
ID_LIKE="centos rhel fedora"
VERSION_ID="2"
PRETTY_NAME="Amazon Linux 2"
ANSI_COLOR="0;33"
CPE_NAME="cpe:2.3:o:amazon:amazon_linux:2"
HOME_URL="https://amazonlinux.com/"
`,
      'etc/system-release': 'Amazon Linux release 2 (Karoo)\n',
    },
    expected: { id: 'amzn', family: 'redhat', versionId: '2', source: 'etc/os-release' },
  },
  {
    name: 'Amazon Linux 2 from system-release alone',
    origin: `${ANSIBLE}/amazon_linux_2.json`,
    files: { 'etc/system-release': 'Amazon Linux release 2 (Karoo)\n' },
    expected: { id: 'amzn', family: 'redhat', versionId: '2', source: 'etc/system-release' },
  },
  {
    name: 'Amazon Linux AMI 2018.03 from system-release alone',
    origin: `${ANSIBLE}/amazon_linux_2018.03.json`,
    files: { 'etc/system-release': 'Amazon Linux AMI release 2018.03\n' },
    expected: { id: 'amzn', family: 'redhat', versionId: '2018.03', source: 'etc/system-release' },
  },
  {
    name: 'SLES 15 SP6',
    origin: `${ANSIBLE}/sles_15_6.json`,
    files: {
      'etc/os-release':
        'NAME="SLES"\nVERSION="15-SP6"\nVERSION_ID="15.6"\nPRETTY_NAME="SUSE Linux Enterprise Server 15 SP6"\nID="sles"\nID_LIKE="suse"\nANSI_COLOR="0;32"\nCPE_NAME="cpe:/o:suse:sles:15:sp6"\nDOCUMENTATION_URL="https://documentation.suse.com/"\n',
    },
    expected: { id: 'sles', family: 'suse', versionId: '15.6', source: 'etc/os-release' },
  },
  {
    name: 'SLES 11 SP3 from SuSE-release',
    origin: `${ANSIBLE}/sles_11.3.json`,
    files: { 'etc/SuSE-release': 'SUSE Linux Enterprise Server 11 (x86_64)\nVERSION = 11\nPATCHLEVEL = 3' },
    expected: {
      id: 'sles',
      family: 'suse',
      versionId: '11.3',
      prettyName: 'SUSE Linux Enterprise Server 11',
      source: 'etc/SuSE-release',
    },
  },
  {
    name: 'openSUSE 13.2 from SuSE-release',
    origin: `${ANSIBLE}/opensuse_13.2.json`,
    files: {
      'etc/SuSE-release':
        'openSUSE 13.2 (x86_64)\nVERSION = 13.2\nCODENAME = Harlequin\n# /etc/SuSE-release is deprecated and will be removed in the future, use /etc/os-release instead',
    },
    expected: { id: 'opensuse', family: 'suse', versionId: '13.2', source: 'etc/SuSE-release' },
  },
  {
    name: 'openSUSE Leap 15.2.1',
    origin: `${TRIVY}/release/testdata/opensuseleap-15.2.1`,
    files: {
      'etc/os-release': `NAME="openSUSE Leap"
VERSION="15.2.1 Beta"
ID="opensuse-leap"
ID_LIKE="suse opensuse"
VERSION_ID="15.2.1"
PRETTY_NAME="openSUSE Leap 15.2.1 Beta"
ANSI_COLOR="0;32"
CPE_NAME="cpe:/o:opensuse:leap:15.2.1"
BUG_REPORT_URL="https://bugs.opensuse.org"
HOME_URL="https://www.opensuse.org/"`,
    },
    expected: { id: 'opensuse-leap', family: 'suse', versionId: '15.2.1', source: 'etc/os-release' },
  },
  {
    name: 'openSUSE Tumbleweed',
    origin: `${TRIVY}/release/testdata/opensusetumbleweed`,
    files: {
      'etc/os-release': `NAME="openSUSE Tumbleweed"
# VERSION="20220412"
ID="opensuse-tumbleweed"
ID_LIKE="opensuse suse"
VERSION_ID="20220412"
PRETTY_NAME="openSUSE Tumbleweed"
ANSI_COLOR="0;32"
CPE_NAME="cpe:/o:opensuse:tumbleweed:20220412"
BUG_REPORT_URL="https://bugs.opensuse.org"
HOME_URL="https://www.opensuse.org/"
DOCUMENTATION_URL="https://en.opensuse.org/Portal:Tumbleweed"
LOGO="distributor-logo-Tumbleweed"
`,
    },
    expected: { id: 'opensuse-tumbleweed', family: 'suse', versionId: '20220412', source: 'etc/os-release' },
  },
  {
    name: 'Debian 13',
    origin: `${DISTRO}/debian13/etc/os-release`,
    files: {
      'etc/os-release': `PRETTY_NAME="Debian GNU/Linux 13 (trixie)"
NAME="Debian GNU/Linux"
VERSION_ID="13"
VERSION="13 (trixie)"
VERSION_CODENAME=trixie
DEBIAN_VERSION_FULL=13.1
ID=debian
HOME_URL="https://www.debian.org/"
SUPPORT_URL="https://www.debian.org/support"
BUG_REPORT_URL="https://bugs.debian.org/"
`,
    },
    expected: { id: 'debian', family: 'debian', versionId: '13', codename: 'trixie', source: 'etc/os-release' },
  },
  {
    name: 'Debian testing/sid: no VERSION_ID',
    origin:
      'a Debian trixie/sid system (its os-release as quoted in many public logs; debian_version as trivy testdata/debian_sid has it)',
    files: {
      'etc/os-release': `PRETTY_NAME="Debian GNU/Linux trixie/sid"
NAME="Debian GNU/Linux"
VERSION_CODENAME=trixie
ID=debian
HOME_URL="https://www.debian.org/"
SUPPORT_URL="https://www.debian.org/support"
BUG_REPORT_URL="https://bugs.debian.org/"
`,
      'etc/debian_version': 'trixie/sid\n',
    },
    expected: { id: 'debian', family: 'debian', codename: 'trixie', source: 'etc/os-release' },
  },
  {
    name: 'Debian stretch/sid: neither VERSION_ID nor VERSION_CODENAME',
    origin: `${ANSIBLE}/debian_stretch_sid.json`,
    files: {
      'etc/os-release':
        'PRETTY_NAME="Debian GNU/Linux stretch/sid"\nNAME="Debian GNU/Linux"\nID=debian\nHOME_URL="https://www.debian.org/"\nSUPPORT_URL="https://www.debian.org/support"\nBUG_REPORT_URL="https://bugs.debian.org/"',
      'etc/debian_version': 'stretch/sid\n',
    },
    expected: { id: 'debian', family: 'debian', codename: 'stretch', source: 'etc/os-release' },
  },
  {
    name: 'distroless Debian: os-release without a version, debian_version with one',
    origin: 'anchore/syft syft/linux/testdata/os/debian/from-debian_version (etc/os-release and etc/debian_version)',
    files: {
      'etc/os-release': `PRETTY_NAME="Distroless"
NAME="Debian GNU/Linux"
ID="debian"
HOME_URL="https://github.com/GoogleContainerTools/distroless"
SUPPORT_URL="https://github.com/GoogleContainerTools/distroless/blob/master/README.md"
BUG_REPORT_URL="https://github.com/GoogleContainerTools/distroless/issues/new"
`,
      'etc/debian_version': '10.8\n',
    },
    expected: {
      id: 'debian',
      family: 'debian',
      versionId: '10',
      codename: 'buster',
      prettyName: 'Distroless',
      source: 'etc/os-release',
    },
  },
  {
    name: 'Debian from debian_version alone',
    origin: 'anchore/syft syft/linux/test-fixtures/os/debian/from-debian_version/etc/debian_version',
    files: { 'etc/debian_version': '10.8\n' },
    expected: { id: 'debian', family: 'debian', versionId: '10', codename: 'buster', source: 'etc/debian_version' },
  },
  {
    name: 'Ubuntu 24.04',
    origin: `${DISTRO}/ubuntu24/etc/os-release`,
    files: {
      'etc/os-release': `PRETTY_NAME="Ubuntu 24.04.3 LTS"
NAME="Ubuntu"
VERSION_ID="24.04"
VERSION="24.04.3 LTS (Noble Numbat)"
VERSION_CODENAME=noble
ID=ubuntu
ID_LIKE=debian
HOME_URL="https://www.ubuntu.com/"
SUPPORT_URL="https://help.ubuntu.com/"
BUG_REPORT_URL="https://bugs.launchpad.net/ubuntu/"
PRIVACY_POLICY_URL="https://www.ubuntu.com/legal/terms-and-policies/privacy-policy"
UBUNTU_CODENAME=noble
LOGO=ubuntu-logo
`,
      // Ubuntu ships debian_version too (naming the Debian release it branched from); os-release must win.
      'etc/debian_version': 'trixie/sid\n',
    },
    expected: { id: 'ubuntu', family: 'debian', versionId: '24.04', codename: 'noble', source: 'etc/os-release' },
  },
  {
    name: 'Ubuntu 18.04',
    origin: `${ANSIBLE}/ubuntu_18.04.json`,
    files: {
      'etc/os-release':
        'NAME="Ubuntu"\nVERSION="18.04.3 LTS (Bionic Beaver)"\nID=ubuntu\nID_LIKE=debian\nPRETTY_NAME="Ubuntu 18.04.3 LTS"\nVERSION_ID="18.04"\nHOME_URL="https://www.ubuntu.com/"\nSUPPORT_URL="https://help.ubuntu.com/"\nBUG_REPORT_URL="https://bugs.launchpad.net/ubuntu/"\nPRIVACY_POLICY_URL="https://www.ubuntu.com/legal/terms-and-policies/privacy-policy"\nVERSION_CODENAME=bionic\nUBUNTU_CODENAME=bionic\n',
    },
    expected: { id: 'ubuntu', family: 'debian', versionId: '18.04', codename: 'bionic', source: 'etc/os-release' },
  },
  {
    name: 'Alpine 3.15',
    origin: `${TRIVY}/release/testdata/alpine`,
    files: {
      'etc/os-release': `NAME="Alpine Linux"
ID=alpine
VERSION_ID=3.15.4
PRETTY_NAME="Alpine Linux v3.15"
HOME_URL="https://alpinelinux.org/"
BUG_REPORT_URL="https://bugs.alpinelinux.org/"`,
      'etc/alpine-release': '3.15.4\n',
    },
    expected: {
      id: 'alpine',
      family: 'alpine',
      versionId: '3.15.4',
      prettyName: 'Alpine Linux v3.15',
      source: 'etc/os-release',
    },
  },
  {
    name: 'Alpine from alpine-release alone',
    origin: `${TRIVY}/release/testdata/alpine (its version)`,
    files: { 'etc/alpine-release': '3.15.4\n' },
    expected: { id: 'alpine', family: 'alpine', versionId: '3.15.4', source: 'etc/alpine-release' },
  },
  {
    name: 'Wolfi',
    origin: `${TRIVY}/wolfi/wolfi_test.go`,
    files: {
      'etc/os-release':
        'ID=wolfi\nNAME="Wolfi"\nPRETTY_NAME="Wolfi"\nVERSION_ID="20221118"\nHOME_URL="https://wolfi.dev"',
    },
    expected: { id: 'wolfi', family: 'wolfi', versionId: '20221118', prettyName: 'Wolfi', source: 'etc/os-release' },
  },
  {
    name: 'Chainguard',
    origin:
      "a scanner's os-release test constants for Chainguard images (found by the search tool, repository unnamed)",
    files: {
      'etc/os-release':
        'NAME="Chainguard"\nID=chainguard\nVERSION_ID=20231201\nPRETTY_NAME="Chainguard"\nHOME_URL="https://chainguard.dev"',
    },
    expected: {
      id: 'chainguard',
      family: 'wolfi',
      versionId: '20231201',
      prettyName: 'Chainguard',
      source: 'etc/os-release',
    },
  },
  {
    name: 'CentOS Stream CoreOS: an ID we do not list, placed by ID_LIKE',
    origin: 'openshift/machine-config-operator pkg/daemon/osrelease/osrelease_test.go',
    files: {
      'etc/os-release': `NAME="CentOS Stream CoreOS"
ID="scos"
ID_LIKE="rhel fedora"
VERSION="412.9.202211241749-0"
VERSION_ID="4.12"
VARIANT="CoreOS"
VARIANT_ID=coreos
PLATFORM_ID="platform:el9"
PRETTY_NAME="CentOS Stream CoreOS 412.9.202211241749-0"`,
    },
    expected: { id: 'scos', family: 'redhat', versionId: '4.12', source: 'etc/os-release' },
  },
  {
    name: 'Red Hat Enterprise Linux CoreOS from redhat-release',
    origin: `${TRIVY}/redhatbase/testdata/coreos/redhat-release`,
    files: { 'etc/redhat-release': 'Red Hat Enterprise Linux CoreOS release 4.16' },
    expected: { id: 'rhcos', family: 'redhat', versionId: '4.16', source: 'etc/redhat-release' },
  },
];

describe('identifyOsFromTexts', () => {
  it.each(SAMPLES)('identifies $name', ({ files, expected }) => {
    const os = identifyOsFromTexts(new Map(Object.entries(files)));
    expect(os).toMatchObject(expected);
    // Nothing claimed beyond what the sample says: no codename or stream flag out of thin air.
    expect(os?.codename).toBe(expected.codename);
    expect(os?.stream).toBe(expected.stream);
    expect(os?.versionId).toBe(expected.versionId);
  });

  it('tells SUSE Linux Enterprise HPC apart by its ID, in the SUSE family', () => {
    // No public sle_hpc os-release was found to copy; this is a hand-written minimal one with the ID SUSE uses.
    const os = identifyOsFromTexts(new Map([['etc/os-release', 'NAME="SLE_HPC"\nID="sle_hpc"\nVERSION_ID="15.4"\n']]));
    expect(os).toMatchObject({ id: 'sle_hpc', family: 'suse', versionId: '15.4' });
  });

  it('prefers etc/os-release to usr/lib/os-release, and os-release to the older files', () => {
    const os = identifyOsFromTexts(
      new Map([
        ['usr/lib/os-release', 'ID=fedora\nVERSION_ID=41\n'],
        ['etc/os-release', 'ID=fedora\nVERSION_ID=42\n'],
        ['etc/fedora-release', 'Fedora release 40 (Forty)\n'],
      ]),
    );
    expect(os).toMatchObject({ id: 'fedora', versionId: '42', source: 'etc/os-release' });
  });

  it('falls back to the release files when os-release names no ID, and says nothing when nothing tells', () => {
    const os = identifyOsFromTexts(
      new Map([
        ['etc/os-release', 'NAME="Something"\n'],
        ['etc/rocky-release', 'Rocky Linux release 9.3 (Blue Onyx)\n'],
      ]),
    );
    expect(os).toMatchObject({ id: 'rocky', source: 'etc/rocky-release' });
    expect(
      identifyOsFromTexts(new Map([['etc/redhat-release', 'Scientific Linux release 7.9 (Nitrogen)\n']])),
    ).toBeUndefined();
    expect(identifyOsFromTexts(new Map())).toBeUndefined();
  });

  it.skipIf(!existsSync('/usr/lib/os-release'))("identifies this machine's own os-release", () => {
    // The machine's file is the real thing; what it says is checked against what it says, field by field.
    const text = readFileSync('/usr/lib/os-release', 'utf8');
    const field = (name: string) => new RegExp(`^${name}="?([^"\\n]*)"?$`, 'm').exec(text)?.[1];
    const os = identifyOsFromTexts(new Map([['usr/lib/os-release', text]]));
    expect(os?.id).toBe(field('ID'));
    expect(os?.versionId).toBe(field('VERSION_ID'));
    expect(os?.family).not.toBe('unknown');
  });
});

describe('identifyOs', () => {
  it('reads the found files it asked for, by path, and ignores others', async () => {
    const file = (path: string, text: string): FoundFile => ({
      request: path,
      path,
      entry: { type: 'file', size: text.length, mode: 0o644, layer: 0 },
      content: FileContent.inMemory(Buffer.from(text)),
    });
    const os = await identifyOs([
      file('etc/os-release', 'ID=alpine\nVERSION_ID=3.21.3\n'),
      file('etc/other-release', 'ID=fedora\n'),
    ]);
    expect(os).toMatchObject({ id: 'alpine', family: 'alpine', versionId: '3.21.3' });
    expect(osRequests.map((request) => request.path)).toContain('etc/debian_version');
  });
});
