import { describe, expect, it } from 'vitest';
import { PatchlineError } from '../../core/index.js';
import { readBerkeleyDb } from './bdb.js';
import { bufferSource } from './byte-source.js';
import type { HeaderRecord } from './records.js';

/*
 * Small hash databases built by hand in either byte order. The real databases (CentOS 5-8, little-endian) are read
 * against rpm in test/rpm-inventory.test.ts; these cover big-endian files, which no fixture has, and damage that
 * is easier to aim at a page built here.
 */

interface BuildOptions {
  littleEndian: boolean;
  pageSize?: number;
  buckets?: number;
  /** Values longer than this go to overflow pages. */
  inlineLimit?: number;
}

function buildHashDb(records: HeaderRecord[], options: BuildOptions) {
  const { littleEndian, pageSize = 512, buckets = 2, inlineLimit = 64 } = options;
  const pages: Buffer[] = [];
  const w16 = (b: Buffer, at: number, n: number) => (littleEndian ? b.writeUInt16LE(n, at) : b.writeUInt16BE(n, at));
  const w32 = (b: Buffer, at: number, n: number) => (littleEndian ? b.writeUInt32LE(n, at) : b.writeUInt32BE(n, at));
  const allocate = (type: number) => {
    const page = Buffer.alloc(pageSize);
    w32(page, 8, pages.length);
    page[25] = type;
    if (type === 13) w16(page, 22, pageSize); // the highest free offset: items go below it
    pages.push(page);
    return pages.length - 1;
  };
  allocate(8); // the metadata page, filled in at the end
  // Bucket b starts on page b + 1: spares of 1 at every split point.
  const tails = Array.from({ length: buckets }, () => allocate(13));

  const overflow = (value: Buffer) => {
    let first = 0;
    let previous = 0;
    for (let at = 0; at < value.length; at += pageSize - 26) {
      const number = allocate(7);
      const chunk = value.subarray(at, at + pageSize - 26);
      chunk.copy(pages[number]!, 26);
      w16(pages[number]!, 22, chunk.length);
      if (previous) w32(pages[previous]!, 16, number);
      else first = number;
      previous = number;
    }
    const item = Buffer.alloc(12);
    item[0] = 3;
    w32(item, 4, first);
    w32(item, 8, value.length);
    return item;
  };

  for (const record of records) {
    const key = Buffer.alloc(5);
    key[0] = 1;
    w32(key, 1, record.instance);
    const value =
      record.blob.length > inlineLimit ? overflow(record.blob) : Buffer.concat([Buffer.from([1]), record.blob]);
    const bucket = record.instance % buckets;
    let page = pages[tails[bucket]!]!;
    const read16 = (at: number) => (littleEndian ? page.readUInt16LE(at) : page.readUInt16BE(at));
    let entries = read16(20);
    let free = read16(22);
    if (26 + 2 * (entries + 2) > free - key.length - value.length) {
      const next = allocate(13);
      w32(page, 16, next);
      tails[bucket] = next;
      page = pages[next]!;
      entries = 0;
      free = pageSize;
    }
    key.copy(page, free - key.length);
    w16(page, 26 + 2 * entries, free - key.length);
    free -= key.length;
    value.copy(page, free - value.length);
    w16(page, 26 + 2 * (entries + 1), free - value.length);
    free -= value.length;
    w16(page, 20, entries + 2);
    w16(page, 22, free);
  }

  const meta = pages[0]!;
  w32(meta, 12, 0x061561);
  w32(meta, 16, 9);
  w32(meta, 20, pageSize);
  w32(meta, 32, pages.length - 1);
  w32(meta, 72, buckets - 1);
  for (let i = 0; i < 32; i++) w32(meta, 96 + 4 * i, 1);
  return Buffer.concat(pages);
}

async function readAll(database: Buffer) {
  const problems: string[] = [];
  const records: HeaderRecord[] = [];
  for await (const record of readBerkeleyDb(bufferSource(database), 'Packages', problems)) records.push(record);
  return { records, problems };
}

/** Header-like blobs: some short enough to sit on the hash page, some spanning several overflow pages. */
function sampleRecords(): HeaderRecord[] {
  const records: HeaderRecord[] = [];
  for (let instance = 1; instance <= 40; instance++) {
    const size = instance % 3 === 0 ? 30 : 200 + instance * 37;
    records.push({ instance, blob: Buffer.alloc(size, instance) });
  }
  return records;
}

const byInstance = (records: HeaderRecord[]) => [...records].sort((a, b) => a.instance - b.instance);

describe('readBerkeleyDb', () => {
  it.each([true, false])('reads every record, inline and overflow, little-endian %s', async (littleEndian) => {
    // rpm's counter record under key 0 is there too, and must not come out as a package.
    const counter = { instance: 0, blob: Buffer.from([41, 0, 0, 0]) };
    const database = buildHashDb([counter, ...sampleRecords()], { littleEndian });
    const { records, problems } = await readAll(database);
    expect(problems).toEqual([]);
    expect(byInstance(records)).toEqual(sampleRecords());
  });

  it('refuses a file that is not a hash database, and an encrypted one', async () => {
    await expect(readAll(Buffer.alloc(4096))).rejects.toThrow(/not a readable BerkeleyDB hash database: magic/);
    const encrypted = buildHashDb(sampleRecords(), { littleEndian: true });
    encrypted[24] = 1;
    await expect(readAll(encrypted)).rejects.toSatisfy(
      (error) => error instanceof PatchlineError && error.kind === 'unsupported',
    );
  });

  it('a metadata page claiming more pages than the file has: what is there is read, the end named', async () => {
    const database = buildHashDb(sampleRecords(), { littleEndian: false });
    database.writeUInt32BE(10_000, 32);
    const { records, problems } = await readAll(database);
    expect(byInstance(records)).toEqual(sampleRecords());
    expect(problems).toEqual([
      expect.stringMatching(/^page \d+: the file ends there, but its metadata says the last page is 10000$/),
    ]);
  });

  it('an overflow chain cut short: that record is lost and its first page named', async () => {
    const database = buildHashDb(sampleRecords(), { littleEndian: true });
    const pageSize = 512;
    // The second page of some chain: an overflow page that a previous overflow page links to.
    let cut = 0;
    for (let page = 1; page * pageSize < database.length && !cut; page++) {
      const next = database.readUInt32LE(page * pageSize + 16);
      if (database[page * pageSize + 25] === 7 && next !== 0) cut = page;
    }
    database.writeUInt32LE(0, cut * pageSize + 16);
    const { records, problems } = await readAll(database);
    expect(records).toHaveLength(sampleRecords().length - 1);
    expect(problems).toEqual([expect.stringMatching(/^page \d+: overflow chain ends after \d+ of \d+ bytes$/)]);
  });

  it('an item of a type rpm never writes (duplicates) is named and skipped', async () => {
    const database = buildHashDb(sampleRecords(), { littleEndian: true, buckets: 1 });
    const valueOffset = database.readUInt16LE(512 + 26 + 2);
    database[512 + valueOffset] = 2;
    const { records, problems } = await readAll(database);
    expect(records).toHaveLength(sampleRecords().length - 1);
    expect(problems).toEqual([
      `page 1: item of type 2 at offset ${valueOffset} (rpm writes only data and overflow items)`,
    ]);
  });
});
