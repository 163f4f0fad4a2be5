import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { PatchlineError } from '../errors.js';
import { parseYamlDocument } from '../yaml-document.js';
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
  return parseYamlDocument(
    text,
    input,
    policySchema,
    'a Policy document (a mapping with apiVersion, kind, metadata, spec)',
  );
}

function tooLarge(path: string): PatchlineError {
  return new PatchlineError('limit', path, `is larger than ${MAX_POLICY_BYTES} bytes, the limit for a policy file`);
}
