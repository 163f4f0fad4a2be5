import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { createGunzip } from 'node:zlib';
import { extract } from 'tar-stream';
import type { AdvisoryRecord, AdvisorySource, Importer, ImportProblem } from '../../src/advisories/advisory.js';
import type { AdvisoryDatabase } from '../../src/advisories/database.js';
import { IMPORTERS } from '../../src/advisories/importers/index.js';

/** The JSON documents of a `.tar.gz` (AlmaLinux's OSV database tarball), as name and text. */
async function* tarGzJson(path: string): AsyncGenerator<[string, string]> {
  const { createReadStream } = await import('node:fs');
  const archive = extract();
  createReadStream(path).pipe(createGunzip()).pipe(archive);
  for await (const entry of archive) {
    const chunks: Buffer[] = [];
    for await (const chunk of entry) chunks.push(chunk as Buffer);
    if (entry.header.type === 'file' && entry.header.name.endsWith('.json'))
      yield [`${path}!${entry.header.name}`, Buffer.concat(chunks).toString('utf8')];
  }
}

/**
 * Imports real publisher files (JSON documents, or a `.tar.gz` of them) into a database with the real importers, each
 * document offered to the first importer that recognises it, and one write per source, as `db import` does.
 */
export async function importFixtures(
  db: AdvisoryDatabase,
  paths: readonly string[],
  at = '2026-08-21T00:00:00.000Z',
  importers: readonly Importer[] = IMPORTERS,
): Promise<{ records: number; problems: ImportProblem[] }> {
  const bySource = new Map<AdvisorySource, AdvisoryRecord[]>();
  const problems: ImportProblem[] = [];
  for (const path of paths) {
    const documents = path.endsWith('.tar.gz')
      ? tarGzJson(path)
      : (async function* () {
          yield [path, await readFile(path, 'utf8')] as [string, string];
        })();
    for await (const [name, text] of documents) {
      const document: unknown = JSON.parse(text);
      const importer = importers.find((candidate) => candidate.detect(document, basename(name)));
      if (!importer) throw new Error(`${name}: no importer recognises this fixture`);
      const result = importer.parse(document, name);
      problems.push(...result.problems);
      const list = bySource.get(importer.source) ?? [];
      list.push(...result.records);
      bySource.set(importer.source, list);
    }
  }
  let records = 0;
  for (const [source, list] of bySource) {
    db.write(source, { records: list, problems: [] }, { at, origin: 'fixtures' });
    records += list.length;
  }
  return { records, problems };
}
