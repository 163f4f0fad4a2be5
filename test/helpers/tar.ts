import { pack } from 'tar-stream';

export type TarSpec =
  | { name: string; type?: 'file'; content: string | Buffer; mode?: number; uid?: number; gid?: number }
  | { name: string; type: 'dir'; mode?: number }
  | { name: string; type: 'symlink'; target: string }
  | { name: string; type: 'link'; target: string };

/** Builds real tar bytes with tar-stream, the way an image builder writes a layer. */
export async function makeTar(entries: TarSpec[]): Promise<Buffer> {
  const archive = pack();
  const chunks: Buffer[] = [];
  archive.on('data', (chunk: unknown) => chunks.push(chunk as Buffer));
  const ended = new Promise<void>((resolve, reject) => {
    archive.on('end', () => resolve());
    archive.on('error', reject);
  });
  for (const entry of entries) {
    const base = { name: entry.name, mtime: new Date(0), uid: 0, gid: 0 };
    if (entry.type === 'dir') archive.entry({ ...base, type: 'directory', mode: entry.mode ?? 0o755 });
    else if (entry.type === 'symlink') archive.entry({ ...base, type: 'symlink', linkname: entry.target });
    else if (entry.type === 'link') archive.entry({ ...base, type: 'link', linkname: entry.target });
    else {
      const content = typeof entry.content === 'string' ? Buffer.from(entry.content) : entry.content;
      const owner = { uid: entry.uid ?? 0, gid: entry.gid ?? 0 };
      archive.entry({ ...base, ...owner, type: 'file', mode: entry.mode ?? 0o644, size: content.length }, content);
    }
  }
  archive.finalize();
  await ended;
  return Buffer.concat(chunks);
}
