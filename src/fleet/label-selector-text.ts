import { type LabelSelector, labelKeySchema, labelValueSchema } from './labels.js';

/**
 * A label selector as Kubernetes writes it in a URL (`?labelSelector=`) and kubectl in `-l`: requirements separated
 * by commas, each `key=value`, `key==value`, `key!=value`, `key in (a,b)`, `key notin (a,b)`, `key` or `!key`.
 * `key!=value` selects hosts without the key too, as NotIn does. The empty text selects everything.
 */
export type ParsedSelector = { ok: true; selector: LabelSelector } | { ok: false; problem: string };

const SET = /^([^\s!=(),]+)\s+(in|notin)\s*\(([^()]*)\)$/;
const EQUALITY = /^([^\s!=(),]+)\s*(==|=|!=)\s*([^\s!=(),]*)$/;
const EXISTENCE = /^(!?)\s*([^\s!=(),]+)$/;

export function parseLabelSelector(text: string): ParsedSelector {
  const matchLabels: Record<string, string> = {};
  const matchExpressions: NonNullable<LabelSelector['matchExpressions']> = [];
  for (const part of splitRequirements(text)) {
    const requirement = part.trim();
    const set = SET.exec(requirement);
    const equality = EQUALITY.exec(requirement);
    const existence = EXISTENCE.exec(requirement);
    let key: string;
    let values: string[] = [];
    if (set !== null) {
      key = set[1] as string;
      values = (set[3] as string).split(',').map((value) => value.trim());
      if (values.some((value) => value === '')) return failed(requirement, 'a set needs values between its commas');
      matchExpressions.push({ key, operator: set[2] === 'in' ? 'In' : 'NotIn', values });
    } else if (equality !== null) {
      key = equality[1] as string;
      values = [equality[3] as string];
      if (equality[2] === '!=') matchExpressions.push({ key, operator: 'NotIn', values });
      else if (matchLabels[key] !== undefined && matchLabels[key] !== values[0]) {
        return failed(requirement, `${key} is already required to be ${matchLabels[key]}`);
      } else matchLabels[key] = values[0] as string;
    } else if (existence !== null) {
      key = existence[2] as string;
      matchExpressions.push({ key, operator: existence[1] === '!' ? 'DoesNotExist' : 'Exists' });
    } else {
      return failed(requirement, 'expected key=value, key!=value, key in (a,b), key notin (a,b), key or !key');
    }
    if (!labelKeySchema.safeParse(key).success) return failed(requirement, `${key} is not a label key`);
    const badValue = values.find((value) => !labelValueSchema.safeParse(value).success);
    if (badValue !== undefined) return failed(requirement, `${badValue} is not a label value`);
  }
  const selector: LabelSelector = {};
  if (Object.keys(matchLabels).length > 0) selector.matchLabels = matchLabels;
  if (matchExpressions.length > 0) selector.matchExpressions = matchExpressions;
  return { ok: true, selector };
}

/** Splits on the commas between requirements, not those inside a set's parentheses. */
function splitRequirements(text: string): string[] {
  if (text.trim() === '') return [];
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let index = 0; index < text.length; index++) {
    const char = text[index];
    if (char === '(') depth++;
    else if (char === ')') depth--;
    else if (char === ',' && depth === 0) {
      parts.push(text.slice(start, index));
      start = index + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

function failed(requirement: string, problem: string): ParsedSelector {
  return { ok: false, problem: `${requirement === '' ? 'an empty requirement' : requirement}: ${problem}` };
}
