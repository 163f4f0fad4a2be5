import { PatchlineError } from '../core/index.js';

/** Paths in a file tree are relative to its root: no leading slash, no `.`, no trailing slash. */
export function normalizeRequestPath(path: string): string {
  return path
    .split('/')
    .filter((part) => part !== '' && part !== '.')
    .join('/');
}

export function isGlob(pattern: string): boolean {
  return /[*?[]/.test(pattern);
}

/**
 * Compiles a path glob: `*` and `?` stay within one path component, `**` spans any number of components (zero
 * included, so `**\/os-release` also matches `os-release`), `[...]` is a character class.
 */
export function compileGlob(pattern: string): RegExp {
  const normalized = normalizeRequestPath(pattern);
  let source = '';
  for (let i = 0; i < normalized.length; i++) {
    const char = normalized[i]!;
    if (char === '*') {
      if (normalized[i + 1] === '*') {
        const slashAfter = normalized[i + 2] === '/';
        source += slashAfter ? '(?:.*/)?' : '.*';
        i += slashAfter ? 2 : 1;
      } else {
        source += '[^/]*';
      }
    } else if (char === '?') {
      source += '[^/]';
    } else if (char === '[') {
      const close = normalized.indexOf(']', i + 2);
      if (close === -1) throw new PatchlineError('usage', pattern, 'has a "[" without its closing "]"');
      let body = normalized.slice(i + 1, close).replace(/\\/g, '\\\\');
      if (body.startsWith('!')) body = `^${body.slice(1)}`;
      source += `[${body}]`;
      i = close;
    } else {
      source += char.replace(/[.+^${}()|\\]/g, '\\$&');
    }
  }
  return new RegExp(`^${source}$`);
}

/** The literal folder a glob starts in (`var/lib/dpkg/status.d/*` → `var/lib/dpkg/status.d`), to avoid walking more. */
export function globBase(pattern: string): string {
  const parts = normalizeRequestPath(pattern).split('/');
  const firstWild = parts.findIndex((part) => isGlob(part));
  return parts.slice(0, firstWild === -1 ? parts.length : firstWild).join('/');
}
