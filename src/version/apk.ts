import { PatchlineError } from '../core/index.js';
import type { Ordering } from './ordering.js';

/**
 * Alpine's version ordering, as apk-tools 3 implements it:
 * `digits{.digits}[letter]{_suffix[digits]}[~commit-hash][-r<digits>]`.
 *
 * A version is read as a sequence of tokens, each allowed only after certain others. Two versions are compared token by
 * token; where one runs out or has a different kind of token, the other is newer, except that the pre-release suffixes
 * (`_alpha`, `_beta`, `_pre`, `_rc`) make it older. apk also compares strings that break the grammar, up to the first
 * token that breaks it: its own test vectors order the invalid `1.0bc` after `1.0`.
 */

// Token kinds, in the order apk gives them: a later kind may not precede an earlier one, and at the point where two
// versions differ in kind, the one with the earlier kind is the newer (it has more version left).
const INITIAL_DIGITS = 0;
const DIGITS = 1;
const LETTER = 2;
const SUFFIX = 3;
const SUFFIX_DIGITS = 4;
const COMMIT_HASH = 5;
const REVISION = 6;
const END = 7;
const INVALID = 8;

// Suffix ranks: below NO_SUFFIX are pre-releases, above it post-releases.
const SUFFIXES: ReadonlyMap<string, number> = new Map([
  ['alpha', 1],
  ['beta', 2],
  ['pre', 3],
  ['rc', 4],
  ['cvs', 6],
  ['svn', 7],
  ['git', 8],
  ['hg', 9],
  ['p', 10],
]);
const NO_SUFFIX = 5;

/** A reader over a version string: `kind` and `text` describe the current token. */
interface Tokens {
  readonly version: string;
  position: number;
  kind: number;
  text: string;
  suffix: number;
}

function isDigit(char: string | undefined): boolean {
  return char !== undefined && char >= '0' && char <= '9';
}

function isLowercase(char: string | undefined): boolean {
  return char !== undefined && char >= 'a' && char <= 'z';
}

function isHexDigit(char: string | undefined): boolean {
  return isDigit(char) || (char !== undefined && char >= 'a' && char <= 'f');
}

/** Takes the longest run of characters that pass `test` as the current token's text. */
function takeRun(tokens: Tokens, test: (char: string | undefined) => boolean): string {
  const start = tokens.position;
  while (test(tokens.version[tokens.position])) tokens.position++;
  tokens.text = tokens.version.slice(start, tokens.position);
  return tokens.text;
}

function takeDigits(tokens: Tokens): void {
  if (takeRun(tokens, isDigit) === '') tokens.kind = INVALID;
}

function firstToken(version: string): Tokens {
  const tokens: Tokens = { version, position: 0, kind: INITIAL_DIGITS, text: '', suffix: NO_SUFFIX };
  takeDigits(tokens);
  return tokens;
}

/**
 * Advances to the next token, or to END, or to INVALID where the grammar breaks: each kind of token may only follow
 * certain others (a letter only the numbers, a suffix nothing after the suffixes, and so on).
 */
function nextToken(tokens: Tokens): void {
  const char = tokens.version[tokens.position];
  const previous = tokens.kind;
  if (char === undefined) {
    tokens.kind = END;
  } else if (isLowercase(char) && previous <= DIGITS) {
    tokens.kind = LETTER;
    tokens.text = char;
    tokens.position++;
  } else if (char === '.' && previous <= DIGITS) {
    tokens.kind = DIGITS;
    tokens.position++;
    takeDigits(tokens);
  } else if (isDigit(char) && previous === SUFFIX) {
    tokens.kind = SUFFIX_DIGITS;
    takeDigits(tokens);
  } else if (char === '_' && previous <= SUFFIX_DIGITS) {
    tokens.position++;
    const suffix = SUFFIXES.get(takeRun(tokens, isLowercase));
    tokens.kind = suffix === undefined ? INVALID : SUFFIX;
    tokens.suffix = suffix ?? NO_SUFFIX;
  } else if (char === '~' && previous < COMMIT_HASH) {
    tokens.position++;
    tokens.kind = takeRun(tokens, isHexDigit) === '' ? INVALID : COMMIT_HASH;
  } else if (char === '-' && tokens.version[tokens.position + 1] === 'r' && previous < REVISION) {
    tokens.kind = REVISION;
    tokens.position += 2;
    takeDigits(tokens);
  } else {
    // Digits right after digits cannot happen (a run is read whole); anything else out of place is invalid.
    tokens.kind = INVALID;
  }
}

