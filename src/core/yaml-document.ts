import { readFile, stat } from 'node:fs/promises';
import { isMap, LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { PatchlineError } from './errors.js';
import { formatPath, issuePath } from './schema-issue.js';

const MAX_ISSUES = 5;

/**
 * The bytes of a document a person wrote (a Policy, a Pipeline): a few kilobytes, so a file past `limitBytes` is a
 * mistake or an attack on the YAML parser, refused before it is read whole. `what` names the kind in the message.
 */
export async function readDocumentFile(path: string, limitBytes: number, what: string): Promise<Buffer> {
  const tooLarge = () =>
    new PatchlineError('limit', path, `is larger than ${limitBytes} bytes, the limit for a ${what} file`);
  let bytes: Buffer;
  try {
    if ((await stat(path)).size > limitBytes) throw tooLarge();
    bytes = await readFile(path);
  } catch (error) {
    if (error instanceof PatchlineError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new PatchlineError(code === 'ENOENT' ? 'not-found' : 'input', path, `cannot be read (${code ?? error})`);
  }
  if (bytes.length > limitBytes) throw tooLarge();
  return bytes;
}

/**
 * Parses one YAML document written by a person (a Policy, a Pipeline) against its schema. Every problem is a
 * PatchlineError naming `input`, the path in the document as its author would write it and the line:
 * `pipeline.yaml: spec.trigers: unknown key (line 6)`.
 */
export function parseYamlDocument<T>(text: string, input: string, schema: z.ZodType<T>, expected: string): T {
  const lines = new LineCounter();
  const document = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const syntax = document.errors[0];
  if (syntax !== undefined) {
    const at = lines.linePos(syntax.pos[0]);
    throw new PatchlineError(
      'input',
      input,
      `is not valid YAML (line ${at.line}, column ${at.col}): ${syntax.message}`,
    );
  }
  let value: unknown;
  try {
    // A bounded alias count stops "billion laughs" expansion.
    value = document.toJS({ maxAliasCount: 100 });
  } catch (error) {
    throw new PatchlineError('input', input, (error as Error).message);
  }
  if (value === null || value === undefined || typeof value !== 'object' || Array.isArray(value)) {
    throw new PatchlineError('input', input, `expected ${expected}`);
  }
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.slice(0, MAX_ISSUES).map((issue) => describeIssue(issue, document, lines));
  const more = result.error.issues.length - MAX_ISSUES;
  throw new PatchlineError('input', input, `${problems.join('; ')}${more > 0 ? `; and ${more} more` : ''}`);
}

/**
 * One schema problem of a YAML document as `path: problem (line N)`. `within` is where the checked value sits in the
 * document (`['items', 2]` for the third item of a List); the path shown is the value's own.
 */
export function describeIssue(
  issue: z.core.$ZodIssue,
  document: Pick<ReturnType<typeof parseDocument>, 'getIn'>,
  lines: LineCounter,
  within: readonly (string | number)[] = [],
): string {
  const described = issuePath(issue);
  const path = described.path.map(String);
  const message = described.message;
  const full = [...within.map(String), ...path];
  const node = document.getIn(full, true) as { range?: [number, number, number] } | undefined;
  const parent = document.getIn(full.slice(0, -1), true);
  // The key's own position for an unknown key, the value's otherwise; the parent mapping's when the key is missing.
  let offset = node?.range?.[0];
  if (isMap(parent)) {
    const pair = parent.items.find((item) => String((item.key as { value?: unknown })?.value) === path.at(-1));
    const keyRange = (pair?.key as { range?: [number, number, number] } | undefined)?.range;
    if (keyRange) offset = keyRange[0];
    else if (offset === undefined) offset = parent.range?.[0];
  }
  const where = offset === undefined ? '' : ` (line ${lines.linePos(offset).line})`;
  return `${formatPath(path)}: ${message}${where}`;
}
