import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { isMap, LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { PatchlineError } from '../errors.js';
import { type Policy, policySchema } from './policy-document.js';

/** A policy as read from its file: the document and the digest of the bytes the verdict was made under. */
export interface LoadedPolicy {
  path: string;
  /** `sha256:…` of the file's bytes, so evidence names exactly the policy that was applied. */
  digest: string;
  policy: Policy;
}

// A policy is a few kilobytes; a far larger file is a mistake, or an attack on the YAML parser.
const MAX_POLICY_BYTES = 1024 * 1024;
const MAX_ISSUES = 5;

/** Reads, parses and checks a policy file; every problem is a PatchlineError naming the file and the path in it. */
export async function loadPolicy(path: string): Promise<LoadedPolicy> {
  let bytes: Buffer;
  try {
    if ((await stat(path)).size > MAX_POLICY_BYTES) throw tooLarge(path);
    bytes = await readFile(path);
  } catch (error) {
    if (error instanceof PatchlineError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new PatchlineError(code === 'ENOENT' ? 'not-found' : 'input', path, `cannot be read (${code ?? error})`);
  }
  if (bytes.length > MAX_POLICY_BYTES) throw tooLarge(path);
  const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  return { path, digest, policy: parsePolicy(bytes.toString('utf8'), path) };
}

/** Parses a policy document's text; `input` names it in errors. */
export function parsePolicy(text: string, input: string): Policy {
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
    throw new PatchlineError(
      'input',
      input,
      'expected a Policy document (a mapping with apiVersion, kind, metadata, spec)',
    );
  }
  const result = policySchema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.slice(0, MAX_ISSUES).map((issue) => describeIssue(issue, document, lines));
  const more = result.error.issues.length - MAX_ISSUES;
  throw new PatchlineError('input', input, `${problems.join('; ')}${more > 0 ? `; and ${more} more` : ''}`);
}

function describeIssue(
  issue: z.core.$ZodIssue,
  document: ReturnType<typeof parseDocument>,
  lines: LineCounter,
): string {
  let path = issue.path.map(String);
  let message = issue.message;
  if (issue.code === 'unrecognized_keys') {
    // Named at the key itself, which is what the reader has to delete or correct.
    path = [...path, issue.keys[0] ?? ''];
    message = issue.keys.length > 1 ? `unknown keys ${issue.keys.join(', ')}` : 'unknown key';
  } else if (issue.code === 'invalid_type' && issue.input === undefined) {
    message = 'is required';
  }
  const node = document.getIn(path, true) as { range?: [number, number, number] } | undefined;
  const parent = document.getIn(path.slice(0, -1), true);
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

/** `spec.exceptions[0].status`, as a reader of the YAML would write the path. */
function formatPath(path: string[]): string {
  if (path.length === 0) return '(document)';
  return path.map((key, i) => (/^\d+$/.test(key) ? `[${key}]` : i === 0 ? key : `.${key}`)).join('');
}

function tooLarge(path: string): PatchlineError {
  return new PatchlineError('limit', path, `is larger than ${MAX_POLICY_BYTES} bytes, the limit for a policy file`);
}
