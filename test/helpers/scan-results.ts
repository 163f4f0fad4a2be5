import type { Finding, ScanResult } from '../../src/scan/finding.js';

/**
 * A hand-built scan result for the report writers' unit tests: an AlmaLinux 9 image with each finding status, one
 * VEX-suppressed finding, and published and first-seen fix dates. Ids and versions follow the publishers' own forms.
 */
export function sampleScanResult(): ScanResult {
  const findings: Finding[] = [
    finding({
      id: 'ALSA-2024:2447',
      aliases: ['CVE-2023-5678', 'CVE-2024-0727'],
      cves: ['CVE-2023-5678', 'CVE-2024-0727'],
      name: 'openssl-libs',
      version: '3.0.7',
      release: '24.el9',
      epoch: 1,
      status: 'fix-available',
      fixedVersion: '1:3.0.7-27.el9',
      fixAvailableSince: '2024-04-30T00:00:00Z',
      severity: 'Moderate',
      summary: 'Moderate: openssl security and bug fix update',
    }),
    finding({
      id: 'ALSA-2023:5763',
      aliases: ['CVE-2023-38545', 'CVE-2023-38546'],
      cves: ['CVE-2023-38545', 'CVE-2023-38546'],
      name: 'curl',
      version: '7.76.1',
      release: '23.el9_2.2',
      status: 'fix-available',
      fixedVersion: '7.76.1-23.el9_2.4',
      fixAvailableSince: '2023-10-18T00:00:00Z',
      severity: 'Important',
      summary: 'Important: curl security update',
    }),
    finding({
      id: 'CVE-2024-2398',
      aliases: [],
      cves: ['CVE-2024-2398'],
      name: 'libcurl',
      version: '7.76.1',
      release: '23.el9_2.2',
      status: 'no-fix-yet',
    }),
    finding({
      id: 'CVE-2022-3219',
      aliases: [],
      cves: ['CVE-2022-3219'],
      name: 'gnupg2',
      version: '2.3.3',
      release: '4.el9',
      status: 'will-not-fix',
    }),
    finding({
      id: 'ALSA-2024:3000',
      aliases: ['CVE-2024-1111'],
      cves: ['CVE-2024-1111'],
      name: 'bash',
      version: '5.1.8',
      release: '6.el9',
      status: 'fix-available',
      fixedVersion: '5.1.8-9.el9',
      fixAvailableSince: '2024-06-01T00:00:00Z',
      fixDateOrigin: 'first-seen',
    }),
  ];
  const suppressed = finding({
    id: 'ALSA-2024:1000',
    aliases: ['CVE-2024-2222'],
    cves: ['CVE-2024-2222'],
    name: 'vim-minimal',
    version: '8.2.2637',
    release: '20.el9_1',
    epoch: 2,
    status: 'fix-available',
    fixedVersion: '2:8.2.2637-21.el9',
    fixAvailableSince: '2024-02-01T00:00:00Z',
  });
  return {
    target: {
      name: 'docker://registry.example.com/os/base:9',
      digest: 'sha256:2f1c9e0b8a7d6c5b4a392817f6e5d4c3b2a1908f7e6d5c4b3a29180f7e6d5c4b',
      platform: 'linux/amd64',
      labels: { 'containers.bootc': '1' },
      layers: [],
    },
    os: { id: 'almalinux', family: 'redhat', versionId: '9.4', prettyName: 'AlmaLinux 9.4', source: 'etc/os-release' },
    ecosystems: [{ ecosystem: 'AlmaLinux:9', source: 'osv' }],
    findings,
    suppressed: [
      {
        finding: suppressed,
        statement: {
          source: 'vex/base.openvex.json',
          status: 'not_affected',
          justification: 'vulnerable_code_not_in_execute_path',
        },
      },
    ],
    database: {
      path: '/var/cache/patchline/advisories.db',
      snapshotId: 'snap-1',
      builtAt: '2024-07-01T00:00:00Z',
      ageSeconds: 3600,
    },
    packages: 212,
    scannedAt: '2024-07-01T12:00:00Z',
  };
}

interface FindingInput {
  id: string;
  aliases: string[];
  cves: string[];
  name: string;
  version: string;
  release: string;
  epoch?: number;
  status: Finding['status'];
  fixedVersion?: string;
  fixAvailableSince?: string;
  fixDateOrigin?: Finding['fixDateOrigin'];
  severity?: string;
  summary?: string;
}

/** One rpm finding; the purl is written as the rpm cataloger writes it. */
export function finding(input: FindingInput): Finding {
  const epoch = input.epoch ? `${input.epoch}:` : '';
  const qualifiers = `arch=x86_64${input.epoch ? `&epoch=${input.epoch}` : ''}&distro=almalinux-9.4`;
  const result: Finding = {
    id: input.id,
    aliases: input.aliases,
    cves: input.cves,
    package: {
      type: 'rpm',
      name: input.name,
      version: input.version,
      release: input.release,
      arch: 'x86_64',
      sourceName: input.name.replace(/-(libs|minimal)$/, ''),
      purl: `pkg:rpm/almalinux/${input.name}@${input.version}-${input.release}?${qualifiers}`,
      installed: `${epoch}${input.version}-${input.release}`,
    },
    scheme: 'rpm',
    status: input.status,
    source: { format: 'osv', ecosystem: 'AlmaLinux:9' },
    references: [`https://errata.almalinux.org/9/${input.id.replace(':', '-')}.html`],
  };
  if (input.epoch !== undefined) result.package.epoch = input.epoch;
  if (input.fixedVersion) result.fixedVersion = input.fixedVersion;
  if (input.fixAvailableSince) {
    result.fixAvailableSince = input.fixAvailableSince;
    result.fixDateOrigin = input.fixDateOrigin ?? 'published';
  }
  if (input.severity) result.severity = input.severity;
  if (input.summary) result.summary = input.summary;
  return result;
}
