import { readFile, stat } from 'node:fs/promises';
import { type Document, LineCounter, parseAllDocuments } from 'yaml';
import type { z } from 'zod';
import { describeIssue, PatchlineError } from '../core/index.js';

// A resource file is a few kilobytes; anything far larger is a mistake (or an attack on the YAML parser).
const MAX_FILE_BYTES = 4 * 1024 * 1024;

/**
 * The documents of an `apply -f` file: YAML (one or many, `---` separated; JSON is YAML too) or a `…List` document
 * with `items`, each checked against the resource's own schema before anything is sent, so a typo in the third
 * document does not leave the first two applied.
 */
export async function readResourceDocuments<T>(file: string, kind: string, schema: z.ZodType<T>): Promise<T[]> {
  const documents = await readKindsOfDocuments(file, [{ kind, schema }]);
  return documents.map((document) => document.item as T);
}

/**
 * The documents of a file that may hold several kinds (`fleet apply -f` takes Fleets and the Pipelines that promote
 * to them), each checked against its own kind's schema; in the file's order.
 */
export async function readKindsOfDocuments(
  file: string,
  kinds: ReadonlyArray<{ kind: string; schema: z.ZodType<unknown> }>,
): Promise<Array<{ kind: string; item: unknown }>> {
  const names = kinds.map((each) => each.kind);
  const text = await readText(file);
  const lines = new LineCounter();
  let parsed: ReturnType<typeof parseAllDocuments>;
  try {
    parsed = parseAllDocuments(text, { lineCounter: lines });
  } catch (error) {
    throw new PatchlineError('input', file, `is not YAML or JSON (${(error as Error).message})`);
  }
  const documents = Array.isArray(parsed) ? parsed : [parsed];
  // Each item with the document it came from and where in it, so a problem can be named by its line.
  const items: Array<{ item: unknown; document: Document; within: Array<string | number> }> = [];
  for (const [index, document] of documents.entries()) {
    const error = document.errors[0];
    if (error !== undefined) {
      throw new PatchlineError('input', `${file} (document ${index + 1})`, `is not YAML or JSON: ${error.message}`);
    }
    let value: unknown;
    try {
      // A bounded alias count stops "billion laughs" expansion.
      value = document.toJS({ maxAliasCount: 100 });
    } catch (error) {
      throw new PatchlineError('input', `${file} (document ${index + 1})`, (error as Error).message);
    }
    if (value === null || value === undefined) continue;
    items.push(
      ...unwrapList(value, names).map((item, at) => ({ item, document, within: item === value ? [] : ['items', at] })),
    );
  }
  const wanted = names.join(' or ');
  if (items.length === 0) throw new PatchlineError('input', file, `holds no ${wanted} document`);
  return items.map(({ item, document, within }, index) => {
    const actual = (item as { kind?: unknown } | null)?.kind;
    const kind = kinds.find((each) => each.kind === actual);
    const where = `${file} (${typeof actual === 'string' ? actual : 'document'} ${index + 1})`;
    if (kind === undefined) {
      throw new PatchlineError('input', where, `has kind ${JSON.stringify(actual)}; this command applies ${wanted}`);
    }
    const result = kind.schema.safeParse(item);
    if (!result.success) {
      // Named by path and line, as policy and pipeline documents are (src/core/yaml-document.ts).
      const issue = result.error.issues[0];
      const problem = issue === undefined ? 'invalid' : describeIssue(issue, document, lines, within);
      throw new PatchlineError('input', where, problem);
    }
    // Sent as written, not as parsed: the schema drops fields it does not know, such as metadata.resourceVersion,
    // which the server checks so that applying an old copy cannot overwrite a newer change.
    return { kind: kind.kind, item };
  });
}

function unwrapList(value: unknown, kinds: readonly string[]): unknown[] {
  const list = value as { kind?: unknown; items?: unknown };
  const listed = kinds.some((kind) => list?.kind === `${kind}List`);
  return listed && Array.isArray(list.items) ? list.items : [value];
}

async function readText(file: string): Promise<string> {
  let buffer: Buffer;
  try {
    if (file !== '-' && (await stat(file)).size > MAX_FILE_BYTES) throw tooLarge(file);
    buffer = file === '-' ? await readStdin() : await readFile(file);
  } catch (error) {
    if (error instanceof PatchlineError) throw error;
    throw new PatchlineError(
      'input',
      file,
      `cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    );
  }
  if (buffer.length > MAX_FILE_BYTES) throw tooLarge(file);
  return buffer.toString('utf8');
}

function tooLarge(file: string): PatchlineError {
  return new PatchlineError('limit', file, `is larger than ${MAX_FILE_BYTES} bytes, the limit for a resource file`);
}

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    size += (chunk as Buffer).length;
    if (size > MAX_FILE_BYTES) throw tooLarge('-');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
