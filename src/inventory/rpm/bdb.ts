import { PatchlineError } from '../../core/index.js';
import type { ByteSource } from './byte-source.js';
import type { HeaderRecord, ReadProblems } from './records.js';

/*
 * A reader for the BerkeleyDB hash database `Packages` that rpm used up to RHEL/CentOS 8. Facts about the on-disk
 * format come from BerkeleyDB's db_page.h and rpm's own read-only reader (lib/backend/bdb_ro.c), whose walk this
 * follows so that the packages found are the ones `rpm -qa` lists:
 *
 * - page 0 is the hash metadata: magic 0x061561 (in the byte order of the machine that wrote it), version, page
 *   size, last page number, the highest bucket and, per split point, how far its buckets are shifted (`spares`);
 * - each bucket starts on page `bucket + spares[bit length of bucket]` and continues along `next_pgno`;
 * - a hash page has a 26-byte header, then `entries` 16-bit item offsets: key and value items alternate, each item
 *   starting with its type: inline data (H_KEYDATA) or a reference to an overflow chain (H_OFFPAGE);
 * - an overflow page holds `hf_offset` bytes of the value after its header and links to the next one.
 *
 * The file is untrusted: every page number is checked against the file, every chain is bounded by a visited set, and
 * a broken page is recorded as a problem while the walk goes on with the next bucket.
 */

const HASH_MAGIC = 0x00061561;
const PAGE_HEADER = 26;
const P_HASH_UNSORTED = 2;
const P_OVERFLOW = 7;
const P_HASHMETA = 8;
const P_HASH = 13;
const H_KEYDATA = 1;
const H_OFFPAGE = 3;
/** The size of an H_OFFPAGE item: type, 3 unused bytes, first overflow page, total length. */
const OFFPAGE_SIZE = 12;
/** rpm refuses headers over 256 MiB; a larger overflow length is corruption, not a package. */
const MAX_VALUE = 256 * 1024 * 1024;

/** A page that cannot be used: the walk records it and moves on. */
class PageError extends Error {
  constructor(
    readonly page: number,
    message: string,
  ) {
    super(message);
  }
}

interface Meta {
  littleEndian: boolean;
  pageSize: number;
  lastPage: number;
  maxBucket: number;
  spares: number[];
}

/** Yields each package's header blob. `input` names the file for errors; partial reads append to `problems`. */
export async function* readBerkeleyDb(
  source: ByteSource,
  input: string,
  problems: ReadProblems,
): AsyncGenerator<HeaderRecord> {
  const meta = await readMeta(source, input, problems);
  const db = new Pages(source, meta);
  // Pages already walked as part of some bucket: a chain that comes back to one is corrupt (it would loop).
  const walked = new Set<number>();
  for (let bucket = 0; bucket <= meta.maxBucket; bucket++) {
    let pageNumber = bucketPage(meta, bucket);
    while (pageNumber !== 0) {
      if (walked.has(pageNumber)) {
        problems.push(`page ${pageNumber}: bucket ${bucket} chains back to a page already read`);
        break;
      }
      walked.add(pageNumber);
      let page: Buffer;
      try {
        page = await db.page(pageNumber);
        const type = page[25];
        if (type !== P_HASH && type !== P_HASH_UNSORTED) {
          throw new PageError(pageNumber, `bucket ${bucket} leads to a page of type ${type}, not a hash page`);
        }
      } catch (error) {
        if (!(error instanceof PageError)) throw error;
        problems.push(`page ${error.page}: ${error.message}`);
        break;
      }
      yield* db.records(pageNumber, page, problems);
      pageNumber = db.u32(page, 16);
    }
  }
}

async function readMeta(source: ByteSource, input: string, problems: ReadProblems): Promise<Meta> {
  const fail = (problem: string): never => {
    throw new PatchlineError('input', input, `not a readable BerkeleyDB hash database: ${problem}`);
  };
  const page = await source.read(0, 512);
  if (page.length < 512) fail(`${source.size} bytes, shorter than a metadata page`);
  let littleEndian: boolean;
  if (page.readUInt32LE(12) === HASH_MAGIC) littleEndian = true;
  else if (page.readUInt32BE(12) === HASH_MAGIC) littleEndian = false;
  else return fail(`magic 0x${page.readUInt32LE(12).toString(16)} is not the hash magic 0x61561`);
  const u32 = (at: number) => (littleEndian ? page.readUInt32LE(at) : page.readUInt32BE(at));
  const version = u32(16);
  // rpm's reader knows hash versions 8 to 10 (BerkeleyDB 4.x to 18.x); their page layout is the same.
  if (version < 8 || version > 10) fail(`hash version ${version} (only 8 to 10 are known)`);
  const pageSize = u32(20);
  if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) fail(`page size ${pageSize}`);
  if (page[24] !== 0) {
    throw new PatchlineError('unsupported', input, 'is an encrypted BerkeleyDB database');
  }
  if (page[25] !== P_HASHMETA) fail(`page 0 has type ${page[25]}, not hash metadata`);
  let lastPage = u32(32);
  const pagesInFile = Math.floor(source.size / pageSize);
  if (lastPage >= pagesInFile) {
    problems.push(`page ${pagesInFile}: the file ends there, but its metadata says the last page is ${lastPage}`);
    lastPage = pagesInFile - 1;
  }
  let maxBucket = u32(72);
  // Every bucket has a page of its own, so a bucket count beyond the pages is corrupt metadata.
  if (maxBucket > lastPage) {
    problems.push(`page 0: metadata claims ${maxBucket + 1} buckets in ${lastPage + 1} pages`);
    maxBucket = lastPage;
  }
  const spares: number[] = [];
  for (let i = 0; i < 32; i++) spares.push(u32(96 + 4 * i));
  return { littleEndian, pageSize, lastPage, maxBucket, spares };
}

