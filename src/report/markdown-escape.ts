/**
 * Text from advisories and package databases (summaries, names, versions) is written into pull-request comments, where
 * markdown and HTML would run: a hostile summary could add links, images, raw HTML, close a <details>, break a table
 * or @-mention people. Everything that could be markup becomes an HTML entity or a backslash escape, and line breaks
 * become spaces so that one value stays in one table cell.
 */
const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  // Mentions (@user, which notify people) and issue references (#1) are GitHub's, not markdown's: no backslash escape
  // stops them, an entity does.
  '@': '&#64;',
  '#': '&#35;',
};

/** For text inside an HTML element (a <summary>), where markdown does not run but HTML and GitHub's references do. */
export function escapeHtml(text: string): string {
  return text
    .replace(/[\r\n\u2028\u2029]+/g, ' ')
    .replace(/\p{Cc}/gu, '')
    .replace(/[&<>"'@#]/g, (char) => ENTITIES[char] ?? char);
}

/**
 * For markdown text and table cells (never the start of a line, so `-`, `+`, `1.` and `=` cannot open a block): what
 * escapeHtml does, and the inline markup escaped: emphasis, code, links and images, strikethrough, GitHub's math, and
 * the pipe that would end a table cell.
 */
export function escapeMarkdown(text: string): string {
  return escapeHtml(text).replace(/[\\`*_[\]|~$]/g, (char) => `\\${char}`);
}
