export interface SourceRpm {
  name: string;
  /** `version-release` of the source package. */
  version: string;
}

const SUFFIXES = ['.src.rpm', '.nosrc.rpm'];

/**
 * Splits SOURCERPM (`util-linux-2.32.1-42.el8_8.src.rpm`) into the source package's name and version-release. Names
 * may contain dashes and versions may not (rpm forbids them in VERSION and RELEASE), so the last two dashes are the
 * separators. Returns undefined for anything that is not `name-version-release.src.rpm` (or `.nosrc.rpm`).
 */
export function parseSourceRpm(sourceRpm: string): SourceRpm | undefined {
  const suffix = SUFFIXES.find((s) => sourceRpm.endsWith(s));
  if (!suffix) return undefined;
  const nvr = sourceRpm.slice(0, -suffix.length);
  const releaseDash = nvr.lastIndexOf('-');
  const versionDash = releaseDash > 0 ? nvr.lastIndexOf('-', releaseDash - 1) : -1;
  // Each of name, version and release must be non-empty.
  if (versionDash < 1 || releaseDash === versionDash + 1 || releaseDash === nvr.length - 1) return undefined;
  return { name: nvr.slice(0, versionDash), version: nvr.slice(versionDash + 1) };
}
