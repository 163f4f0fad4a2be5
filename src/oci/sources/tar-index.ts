import { open } from 'node:fs/promises';
import { PatchlineError } from '../../core/index.js';

export interface TarMember {
  offset: number;
  size: number;
}
export type TarIndex = Map<string, TarMember>;

const BLOCK = 512;
const MAX_MEMBERS = 100_000;

/** Strips `./` and leading slashes so that `./index.json` and `index.json` name the same member. */
export function normalizeMemberName(name: string): string {
  return name.replace(/^(\.\/|\/)+/, '').replace(/\/+$/, '');
}

function parseOctal(field: Buffer, what: string): number {
  // GNU base-256 encoding for sizes over 8 GiB: the high bit of the first byte is set.
  if ((field[0] ?? 0) & 0x80) {
    let value = 0;
    for (let i = 1; i < field.length; i++) value = value * 256 + (field[i] ?? 0);
    return value;
  }
  const text = field.toString('latin1').replace(/\0.*$/s, '').trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text))
    throw new PatchlineError('input', what, `has a corrupt tar header (size field "${text}")`);
  return Number.parseInt(text, 8);
}

function checksumOk(header: Buffer): boolean {
  const stored = Number.parseInt(header.subarray(148, 156).toString('latin1').replace(/\0.*$/s, '').trim(), 8);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : (header[i] ?? 0);
  return stored === sum;
}

function cString(buffer: Buffer): string {
  const end = buffer.indexOf(0);
  return buffer.subarray(0, end === -1 ? buffer.length : end).toString('utf8');
}

function paxPath(records: Buffer): string | undefined {
  let path: string | undefined;
  let at = 0;
  while (at < records.length) {
    const space = records.indexOf(0x20, at);
    if (space === -1) break;
    const length = Number.parseInt(records.subarray(at, space).toString('latin1'), 10);
    if (!Number.isInteger(length) || length <= 0) break;
    const record = records.subarray(space + 1, at + length - 1).toString('utf8');
    const equals = record.indexOf('=');
    if (record.slice(0, equals) === 'path') path = record.slice(equals + 1);
    at += length;
  }
  return path;
}

/**
 * Indexes the regular-file members of an uncompressed tar archive by reading only its headers, so that an
 * `oci-archive:` or `docker-archive:` file is read like a folder without extracting it.
 */
export async function indexTar(archive: string): Promise<TarIndex> {
  const handle = await open(archive, 'r').catch((error: NodeJS.ErrnoException) => {
    throw new PatchlineError('not-found', archive, `cannot be opened (${error.code ?? error.message})`);
  });
  try {
    const fileSize = (await handle.stat()).size;
    const index: TarIndex = new Map();
    const header = Buffer.alloc(BLOCK);
    let position = 0;
    let longName: string | undefined;
    while (position + BLOCK <= fileSize) {
      await handle.read(header, 0, BLOCK, position);
      if (header.every((byte) => byte === 0)) break;
      if (!checksumOk(header)) {
        throw new PatchlineError(
          'input',
          archive,
          `is not a tar archive, or is corrupt at byte ${position} (bad header checksum)`,
        );
      }
      const size = parseOctal(header.subarray(124, 136), archive);
      const type = String.fromCharCode(header[156] ?? 0);
      const dataOffset = position + BLOCK;
      if (dataOffset + size > fileSize) {
        throw new PatchlineError('input', archive, `is truncated: member at byte ${position} needs ${size} bytes`);
      }
      if (type === 'L' || type === 'x') {
        if (size > 1024 * 1024)
          throw new PatchlineError('input', archive, `has an oversized name record at byte ${position}`);
        const data = Buffer.alloc(size);
        await handle.read(data, 0, size, dataOffset);
        longName = type === 'L' ? cString(data) : paxPath(data);
      } else {
        const prefix = header.subarray(257, 263).toString('latin1').startsWith('ustar')
          ? cString(header.subarray(345, 500))
          : '';
        const plain = cString(header.subarray(0, 100));
        const name = longName ?? (prefix ? `${prefix}/${plain}` : plain);
        longName = undefined;
        if (type === '0' || type === '\0' || type === '7') {
          index.set(normalizeMemberName(name), { offset: dataOffset, size });
          if (index.size > MAX_MEMBERS)
            throw new PatchlineError('limit', archive, `has more than ${MAX_MEMBERS} members`);
        }
      }
      position = dataOffset + Math.ceil(size / BLOCK) * BLOCK;
    }
    return index;
  } finally {
    await handle.close();
  }
}
