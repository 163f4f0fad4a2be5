import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';

/** The bytes of one file found in a tree: held in memory, or spooled to a temporary file for large consumers. */
export class FileContent {
  private constructor(
    readonly size: number,
    private readonly buffer?: Buffer,
    private readonly file?: string,
  ) {}

  static inMemory(buffer: Buffer): FileContent {
    return new FileContent(buffer.length, buffer);
  }

  static onDisk(file: string, size: number): FileContent {
    return new FileContent(size, undefined, file);
  }

  /** The path of the spooled copy, for consumers that need a real file (e.g. an SQLite engine); undefined in memory. */
  get spoolPath(): string | undefined {
    return this.file;
  }

  async bytes(): Promise<Buffer> {
    if (this.buffer) return this.buffer;
    return readFile(this.file!);
  }

  async text(): Promise<string> {
    return (await this.bytes()).toString('utf8');
  }

  stream(): Readable {
    if (this.buffer) return Readable.from([this.buffer]);
    return createReadStream(this.file!);
  }
}