/** The first page of a bucket: buckets of each split point are shifted by that split point's spare count. */
function bucketPage(meta: Meta, bucket: number): number {
  const splitPoint = bucket === 0 ? 0 : 32 - Math.clz32(bucket);
  return bucket + (meta.spares[splitPoint] ?? 0);
}

class Pages {
  constructor(
    private readonly source: ByteSource,
    private readonly meta: Meta,
  ) {}

  u16(page: Buffer, at: number): number {
    return this.meta.littleEndian ? page.readUInt16LE(at) : page.readUInt16BE(at);
  }

  u32(page: Buffer, at: number): number {
    return this.meta.littleEndian ? page.readUInt32LE(at) : page.readUInt32BE(at);
  }

  async page(number: number): Promise<Buffer> {
    if (number < 1 || number > this.meta.lastPage) {
      throw new PageError(number, `page number outside the file's pages 1 to ${this.meta.lastPage}`);
    }
    const { pageSize } = this.meta;
    const page = await this.source.read(number * pageSize, pageSize);
    if (page.length < pageSize) throw new PageError(number, 'the file ends inside this page');
    const recorded = this.u32(page, 8);
    if (recorded !== number) throw new PageError(number, `page header says it is page ${recorded}`);
    return page;
  }

  /** The key/value pairs of one hash page; a bad pair is recorded and skipped. */
  async *records(number: number, page: Buffer, problems: ReadProblems): AsyncGenerator<HeaderRecord> {
    const { pageSize } = this.meta;
    const entries = this.u16(page, 20);
    const firstItem = PAGE_HEADER + 2 * entries;
    if (firstItem > pageSize) {
      problems.push(`page ${number}: ${entries} items do not fit in a ${pageSize}-byte page`);
      return;
    }
    // Items are stored from the end of the page downwards: an item ends where the previous one starts.
    const offset = (index: number) => this.u16(page, PAGE_HEADER + 2 * index);
    for (let index = 0; index + 1 < entries; index += 2) {
      try {
        const keyStart = offset(index);
        const keyEnd = index === 0 ? pageSize : offset(index - 1);
        const valueStart = offset(index + 1);
        const valid = firstItem <= valueStart && valueStart < keyStart && keyStart < keyEnd && keyEnd <= pageSize;
        if (!valid) throw new PageError(number, `item ${index} has offsets ${keyStart} and ${valueStart} out of order`);
        const key = await this.item(number, page, keyStart, keyEnd);
        if (key.length !== 4)
          throw new PageError(number, `item ${index}: a ${key.length}-byte key, not a header number`);
        const instance = this.u32(key, 0);
        // rpm keeps its "next header number" counter under key 0; it is not a package.
        if (instance === 0) continue;
        yield { instance, blob: await this.item(number, page, valueStart, keyStart) };
      } catch (error) {
        if (!(error instanceof PageError)) throw error;
        problems.push(`page ${error.page}: ${error.message}`);
      }
    }
  }

  private async item(number: number, page: Buffer, start: number, end: number): Promise<Buffer> {
    const type = page[start];
    if (type === H_KEYDATA) return page.subarray(start + 1, end);
    if (type === H_OFFPAGE) {
      if (end - start !== OFFPAGE_SIZE) throw new PageError(number, `overflow reference of ${end - start} bytes`);
      return this.overflow(this.u32(page, start + 4), this.u32(page, start + 8));
    }
    throw new PageError(number, `item of type ${type} at offset ${start} (rpm writes only data and overflow items)`);
  }

  /** Reassembles a value from its chain of overflow pages, refusing chains that loop, stop short or run long. */
  private async overflow(first: number, length: number): Promise<Buffer> {
    const { pageSize, lastPage } = this.meta;
    if (length === 0 || length > MAX_VALUE || length > lastPage * (pageSize - PAGE_HEADER)) {
      throw new PageError(first, `overflow value of ${length} bytes cannot be in this file`);
    }
    const value = Buffer.allocUnsafe(length);
    const seen = new Set<number>();
    let filled = 0;
    let number = first;
    while (filled < length) {
      if (number === 0) throw new PageError(first, `overflow chain ends after ${filled} of ${length} bytes`);
      if (seen.has(number)) throw new PageError(number, `overflow chain from page ${first} loops back to this page`);
      seen.add(number);
      const page = await this.page(number);
      if (page[25] !== P_OVERFLOW)
        throw new PageError(number, `overflow chain from page ${first} reaches a page of type ${page[25]}`);
      const bytes = this.u16(page, 22);
      if (PAGE_HEADER + bytes > pageSize || bytes > length - filled) {
        throw new PageError(number, `overflow page claims ${bytes} bytes, more than fit or remain`);
      }
      page.copy(value, filled, PAGE_HEADER, PAGE_HEADER + bytes);
      filled += bytes;
      number = this.u32(page, 16);
    }
    return value;
  }
}