/** apk reads numbers into an unsigned 64-bit integer, which wraps around past 2^64 - 1. */
function compareNumbers(a: string, b: string): Ordering {
  // Below 2^53 a double is exact; beyond, do what apk's uint64_t does.
  const x = a.length <= 15 && b.length <= 15 ? Number(a) : BigInt.asUintN(64, BigInt(a));
  const y = a.length <= 15 && b.length <= 15 ? Number(b) : BigInt.asUintN(64, BigInt(b));
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Byte order, then length: apk's blob sort. Only ASCII reaches it, so UTF-16 order is the same. */
function compareText(a: string, b: string): Ordering {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Compares two tokens of the same kind. */
function compareToken(a: Tokens, b: Tokens): Ordering {
  switch (a.kind) {
    case DIGITS:
      // A leading zero makes the part a fraction-like string (Gentoo's rule): `1.001` < `1.01` < `1.1`.
      if (a.text.startsWith('0') || b.text.startsWith('0')) return compareText(a.text, b.text);
      return compareNumbers(a.text, b.text);
    case INITIAL_DIGITS:
    case SUFFIX_DIGITS:
    case REVISION:
      return compareNumbers(a.text, b.text);
    case LETTER:
      return compareText(a.text, b.text);
    case SUFFIX:
      return a.suffix < b.suffix ? -1 : a.suffix > b.suffix ? 1 : 0;
    default:
      return compareText(a.text, b.text);
  }
}

/** `fuzzy`: `b` matches any `a` it is a token prefix of (apk's `~` operator: `3.6.9` ~ `3.6`). */
function compareFuzzy(a: string, b: string, fuzzy: boolean): Ordering {
  const left = firstToken(a);
  const right = firstToken(b);
  while (left.kind === right.kind && left.kind < END) {
    const order = compareToken(left, right);
    if (order !== 0) return order;
    nextToken(left);
    nextToken(right);
  }
  // Both ended, or both broke the grammar at the same point.
  if (left.kind === right.kind) return 0;
  if (right.kind === END && fuzzy) return 0;
  if (left.kind === SUFFIX && left.suffix < NO_SUFFIX) return -1;
  if (right.kind === SUFFIX && right.suffix < NO_SUFFIX) return 1;
  return left.kind > right.kind ? -1 : 1;
}

/** Whether apk accepts `version` (apk_version_validate). */
export function isValidApkVersion(version: string): boolean {
  const tokens = firstToken(version);
  while (tokens.kind < END) nextToken(tokens);
  return tokens.kind === END;
}

/** Compares two apk versions as apk_version_compare does, invalid ones included (see above). */
export function compareApkVersions(a: string, b: string): Ordering {
  return compareFuzzy(a, b, false);
}

const EQUAL = 1;
const LESS = 2;
const GREATER = 4;
const FUZZY = 8;
const ANY = EQUAL | LESS | GREATER;

/**
 * Whether `a operator b` holds as apk evaluates a dependency (apk_version_match). The operator is made of `<`, `>`,
 * `=` and `~` (`~` means "equal, or b is a prefix of a", so `>~3.6` admits `3.6.9`).
 */
export function apkVersionMatches(a: string, operator: string, b: string): boolean {
  let mask = 0;
  for (const char of operator) {
    if (char === '<') mask |= LESS;
    else if (char === '>') mask |= GREATER;
    else if (char === '=') mask |= EQUAL;
    else if (char === '~') mask |= FUZZY | EQUAL;
    else throw new PatchlineError('input', operator, 'not an apk version operator: use <, <=, =, >=, >, ~, <~ or >~');
  }
  if (mask === 0) throw new PatchlineError('input', operator, 'not an apk version operator: it is empty');
  if ((mask & ANY) === ANY) return true;
  const order = compareFuzzy(a, b, (mask & FUZZY) !== 0);
  return (mask & (order < 0 ? LESS : order > 0 ? GREATER : EQUAL)) !== 0;
}
