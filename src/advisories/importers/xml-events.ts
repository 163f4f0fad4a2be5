import { PatchlineError } from '../../core/index.js';

/**
 * A small, strict XML reader for the repository metadata Patchline reads (repomd.xml, updateinfo.xml): elements,
 * attributes, text, CDATA, comments and processing instructions, as a flat list of events. No document type is
 * honoured: a DOCTYPE (where entities, so entity-expansion bombs, are declared) is refused, and the only entities
 * understood are XML's five and character references. Mismatched or unclosed tags, as a truncated file has, fail.
 */
export type XmlEvent =
  | { type: 'open'; name: string; attributes: Record<string, string> }
  | { type: 'close'; name: string }
  | { type: 'text'; text: string };

const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
const NAME = /^[A-Za-z_][\w.:-]*/;
const ATTRIBUTE = /^\s+([A-Za-z_][\w.:-]*)\s*=\s*(?:"([^"<]*)"|'([^'<]*)')/;

/** The local part of a qualified name: `rpm:license` → `license`; repository metadata is read by local names. */
function localName(name: string): string {
  return name.slice(name.indexOf(':') + 1);
}

function decode(text: string, input: string, offset: number): string {
  return text.replace(/&([^;&\s]{0,10});?/g, (whole, entity: string) => {
    if (!whole.endsWith(';')) throw fail(input, offset, `a bare "&" (expected an entity such as &amp;)`);
    if (entity in PREDEFINED) return PREDEFINED[entity]!;
    const code = /^#x([0-9a-fA-F]{1,6})$/.exec(entity)?.[1] ?? /^#(\d{1,7})$/.exec(entity)?.[1];
    if (code !== undefined) {
      const point = Number.parseInt(code, entity.startsWith('#x') ? 16 : 10);
      if (point > 0 && point <= 0x10ffff) return String.fromCodePoint(point);
    }
    throw fail(input, offset, `the entity &${entity}; is not defined (entities other than XML's own are not honoured)`);
  });
}

function fail(input: string, offset: number, problem: string): PatchlineError {
  return new PatchlineError('input', input, `is not well-formed XML at character ${offset}: ${problem}`);
}

/** Every event of the document, in order; throws a PatchlineError naming `input` at the first fault. */
export function* xmlEvents(text: string, input: string): Generator<XmlEvent> {
  const open: string[] = [];
  let at = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let sawRoot = false;
  while (at < text.length) {
    const lt = text.indexOf('<', at);
    const end = lt === -1 ? text.length : lt;
    if (end > at) {
      const raw = text.slice(at, end);
      if (open.length > 0) yield { type: 'text', text: decode(raw, input, at) };
      else if (raw.trim() !== '') throw fail(input, at, 'text outside the root element');
    }
    if (lt === -1) break;
    at = lt;
    if (text.startsWith('<?', at)) {
      at = skipPast(text, '?>', at, input, 'a processing instruction');
    } else if (text.startsWith('<!--', at)) {
      at = skipPast(text, '-->', at, input, 'a comment');
    } else if (text.startsWith('<![CDATA[', at)) {
      if (open.length === 0) throw fail(input, at, 'CDATA outside the root element');
      const close = text.indexOf(']]>', at);
      if (close === -1) throw fail(input, at, 'the file ends inside a CDATA section (truncated?)');
      yield { type: 'text', text: text.slice(at + 9, close) };
      at = close + 3;
    } else if (text.startsWith('<!', at)) {
      const what = text.startsWith('<!DOCTYPE', at) ? 'a DOCTYPE declaration' : 'a markup declaration';
      throw fail(input, at, `${what}; document types and their entities are not honoured, so the file is refused`);
    } else if (text.startsWith('</', at)) {
      const name = NAME.exec(text.slice(at + 2, at + 202))?.[0];
      const close = text.indexOf('>', at);
      if (name === undefined || close === -1 || text.slice(at + 2 + name.length, close).trim() !== '') {
        throw fail(input, at, 'a malformed end tag');
      }
      const expected = open.pop();
      if (expected !== name) {
        throw fail(input, at, expected ? `</${name}> closes <${expected}>` : `</${name}> closes nothing`);
      }
      yield { type: 'close', name: localName(name) };
      at = close + 1;
    } else {
      if (sawRoot && open.length === 0) throw fail(input, at, 'a second root element');
      const name = NAME.exec(text.slice(at + 1, at + 201))?.[0];
      if (name === undefined) throw fail(input, at, 'a "<" that starts no tag');
      let cursor = at + 1 + name.length;
      const attributes: Record<string, string> = {};
      for (;;) {
        const match = ATTRIBUTE.exec(text.slice(cursor, cursor + 64 * 1024));
        if (match === null) break;
        const key = localName(match[1]!);
        if (match[1]!.startsWith('xmlns')) {
          cursor += match[0].length;
          continue;
        }
        if (Object.hasOwn(attributes, key)) throw fail(input, cursor, `the attribute ${key} is given twice`);
        attributes[key] = decode(match[2] ?? match[3] ?? '', input, cursor);
        cursor += match[0].length;
      }
      const rest = /^\s*(\/?)>/.exec(text.slice(cursor, cursor + 256));
      if (rest === null) {
        throw fail(
          input,
          cursor,
          text.indexOf('>', cursor) === -1 ? 'the file ends inside a tag (truncated?)' : 'a malformed tag',
        );
      }
      sawRoot = true;
      yield { type: 'open', name: localName(name), attributes };
      if (rest[1] === '/') yield { type: 'close', name: localName(name) };
      else open.push(name);
      at = cursor + rest[0].length;
    }
  }
  if (open.length > 0) throw fail(input, text.length, `the file ends inside <${open.at(-1)}> (truncated?)`);
  if (!sawRoot) throw fail(input, 0, 'no root element');
}

function skipPast(text: string, terminator: string, at: number, input: string, what: string): number {
  const end = text.indexOf(terminator, at);
  if (end === -1) throw fail(input, at, `the file ends inside ${what} (truncated?)`);
  return end + terminator.length;
}
