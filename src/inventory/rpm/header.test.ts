import { execFile } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { PatchlineError } from '../../core/index.js';
import { RpmHeader, RpmTag } from './header.js';
import { packageFromHeader } from './package-record.js';

/*
 * Headers built by hand, laid out as rpm's headerExport writes them. rpm itself is the oracle: its Python binding
 * (`rpm.hdr(blob)`, Debian's python3-rpm) imports the same bytes, so for each header the test checks that rpm accepts
 * what we accept and reads the same values, and that rpm too refuses each hostile header we refuse.
 */

interface Value {
  tag: number;
  type: number;
  count: number;
  data: Buffer;
}

const ALIGN: Record<number, number> = { 3: 2, 4: 4, 5: 8 };
const FILEMODES = 1030; // INT16 array
const FILESTATES = 1029; // CHAR array
const INSTALLTIME = 1008; // INT32

const v = {
  string: (tag: number, text: string): Value => ({ tag, type: 6, count: 1, data: Buffer.from(`${text}\0`) }),
  strings: (tag: number, texts: string[], type = 8): Value => ({
    tag,
    type,
    count: texts.length,
    data: Buffer.from(texts.map((t) => `${t}\0`).join('')),
  }),
  int32: (tag: number, numbers: number[]): Value => {
    const data = Buffer.alloc(4 * numbers.length);
    for (const [i, n] of numbers.entries()) data.writeUInt32BE(n, 4 * i);
    return { tag, type: 4, count: numbers.length, data };
  },
  int16: (tag: number, numbers: number[]): Value => {
    const data = Buffer.alloc(2 * numbers.length);
    for (const [i, n] of numbers.entries()) data.writeUInt16BE(n, 2 * i);
    return { tag, type: 3, count: numbers.length, data };
  },
  int64: (tag: number, numbers: bigint[]): Value => {
    const data = Buffer.alloc(8 * numbers.length);
    for (const [i, n] of numbers.entries()) data.writeBigUInt64BE(n, 8 * i);
    return { tag, type: 5, count: numbers.length, data };
  },
  chars: (tag: number, numbers: number[]): Value => ({
    tag,
    type: 1,
    count: numbers.length,
    data: Buffer.from(numbers),
  }),
  bin: (tag: number, bytes: Buffer): Value => ({ tag, type: 7, count: bytes.length, data: bytes }),
};

function entryBytes(tag: number, type: number, offset: number, count: number): Buffer {
  const bytes = Buffer.alloc(16);
  bytes.writeUInt32BE(tag, 0);
  bytes.writeUInt32BE(type, 4);
  bytes.writeInt32BE(offset, 8);
  bytes.writeUInt32BE(count, 12);
  return bytes;
}

/**
 * The region entry, the region's entries, then dribbles; in the data store the region's values, the 16-byte region
 * trailer, then the dribbles' values, each aligned to its type. `regionTag: null` builds an old header with no region.
 */
function buildHeader(region: Value[], options: { regionTag?: number | null; dribbles?: Value[] } = {}): Buffer {
  const regionTag = options.regionTag === undefined ? RpmTag.HEADERIMMUTABLE : options.regionTag;
  const index: Buffer[] = [];
  const data: Buffer[] = [];
  let size = 0;
  const place = (value: Value) => {
    const align = ALIGN[value.type] ?? 1;
    const pad = (align - (size % align)) % align;
    data.push(Buffer.alloc(pad), value.data);
    index.push(entryBytes(value.tag, value.type, size + pad, value.count));
    size += pad + value.data.length;
  };
  if (regionTag !== null) index.push(Buffer.alloc(16));
  for (const value of region) place(value);
  if (regionTag !== null) {
    index[0] = entryBytes(regionTag, 7, size, 16);
    data.push(entryBytes(regionTag, 7, -(region.length + 1) * 16, 16));
    size += 16;
  }
  for (const value of options.dribbles ?? []) place(value);
  const preamble = Buffer.alloc(8);
  preamble.writeUInt32BE(index.length, 0);
  preamble.writeUInt32BE(size, 4);
  return Buffer.concat([preamble, ...index, ...data]);
}

