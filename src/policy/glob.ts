/**
 * Package-name globs of packages.forbidden, packages.required and exception packages: `*` any run of characters,
 * `?` one character, everything else literal and case-sensitive (package names are). Names have no path separators,
 * so there is no `**`.
 */
export function globToRegExp(glob: string): RegExp {
  let source = '';
  for (const char of glob) {
    if (char === '*') source += '.*';
    else if (char === '?') source += '.';
    else source += char.replace(/[\\^$.|+()[\]{}]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 's');
}

export function matchesGlob(glob: string, name: string): boolean {
  return globToRegExp(glob).test(name);
}
