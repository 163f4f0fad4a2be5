import { PatchlineError } from '../core/index.js';
import type { Ordering } from './ordering.js';

/**
 * rpm's version ordering, as rpm 4.18 implements it (rpmvercmp, EVR parsing, python3-rpm's labelCompare).
 *
 * A version string is cut into runs of ASCII digits and runs of ASCII letters; every other character only separates
 * runs, so `1.0`, `1_0` and `1+0` are equal. `~` sorts before everything, even the end of the string (`1.0~rc1` <
 * `1.0`); `^` sorts after the end of the string but before anything else (`1.0` < `1.0^git1` < `1.0.1`).
 */

/** An rpm EVR. The epoch is text as in a header or an `E:V-R` string; a number is read as its decimal text. */
export interface Evr {
  epoch?: string | number;
  version: string;
  release?: string;
}

function isDigit(char: string | undefined): boolean {
  return char !== undefined && char >= '0' && char <= '9';
}

// rpm's own ctype (risalpha) is ASCII-only whatever the locale, so non-ASCII letters separate like punctuation.
function isLetter(char: string | undefined): boolean {
  return char !== undefined && ((char >= 'a' && char <= 'z') || (char >= 'A' && char <= 'Z'));
}

function isSeparator(char: string): boolean {
  return !isDigit(char) && !isLetter(char) && char !== '~' && char !== '^';
}

function withoutLeadingZeros(digits: string): string {
  let start = 0;
  while (digits[start] === '0') start++;
  return digits.slice(start);
}

/** Compares two version (or release, or epoch) strings as rpm's rpmvercmp does. */
export function rpmvercmp(a: string, b: string): Ordering {
  if (a === b) return 0;
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    while (i < a.length && isSeparator(a[i]!)) i++;
    while (j < b.length && isSeparator(b[j]!)) j++;
    const charA = a[i];
    const charB = b[j];

    if (charA === '~' || charB === '~') {
      if (charA !== '~') return 1;
      if (charB !== '~') return -1;
      i++;
      j++;
      continue;
    }
    // A caret is like a tilde, except that the string which has ended (the base version) is the lower one.
    if (charA === '^' || charB === '^') {
      if (charA === undefined) return -1;
      if (charB === undefined) return 1;
      if (charA !== '^') return 1;
      if (charB !== '^') return -1;
      i++;
      j++;
      continue;
    }
    if (charA === undefined || charB === undefined) break;

    // The run type is set by `a`; if `b` has a run of the other type there, the numeric side is newer.
    const numeric = isDigit(charA);
    const inRun = numeric ? isDigit : isLetter;
    let endA = i;
    while (inRun(a[endA])) endA++;
    let endB = j;
    while (inRun(b[endB])) endB++;
    if (endB === j) return numeric ? 1 : -1;

    let runA = a.slice(i, endA);
    let runB = b.slice(j, endB);
    if (numeric) {
      // Compared as numbers of any length: without leading zeros, the longer run is the larger number.
      runA = withoutLeadingZeros(runA);
      runB = withoutLeadingZeros(runB);
      if (runA.length !== runB.length) return runA.length > runB.length ? 1 : -1;
    }
    if (runA !== runB) return runA < runB ? -1 : 1;
    i = endA;
    j = endB;
  }
  // Every run compared equal: whichever string still has a run left is newer; separators alone do not count.
  if (i >= a.length && j >= b.length) return 0;
  return i >= a.length ? -1 : 1;
}

/**
 * Parses `[epoch:]version[-release]` as rpm does: the epoch is the leading digits before a colon (an empty one is 0),
 * the release is what follows the last hyphen. `1.0` has no release; `1.0-` has an empty one, which is different.
 */
export function parseEvr(text: string): Evr {
  let digits = 0;
  while (isDigit(text[digits])) digits++;
  const hasEpoch = text[digits] === ':';
  const rest = hasEpoch ? text.slice(digits + 1) : text;
  const hyphen = rest.lastIndexOf('-');
  const evr: Evr = { version: hyphen < 0 ? rest : rest.slice(0, hyphen) };
  if (hasEpoch) evr.epoch = digits === 0 ? '0' : text.slice(0, digits);
  if (hyphen >= 0) evr.release = rest.slice(hyphen + 1);
  // rpm parses `1:` or `-1` into an empty version, but refuses to compare one; refusing here says so earlier.
  if (evr.version === '') throw new PatchlineError('input', text, 'not an rpm EVR: the version is empty');
  return evr;
}

function epochText(evr: Evr): string {
  return evr.epoch === undefined ? '0' : String(evr.epoch);
}

/**
 * Compares two EVRs as python3-rpm's labelCompare does. A missing epoch is 0. A missing release sorts before any
 * release, the empty one included, and two missing releases are equal. (rpm's dependency matching, rpmdsCompare,
 * differs here: it skips the release when either side lacks one, so `>= 1.0` is met by `1.0-1`.)
 */
export function compareEvr(a: Evr, b: Evr): Ordering {
  for (const evr of [a, b]) {
    if (evr.version === '') throw new PatchlineError('input', formatEvr(evr), 'not an rpm EVR: the version is empty');
  }
  const byEpoch = rpmvercmp(epochText(a), epochText(b));
  if (byEpoch !== 0) return byEpoch;
  const byVersion = rpmvercmp(a.version, b.version);
  if (byVersion !== 0) return byVersion;
  if (a.release === undefined || b.release === undefined) {
    if (a.release === b.release) return 0;
    return a.release === undefined ? -1 : 1;
  }
  return rpmvercmp(a.release, b.release);
}

/** `[epoch:]version[-release]`, the form parseEvr reads. */
export function formatEvr(evr: Evr): string {
  const epoch = evr.epoch === undefined ? '' : `${evr.epoch}:`;
  const release = evr.release === undefined ? '' : `-${evr.release}`;
  return `${epoch}${evr.version}${release}`;
}
