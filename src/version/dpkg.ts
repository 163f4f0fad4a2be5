import { PatchlineError } from '../core/index.js';
import { type Ordering, orderingOf } from './ordering.js';

/**
 * Debian version ordering and syntax, as dpkg 1.21 implements them (`dpkg --compare-versions`).
 *
 * `[epoch:]upstream[-revision]`: the epoch is a number; upstream and revision are compared alike, alternating a run of
 * non-digits (compared character by character: `~` before the end of the string, the end before letters, letters
 * before everything else) and a run of digits (compared as a number). A missing revision equals an empty one.
 */
export interface DebVersion {
  epoch: number;
  upstream: string;
  revision: string;
}

const INT_MAX = 2147483647n;

function isDigit(char: string | undefined): boolean {
  return char !== undefined && char >= '0' && char <= '9';
}

// dpkg uses its own ASCII-only ctype (c_isalpha), whatever the locale.
function isLetter(char: string | undefined): boolean {
  return char !== undefined && ((char >= 'a' && char <= 'z') || (char >= 'A' && char <= 'Z'));
}

/** The weight of one character in a non-digit run; `undefined` is the end of the string. */
function weight(char: string | undefined): number {
  if (char === undefined || isDigit(char)) return 0;
  if (isLetter(char)) return char.charCodeAt(0);
  if (char === '~') return -1;
  return char.charCodeAt(0) + 256;
}

/** dpkg's verrevcmp: compares two upstream versions or two revisions. */
function compareParts(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    while ((i < a.length && !isDigit(a[i])) || (j < b.length && !isDigit(b[j]))) {
      const difference = weight(a[i]) - weight(b[j]);
      if (difference !== 0) return difference;
      i++;
      j++;
    }
    while (a[i] === '0') i++;
    while (b[j] === '0') j++;
    // Without leading zeros, the longer digit run is the larger number; at equal length, the first differing digit.
    let firstDifference = 0;
    while (isDigit(a[i]) && isDigit(b[j])) {
      if (firstDifference === 0) firstDifference = a.charCodeAt(i) - b.charCodeAt(j);
      i++;
      j++;
    }
    if (isDigit(a[i])) return 1;
    if (isDigit(b[j])) return -1;
    if (firstDifference !== 0) return firstDifference;
  }
  return 0;
}

export function compareDebVersions(a: DebVersion, b: DebVersion): Ordering {
  if (a.epoch !== b.epoch) return a.epoch > b.epoch ? 1 : -1;
  return orderingOf(compareParts(a.upstream, b.upstream) || compareParts(a.revision, b.revision));
}

function invalid(text: string, problem: string): PatchlineError {
  return new PatchlineError('input', text, `not a valid Debian version: ${problem}`);
}

/**
 * The epoch as dpkg reads it with strtol: optional C whitespace and sign, then digits that must reach the colon.
 * Returns the epoch, or dpkg's words for what is wrong with it.
 */
function parseEpoch(text: string): number | string {
  const match = /^[ \t\n\v\f\r]*([+-]?)(\d+)/.exec(text);
  if (!match) return 'epoch in version is empty';
  if (match[0].length !== text.length) return 'epoch in version is not number';
  const value = BigInt(match[2]!);
  if (match[1] === '-' && value !== 0n) return 'epoch in version is negative';
  if (value > INT_MAX) return 'epoch in version is too big';
  return Number(value);
}

/**
 * Parses a Debian version, rejecting what dpkg rejects, with dpkg's own words for the problem. dpkg itself only warns
 * (and compares anyway) when upstream does not start with a digit or either part has a character outside its set;
 * those are rejected here too, since no such version can be built into a package.
 */
export function parseDebVersion(text: string): DebVersion {
  // Spaces and tabs around the version are ignored, as dpkg does; inside it they are an error.
  const trimmed = text.replace(/^[ \t]+|[ \t]+$/g, '');
  if (trimmed === '') throw invalid(text, 'version string is empty');
  if (/[ \t]/.test(trimmed)) throw invalid(text, 'version string has embedded spaces');

  let epoch = 0;
  let rest = trimmed;
  const colon = trimmed.indexOf(':');
  if (colon >= 0) {
    const parsed = parseEpoch(trimmed.slice(0, colon));
    if (typeof parsed === 'string') throw invalid(text, parsed);
    if (colon === trimmed.length - 1) throw invalid(text, 'nothing after colon in version number');
    epoch = parsed;
    rest = trimmed.slice(colon + 1);
  }

  const hyphen = rest.lastIndexOf('-');
  const upstream = hyphen < 0 ? rest : rest.slice(0, hyphen);
  const revision = hyphen < 0 ? '' : rest.slice(hyphen + 1);
  if (hyphen >= 0 && revision === '') throw invalid(text, 'revision number is empty');
  if (upstream === '') throw invalid(text, 'version number is empty');
  if (!isDigit(upstream[0])) throw invalid(text, 'version number does not start with digit');
  if (!/^[0-9A-Za-z.+~:-]*$/.test(upstream)) throw invalid(text, 'invalid character in version number');
  if (!/^[0-9A-Za-z.+~]*$/.test(revision)) throw invalid(text, 'invalid character in revision number');
  return { epoch, upstream, revision };
}
