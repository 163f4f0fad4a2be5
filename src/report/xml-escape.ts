/**
 * Text for XML attributes and character data. Besides the five markup characters, XML 1.0 forbids most control
 * characters, lone surrogates and U+FFFE/U+FFFF outright (a parser rejects the whole document, escaped or not): those
 * become U+FFFD so that one odd byte in a package's summary does not cost a CI dashboard its report.
 */
const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
  // Kept as characters by the parser only when escaped inside attributes (else they normalise to spaces).
  '\t': '&#9;',
  '\n': '&#10;',
  '\r': '&#13;',
};

export function escapeXmlAttribute(text: string): string {
  return xmlCharacters(text).replace(/[&<>"'\t\n\r]/g, (char) => ESCAPES[char] ?? char);
}

export function escapeXmlText(text: string): string {
  return xmlCharacters(text).replace(/[&<>\r]/g, (char) => ESCAPES[char] ?? char);
}

// XML 1.0's Char production: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF].
function xmlCharacters(text: string): string {
  let out = '';
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    const allowed =
      code === 0x9 ||
      code === 0xa ||
      code === 0xd ||
      (code >= 0x20 && code <= 0xd7ff) ||
      (code >= 0xe000 && code <= 0xfffd) ||
      code >= 0x10000;
    out += allowed ? char : '\uFFFD';
  }
  return out;
}
