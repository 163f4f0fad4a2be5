import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { projectRoot } from './cli.js';

/*
 * Microsoft's SARIF multitool (npm @microsoft/sarif-multitool-linux) with the rules GitHub code scanning applies when it
 * ingests an upload (`--rule-kind "Gh;Sarif"`). It writes its verdict as a SARIF log of its own; a result of level
 * `error` there is a file GitHub would reject or misread.
 */

const run = promisify(execFile);
const MULTITOOL = join(projectRoot, 'node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool');

export interface MultitoolResult {
  ruleId: string;
  level?: string;
  /** What the finding says, with the rule's message string filled in. */
  text: string;
  file: string;
}

interface MultitoolLog {
  runs: Array<{
    tool: { driver: { rules?: Array<{ id: string; messageStrings?: Record<string, { text: string }> }> } };
    invocations?: Array<{ executionSuccessful: boolean }>;
    results?: Array<{
      ruleId: string;
      level?: string;
      message: { text?: string; id?: string; arguments?: string[] };
      locations?: Array<{ physicalLocation?: { artifactLocation?: { uri?: string } } }>;
    }>;
  }>;
}

/** Runs the multitool on the files and returns its findings, every level included. */
export async function sarifMultitool(files: string[], out: string): Promise<MultitoolResult[]> {
  const args = ['validate', '--rule-kind', 'Gh;Sarif', '--level', 'Error;Warning;Note', '--log', 'ForceOverwrite'];
  await run(MULTITOOL, [...args, '-o', out, ...files], {
    env: { ...process.env, DOTNET_SYSTEM_GLOBALIZATION_INVARIANT: '1' },
    maxBuffer: 64 * 1024 * 1024,
  });
  const log = JSON.parse(await readFile(out, 'utf8')) as MultitoolLog;
  const [validation] = log.runs;
  if (!validation) throw new Error(`${out}: the multitool wrote no run`);
  if (validation.invocations?.[0]?.executionSuccessful !== true)
    throw new Error(`${out}: the multitool did not finish its run`);
  const rules = new Map((validation.tool.driver.rules ?? []).map((rule) => [rule.id, rule]));
  return (validation.results ?? []).map((result) => {
    const template = result.message.id
      ? rules.get(result.ruleId)?.messageStrings?.[result.message.id]?.text
      : undefined;
    const text = (template ?? result.message.text ?? '').replace(
      /\{(\d+)\}/g,
      (_match, index: string) => result.message.arguments?.[Number(index)] ?? '',
    );
    const uri = result.locations?.[0]?.physicalLocation?.artifactLocation?.uri ?? '';
    return { ruleId: result.ruleId, level: result.level ?? 'warning', text, file: uri.split('/').pop() ?? uri };
  });
}

/** One line per rule and file (the multitool repeats a note for every result), for assertion messages. */
export function describeMultitoolResults(results: MultitoolResult[]): string {
  const lines = new Map<string, { text: string; count: number }>();
  for (const result of results) {
    const key = `${result.level} ${result.ruleId} ${result.file}`;
    const line = lines.get(key);
    if (line) line.count += 1;
    else lines.set(key, { text: result.text, count: 1 });
  }
  return [...lines].map(([key, line]) => `${key} (${line.count}x): ${line.text}`).join('\n');
}
