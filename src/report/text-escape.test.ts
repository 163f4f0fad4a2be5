import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { terminalSafe } from '../core/index.js';
import { escapeHtml, escapeMarkdown } from './markdown-escape.js';
import { escapeXmlAttribute, escapeXmlText } from './xml-escape.js';

/*
 * The escapes the gate's writers put advisory and package text through. The XML ones are checked by python3's own XML
 * parser reading the text back (the oracle); the markdown ones by what must not survive in a GitHub comment.
 */

const HOSTILE = [
  'plain',
  '</failure><injected attr="1">&amp;</injected>',
  'quote\'s "double" <tag> & ampersand',
  'tab\there\nnew line\r\ncarriage',
  'bell\u0007 escape\u001b[31m nul\u0000 del\u007f',
  'lone surrogate \uD800 and \uDFFF, pair \uD83D\uDE00, non-characters \uFFFE\uFFFF',
  ']]> <![CDATA[ x ]]>',
];

function pythonReads(xml: string): { text: string; attr: string } {
  const script =
    'import json, sys, xml.etree.ElementTree as ET\nroot = ET.fromstring(sys.stdin.buffer.read())\nprint(json.dumps({"text": root.text or "", "attr": root.get("a")}))';
  return JSON.parse(
    execFileSync('/usr/bin/python3', ['-c', script], { input: Buffer.from(xml, 'utf8') }).toString('utf8'),
  );
}

// What XML 1.0 can carry: everything but the forbidden characters, which we turn into U+FFFD.
function carried(text: string): string {
  let out = '';
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    const ok =
      code === 9 ||
      code === 10 ||
      code === 13 ||
      (code >= 0x20 && code <= 0xd7ff) ||
      (code >= 0xe000 && code <= 0xfffd) ||
      code >= 0x10000;
    out += ok ? char : '\uFFFD';
  }
  return out;
}

describe('XML escapes', () => {
  it.each(HOSTILE)('a parser reads back exactly what was written: %j', (text) => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?><r a="${escapeXmlAttribute(text)}">${escapeXmlText(text)}</r>`;
    const read = pythonReads(xml);
    expect(read.attr).toBe(carried(text));
    // Character data normalises CR LF and lone CR to LF (XML 1.0 section 2.11) unless the CR is escaped, which it is.
    expect(read.text).toBe(carried(text));
  });
});

describe('markdown escapes', () => {
  const hostile =
    '</details><img src=x onerror=alert(1)> | @team #12 [link](https://evil.example) ![i](x) **b** _i_ `c` ~~s~~ $m$ \\';

  it('leaves no tag, mention, reference, link, emphasis, code, math or cell break that could act', () => {
    const out = escapeMarkdown(hostile);
    expect(out).not.toMatch(/<|>|@team|#12|(?<!\\)[[\]|`*_~$]/);
    expect(out).toContain('&lt;/details&gt;&lt;img src=x onerror=alert(1)&gt;');
    expect(out).toContain('\\[link\\](https://evil.example)');
    expect(out.endsWith('\\\\')).toBe(true);
  });

  it('keeps one value on one line and drops control characters', () => {
    expect(escapeMarkdown('a\nb\r\nc\u2028d\u0007')).toBe('a b c d');
    expect(escapeHtml('<b>\n@x')).toBe('&lt;b&gt; &#64;x');
  });
});

describe('terminalSafe', () => {
  it('shows control characters instead of sending them to the terminal', () => {
    expect(terminalSafe('red\u001b[31m bell\u0007 \u009b c1')).toBe('red\\x1b[31m bell\\x07 \\x9b c1');
    expect(terminalSafe('two\nlines')).toBe('two lines');
  });
});
