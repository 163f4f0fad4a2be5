import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { formatSchemaError } from './schema-issue.js';

const schema = z.strictObject({
  spec: z.strictObject({ exceptions: z.array(z.strictObject({ status: z.string() })) }),
});

function failure(value: unknown, type: z.ZodType = schema): z.ZodError {
  const result = type.safeParse(value);
  if (result.success) throw new Error('expected a failure');
  return result.error;
}

describe('formatSchemaError', () => {
  it('names the path as a reader writes it, a missing field as required and an unknown key at the key', () => {
    expect(formatSchemaError(failure({ spec: { exceptions: [{ status: 'open' }, {}] } }))).toBe(
      'spec.exceptions[1].status: is required',
    );
    expect(formatSchemaError(failure({ spec: { exceptions: [], evil: 1 } }))).toBe('spec.evil: unknown key');
  });

  it('names up to `limit` problems, then counts the rest', () => {
    const error = failure({ spec: { exceptions: [{}, {}, {}] } });
    expect(formatSchemaError(error, { limit: 2 })).toBe(
      'spec.exceptions[0].status: is required; spec.exceptions[1].status: is required; and 1 more',
    );
  });

  it('reads paths from the top of a larger document, and names the whole value as told', () => {
    expect(formatSchemaError(failure({ spec: 1 }), { within: ['predicate'] })).toMatch(/^predicate\.spec: /);
    expect(formatSchemaError(failure(5), { whole: 'body' })).toMatch(/^body: /);
    expect(formatSchemaError(failure(5))).toMatch(/^\(document\): /);
  });
});