/** A copy with one field (0 tag, 1 type, 2 offset, 3 count) of index entry `i` replaced. */
function withField(blob: Buffer, i: number, field: 0 | 1 | 2 | 3, value: number): Buffer {
  const copy = Buffer.from(blob);
  copy.writeInt32BE(value | 0, 8 + i * 16 + field * 4);
  return copy;
}

/** How each tag the tests use is read, on our side and (by its declared type) on rpm's. */
const ACCESSORS: Record<number, 'string' | 'strings' | 'number' | 'numbers' | 'bytes'> = {
  [RpmTag.NAME]: 'string',
  [RpmTag.VERSION]: 'string',
  [RpmTag.RELEASE]: 'string',
  [RpmTag.EPOCH]: 'number',
  [RpmTag.SUMMARY]: 'string',
  [RpmTag.SIZE]: 'number',
  [RpmTag.LONGSIZE]: 'number',
  [RpmTag.VENDOR]: 'string',
  [RpmTag.LICENSE]: 'string',
  [RpmTag.ARCH]: 'string',
  [RpmTag.SOURCERPM]: 'string',
  [RpmTag.MODULARITYLABEL]: 'string',
  [RpmTag.SIGMD5]: 'bytes',
  [RpmTag.DIRINDEXES]: 'numbers',
  [RpmTag.BASENAMES]: 'strings',
  [RpmTag.DIRNAMES]: 'strings',
  [RpmTag.OLDFILENAMES]: 'strings',
  [FILEMODES]: 'numbers',
  [FILESTATES]: 'numbers',
  [INSTALLTIME]: 'number',
};

function ourValues(header: RpmHeader): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const [tag, accessor] of Object.entries(ACCESSORS)) {
    const value = accessor === 'bytes' ? header.bytes(Number(tag))?.toString('hex') : header[accessor](Number(tag));
    values[tag] = value ?? null;
  }
  return values;
}

// Reads JSON [{blob: hex}] on stdin; answers [{ok, values: {tag: value}}] with rpm's own header import.
const ORACLE = `
import json, sys, rpm
tags = json.loads(sys.argv[1])
out = []
for item in json.load(sys.stdin):
    try:
        h = rpm.hdr(bytes.fromhex(item))
    except Exception:
        out.append({"ok": False})
        continue
    def conv(x):
        if isinstance(x, bytes): return x.hex()
        if isinstance(x, list): return [conv(y) for y in x] or None
        return x
    out.append({"ok": True, "values": {str(t): conv(h[t]) for t in tags}})
json.dump(out, sys.stdout)
`;

