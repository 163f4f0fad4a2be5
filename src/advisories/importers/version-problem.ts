import { isPatchlineError } from '../../core/index.js';
import { isValidApkVersion, parseDebVersion, parseEvr } from '../../version/index.js';
import type { VersionScheme } from '../advisory.js';

/**
 * Why `version` cannot be ordered in `scheme`, or undefined when it can. Importers check every version they keep, so a
 * version that matching could not compare is reported at import time, naming its record, instead of failing a scan.
 */
export function versionProblem(scheme: VersionScheme, version: string): string | undefined {
  if (scheme === 'apk') return isValidApkVersion(version) ? undefined : `not a valid apk version: ${version}`;
  try {
    if (scheme === 'rpm') parseEvr(version);
    else parseDebVersion(version);
    return undefined;
  } catch (error) {
    if (isPatchlineError(error)) return `not a valid ${scheme} version: ${error.message}`;
    throw error;
  }
}
