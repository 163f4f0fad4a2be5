/**
 * Text from advisories and package databases for a terminal: control characters (escape sequences could move the
 * cursor, rewrite earlier lines or set the window title) are shown as `\xNN`, and line breaks as spaces so that a
 * value stays in its table cell.
 */
export function terminalSafe(text: string): string {
  return text
    .replace(/[\r\n]+/g, ' ')
    .replace(/[\p{Cc}\u2028\u2029]/gu, (char) => `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
