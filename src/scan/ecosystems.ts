import type { AdvisorySource } from '../advisories/advisory.js';
import type { OperatingSystem } from '../inventory/os.js';

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
 * CentOS Stream N is read against RHEL N's VEX (docs/decisions: scan-centos-stream), Fedora against Bodhi's updates.
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
      const what = os.stream ? `CentOS Stream ${n}` : `CentOS Linux ${n}`;
      return { ecosystem: `Red Hat:${n}`, sources: ['redhat-csaf-vex', 'osv'], note: `Red Hat VEX for ${what}` };
    }
    case 'fedora':
      return n
        ? { ecosystem: `Fedora:${n}`, sources: ['fedora-bodhi'], note: `Fedora Bodhi updates for Fedora ${n}` }
        : needVersion('Fedora');
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
