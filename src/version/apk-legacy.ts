import type { Ordering } from './ordering.js';

/**
 * Alpine's version ordering as apk-tools 2 implemented it (Alpine up to 3.22). apk-tools 3 (apk.ts) tightened the
 * grammar and changed a few orders, but packages built under apk-tools 2 carry versions that only it can read, such as
 * openssh's `6.0.2p1-r1` (a letter followed by digits), and apk-tools 2 ordered those.
 *
 * The version is read token by token; each token yields a number: digits their value (read into a C `int`), a run of
 * leading zeros after a dot minus its length, a letter its character code, a suffix its rank (pre-releases negative).
 * Two versions compare token by token; where they differ in kind, the one with the earlier kind is newer unless it is
 * a pre-release suffix.
 */

// Token kinds in apk-tools 2's order; INVALID is the lowest.
const INVALID = -1;
const DIGIT_OR_ZERO = 0;
const DIGIT = 1;
const LETTER = 2;
const SUFFIX = 3;
const SUFFIX_NUMBER = 4;
const REVISION = 5;
const END = 6;

// Suffix values: pre-releases count up to -1, post-releases from 0 (there is no value for "no suffix").
const PRE_RELEASE_SUFFIXES = ['alpha', 'beta', 'pre', 'rc'];
const POST_RELEASE_SUFFIXES = ['cvs', 'svn', 'git', 'hg', 'p'];

/** A reader over a version: `kind` is the kind of the token at `position`, not yet read. */
interface Reader {
  readonly version: string;
  position: number;
  kind: number;
}

function isDigit(char: string | undefined): boolean {
  return char !== undefined && char >= '0' && char <= '9';
}

function isLowercase(char: string | undefined): boolean {
  return char !== undefined && char >= 'a' && char <= 'z';
}

/** Decides the kind of the next token, consuming the separator (`.`, `_`, `-r`) that announces it. */
function advanceKind(reader: Reader): void {
  const char = reader.version[reader.position];
  let next = INVALID;
  if (char === undefined) {
    next = END;
  } else if ((reader.kind === DIGIT || reader.kind === DIGIT_OR_ZERO) && isLowercase(char)) {
    next = LETTER;
  } else if (reader.kind === LETTER && isDigit(char)) {
    next = DIGIT;
  } else if (reader.kind === SUFFIX && isDigit(char)) {
    next = SUFFIX_NUMBER;
  } else {
    if (char === '.') next = DIGIT_OR_ZERO;
    else if (char === '_') next = SUFFIX;
    else if (char === '-' && reader.version[reader.position + 1] === 'r') {
      next = REVISION;
      reader.position++;
    }
    reader.position++;
  }
  // Kinds only move forward, except a dotted number after digits, another suffix after a suffix's number, and
  // digits after a letter.
  const allowedBack =
    (next === DIGIT_OR_ZERO && reader.kind === DIGIT) ||
    (next === SUFFIX && reader.kind === SUFFIX_NUMBER) ||
    (next === DIGIT && reader.kind === LETTER);
  reader.kind = next < reader.kind && !allowedBack ? INVALID : next;
}

function suffixValue(version: string, position: number): { value: number; length: number } | undefined {
  // apk-tools 2 matches a suffix by prefix, pre-releases first: `_pre1` is `pre` then 1, `_p1` is `p` then 1.
  const pre = PRE_RELEASE_SUFFIXES.findIndex((suffix) => version.startsWith(suffix, position));
  if (pre >= 0) return { value: pre - PRE_RELEASE_SUFFIXES.length, length: PRE_RELEASE_SUFFIXES[pre]!.length };
  const post = POST_RELEASE_SUFFIXES.findIndex((suffix) => version.startsWith(suffix, position));
  if (post >= 0) return { value: post, length: POST_RELEASE_SUFFIXES[post]!.length };
  return undefined;
}

/** Reads the current token's value and moves to the next token; -1 and INVALID for a token that cannot be read. */
function readToken(reader: Reader): number {
  const { version, position } = reader;
  if (position >= version.length) {
    reader.kind = END;
    return 0;
  }
  let value = 0;
  let length = 0;
  let nextKind: number | undefined;
  switch (reader.kind) {
    case DIGIT_OR_ZERO:
    case DIGIT:
    case SUFFIX_NUMBER:
    case REVISION:
      if (reader.kind === DIGIT_OR_ZERO && version[position] === '0') {
        // Leading zeros after a dot count as their negated number, and the digits after them as the next token.
        while (version[position + length] === '0') length++;
        value = -length;
        nextKind = DIGIT;
        break;
      }
      while (isDigit(version[position + length])) {
        // A C int, which wraps around past 2^31 - 1.
        value = (Math.imul(value, 10) + version.charCodeAt(position + length) - 48) | 0;
        length++;
      }
      break;
    case LETTER:
      value = version.charCodeAt(position);
      length = 1;
      break;
    case SUFFIX: {
      const suffix = suffixValue(version, position);
      if (suffix === undefined) {
        reader.kind = INVALID;
        return -1;
      }
      ({ value, length } = suffix);
      break;
    }
    default:
      reader.kind = INVALID;
      return -1;
  }
  reader.position += length;
  if (reader.position >= version.length) reader.kind = END;
  else if (nextKind !== undefined) reader.kind = nextKind;
  else advanceKind(reader);
  return value;
}

/** Whether apk-tools 2 accepted `version` (its `apk version -c`). */
export function isValidLegacyApkVersion(version: string): boolean {
  const reader: Reader = { version, position: 0, kind: DIGIT };
  while (reader.kind !== END && reader.kind !== INVALID) readToken(reader);
  return reader.kind === END;
}

/** Compares two versions as apk-tools 2's `apk version -t` did (it compared without validating). */
export function compareLegacyApkVersions(a: string, b: string): Ordering {
  const left: Reader = { version: a, position: 0, kind: DIGIT };
  const right: Reader = { version: b, position: 0, kind: DIGIT };
  let leftValue = 0;
  let rightValue = 0;
  while (left.kind === right.kind && left.kind !== END && left.kind !== INVALID && leftValue === rightValue) {
    leftValue = readToken(left);
    rightValue = readToken(right);
  }
  if (leftValue !== rightValue) return leftValue < rightValue ? -1 : 1;
  if (left.kind === right.kind) return 0;
  // Where one version goes on, it is newer, unless what follows is a pre-release suffix.
  if (left.kind === SUFFIX && readToken({ ...left }) < 0) return -1;
  if (right.kind === SUFFIX && readToken({ ...right }) < 0) return 1;
  return left.kind > right.kind ? -1 : 1;
}
