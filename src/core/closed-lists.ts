/**
 * Closed lists several modules name, written once: a new member is added here and the type checker then points at
 * every switch and table that has to learn it.
 */

/** The package managers whose databases are read and whose version orderings are known: rpm, Debian (dpkg), apk. */
export const PACKAGE_KINDS = ['rpm', 'deb', 'apk'] as const;
export type PackageKind = (typeof PACKAGE_KINDS)[number];

/**
 * The publisher formats advisories are imported from, each with its own importer in advisories/importers/.
 * `updateinfo` is an rpm repository's own `repodata/*-updateinfo.xml` (Oracle Linux, Amazon Linux, a company's mirror).
 */
export const ADVISORY_SOURCES = [
  'osv',
  'redhat-csaf-vex',
  'redhat-csaf-advisory',
  'debian-tracker',
  'alpine-secdb',
  'fedora-bodhi',
  'updateinfo',
] as const;
export type AdvisorySource = (typeof ADVISORY_SOURCES)[number];
