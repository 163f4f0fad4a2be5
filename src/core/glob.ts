import { PatchlineError } from './errors.js';

/**
 * The one glob dialect, read two ways. A `path` glob (files an image is asked for) is matched component by component:
 * `*` and `?` stay within one component, `**` spans any number of them (zero included, so `**\/os-release` also
 * matches `os-release`), `[...]` is a character class (`[!...]` negated). A `name` glob (package names in a policy,
 * which have no `/`) has `*` for any run of characters and `?` for one, and reads `[` literally, as policies were
 * written. Everything else is literal and case-sensitive in both.
 */
export type GlobKind = 'path' | 'name';

/** Paths in a file tree are relative to its root: no leading slash, no `.`, no trailing slash. */
export function normalizeRequestPath(path: string): string {
  return path
    .split('/')
    .filter((part) => part !== '' && part !== '.')
    .join('/');
}

/** Whether a path is a glob rather than a literal path. */
export function isGlob(pattern: string): boolean {
  return /[*?[]/.test(pattern);
}

/** The regular expression a glob matches with (a path glob is normalised first, as the paths it is tested on are). */
export function compileGlob(glob: string, kind: GlobKind = 'path'): RegExp {
  const paths = kind === 'path';
  const pattern = paths ? normalizeRequestPath(glob) : glob;
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i]!;
    if (char === '*' && paths && pattern[i + 1] === '*') {
      const slashAfter = pattern[i + 2] === '/';
      source += slashAfter ? '(?:.*/)?' : '.*';
      i += slashAfter ? 2 : 1;
    } else if (char === '*') {
      source += paths ? '[^/]*' : '.*';
    } else if (char === '?') {
      source += paths ? '[^/]' : '.';
    } else if (char === '[' && paths) {
      const close = pattern.indexOf(']', i + 2);
      if (close === -1) throw new PatchlineError('usage', glob, 'has a "[" without its closing "]"');
      let body = pattern.slice(i + 1, close).replace(/\\/g, '\\\\');
      if (body.startsWith('!')) body = `^${body.slice(1)}`;
      source += `[${body}]`;
      i = close;
    } else {
      source += char.replace(/[\\^$.|+()[\]{}]/g, '\\$&');
    }
  }
  // A name may hold any character, a line break included; `.` must match it as `*` promises.
  return new RegExp(`^${source}$`, paths ? '' : 's');
}

/** The literal folder a glob starts in (`var/lib/dpkg/status.d/*` → `var/lib/dpkg/status.d`), to avoid walking more. */
export function globBase(pattern: string): string {
  const parts = normalizeRequestPath(pattern).split('/');
  const firstWild = parts.findIndex((part) => isGlob(part));
  return parts.slice(0, firstWild === -1 ? parts.length : firstWild).join('/');
}
