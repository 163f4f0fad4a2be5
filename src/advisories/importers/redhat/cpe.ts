/**
 * Which ecosystem a Red Hat product's CPE belongs to. Red Hat's guidance for scanner vendors
 * (security-data-guidelines, scanning-vendors.md, "CPE Matching Logic") matches a product on the CPE's first five
 * segments without the channel (`cpe:/o:redhat:enterprise_linux:9`), and tells a scanner whose image uses xUS
 * repositories to check the main stream's CPE as well. Unfixed statements name the major only
 * (`cpe:/o:redhat:enterprise_linux:8`); fixed ones name the stream (`cpe:/a:redhat:rhel_eus:9.2::appstream`).
 *
 * So every stream of RHEL N (main, EUS, AUS, E4S, TUS, ELS, every channel) is `Red Hat:N`, with the CPE kept as the
 * stream: an image's os-release says the major, and only its repositories (content sets) could say main versus xUS,
 * which matching can read from `stream`.
 *
 * Layered products ship on RHEL but from their own repositories (Satellite client, JBoss Core Services, OpenShift:
 * `cpe:/a:redhat:openshift:4.16::el9`). os-release never identifies them, and their package names are not reserved
 * (puppet-agent also comes from Puppet's own repositories), so they must not match an image as RHEL content: they
 * are kept apart as `Red Hat layered:N`, N from the CPE's `elN`, for a matcher that knows the image carries the
 * product. A layered CPE without `elN` (`cpe:/a:redhat:openshift:4`) cannot be tied to a RHEL major and is not read.
 */

/** The CPE products that are RHEL itself: the main stream and its extended-support streams. */
const RHEL_PRODUCTS = new Set([
  'enterprise_linux',
  'rhel_eus',
  'rhel_aus',
  'rhel_e4s',
  'rhel_tus',
  'rhel_els',
  'rhel_eus_long_life',
]);

export interface RedHatCpe {
  part: string;
  product: string;
  version: string;
  /** CPE 2.2 `update` and `edition`: Red Hat writes the channel (`appstream`, `baseos`) or `elN` in the edition. */
  update: string;
  edition: string;
}

/** A CPE 2.2 URI of vendor `redhat` (`cpe:/a:redhat:enterprise_linux:9::appstream`); undefined for anything else. */
export function parseRedHatCpe(cpe: string): RedHatCpe | undefined {
  const match = /^cpe:\/([aho]):redhat:([^:]+)(?::([^:]*))?(?::([^:]*))?(?::([^:]*))?(?::[^:]*)?$/.exec(cpe);
  if (!match) return undefined;
  const [, part = '', product = '', version = '', update = '', edition = ''] = match;
  return { part, product, version, update, edition };
}

/** `Red Hat:9`, `Red Hat layered:8`, or undefined when the CPE names no RHEL major. */
export function redHatEcosystem(cpe: string): string | undefined {
  const parsed = parseRedHatCpe(cpe);
  if (parsed === undefined) return undefined;
  if (RHEL_PRODUCTS.has(parsed.product)) {
    const major = /^(\d+)(?:\.\d+)*$/.exec(parsed.version)?.[1];
    return major === undefined ? undefined : `Red Hat:${major}`;
  }
  const el = /^el(\d+)$/.exec(parsed.edition)?.[1] ?? /^el(\d+)$/.exec(parsed.update)?.[1];
  return el === undefined ? undefined : `Red Hat layered:${el}`;
}
