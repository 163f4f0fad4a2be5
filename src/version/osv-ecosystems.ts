import type { VersionScheme } from './compare.js';

/**
 * The version ordering of each OSV ecosystem whose packages Patchline inventories, from the ecosystem list of the OSV
 * schema (docs/schema.md): the rpm-based distributions use rpm's EVR ordering, Debian and Ubuntu dpkg's, and the
 * apk-based ones apk's.
 */
const SCHEMES: ReadonlyMap<string, VersionScheme> = new Map([
  ['AlmaLinux', 'rpm'],
  ['Mageia', 'rpm'],
  ['openEuler', 'rpm'],
  ['openSUSE', 'rpm'],
  ['Photon OS', 'rpm'],
  ['Red Hat', 'rpm'],
  ['Rocky Linux', 'rpm'],
  ['SUSE', 'rpm'],
  ['Debian', 'deb'],
  ['Ubuntu', 'deb'],
  ['Alpine', 'apk'],
  ['Chainguard', 'apk'],
  ['MinimOS', 'apk'],
  ['Wolfi', 'apk'],
]);

/**
 * The scheme for an OSV ecosystem string such as `AlmaLinux:9`, `Debian:12` or `Red Hat:rhel_aus:8.4::appstream`
 * (what follows the first colon scopes the release and does not change the ordering); undefined for others.
 */
export function osvEcosystemScheme(ecosystem: string): VersionScheme | undefined {
  const colon = ecosystem.indexOf(':');
  return SCHEMES.get(colon < 0 ? ecosystem : ecosystem.slice(0, colon));
}
