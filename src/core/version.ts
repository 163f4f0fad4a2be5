import { readFileSync } from 'node:fs';

/** The package version, read from package.json next to the built or source tree. */
export const VERSION: string = (() => {
  for (const candidate of ['../package.json', '../../package.json']) {
    try {
      return (JSON.parse(readFileSync(new URL(candidate, import.meta.url), 'utf8')) as { version: string }).version;
    } catch {
      // try the next location
    }
  }
  return '0.0.0';
})();

/**
 * The commit this build was made from, as the build stamped it into dist/build-info.json (scripts/build-stamp.mjs);
 * null when unknown (run from the sources, or built without git or $PATCHLINE_COMMIT).
 */
export const BUILD_COMMIT: string | null = (() => {
  try {
    const info = JSON.parse(readFileSync(new URL('../build-info.json', import.meta.url), 'utf8')) as {
      commit?: unknown;
    };
    return typeof info.commit === 'string' && info.commit !== '' ? info.commit : null;
  } catch {
    return null;
  }
})();
