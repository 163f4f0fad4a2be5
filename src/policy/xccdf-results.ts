import { PatchlineError } from '../core/index.js';
import type { XccdfResult } from './gate-result.js';

const RESULTS: ReadonlySet<string> = new Set<XccdfResult>([
  'pass',
  'fail',
  'error',
  'unknown',
  'notapplicable',
  'notchecked',
  'notselected',
  'informational',
  'fixed',
]);

export interface XccdfTestResult {
  /** The profile the TestResult says was evaluated. */
  profile?: string;
  /** Each rule-result, notselected ones included, in document order. */
  results: Array<{ rule: string; result: XccdfResult }>;
}

// oscap writes its results file in one fixed shape (XCCDF 1.2, default namespace or a prefix): a regular grammar for
// the two elements read here, so a small strict reader beats an XML library. Anything unexpected is an error.
const RULE_RESULT = /<(?:[\w-]+:)?rule-result\b([^>]*)>([\s\S]*?)<\/(?:[\w-]+:)?rule-result>/g;
const RESULT = /<(?:[\w-]+:)?result>\s*([^<\s]*)\s*<\/(?:[\w-]+:)?result>/;
const IDREF = /\bidref="([^"]+)"/;
const PROFILE = /<(?:[\w-]+:)?TestResult\b[\s\S]*?<(?:[\w-]+:)?profile\b[^>]*\bidref="([^"]+)"/;

/** The rule results of an XCCDF results document (`oscap xccdf eval --results`); `input` names it in errors. */
export function parseXccdfResults(xml: string, input: string): XccdfTestResult {
  if (!/<(?:[\w-]+:)?TestResult\b/.test(xml)) {
    throw new PatchlineError('input', input, 'has no XCCDF TestResult: not the results of an evaluation');
  }
  const results: XccdfTestResult['results'] = [];
  for (const match of xml.matchAll(RULE_RESULT)) {
    const rule = IDREF.exec(match[1] ?? '')?.[1];
    const result = RESULT.exec(match[2] ?? '')?.[1];
    if (rule === undefined) throw new PatchlineError('input', input, 'has a rule-result without an idref');
    if (result === undefined || !RESULTS.has(result)) {
      throw new PatchlineError(
        'input',
        input,
        `has rule-result ${rule} with result "${result ?? ''}"; expected one of ${[...RESULTS].join(', ')}`,
      );
    }
    results.push({ rule, result: result as XccdfResult });
  }
  const profile = PROFILE.exec(xml)?.[1];
  return profile === undefined ? { results } : { profile, results };
}
