import { PatchlineError } from '../../core/index.js';
import type { ByteSource } from './byte-source.js';
import type { HeaderRecord, ReadProblems } from './records.js';

/*
 * A reader for rpm's own "ndb" package database, `Packages.db` (SUSE). Facts about the format come from rpm's
 * lib/backend/ndb/rpmpkg.c. Everything is little-endian and counted in 16-byte blocks:
 *
 * - a 32-byte header: magic "RpmP", version 0, generation, number of 4096-byte slot pages, next package index;
 * - the slot pages (the header takes the first two slots): 16-byte slots "Slot", package index, first block, block
 *   count; a slot whose first block is 0 is free;
 * - each package is a blob at its first block: a 16-byte head ("BlbS", package index, timestamp, length), the header
 *   blob, zero padding to a whole block, and a 12-byte tail (Adler-32 of everything before it, length, "BlbE").
 *
 * A bad slot or blob is recorded as a problem and skipped; the others are still read.
 */

const DB_MAGIC = 0x506d7052; // "RpmP"
const SLOT_MAGIC = 0x746f6c53; // "Slot"
const BLOB_HEAD_MAGIC = 0x53626c42; // "BlbS"
const BLOB_TAIL_MAGIC = 0x45626c42; // "BlbE"
const HEADER_SIZE = 32;
const SLOT_SIZE = 16;
const BLOCK_SIZE = 16;
const SLOT_PAGE_SIZE = 4096;
const BLOB_HEAD = 16;
const BLOB_TAIL = 12;
/** rpm refuses headers over 256 MiB; a larger blob is corruption. */
const MAX_BLOB = 256 * 1024 * 1024;

interface Slot {
  number: number;
  instance: number;
  firstBlock: number;
  blocks: number;
}

/** Yields each package's header blob. `input` names the file for errors; partial reads append to `problems`. */
export async function* readNdb(
  source: ByteSource,
  input: string,
  problems: ReadProblems,
): AsyncGenerator<HeaderRecord> {
  const slots = await readSlots(source, input, problems);
  // rpm lists packages in the order their blobs sit in the file.
  slots.sort((a, b) => a.firstBlock - b.firstBlock);
  for (const slot of slots) {
    const blob = await readBlob(source, slot);
    if (typeof blob === 'string') problems.push(`slot ${slot.number} (package ${slot.instance}): ${blob}`);
    else yield { instance: slot.instance, blob };
  }
}

async function readSlots(source: ByteSource, input: string, problems: ReadProblems): Promise<Slot[]> {
  const fail = (problem: string): never => {
    throw new PatchlineError('input', input, `not a readable rpm ndb database: ${problem}`);
  };
  const header = await source.read(0, HEADER_SIZE);
  if (header.length < HEADER_SIZE) fail(`${source.size} bytes, shorter than its header`);
  if (header.readUInt32LE(0) !== DB_MAGIC) fail(`magic 0x${header.readUInt32LE(0).toString(16)} is not "RpmP"`);
  const version = header.readUInt32LE(4);
  if (version !== 0) fail(`version ${version} (only 0 is known)`);
  if (source.size % BLOCK_SIZE !== 0) {
    problems.push(`block ${Math.floor(source.size / BLOCK_SIZE)}: the file ends inside a block (truncated?)`);
  }
  const fileBlocks = Math.floor(source.size / BLOCK_SIZE);
  let slotPages = header.readUInt32LE(12);
  if (slotPages < 1) fail('no slot pages');
  const pagesInFile = Math.floor(source.size / SLOT_PAGE_SIZE);
  if (slotPages > pagesInFile) {
    problems.push(`slot page ${pagesInFile}: the file ends there, but the header counts ${slotPages} slot pages`);
    slotPages = pagesInFile;
  }
  // Blobs start after the slot pages.
  const firstDataBlock = slotPages * (SLOT_PAGE_SIZE / BLOCK_SIZE);
  const slots: Slot[] = [];
  for (let page = 0; page < slotPages; page++) {
    const bytes = await source.read(page * SLOT_PAGE_SIZE, SLOT_PAGE_SIZE);
    for (let at = page === 0 ? HEADER_SIZE : 0; at + SLOT_SIZE <= bytes.length; at += SLOT_SIZE) {
      const number = (page * SLOT_PAGE_SIZE + at) / SLOT_SIZE;
      if (bytes.readUInt32LE(at) !== SLOT_MAGIC) {
        problems.push(`slot ${number}: no slot magic`);
        continue;
      }
      const firstBlock = bytes.readUInt32LE(at + 8);
      if (firstBlock === 0) continue; // a free slot
      const slot = { number, instance: bytes.readUInt32LE(at + 4), firstBlock, blocks: bytes.readUInt32LE(at + 12) };
      if (slot.instance === 0 || slot.blocks === 0 || slot.firstBlock < firstDataBlock) {
        problems.push(
          `slot ${number}: bad entry (package ${slot.instance}, block ${firstBlock}, ${slot.blocks} blocks)`,
        );
      } else if (slot.firstBlock + slot.blocks > fileBlocks) {
        problems.push(
          `slot ${number} (package ${slot.instance}): blob at block ${firstBlock} runs past the end of the file`,
        );
      } else {
        slots.push(slot);
      }
    }
  }
  return slots;
}

/** The header blob of one slot, or what is wrong with it. */
async function readBlob(source: ByteSource, slot: Slot): Promise<Buffer | string> {
  const size = slot.blocks * BLOCK_SIZE;
  if (size < BLOB_HEAD + BLOB_TAIL || size > MAX_BLOB + BLOB_HEAD + BLOB_TAIL + BLOCK_SIZE) {
    return `${slot.blocks} blocks cannot hold a blob`;
  }
  const bytes = await source.read(slot.firstBlock * BLOCK_SIZE, size);
  if (bytes.length < size) return `the file ends inside the blob at block ${slot.firstBlock}`;
  if (bytes.readUInt32LE(0) !== BLOB_HEAD_MAGIC) return `no blob at block ${slot.firstBlock}`;
  if (bytes.readUInt32LE(4) !== slot.instance)
    return `blob at block ${slot.firstBlock} is package ${bytes.readUInt32LE(4)}`;
  const length = bytes.readUInt32LE(12);
  if (Math.ceil((BLOB_HEAD + length + BLOB_TAIL) / BLOCK_SIZE) !== slot.blocks) {
    return `blob length ${length} does not fill its ${slot.blocks} blocks`;
  }
  const tail = size - BLOB_TAIL;
  if (bytes.readUInt32LE(tail + 4) !== length || bytes.readUInt32LE(tail + 8) !== BLOB_TAIL_MAGIC) {
    return `blob at block ${slot.firstBlock} has a bad tail`;
  }
  const checksum = adler32(bytes.subarray(0, tail));
  if (bytes.readUInt32LE(tail) !== checksum) return `blob at block ${slot.firstBlock} fails its Adler-32 checksum`;
  return bytes.subarray(BLOB_HEAD, BLOB_HEAD + length);
}

/** Adler-32 (RFC 1950), as the blob tails carry it. Sums are reduced every 5552 bytes, before they could overflow. */
export function adler32(bytes: Uint8Array): number {
  const MOD = 65521;
  let a = 1;
  let b = 0;
  for (let start = 0; start < bytes.length; start += 5552) {
    const end = Math.min(bytes.length, start + 5552);
    for (let i = start; i < end; i++) {
      a += bytes[i]!;
      b += a;
    }
    a %= MOD;
    b %= MOD;
  }
  return ((b << 16) | a) >>> 0;
}
