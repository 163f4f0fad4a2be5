import { PatchlineError } from '../../core/index.js';

/**
 * Tags of the rpm header that the inventory reads (rpm's `rpmtag.h`). A header stored in an rpmdb is the package's
 * immutable header plus the signature tags rpm merged into it at install time (SIGMD5 among them).
 */
export const RpmTag = {
  HEADERIMAGE: 61,
  HEADERSIGNATURES: 62,
  HEADERIMMUTABLE: 63,
  HEADERI18NTABLE: 100,
  SIGMD5: 261,
  NAME: 1000,
  VERSION: 1001,
  RELEASE: 1002,
  EPOCH: 1003,
  SUMMARY: 1004,
  SIZE: 1009,
  VENDOR: 1011,
  LICENSE: 1014,
  ARCH: 1022,
  OLDFILENAMES: 1027,
  SOURCERPM: 1044,
  DIRINDEXES: 1116,
  BASENAMES: 1117,
  DIRNAMES: 1118,
  LONGSIZE: 5009,
  MODULARITYLABEL: 5096,
} as const;

/** rpm's data types (`rpm_tagtype_e`). */
const TYPE = {
  NULL: 0,
  CHAR: 1,
  INT8: 2,
  INT16: 3,
  INT32: 4,
  INT64: 5,
  STRING: 6,
  BIN: 7,
  STRING_ARRAY: 8,
  I18NSTRING: 9,
} as const;

/** Bytes per item of the fixed-size types; strings are NUL-terminated and have no fixed size. */
const ITEM_SIZE: Record<number, number> = {
  [TYPE.CHAR]: 1,
  [TYPE.INT8]: 1,
  [TYPE.INT16]: 2,
  [TYPE.INT32]: 4,
  [TYPE.INT64]: 8,
  [TYPE.BIN]: 1,
};

const ENTRY_SIZE = 16;
/** rpm's own limits (header.c): at most 65535 tags and 256 MiB of data; a count beyond that is corrupt. */
const MAX_ENTRIES = 0xffff;
const MAX_DATA = 0x0fffffff;

interface IndexEntry {
  tag: number;
  type: number;
  /** Offset of the value in the data store. */
  offset: number;
  count: number;
  /** Bytes the value occupies, computed and bounds-checked while validating. */
  length: number;
}

/**
 * One rpm header blob as rpmdb stores it: a big-endian count of index entries and of data bytes, the 16-byte index
 * entries (tag, type, offset, count), then the data store they point into.
 *
 * The first entry is normally a region tag (HEADERIMMUTABLE) whose trailer, inside the data store, says how many
 * entries belong to the signed, immutable region. Entries after those are "dribbles" that rpm added at install time;
 * a dribble replaces a region entry with the same tag, as rpm's own header import does.
 *
 * Every offset and count is checked against the blob before it is used, the way rpm's `hdrblobVerifyInfo` does, so a
 * hostile blob fails with an error naming the entry instead of reading out of bounds.
 */
export class RpmHeader {
  private constructor(
    private readonly data: Buffer,
    private readonly entries: Map<number, IndexEntry>,
  ) {}

