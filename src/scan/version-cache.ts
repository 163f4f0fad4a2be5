import type { VersionScheme } from '../advisories/index.js';
import {
  compareDebVersions,
  compareEvr,
  compareVersions,
  type DebVersion,
  type Evr,
  parseDebVersion,
  parseEvr,
  type VersionComparator,
} from '../version/index.js';

/**
 * Comparators that parse each distinct version string once per scan: a scan compares the same installed versions
 * and the same fixed builds thousands of times. Made per scan, so nothing outlives it. A version the scheme refuses
 * throws on every use, as compareVersions does.
 */
export function cachedComparators(): (scheme: VersionScheme) => VersionComparator {
  const evrs = new Map<string, Evr>();
  const debs = new Map<string, DebVersion>();
  const evr = (text: string): Evr => {
    let parsed = evrs.get(text);
    if (parsed === undefined) {
      parsed = parseEvr(text);
      evrs.set(text, parsed);
    }
    return parsed;
  };
  const deb = (text: string): DebVersion => {
    let parsed = debs.get(text);
    if (parsed === undefined) {
      parsed = parseDebVersion(text);
      debs.set(text, parsed);
    }
    return parsed;
  };
  const comparators: Record<VersionScheme, VersionComparator> = {
    rpm: (a, b) => compareEvr(evr(a), evr(b)),
    deb: (a, b) => compareDebVersions(deb(a), deb(b)),
    apk: (a, b) => compareVersions('apk', a, b),
  };
  return (scheme) => comparators[scheme];
}
