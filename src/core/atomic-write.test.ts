import { mkdir, mkdtemp, open, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AtomicWriteFs, openAtomicFile, renameDurably, writeFileAtomic } from './atomic-write.js';
import { PatchlineError } from './errors.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'patchline-atomic-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/**
 * The real file system, with each call written to a log: which path was synced (through a handle opened on it), and
 * when it was renamed. What is synced is what the kernel was asked to make durable, so the log is the evidence.
 */
function observedFs(log: string[]): AtomicWriteFs {
  return {
    async open(path, flags) {
      const handle = await open(path, flags);
      const sync = handle.sync.bind(handle);
      handle.sync = async () => {
        await sync();
        log.push(`sync ${path}`);
      };
      return handle;
    },
    async rename(from, to) {
      await rename(from, to);
      log.push(`rename ${to}`);
    },
    rm,
  };
}

describe('writeFileAtomic', () => {
  it('replaces the content whole and leaves no temporary file', async () => {
    const file = join(dir, 'state.json');
    await writeFile(file, 'a much longer old content than the new one');
    await writeFileAtomic(file, 'new');
    expect(await readFile(file, 'utf8')).toBe('new');
    expect(await readdir(dir)).toEqual(['state.json']);
  });

  it('syncs the file before the rename and the folder after it', async () => {
    const log: string[] = [];
    const file = join(dir, 'state.json');
    await writeFileAtomic(file, 'content', observedFs(log));
    expect(log).toHaveLength(3);
    expect(log[0]).toMatch(new RegExp(`^sync ${file}\\.\\d+\\.[0-9a-f]{8}\\.tmp$`));
    expect(log.slice(1)).toEqual([`rename ${file}`, `sync ${dir}`]);
  });

  it('fails naming the file, removes its temporary file and keeps what was there', async () => {
    // A folder in the way cannot be renamed over.
    const file = join(dir, 'taken');
    await mkdir(file);
    await writeFile(join(file, 'inside'), 'kept');
    const error = await writeFileAtomic(file, 'new').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PatchlineError);
    expect((error as PatchlineError).input).toBe(file);
    expect((error as PatchlineError).message).toMatch(/^.*taken: cannot be written \(E[A-Z]+\)$/);
    expect(await readdir(dir)).toEqual(['taken']);
    expect(await readFile(join(file, 'inside'), 'utf8')).toBe('kept');
  });

  it('fails naming the file when its folder does not exist', async () => {
    const file = join(dir, 'missing', 'state.json');
    await expect(writeFileAtomic(file, 'x')).rejects.toThrow(`${file}: cannot be written (ENOENT)`);
  });
});

describe('openAtomicFile (the streaming form)', () => {
  it('writes through a stream, shows nothing under the name until commit, then syncs file and folder', async () => {
    const log: string[] = [];
    const file = join(dir, 'blob');
    const writer = await openAtomicFile(file, observedFs(log));
    writer.stream.write('first ');
    writer.stream.write('second');
    expect(await readdir(dir)).toEqual([writer.temp.slice(dir.length + 1)]);
    await writer.commit();
    expect(await readFile(file, 'utf8')).toBe('first second');
    expect(await readdir(dir)).toEqual(['blob']);
    expect(log).toEqual([`sync ${writer.temp}`, `rename ${file}`, `sync ${dir}`]);
  });

  it('leaves nothing behind when discarded', async () => {
    const file = join(dir, 'blob');
    const writer = await openAtomicFile(file);
    writer.stream.write('partial');
    await writer.discard();
    expect(await readdir(dir)).toEqual([]);
  });

  it('removes the temporary file and names the file when the commit fails', async () => {
    const file = join(dir, 'blob');
    await mkdir(file);
    await writeFile(join(file, 'inside'), 'kept');
    const writer = await openAtomicFile(file);
    writer.stream.end('content');
    await expect(writer.commit()).rejects.toThrow(new RegExp(`^${file}: cannot be written \\(E[A-Z]+\\)$`));
    expect(await readdir(dir)).toEqual(['blob']);
  });
});

describe('renameDurably', () => {
  it('syncs a file written elsewhere, renames it, then syncs the folder', async () => {
    const log: string[] = [];
    const temp = join(dir, 'part');
    await writeFile(temp, 'downloaded');
    await renameDurably(temp, join(dir, 'final'), observedFs(log));
    expect(await readFile(join(dir, 'final'), 'utf8')).toBe('downloaded');
    expect(log).toEqual([`sync ${temp}`, `rename ${join(dir, 'final')}`, `sync ${dir}`]);
  });
});
