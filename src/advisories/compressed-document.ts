import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { PatchlineError } from '../core/index.js';
import { decompressLayer } from '../oci/index.js';

/**
 * One document compressed on its own, as rpm repositories publish their metadata (`updateinfo.xml.gz`, `.xz`, `.zst`):
 * not an archive of documents. The bytes decide the compression, not the name. gzip and zstd are read in-process by
 * the layer decompressor; xz by the system's `xz`, as Node has no xz decoder (docs/decisions/0061). Output is bounded,
 * and a truncated or damaged stream is an error naming the file.
 */

const COMPRESSED_DOCUMENT = /\.(xml)\.(gz|xz|zst|zstd)$/i;
const XZ_MAGIC = Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]);
const BZIP2_MAGIC = Buffer.from('BZh', 'latin1');

/** `x-updateinfo.xml.gz` → `x-updateinfo.xml`; undefined for a name that is not a compressed document. */
export function uncompressedName(base: string): string | undefined {
  const match = COMPRESSED_DOCUMENT.exec(base);
  return match === null ? undefined : base.slice(0, match.index + 1 + match[1]!.length);
}

export async function readCompressedDocument(path: string, name: string, maxBytes: number): Promise<Buffer> {
  const head = Buffer.alloc(6);
  const handle = await open(path, 'r').catch((error: NodeJS.ErrnoException) => {
    throw new PatchlineError('input', name, `cannot be read (${error.code ?? error.message})`);
  });
  try {
    await handle.read(head, 0, 6, 0);
  } finally {
    await handle.close();
  }
  if (head.equals(XZ_MAGIC)) return readXz(path, name, maxBytes);
  if (head.subarray(0, 3).equals(BZIP2_MAGIC)) {
    throw new PatchlineError('input', name, 'is bzip2-compressed, which Patchline does not read (gzip, xz, zstd)');
  }
  const tooLarge = () =>
    new PatchlineError('limit', name, `decompresses to more than the ${maxBytes}-byte document limit`);
  try {
    const { stream, compression } = await decompressLayer(createReadStream(path), name, maxBytes);
    if (compression === 'none') {
      stream.destroy();
      throw new PatchlineError('input', name, 'is named as compressed but is neither gzip, xz nor zstd data');
    }
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  } catch (error) {
    if (error instanceof PatchlineError && error.kind === 'limit') throw tooLarge();
    if (error instanceof PatchlineError) throw error;
    throw new PatchlineError('input', name, `is not a readable compressed document (${(error as Error).message})`);
  }
}

function readXz(path: string, name: string, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn('xz', ['--decompress', '--stdout', '--single-stream'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let length = 0;
    let stderr = '';
    let failure: PatchlineError | undefined;
    child.on('error', (error: NodeJS.ErrnoException) => {
      failure = new PatchlineError(
        'input',
        name,
        error.code === 'ENOENT'
          ? 'is xz-compressed and the xz program is not installed'
          : `cannot be decompressed (${error.message})`,
      );
    });
    child.stdout.on('data', (chunk: Buffer) => {
      length += chunk.length;
      if (length > maxBytes) {
        failure ??= new PatchlineError('limit', name, `decompresses to more than the ${maxBytes}-byte document limit`);
        child.kill();
        return;
      }
      chunks.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8').slice(0, 500);
    });
    const input = createReadStream(path);
    input.on('error', (error) => child.stdin.destroy(error));
    child.stdin.on('error', () => undefined);
    input.pipe(child.stdin);
    child.on('close', (code) => {
      if (failure !== undefined) reject(failure);
      else if (code !== 0) {
        const why = stderr.replace(/^xz: \(stdin\): /, '').trim() || `xz exited with ${code}`;
        reject(new PatchlineError('input', name, `is not valid xz data (${why})`));
      } else resolve(Buffer.concat(chunks));
    });
  });
}
