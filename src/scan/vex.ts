import { readFile, stat } from 'node:fs/promises';
import { PatchlineError } from '../errors.js';
import type { Finding, ScanResult, SuppressedFinding } from './finding.js';
import { isCsaf, readCsafVex } from './vex-csaf.js';
import { isCyclonedx, readCyclonedxVex } from './vex-cyclonedx.js';
import { statementApplies } from './vex-match.js';
import { isOpenvex, readOpenvex } from './vex-openvex.js';
import { checkDepth } from './vex-parse.js';
import type { VexStatement } from './vex-statement.js';

/**
 * `--vex FILE…`: statements from OpenVEX, CycloneDX VEX and CSAF VEX documents. A `not_affected` or `fixed` statement
 * about a finding's vulnerability and package moves the finding to `suppressed` with the statement; `affected` and
 * `under_investigation` leave it. When several statements speak of one finding, the latest wins (by timestamp, then by
 * the order of files and statements), as OpenVEX's statement ordering says.
 */

// Red Hat's largest VEX documents are a few MB; a file past this is not a VEX document we should hold in memory.
export const MAX_VEX_BYTES = 64 * 1024 * 1024;

export async function readVexFile(file: string): Promise<VexStatement[]> {
  let text: string;
  try {
    const info = await stat(file);
    if (info.size > MAX_VEX_BYTES) {
      throw new PatchlineError(
        'limit',
        file,
        `is ${info.size} bytes; a VEX document may take at most ${MAX_VEX_BYTES}`,
      );
    }
    text = await readFile(file, 'utf8');
  } catch (error) {
    if (error instanceof PatchlineError) throw error;
    throw new PatchlineError('input', file, `cannot be read (${(error as NodeJS.ErrnoException).code ?? error})`);
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new PatchlineError('input', file, `is not JSON: ${(error as Error).message}`);
  }
  checkDepth(document, file);
  if (isOpenvex(document)) return readOpenvex(document, file);
  if (isCyclonedx(document)) return readCyclonedxVex(document, file);
  if (isCsaf(document)) return readCsafVex(document, file);
  throw new PatchlineError(
    'input',
    file,
    'is not an OpenVEX (@context), CycloneDX (bomFormat) or CSAF (document.csaf_version) document',
  );
}

export async function readVexFiles(files: readonly string[]): Promise<VexStatement[]> {
  const statements: VexStatement[] = [];
  for (const file of files) statements.push(...(await readVexFile(file)));
  return statements;
}

/** The scan with VEX applied: a pure function of the result and the statements. */
export function applyVex(result: ScanResult, statements: readonly VexStatement[]): ScanResult {
  if (statements.length === 0) return result;
  // Undated statements count as the oldest; ties keep the order of files and statements.
  const ordered = statements
    .map((statement, index) => {
      const time = statement.timestamp ? Date.parse(statement.timestamp) : Number.NaN;
      return { statement, index, time: Number.isNaN(time) ? Number.NEGATIVE_INFINITY : time };
    })
    .sort((a, b) => (a.time === b.time ? a.index - b.index : a.time < b.time ? -1 : 1))
    .map((entry) => entry.statement);
  const findings: Finding[] = [];
  const suppressed: SuppressedFinding[] = [...result.suppressed];
  for (const finding of result.findings) {
    const subject = { finding, target: result.target, os: result.os };
    const latest = ordered.findLast((statement) => statementApplies(statement, subject));
    if (latest && (latest.status === 'not_affected' || latest.status === 'fixed')) {
      suppressed.push({
        finding,
        statement: {
          source: `${latest.source} ${latest.at}`,
          status: latest.status,
          ...(latest.justification ? { justification: latest.justification } : {}),
          ...(latest.impact ? { impact: latest.impact } : {}),
        },
      });
    } else {
      findings.push(finding);
    }
  }
  return { ...result, findings, suppressed };
}

export type { VexProduct, VexStatement, VexStatus } from './vex-statement.js';
