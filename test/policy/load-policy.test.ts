import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { PatchlineError } from '../../src/core/index.js';
import { loadPolicy, parsePolicy } from '../../src/policy/load-policy.js';
import { policyJsonSchema } from '../../src/policy/policy-document.js';
import { tempDir } from '../helpers/tmp.js';

const ROOT = resolve(import.meta.dirname, '../..');
const HEAD = 'apiVersion: patchline.dev/v1\nkind: Policy\nmetadata:\n  name: prod\nspec:\n';

function problem(text: string): string {
  try {
    parsePolicy(text, 'policy.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(PatchlineError);
    return (error as PatchlineError).message;
  }
  throw new Error('the policy was accepted');
}

describe('policy document', () => {
  it('reads every rule, 0 as a duration included', () => {
    const policy = parsePolicy(
      `${HEAD}  fixes: {maxAge: 0}\n  unfixed: fail\n  image: {maxAge: 2w}\n  base: {mustBeLatest: quay.io/fedora/fedora-bootc:41}\n  kernel: {mustBeLatest: true}\n  database: {maxAge: 1d12h}\n  packages: {forbidden: [gcc*], required: [greenboot]}\n`,
      'p',
    );
    expect(policy.spec).toEqual({
      fixes: { maxAge: 0 },
      unfixed: 'fail',
      image: { maxAge: '2w' },
      base: { mustBeLatest: 'quay.io/fedora/fedora-bootc:41' },
      kernel: { mustBeLatest: true },
      database: { maxAge: '1d12h' },
      packages: { forbidden: ['gcc*'], required: ['greenboot'] },
    });
  });

  it('names the file, the path in the document and the line of a bad duration', () => {
    expect(problem(`${HEAD}  fixes:\n    maxAge: 3 days\n`)).toBe(
      `policy.yaml: spec.fixes.maxAge: expected a duration like 72h, 30d, 2w or 1h30m (units w, d, h, m, s; 0 for none; at most 3650d) (line 7)`,
    );
    expect(problem(`${HEAD}  image: {maxAge: 3651d}\n`)).toMatch(/spec\.image\.maxAge: .*at most 3650d/);
    expect(problem(`${HEAD}  database: {maxAge: 5}\n`)).toMatch(
      /^policy\.yaml: spec\.database\.maxAge: expected a duration like 72h/,
    );
  });

  it('rejects unknown keys at the key, so a misspelt rule is never silently ignored', () => {
    expect(problem(`${HEAD}  fixes:\n    maxage: 3d\n`)).toContain('spec.fixes.maxage: unknown key (line 7)');
    expect(problem(`${HEAD}  kernels: {mustBeLatest: true}\n`)).toContain('spec.kernels: unknown key (line 6)');
    expect(problem(`${HEAD.replace('spec:\n', 'spec: {}\nstatus: {}\n')}`)).toContain('status: unknown key');
  });

  it('requires every exception field but package, and a real date', () => {
    const message = problem(
      `${HEAD}  exceptions:\n    - id: CVE-2024-1\n      status: wontfix\n      expires: next week\n`,
    );
    expect(message).toContain('spec.exceptions[0].status: expected one of not_affected, affected, fixed');
    expect(message).toContain('spec.exceptions[0].justification: is required');
    expect(message).toContain('spec.exceptions[0].approver: is required');
    expect(message).toContain('spec.exceptions[0].expires: expected a date (2026-12-31)');
  });

  it('checks apiVersion, kind and the name', () => {
    expect(problem(HEAD.replace('v1', 'v2'))).toContain('apiVersion: expected patchline.dev/v1');
    expect(problem(HEAD.replace('Policy', 'Fleet'))).toContain('kind: expected Policy');
    expect(problem(HEAD.replace('name: prod', 'name: Prod Images'))).toContain(
      'metadata.name: expected a lower-case name',
    );
  });

  it('reports YAML syntax errors with their position, and refuses alias bombs and non-mappings', () => {
    expect(problem(`${HEAD}  fixes: {maxAge: [1\n`)).toMatch(
      /^policy\.yaml: is not valid YAML \(line \d+, column \d+\)/,
    );
    expect(problem('- a\n- b\n')).toContain('expected a Policy document');
    const bomb = [
      'a: &a [x, x, x, x, x, x, x, x, x, x]',
      ...Array.from(
        { length: 8 },
        (_, i) =>
          `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}]`,
      ),
    ].join('\n');
    expect(problem(bomb)).toMatch(/alias/i);
  });

  it('gives the sha256 of the file bytes as the policy digest, and refuses oversized and missing files', async () => {
    const dir = await tempDir('patchline-policy-');
    const file = join(dir, 'p.yaml');
    const text = `${HEAD}  fixes: {maxAge: 72h}\n`;
    await writeFile(file, text);
    const { createHash } = await import('node:crypto');
    const loaded = await loadPolicy(file);
    expect(loaded.digest).toBe(`sha256:${createHash('sha256').update(text).digest('hex')}`);
    await writeFile(file, `${text}#${'x'.repeat(2 * 1024 * 1024)}\n`);
    await expect(loadPolicy(file)).rejects.toMatchObject({ kind: 'limit', input: file });
    await expect(loadPolicy(join(dir, 'absent.yaml'))).rejects.toMatchObject({ kind: 'not-found' });
  });
});

describe('published JSON Schema', () => {
  it('schemas/policy-v1.json is the schema generated from the zod one (regenerate: patchline gate --print-schema)', async () => {
    const committed = JSON.parse(await readFile(join(ROOT, 'schemas/policy-v1.json'), 'utf8')) as unknown;
    expect(committed).toEqual(policyJsonSchema());
  });

  it('accepts examples/policy.yaml, which the loader accepts too, and rejects what the loader rejects', async () => {
    const validate = new Ajv2020({ strict: false }).compile(policyJsonSchema());
    const example = await readFile(join(ROOT, 'examples/policy.yaml'), 'utf8');
    expect(validate(parse(example))).toBe(true);
    expect(parsePolicy(example, 'examples/policy.yaml').metadata.name).toBe('production');
    for (const bad of [
      `${HEAD}  fixes: {maxAge: 3 days}\n`,
      `${HEAD}  fixes: {maxage: 3d}\n`,
      `${HEAD}  unfixed: ignore\n`,
    ]) {
      expect(validate(parse(bad))).toBe(false);
      expect(() => parsePolicy(bad, 'p')).toThrow(PatchlineError);
    }
  });
});