async function rpmImport(blobs: Buffer[]): Promise<{ ok: boolean; values?: Record<string, unknown> }[]> {
  // Debian's python3 is /usr/bin/python3; the one first on PATH may be another without the rpm module.
  const child = execFile('/usr/bin/python3', ['-c', ORACLE, JSON.stringify(Object.keys(ACCESSORS).map(Number))], {
    env: { ...process.env, LANG: 'C', LC_ALL: 'C' },
    maxBuffer: 64 * 1024 * 1024,
  });
  child.stdin!.end(JSON.stringify(blobs.map((b) => b.toString('hex'))));
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr!.on('data', (chunk) => {
    stderr += chunk;
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`rpm's Python binding (package python3-rpm) failed: ${stderr}`);
  return JSON.parse(stdout);
}

/** A package header with every type the inventory reads, as the region of an installed header. */
function packageValues(): Value[] {
  return [
    v.string(RpmTag.NAME, 'bash-completion'),
    v.string(RpmTag.VERSION, '2.11'),
    v.string(RpmTag.RELEASE, '1.el9+module~x^y'),
    v.int32(RpmTag.EPOCH, [1]),
    v.strings(RpmTag.SUMMARY, ['Programmable completion', 'Programmierbare Vervollständigung'], 9),
    v.int32(RpmTag.SIZE, [1_234_567]),
    v.string(RpmTag.VENDOR, 'CentOS'),
    v.string(RpmTag.LICENSE, 'GPLv2+'),
    v.string(RpmTag.ARCH, 'noarch'),
    v.strings(RpmTag.OLDFILENAMES, ['/old/path']),
    v.int16(FILEMODES, [0o100644, 0o40755, 0o120777]),
    v.chars(FILESTATES, [0, 1, 2]),
    v.string(RpmTag.SOURCERPM, 'bash-completion-2.11-1.el9.src.rpm'),
    v.int32(RpmTag.DIRINDEXES, [0, 1, 1]),
    v.strings(RpmTag.BASENAMES, ['bash_completion', 'git', 'ls']),
    v.strings(RpmTag.DIRNAMES, ['/etc/profile.d/', '/usr/share/bash-completion/completions/']),
    v.int64(RpmTag.LONGSIZE, [5_000_000_000n]),
    v.string(RpmTag.MODULARITYLABEL, 'nodejs:18:9020020230810123456:rhel9'),
  ];
}

const SIGMD5 = Buffer.from('0123456789abcdef0123456789abcdef', 'hex');

describe('RpmHeader.parse against rpm', () => {
  let oracleAvailable: Error | undefined;
  beforeAll(async () => {
    oracleAvailable = await rpmImport([])
      .then(() => undefined)
      .catch((error: Error) => error);
  });

  const valid: Record<string, Buffer> = {
    'a region with every value type': buildHeader(packageValues()),
    // SIGMD5 sorts below the header tags; rpm merges it into installed headers.
    'signature tags in the region': buildHeader([v.bin(RpmTag.SIGMD5, SIGMD5), ...packageValues()]),
    'dribbles that replace region entries and drop OLDFILENAMES': buildHeader(packageValues(), {
      dribbles: [
        v.string(RpmTag.NAME, 'replaced-by-a-dribble'),
        v.int32(INSTALLTIME, [1_700_000_000]),
        v.strings(RpmTag.BASENAMES, ['one', 'two', 'three']),
      ],
    }),
    'an old header without a region': buildHeader(packageValues(), { regionTag: null }),
    'a HEADERIMAGE region': buildHeader(packageValues(), { regionTag: RpmTag.HEADERIMAGE }),
  };

  it.each(Object.keys(valid))('%s: values equal what rpm reads', async (name) => {
    if (oracleAvailable) throw oracleAvailable;
    const blob = valid[name]!;
    const [rpm] = await rpmImport([blob]);
    expect(rpm!.ok).toBe(true);
    expect(ourValues(RpmHeader.parse(blob, name))).toEqual(rpm!.values);
  });

  it('a dribble replaces the region value, and BASENAMES in a dribble hides OLDFILENAMES', () => {
    const header = RpmHeader.parse(valid['dribbles that replace region entries and drop OLDFILENAMES']!, 'test');
    expect(header.string(RpmTag.NAME)).toBe('replaced-by-a-dribble');
    expect(header.strings(RpmTag.BASENAMES)).toEqual(['one', 'two', 'three']);
    expect(header.has(RpmTag.OLDFILENAMES)).toBe(false);
    expect(header.number(INSTALLTIME)).toBe(1_700_000_000);
  });

  // Each hostile header, its size consistent with its preamble, with what our error must say. rpm must refuse it too.
  const region = buildHeader(packageValues());
  const legacy = buildHeader(packageValues(), { regionTag: null });
  const dl = region.readUInt32BE(4);
  const hostile: [string, Buffer, RegExp][] = [
    [
      'an offset past the data store',
      withField(region, 3, 2, dl + 64),
      /entry 3 .*offset outside the \d+-byte data store/,
    ],
    ['a negative offset', withField(region, 3, 2, -4), /entry 3 .*offset outside/],
    ['an INT32 count running past the end', withField(region, 4, 3, 0x0ffffff0), /entry 4 .*runs past the end/],
    ['a string array counting more strings than there are', withField(region, 15, 3, 1000), /entry 15 .*runs past/],
    ['a STRING with count 2', withField(region, 1, 3, 2), /entry 1 .*a STRING value has count 1/],
    ['a count of 0', withField(region, 6, 3, 0), /entry 6 .*count out of range/],
    ['an INT32 at an odd offset', withField(region, 4, 2, offsetOf(region, 4) + 1), /entry 4 .*not aligned to 4 bytes/],
    ['an unknown type', withField(region, 2, 1, 10), /entry 2 .*unknown type/],
    ['a reserved tag after the region entry', withField(region, 2, 0, 50), /entry 2 .*reserved range/],
    ['two entries at the same offset', withField(region, 2, 2, 0), /entry 2 .*overlaps the previous entry/],
    ['a region trailer with another tag', trailerField(region, 0, RpmTag.HEADERSIGNATURES), /bad trailer/],
    ['a region trailer claiming more entries than exist', trailerField(region, 2, -(100 * 16)), /trailer claims/],
    ['a region entry pointing past the data store', withField(region, 0, 2, dl), /trailer outside/],
    ['a region entry that is not 16 bytes of BIN', withField(region, 0, 3, 8), /not a 16-byte BIN entry/],
    ['a first tag in the reserved range', withField(legacy, 0, 0, 70), /neither a region tag nor a header tag/],
    ['no entries at all', emptyHeader(), /no index entries/],
  ];

  it.each(hostile)('%s: refused with a PatchlineError, as rpm refuses it', async (name, blob, message) => {
    if (oracleAvailable) throw oracleAvailable;
    expect(() => RpmHeader.parse(blob, 'Packages: header #7')).toThrow(PatchlineError);
    expect(() => RpmHeader.parse(blob, 'Packages: header #7')).toThrow(message);
    const [rpm] = await rpmImport([blob]);
    expect(rpm!.ok, `rpm accepts "${name}"`).toBe(false);
  });

  // Blobs whose size disagrees with their preamble: rpm's Python binding would read past the buffer, so no oracle.
  it.each([
    ['shorter than the preamble', Buffer.alloc(5), /shorter than the 8-byte preamble/],
    ['longer than declared', Buffer.concat([region, Buffer.alloc(3)]), /but is \d+ bytes/],
    ['shorter than declared', region.subarray(0, region.length - 1), /but is \d+ bytes/],
    ['too many entries', preambleOnly(0x10000, 0), /over rpm's limit/],
    ['too much data', preambleOnly(1, 0x10000000), /over rpm's limit/],
  ] as [string, Buffer, RegExp][])('%s: refused', (_name, blob, message) => {
    expect(() => RpmHeader.parse(blob, 'x')).toThrow(message);
  });

  it('random damage never escapes as anything but a PatchlineError, and never hangs', () => {
    const blob = valid['dribbles that replace region entries and drop OLDFILENAMES']!;
    let seed = 12345;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    let parsed = 0;
    for (let round = 0; round < 3000; round++) {
      const damaged = Buffer.from(blob);
      for (let flips = 1 + random(4); flips > 0; flips--) damaged[random(damaged.length)] = random(256);
      try {
        const header = RpmHeader.parse(damaged, 'fuzz');
        ourValues(header);
        packageFromHeader(header, 'var/lib/rpm/Packages', undefined);
        parsed++;
      } catch (error) {
        if (!(error instanceof PatchlineError)) throw error;
      }
    }
    expect(parsed).toBeGreaterThan(0);
  });
});

function offsetOf(blob: Buffer, i: number): number {
  return blob.readInt32BE(8 + i * 16 + 8);
}

/** A copy with one field of the region trailer replaced. */
function trailerField(blob: Buffer, field: 0 | 1 | 2 | 3, value: number): Buffer {
  const il = blob.readUInt32BE(0);
  const trailer = 8 + il * 16 + blob.readInt32BE(8 + 8);
  const copy = Buffer.from(blob);
  copy.writeInt32BE(value | 0, trailer + field * 4);
  return copy;
}

function emptyHeader(): Buffer {
  return preambleOnly(0, 0);
}

function preambleOnly(il: number, dl: number): Buffer {
  const preamble = Buffer.alloc(8);
  preamble.writeUInt32BE(il, 0);
  preamble.writeUInt32BE(dl, 4);
  return preamble;
}

describe('packageFromHeader', () => {
  const header = (values: Value[], dribbles: Value[] = []) => RpmHeader.parse(buildHeader(values, { dribbles }), 't');
  const os = (id: string, versionId?: string) =>
    ({ id, family: 'redhat', versionId, source: 'etc/os-release' }) as const;

  it('keeps the database fields, joins the file list and splits the source rpm', () => {
    const pkg = packageFromHeader(
      header([v.bin(RpmTag.SIGMD5, SIGMD5), ...packageValues()]),
      'var/lib/rpm/Packages',
      os('rhel', '9.4'),
    );
    expect(pkg).toMatchObject({
      type: 'rpm',
      name: 'bash-completion',
      epoch: 1,
      version: '2.11',
      release: '1.el9+module~x^y',
      arch: 'noarch',
      sourceRpm: 'bash-completion-2.11-1.el9.src.rpm',
      sourceName: 'bash-completion',
      sourceVersion: '2.11-1.el9',
      modularityLabel: 'nodejs:18:9020020230810123456:rhel9',
      license: 'GPLv2+',
      vendor: 'CentOS',
      size: 5_000_000_000,
      sigmd5: SIGMD5.toString('hex'),
      source: 'var/lib/rpm/Packages',
      files: [
        'etc/profile.d/bash_completion',
        'usr/share/bash-completion/completions/git',
        'usr/share/bash-completion/completions/ls',
      ],
      purl: 'pkg:rpm/redhat/bash-completion@2.11-1.el9%2Bmodule~x%5Ey?arch=noarch&distro=rhel-9.4&epoch=1',
    });
  });

  it('uses OLDFILENAMES when there are no BASENAMES, and drops files whose directory index is out of range', () => {
    const old = header([
      v.string(RpmTag.NAME, 'a'),
      v.string(RpmTag.VERSION, '1'),
      v.strings(RpmTag.OLDFILENAMES, ['/x', '/y/z']),
    ]);
    expect(packageFromHeader(old, 'p', undefined).files).toEqual(['x', 'y/z']);
    const broken = header([
      v.string(RpmTag.NAME, 'a'),
      v.string(RpmTag.VERSION, '1'),
      v.int32(RpmTag.DIRINDEXES, [0, 7]),
      v.strings(RpmTag.BASENAMES, ['kept', 'dropped']),
      v.strings(RpmTag.DIRNAMES, ['/d/']),
    ]);
    expect(packageFromHeader(broken, 'p', undefined).files).toEqual(['d/kept']);
  });

  it.each([
    ['rhel', 'redhat'],
    ['ol', 'oracle'],
    ['amzn', 'amazon'],
    ['sles', 'suse'],
    ['opensuse-leap', 'opensuse'],
    ['fedora', 'fedora'],
    ['almalinux', 'almalinux'],
  ])('purl namespace for %s is %s; epoch 0 stays on the record but not in the purl', (id, namespace) => {
    const pkg = packageFromHeader(
      header([
        v.string(RpmTag.NAME, 'n'),
        v.string(RpmTag.VERSION, '1'),
        v.string(RpmTag.RELEASE, '2'),
        v.int32(RpmTag.EPOCH, [0]),
      ]),
      'p',
      os(id, '9'),
    );
    expect(pkg.epoch).toBe(0);
    expect(pkg.purl).toBe(`pkg:rpm/${namespace}/n@1-2?distro=${id}-9`);
  });

  it('without an OS: no namespace and no distro', () => {
    const pkg = packageFromHeader(
      header([v.string(RpmTag.NAME, 'gpg-pubkey'), v.string(RpmTag.VERSION, 'd832c631')]),
      'p',
      undefined,
    );
    expect(pkg.purl).toBe('pkg:rpm/gpg-pubkey@d832c631');
    expect(pkg.arch).toBeUndefined();
    expect(pkg.sourceName).toBeUndefined();
  });
});
