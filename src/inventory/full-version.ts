import type { Package } from './package.js';

/** The version as the package manager prints it: `[epoch:]version[-release]` (rpm -q's EVR, dpkg's Version, apk's). */
export function fullVersion(pkg: Package): string {
  const epoch = pkg.epoch !== undefined ? `${pkg.epoch}:` : '';
  return pkg.release ? `${epoch}${pkg.version}-${pkg.release}` : `${epoch}${pkg.version}`;
}
