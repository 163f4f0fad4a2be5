/**
 * Parses an os-release file (os-release(5)): `KEY=value` lines in shell syntax, `#` comment lines and blank lines.
 * Values may be unquoted, "double-quoted" (backslash escapes `"`, `\`, `$` and `` ` ``), 'single-quoted' (literal), or
 * pieces of these run together, as a shell would read them. Lines that are not an assignment are skipped: a scanner
 * should still identify an image whose os-release has one odd line. Later assignments win, as when a shell sources it.
 */
export function parseOsRelease(text: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!match) continue;
    const value = readShellWord(match[2]!);
    if (value !== undefined) values.set(match[1]!, value);
  }
  return values;
}

/** One shell word; undefined when a quote is left open (the line is then not a valid assignment). */
function readShellWord(source: string): string | undefined {
  let value = '';
  let i = 0;
  while (i < source.length) {
    const char = source[i]!;
    if (char === "'") {
      const close = source.indexOf("'", i + 1);
      if (close === -1) return undefined;
      value += source.slice(i + 1, close);
      i = close + 1;
    } else if (char === '"') {
      i++;
      let closed = false;
      while (i < source.length) {
        const inner = source[i]!;
        if (inner === '"') {
          closed = true;
          i++;
          break;
        }
        // Inside double quotes a backslash escapes only the characters the shell gives meaning to there.
        if (inner === '\\' && i + 1 < source.length && '"\\$`'.includes(source[i + 1]!)) {
          value += source[i + 1];
          i += 2;
        } else {
          value += inner;
          i++;
        }
      }
      if (!closed) return undefined;
    } else if (char === '\\' && i + 1 < source.length) {
      value += source[i + 1];
      i += 2;
    } else if (/\s/.test(char)) {
      // Unquoted whitespace ends the word; what follows (a trailing comment, say) is not part of the value.
      break;
    } else {
      value += char;
      i++;
    }
  }
  return value;
}
