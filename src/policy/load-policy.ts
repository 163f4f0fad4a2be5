import { createHash } from 'node:crypto';
import { parseYamlDocument, readDocumentFile } from '../core/index.js';
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
  const bytes = await readDocumentFile(path, MAX_POLICY_BYTES, 'policy');
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
