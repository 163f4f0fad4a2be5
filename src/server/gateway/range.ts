/** An inclusive byte range of a blob, as a Range header asked for it. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * Reads a Range header for a blob of `size` bytes. Undefined means "send the whole blob": no header, or one we do not
 * serve as a range (several ranges, other units), which RFC 9110 lets a server ignore. 'unsatisfiable' is a range that
 * starts past the end, answered with 416.
 */
export function parseRange(header: string | undefined, size: number): ByteRange | 'unsatisfiable' | undefined {
  if (header === undefined) return undefined;
  const match = /^bytes=(\d{0,15})-(\d{0,15})$/.exec(header.trim());
  if (match === null) return undefined;
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return undefined;
  if (first === '') {
    // A suffix: the last N bytes.
    const length = Number(last);
    if (length === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - length), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (start >= size || (last !== '' && Number(last) < start)) return 'unsatisfiable';
  return { start, end };
}
