import { PatchlineError } from '../core/index.js';
import { type Ordering, orderingOf } from './ordering.js';

/**
 * SemVer 2.0.0 precedence (semver.org, section 11), which OSV's `SEMVER` ranges use whatever the ecosystem.
 * Build metadata (`+...`) does not take part in precedence.
 */

// The grammar of semver.org's BNF: numbers without leading zeros; pre-release identifiers alphanumeric or numeric.
const NUMBER = '(?:0|[1-9]\\d*)';
const PRERELEASE_IDENTIFIER = `(?:${NUMBER}|\\d*[A-Za-z-][0-9A-Za-z-]*)`;
const SEMVER = new RegExp(
  `^(${NUMBER})\\.(${NUMBER})\\.(${NUMBER})` +
    `(?:-(${PRERELEASE_IDENTIFIER}(?:\\.${PRERELEASE_IDENTIFIER})*))?` +
    '(?:\\+[0-9A-Za-z-]+(?:\\.[0-9A-Za-z-]+)*)?$',
);

interface SemVer {
  release: [string, string, string];
  prerelease: string[];
}

function parseSemver(text: string): SemVer {
  const match = SEMVER.exec(text);
  if (!match) throw new PatchlineError('input', text, 'not a SemVer 2.0.0 version (MAJOR.MINOR.PATCH[-PRE][+BUILD])');
  return {
    release: [match[1]!, match[2]!, match[3]!],
    prerelease: match[4] === undefined ? [] : match[4].split('.'),
  };
}

/** Numbers of any length: without leading zeros, a longer one is larger, and equal lengths compare as text. */
function compareNumbers(a: string, b: string): Ordering {
  if (a.length !== b.length) return a.length < b.length ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareIdentifiers(a: string, b: string): Ordering {
  const aNumeric = /^\d+$/.test(a);
  const bNumeric = /^\d+$/.test(b);
  if (aNumeric && bNumeric) return compareNumbers(a, b);
  // A numeric identifier sorts before an alphanumeric one; alphanumeric ones compare in ASCII order.
  if (aNumeric !== bNumeric) return aNumeric ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

export function compareSemver(a: string, b: string): Ordering {
  const x = parseSemver(a);
  const y = parseSemver(b);
  for (let i = 0; i < 3; i++) {
    const order = compareNumbers(x.release[i]!, y.release[i]!);
    if (order !== 0) return order;
  }
  // A pre-release sorts before its release; between pre-releases, identifier by identifier, fewer is lower.
  if (x.prerelease.length === 0 || y.prerelease.length === 0) {
    if (x.prerelease.length === y.prerelease.length) return 0;
    return x.prerelease.length === 0 ? 1 : -1;
  }
  for (let i = 0; i < Math.min(x.prerelease.length, y.prerelease.length); i++) {
    const order = compareIdentifiers(x.prerelease[i]!, y.prerelease[i]!);
    if (order !== 0) return order;
  }
  return orderingOf(x.prerelease.length - y.prerelease.length);
}
