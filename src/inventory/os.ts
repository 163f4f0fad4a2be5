/** The operating system of an image, from os-release and the older release files. */
export interface OperatingSystem {
  /** os-release ID: `fedora`, `rhel`, `centos`, `almalinux`, `rocky`, `ol`, `amzn`, `sles`, `opensuse-leap`, `debian`, `ubuntu`, `alpine`, `wolfi`. */
  id: string;
  /** The family for matching: `redhat` (rhel, centos, fedora, alma, rocky, ol, amzn), `suse`, `debian`, `alpine`, `wolfi`. */
  family: 'redhat' | 'suse' | 'debian' | 'alpine' | 'wolfi' | 'unknown';
  /** os-release VERSION_ID (`42`, `9.4`, `12`, `3.21.2`). */
  versionId?: string;
  /** VERSION_CODENAME (`bookworm`), where there is one. */
  codename?: string;
  /** CentOS Stream is told apart from CentOS Linux. */
  stream?: boolean;
  prettyName?: string;
  /** The file the identification came from, root-relative. */
  source: string;
}