  /** `input` names where the blob came from (`var/lib/rpm/Packages: header #12`), for errors. */
  static parse(blob: Buffer, input: string): RpmHeader {
    const fail = (problem: string): never => {
      throw new PatchlineError('input', input, `corrupt rpm header: ${problem}`);
    };
    if (blob.length < 8) fail(`${blob.length} bytes, shorter than the 8-byte preamble`);
    const il = blob.readUInt32BE(0);
    const dl = blob.readUInt32BE(4);
    if (il < 1) fail('no index entries');
    if (il > MAX_ENTRIES) fail(`${il} index entries, over rpm's limit of ${MAX_ENTRIES}`);
    if (dl > MAX_DATA) fail(`${dl} data bytes, over rpm's limit of ${MAX_DATA}`);
    const dataStart = 8 + il * ENTRY_SIZE;
    if (blob.length !== dataStart + dl) {
      fail(`declares ${il} entries and ${dl} data bytes (${dataStart + dl} bytes in all) but is ${blob.length} bytes`);
    }
    const data = blob.subarray(dataStart);
    const raw = (i: number) => {
      const at = 8 + i * ENTRY_SIZE;
      return {
        tag: blob.readUInt32BE(at),
        type: blob.readUInt32BE(at + 4),
        offset: blob.readInt32BE(at + 8),
        count: blob.readUInt32BE(at + 12),
      };
    };

    // Which entries form the immutable region: all of them for an old header without one.
    const first = raw(0);
    let regionEntries = il;
    let firstData = 0;
    if (
      first.tag === RpmTag.HEADERIMAGE ||
      first.tag === RpmTag.HEADERSIGNATURES ||
      first.tag === RpmTag.HEADERIMMUTABLE
    ) {
      regionEntries = regionSize(first, data, il, fail);
      firstData = 1;
    } else if (first.tag < RpmTag.HEADERI18NTABLE) {
      fail(`first tag ${first.tag} is neither a region tag nor a header tag`);
    }

    const entries = new Map<number, IndexEntry>();
    let end = 0;
    for (let i = firstData; i < il; i++) {
      const entry = raw(i);
      const where = `entry ${i} (tag ${entry.tag}, type ${entry.type}, offset ${entry.offset}, count ${entry.count})`;
      if (entry.tag < RpmTag.HEADERI18NTABLE) fail(`${where}: tag is in the reserved range`);
      if (entry.type < TYPE.CHAR || entry.type > TYPE.I18NSTRING) fail(`${where}: unknown type`);
      if (entry.offset < 0 || entry.offset > dl) fail(`${where}: offset outside the ${dl}-byte data store`);
      if (entry.offset < end) fail(`${where}: overlaps the previous entry, which ends at ${end}`);
      const align = entry.type === TYPE.INT16 ? 2 : entry.type === TYPE.INT32 ? 4 : entry.type === TYPE.INT64 ? 8 : 1;
      if (entry.offset % align !== 0) fail(`${where}: offset not aligned to ${align} bytes`);
      if (entry.count < 1 || entry.count > MAX_DATA) fail(`${where}: count out of range`);
      if (entry.type === TYPE.STRING && entry.count !== 1) fail(`${where}: a STRING value has count 1`);
      const length = valueLength(entry.type, entry.count, data, entry.offset);
      if (length === undefined) fail(`${where}: value runs past the end of the ${dl}-byte data store`);
      end = entry.offset + length!;
      const indexed = { ...entry, length: length! };
      // Region entries keep the first of duplicate tags; dribbles (after the region) replace what the region said.
      if (i >= regionEntries) {
        entries.set(entry.tag, indexed);
        if (entry.tag === RpmTag.BASENAMES) entries.delete(RpmTag.OLDFILENAMES);
      } else if (!entries.has(entry.tag)) {
        entries.set(entry.tag, indexed);
      }
    }
    return new RpmHeader(data, entries);
  }

  has(tag: number): boolean {
    return this.entries.has(tag);
  }

  /** A STRING value; for an array type (I18NSTRING's default locale, a STRING_ARRAY) its first item, as rpm shows it. */
  string(tag: number): string | undefined {
    return this.strings(tag)?.[0];
  }

  strings(tag: number): string[] | undefined {
    const entry = this.entries.get(tag);
    if (!entry || (entry.type !== TYPE.STRING && entry.type !== TYPE.STRING_ARRAY && entry.type !== TYPE.I18NSTRING)) {
      return undefined;
    }
    const values: string[] = [];
    let at = entry.offset;
    // STRING has count 1 (checked); the array types hold `count` strings, each found NUL-terminated when validating.
    for (let i = 0; i < entry.count; i++) {
      const nul = this.data.indexOf(0, at);
      values.push(this.data.toString('utf8', at, nul));
      at = nul + 1;
    }
    return values;
  }

