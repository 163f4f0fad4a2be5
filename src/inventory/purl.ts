import { PatchlineError } from '../core/index.js';

/** The parts of a Package URL (purl-spec): `pkg:type/namespace/name@version?qualifiers#subpath`. */
export interface PurlParts {
  type: string;
  namespace?: string;
  name: string;
  version?: string;
  /** Pairs with an empty or undefined value are left out, as the spec says. */
  qualifiers?: Record<string, string | undefined>;
  subpath?: string;
}

// The spec's permitted characters that are never encoded: its "Alphanumeric" and "Punctuation" characters, and the
// colon, which it leaves as is wherever it stands (so a Debian epoch reads `1:2.4.47-2`).
const PLAIN = /[A-Za-z0-9.\-_~:]/;
// In a qualifier value the slash stays too: the spec's own test data writes `repository_url=https://repo.spring.io/release`.
const PLAIN_IN_QUALIFIER_VALUE = /[A-Za-z0-9.\-_~:/]/;

// The types Patchline writes whose definitions (purl-spec `types/*-definition.json`) call the namespace or the name
// case-insensitive and to be lowercased. An rpm name is case-sensitive.
const LOWERCASE_NAMESPACE = new Set(['apk', 'deb', 'rpm']);
const LOWERCASE_NAME = new Set(['apk', 'deb']);

/** Percent-encodes every UTF-8 byte outside `plain`, with upper-case hex digits (`+` → `%2B`, space → `%20`). */
function encode(text: string, plain: RegExp): string {
  let out = '';
  for (const char of text) {
    if (plain.test(char)) {
      out += char;
      continue;
    }
    for (const byte of Buffer.from(char, 'utf8')) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Builds a canonical purl string, following the spec's "How to build a purl string from its components". */
export function buildPurl(parts: PurlParts): string {
  const type = parts.type.toLowerCase();
  // A type is ASCII letters, digits, '.', '+' and '-', and does not start with a digit.
  if (!/^[a-z.+-][a-z0-9.+-]*$/.test(type)) {
    throw new PatchlineError('input', `purl type "${parts.type}"`, 'is not a valid purl type');
  }
  let name = parts.name.replace(/^\/+|\/+$/g, '');
  if (name === '') throw new PatchlineError('input', `purl of type ${type}`, 'needs a name');
  if (LOWERCASE_NAME.has(type)) name = name.toLowerCase();

  let purl = `pkg:${type}/`;
  const segments = (parts.namespace ?? '').split('/').filter((segment) => segment !== '');
  if (segments.length > 0) {
    const namespace = LOWERCASE_NAMESPACE.has(type) ? segments.map((s) => s.toLowerCase()) : segments;
    purl += `${namespace.map((segment) => encode(segment, PLAIN)).join('/')}/`;
  }
  purl += encode(name, PLAIN);
  if (parts.version) purl += `@${encode(parts.version, PLAIN)}`;

  const qualifiers = Object.entries(parts.qualifiers ?? {})
    .filter((pair): pair is [string, string] => pair[1] !== undefined && pair[1] !== '')
    .map(([key, value]) => {
      const lower = key.toLowerCase();
      // A key is ASCII letters, digits, '.', '-' and '_', and does not start with a digit.
      if (!/^[a-z.\-_][a-z0-9.\-_]*$/.test(lower)) {
        throw new PatchlineError('input', `purl qualifier "${key}"`, 'is not a valid qualifier key');
      }
      return `${lower}=${encode(value, PLAIN_IN_QUALIFIER_VALUE)}`;
    })
    .sort();
  if (qualifiers.length > 0) purl += `?${qualifiers.join('&')}`;

  const subpath = (parts.subpath ?? '').split('/').filter((s) => s !== '' && s !== '.' && s !== '..');
  if (subpath.length > 0) purl += `#${subpath.map((segment) => encode(segment, PLAIN)).join('/')}`;
  return purl;
}

/**
 * The `distro` qualifier the inventory writes: `<os id>-<VERSION_ID>` (`debian-12`, `alpine-3.21.3`), or the release
 * name where there is no number yet (`debian-trixie` for testing); absent when the OS is not known.
 */
export function distroQualifier(
  os: { id: string; versionId?: string; codename?: string } | undefined,
): string | undefined {
  const release = os?.versionId ?? os?.codename;
  return os && release ? `${os.id}-${release}` : undefined;
}
