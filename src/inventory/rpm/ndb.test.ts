import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { bufferSource } from './byte-source.js';
import { adler32, readNdb } from './ndb.js';
import type { HeaderRecord } from './records.js';

/*
 * Small NDB files built by hand. The real SUSE database is read against `rpm -qa` in test/rpm-inventory.test.ts, with
 * damage aimed at it there; these cover the slot rules it does not exercise.
 */

describe('adler32', () => {
  it.each([0, 1, 5551, 5552, 5553, 100_000])('equals the checksum zlib writes, for %i bytes', (length) => {
    const bytes = Buffer.alloc(length);
    for (let i = 0; i < length; i++) bytes[i] = (i * 7919) % 251;
    // A zlib stream ends with the Adler-32 of its uncompressed data, big-endian (RFC 1950).
    const stream = deflateSync(bytes);
    expect(adler32(bytes)).toBe(stream.readUInt32BE(stream.length - 4));
  });
});

/** [slot package index, blob package index, blob] per package; a slot entry of null is a free slot. */
function buildNdb(packages: ({ instance: number; blob: Buffer; claims?: number } | null)[]): Buffer {
  const slotPage = Buffer.alloc(4096);
  slotPage.write('RpmP', 0, 'latin1');
  slotPage.writeUInt32LE(0, 4);
  slotPage.writeUInt32LE(7, 8);
  slotPage.writeUInt32LE(1, 12);
  const blobs: Buffer[] = [];
  let nextBlock = 4096 / 16;
  // Blobs are written in reverse slot order, so file order differs from slot order.
  const placed = packages.map((entry, slot) => ({ entry, slot })).reverse();
  for (const { entry, slot } of placed) {
    const at = 32 + slot * 16;
    slotPage.write('Slot', at, 'latin1');
    if (!entry) continue;
    const blocks = Math.ceil((16 + entry.blob.length + 12) / 16);
    const blob = Buffer.alloc(blocks * 16);
    blob.write('BlbS', 0, 'latin1');
    blob.writeUInt32LE(entry.claims ?? entry.instance, 4);
    blob.writeUInt32LE(1_700_000_000, 8);
    blob.writeUInt32LE(entry.blob.length, 12);
    entry.blob.copy(blob, 16);
    const tail = blob.length - 12;
    blob.writeUInt32LE(adler32(blob.subarray(0, tail)), tail);
    blob.writeUInt32LE(entry.blob.length, tail + 4);
    blob.write('BlbE', tail + 8, 'latin1');
    slotPage.writeUInt32LE(entry.instance, at + 4);
    slotPage.writeUInt32LE(nextBlock, at + 8);
    slotPage.writeUInt32LE(blocks, at + 12);
    nextBlock += blocks;
    blobs.push(blob);
  }
  for (let at = 32 + packages.length * 16; at < 4096; at += 16) slotPage.write('Slot', at, 'latin1');
  return Buffer.concat([slotPage, ...blobs]);
}

async function readAll(database: Buffer) {
  const problems: string[] = [];
  const records: HeaderRecord[] = [];
  for await (const record of readNdb(bufferSource(database), 'Packages.db', problems)) records.push(record);
  return { records, problems };
}

describe('readNdb', () => {
  const a = { instance: 1, blob: Buffer.from('first header') };
  const b = { instance: 5, blob: Buffer.alloc(1000, 5) };
  const c = { instance: 9, blob: Buffer.from('x') };

  it('reads the packages in the order their blobs sit in the file, skipping free slots', async () => {
    const { records, problems } = await readAll(buildNdb([a, null, b, c]));
    expect(problems).toEqual([]);
    expect(records).toEqual([c, b, a]);
  });

  it('a blob that belongs to another package is named and skipped', async () => {
    const { records, problems } = await readAll(buildNdb([a, { ...b, claims: 6 }, c]));
    expect(records).toEqual([c, a]);
    expect(problems).toEqual([expect.stringMatching(/^slot 3 \(package 5\): blob at block \d+ is package 6$/)]);
  });

  it('a slot pointing into the slot pages is named and skipped', async () => {
    const database = buildNdb([a, b]);
    database.writeUInt32LE(3, 32 + 8);
    const { records, problems } = await readAll(database);
    expect(records).toEqual([b]);
    expect(problems).toEqual(['slot 2: bad entry (package 1, block 3, 3 blocks)']);
  });

  it('refuses files that are not NDB databases', async () => {
    await expect(readAll(Buffer.alloc(8192))).rejects.toThrow(/not a readable rpm ndb database: magic/);
    const future = buildNdb([a]);
    future.writeUInt32LE(1, 4);
    await expect(readAll(future)).rejects.toThrow(/version 1/);
  });
});
