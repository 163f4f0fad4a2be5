import { describe, expect, it } from 'vitest';
import type { ComplianceFacts } from './gate-inputs.js';
import type { XccdfResult } from './gate-result.js';
import { complianceRule } from './rule-compliance.js';
import { parseXccdfResults } from './xccdf-results.js';

const NOW = Date.parse('2026-09-01T00:00:00Z');
const R = 'xccdf_org.ssgproject.content_rule_';
const spec = { datastream: 'ds.xml', profile: 'xccdf_p_profile_x' };

function facts(results: Array<[string, XccdfResult]>): ComplianceFacts {
  return {
    datastream: { path: 'ds.xml', digest: `sha256:${'a'.repeat(64)}` },
    profile: 'xccdf_p_profile_x',
    scanner: 'oscap 1.3.7',
    results: results.map(([rule, result]) => ({ rule: `${R}${rule}`, result })),
    warnings: [],
  };
}

describe('the compliance rule', () => {
  it('fails closed on error and unknown, and judges nothing by notapplicable, notchecked or informational', () => {
    const { rule, outcome } = complianceRule(
      spec,
      facts([
        ['a', 'pass'],
        ['b', 'error'],
        ['c', 'unknown'],
        ['d', 'notapplicable'],
        ['e', 'notchecked'],
        ['f', 'informational'],
      ]),
      NOW,
    );
    expect(rule.outcome).toBe('fail');
    expect(outcome?.failing).toEqual([`${R}b`, `${R}c`]);
    expect(rule.message).toBe('profile xccdf_p_profile_x: 2 rule(s) fail: b, c');
  });

  it('fails when no rule was judged, and passes with only passes', () => {
    const none = complianceRule(spec, facts([['d', 'notapplicable']]), NOW).rule;
    expect(none).toMatchObject({ outcome: 'fail', message: expect.stringContaining('judged no rule') });
    expect(complianceRule(spec, facts([]), NOW).rule.outcome).toBe('fail');
    expect(
      complianceRule(
        spec,
        facts([
          ['a', 'pass'],
          ['b', 'fixed'],
        ]),
        NOW,
      ).rule.outcome,
    ).toBe('pass');
  });

  it('an exception waives a failing rule until it expires; one for a passing rule is unused', () => {
    const exception = (rule: string, expires: string) => ({
      rule: `${R}${rule}`,
      justification: 'j',
      approver: 'a@example.com',
      expires,
    });
    const waived = complianceRule(
      { ...spec, exceptions: [exception('b', '2026-09-02'), exception('a', '2027-01-01')] },
      facts([
        ['a', 'pass'],
        ['b', 'error'],
      ]),
      NOW,
    );
    expect(waived.rule.outcome).toBe('pass');
    expect(waived.outcome?.exceptions.map((e) => e.state)).toEqual(['active', 'unused']);
    // Expiry is an instant: a bare date is its start, 00:00 UTC.
    const expired = complianceRule(
      { ...spec, exceptions: [exception('b', '2026-09-01')] },
      facts([
        ['a', 'pass'],
        ['b', 'fail'],
      ]),
      NOW,
    );
    expect(expired.rule.outcome).toBe('fail');
    expect(expired.outcome?.failing).toEqual([`${R}b`]);
    expect(expired.rule.message).toContain('1 exception(s) expired: b (expired 2026-09-01');
  });

  it('is not-configured without a compliance section, and fails when set but never evaluated', () => {
    expect(complianceRule(undefined, undefined, NOW).rule.outcome).toBe('not-configured');
    expect(complianceRule(spec, undefined, NOW).rule).toMatchObject({
      outcome: 'fail',
      message: expect.stringContaining('was not evaluated'),
    });
  });
});

describe('the XCCDF results reader', () => {
  const doc = (results: string) =>
    `<Benchmark><TestResult id="t"><profile idref="xccdf_p_profile_x"/>${results}</TestResult></Benchmark>`;

  it('reads each rule-result, prefixed or not', () => {
    const parsed = parseXccdfResults(
      doc(
        '<rule-result idref="r1" role="full"><result>pass</result></rule-result><x:rule-result idref="r2"><x:result>notselected</x:result></x:rule-result>',
      ),
      'r.xml',
    );
    expect(parsed).toEqual({
      profile: 'xccdf_p_profile_x',
      results: [
        { rule: 'r1', result: 'pass' },
        { rule: 'r2', result: 'notselected' },
      ],
    });
  });

  it('refuses a result it does not know and a document with no TestResult', () => {
    expect(() =>
      parseXccdfResults(doc('<rule-result idref="r1"><result>maybe</result></rule-result>'), 'r.xml'),
    ).toThrow('r.xml: has rule-result r1 with result "maybe"');
    expect(() => parseXccdfResults('<Benchmark/>', 'r.xml')).toThrow('r.xml: has no XCCDF TestResult');
  });
});
