import type { AdvisorySource } from '../advisories/index.js';
import type { OperatingSystem } from '../inventory/index.js';

/**
 * Which advisory ecosystem an image's OS is looked up in, and which publisher data that means. The keys are the
 * advisory model's (advisories/advisory.ts): OSV's ecosystem names with the release reduced to what os-release says.
 */
export interface EcosystemChoice {
  ecosystem: string;
  /** The formats expected to hold this ecosystem, most authoritative first (the first is reported when none has data). */
  sources: AdvisorySource[];
  /** Set when the data is not the OS publisher's own statement about this OS: findings carry it as their label. */
  note?: string;
}

/** The OS has no advisory ecosystem here: why, said plainly. */
export interface NoEcosystem {
  ecosystem?: undefined;
  reason: string;
}

function major(versionId: string | undefined): string | undefined {
  return /^(\d+)/.exec(versionId ?? '')?.[1];
}

function describe(os: OperatingSystem): string {
  return `${os.prettyName ?? os.id}${os.versionId && !os.prettyName ? ` ${os.versionId}` : ''}`;
}

/**
 * The ecosystem for an OS, or why there is none. CentOS Stream and Fedora have no OSV ecosystem of their own:
 * CentOS Stream N is read against RHEL N's VEX (docs/decisions: scan-centos-stream), Fedora against Bodhi's updates
 * (or a repository's updateinfo), Oracle Linux and Amazon Linux against their repositories' updateinfo.
 */
export function ecosystemFor(os: OperatingSystem | undefined): EcosystemChoice | NoEcosystem {
  if (!os)
    return { reason: 'the image has no os-release (or older release file): its OS, so its advisories, is unknown' };
  const n = major(os.versionId);
  const needVersion = (name: string): NoEcosystem => ({
    reason: `${describe(os)}: no VERSION_ID in os-release, so the ${name} release to match is unknown`,
  });
  switch (os.id) {
    case 'almalinux':
      return n ? { ecosystem: `AlmaLinux:${n}`, sources: ['osv'] } : needVersion('AlmaLinux');
    case 'rocky':
      return n ? { ecosystem: `Rocky Linux:${n}`, sources: ['osv'] } : needVersion('Rocky Linux');
    case 'rhel':
      return n ? { ecosystem: `Red Hat:${n}`, sources: ['redhat-csaf-vex', 'osv'] } : needVersion('RHEL');
    case 'centos': {
      if (!n) return needVersion('CentOS');
      // Stream is RHEL's upstream: it ships most fixes before RHEL does, and Red Hat publishes no data about Stream.
      const note = os.stream
        ? `Red Hat VEX for CentOS Stream ${n}: RHEL ${n}'s data, so a fix Stream ships ahead of RHEL counts only once RHEL ships it`
        : `Red Hat VEX for CentOS Linux ${n}`;
      return { ecosystem: `Red Hat:${n}`, sources: ['redhat-csaf-vex', 'osv'], note };
    }
    case 'fedora':
      return n
        ? {
            ecosystem: `Fedora:${n}`,
            sources: ['fedora-bodhi', 'updateinfo'],
            note: `Fedora Bodhi updates for Fedora ${n}`,
          }
        : needVersion('Fedora');
    // Oracle Linux and Amazon Linux publish their errata in their repositories' updateinfo (`db update --source
    // updateinfo:URL`); the errata name binary rpms. Amazon Linux numbers its releases 2 and 2023.
    case 'ol':
      return n ? { ecosystem: `Oracle Linux:${n}`, sources: ['updateinfo'] } : needVersion('Oracle Linux');
    case 'amzn':
      return n === '2' || n === '2023'
        ? { ecosystem: `Amazon Linux:${n}`, sources: ['updateinfo'] }
        : {
            reason: `${describe(os)}: only Amazon Linux 2 and 2023 have advisory data here (VERSION_ID "${os.versionId ?? ''}")`,
          };
    case 'debian':
      // Debian testing and sid have no VERSION_ID; their tracker data is per codename, not supported as a key here.
      return n ? { ecosystem: `Debian:${n}`, sources: ['debian-tracker', 'osv'] } : needVersion('Debian');
    case 'ubuntu': {
      const release = /^\d+\.\d+/.exec(os.versionId ?? '')?.[0];
      return release ? { ecosystem: `Ubuntu:${release}`, sources: ['osv'] } : needVersion('Ubuntu');
    }
    case 'alpine': {
      const branch = /^(\d+)\.(\d+)/.exec(os.versionId ?? '');
      if (!branch) return needVersion('Alpine');
      return { ecosystem: `Alpine:v${branch[1]}.${branch[2]}`, sources: ['alpine-secdb', 'osv'] };
    }
    // SUSE's OSV ecosystems, as the OSV importer reduces them (importers/osv-ecosystem.ts): every product of
    // SLE 15 SP5 is `SUSE:15.5`, the VERSION_ID of SLES 15 SP5; SLE Micro has its own numbering.
    case 'sles':
    case 'sled':
    case 'sles_sap':
    case 'sle_hpc': {
      const release = /^\d+(?:\.\d+)?/.exec(os.versionId ?? '')?.[0];
      return release ? { ecosystem: `SUSE:${release}`, sources: ['osv'] } : needVersion('SUSE Linux Enterprise');
    }
    case 'sle-micro':
    case 'sl-micro': {
      const release = /^\d+\.\d+/.exec(os.versionId ?? '')?.[0];
      return release ? { ecosystem: `SUSE:Micro:${release}`, sources: ['osv'] } : needVersion('SLE Micro');
    }
    case 'opensuse-leap': {
      const release = /^\d+\.\d+/.exec(os.versionId ?? '')?.[0];
      return release ? { ecosystem: `openSUSE:Leap ${release}`, sources: ['osv'] } : needVersion('openSUSE Leap');
    }
    case 'opensuse-tumbleweed':
      return { ecosystem: 'openSUSE:Tumbleweed', sources: ['osv'] };
    case 'wolfi':
      return { ecosystem: 'Wolfi', sources: ['osv'] };
    case 'chainguard':
      return { ecosystem: 'Chainguard', sources: ['osv'] };
    default:
      return { reason: `${describe(os)} (os-release ID "${os.id}"): no advisory data source for this OS` };
  }
}
