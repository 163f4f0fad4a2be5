/**
 * Debian's codenames and release numbers, from Debian's distro-info-data (debian.csv), which the OSV schema names as
 * the source of the numbers in `Debian:<RELEASE>`. sid never gets a number: it is `Debian:unstable` here, a name an
 * image's os-release can be mapped to (sid's os-release has no VERSION_ID). Testing uses its future number (forky is
 * 14), as distro-info-data does.
 */
const NUMBERS: ReadonlyMap<string, string> = new Map([
  ['buzz', '1.1'],
  ['rex', '1.2'],
  ['bo', '1.3'],
  ['hamm', '2.0'],
  ['slink', '2.1'],
  ['potato', '2.2'],
  ['woody', '3.0'],
  ['sarge', '3.1'],
  ['etch', '4'],
  ['lenny', '5'],
  ['squeeze', '6'],
  ['wheezy', '7'],
  ['jessie', '8'],
  ['stretch', '9'],
  ['buster', '10'],
  ['bullseye', '11'],
  ['bookworm', '12'],
  ['trixie', '13'],
  ['forky', '14'],
  ['duke', '15'],
  ['sid', 'unstable'],
]);

/** `12` for `bookworm`, `unstable` for `sid`; undefined for a codename Debian has not announced. */
export function debianReleaseNumber(codename: string): string | undefined {
  return NUMBERS.get(codename);
}

/** `bookworm` for `12`; undefined for a number with no codename here. */
export function debianCodename(release: string): string | undefined {
  for (const [codename, number] of NUMBERS) if (number === release) return codename;
  return undefined;
}