  /** An integer value's first item (EPOCH, SIZE). */
  number(tag: number): number | undefined {
    return this.numbers(tag)?.[0];
  }

  /** The items of an integer-typed value; INT64 beyond 2^53 loses precision, as no size or index gets near it. */
  numbers(tag: number): number[] | undefined {
    const entry = this.entries.get(tag);
    if (!entry) return undefined;
    const read = reader(entry.type, this.data);
    if (!read) return undefined;
    const size = ITEM_SIZE[entry.type]!;
    const values: number[] = [];
    for (let i = 0; i < entry.count; i++) values.push(read(entry.offset + i * size));
    return values;
  }

  /** A BIN value's bytes (SIGMD5). */
  bytes(tag: number): Buffer | undefined {
    const entry = this.entries.get(tag);
    if (!entry || entry.type !== TYPE.BIN) return undefined;
    return this.data.subarray(entry.offset, entry.offset + entry.length);
  }
}

/**
 * Checks the region tag and its trailer and returns how many index entries the region spans. The region entry points
 * at a 16-byte trailer in the data store that repeats the tag and holds minus the region's index size as its offset.
 */
function regionSize(
  region: { tag: number; type: number; offset: number; count: number },
  data: Buffer,
  il: number,
  fail: (problem: string) => never,
): number {
  const where = `region tag ${region.tag} (type ${region.type}, offset ${region.offset}, count ${region.count})`;
  if (region.type !== TYPE.BIN || region.count !== ENTRY_SIZE) fail(`${where}: not a 16-byte BIN entry`);
  if (region.offset < 0 || region.offset + ENTRY_SIZE > data.length) {
    fail(`${where}: trailer outside the ${data.length}-byte data store`);
  }
  const tag = data.readUInt32BE(region.offset);
  const type = data.readUInt32BE(region.offset + 4);
  const offset = -data.readInt32BE(region.offset + 8);
  const count = data.readUInt32BE(region.offset + 12);
  if (tag !== region.tag || type !== TYPE.BIN || count !== ENTRY_SIZE) {
    fail(`${where}: bad trailer (tag ${tag}, type ${type}, count ${count})`);
  }
  const entries = offset / ENTRY_SIZE;
  if (!Number.isInteger(entries) || entries < 1 || entries > il) {
    fail(`${where}: trailer claims ${offset} bytes of index entries, the header has ${il} entries`);
  }
  // rpm treats a region whose trailer sits at offset 0 as spanning the whole header (header.c, hdrblobImport).
  return region.offset === 0 ? il : entries;
}

/**
 * Bytes a value of `count` items of `type` takes at `offset`, or undefined when it does not fit in the data store.
 * Strings are scanned for their NUL terminators, never past the end.
 */
function valueLength(type: number, count: number, data: Buffer, offset: number): number | undefined {
  if (type === TYPE.STRING || type === TYPE.STRING_ARRAY || type === TYPE.I18NSTRING) {
    let at = offset;
    for (let i = 0; i < count; i++) {
      const nul = at < data.length ? data.indexOf(0, at) : -1;
      if (nul < 0) return undefined;
      at = nul + 1;
    }
    return at - offset;
  }
  const length = ITEM_SIZE[type]! * count;
  return offset + length <= data.length ? length : undefined;
}

function reader(type: number, data: Buffer): ((at: number) => number) | undefined {
  switch (type) {
    case TYPE.CHAR:
    case TYPE.INT8:
      return (at) => data.readUInt8(at);
    case TYPE.INT16:
      return (at) => data.readUInt16BE(at);
    case TYPE.INT32:
      return (at) => data.readUInt32BE(at);
    case TYPE.INT64:
      return (at) => Number(data.readBigUInt64BE(at));
    default:
      return undefined;
  }
}
