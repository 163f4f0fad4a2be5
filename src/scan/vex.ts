import { readFile, stat } from 'node:fs/promises';
import { PatchlineError } from '../core/index.js';
import { coverageOf } from './cve-coverage.js';
import type { Finding, ScanResult, SuppressedFinding, SuppressionStatement } from './finding.js';
import { isCsaf, readCsafVex } from './vex-csaf.js';
import { isCyclonedx, readCyclonedxVex } from './vex-cyclonedx.js';
import { statementCovers } from './vex-match.js';
import { isOpenvex, readOpenvex } from './vex-openvex.js';
import { checkDepth } from './vex-parse.js';
import type { VexStatement } from './vex-statement.js';

/**
 * `--vex FILE…`: statements from OpenVEX, CycloneDX VEX and CSAF VEX documents. A `not_affected` or `fixed` statement
 * about a finding's vulnerability and package covers that CVE (or every CVE, when it names the advisory); a finding
 * moves to `suppressed` only when all its CVEs are covered (src/scan/cve-coverage.ts). When several statements speak
 * of one CVE, the latest wins (by timestamp, then by the order of files and statements), as OpenVEX's ordering says.
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
    // Per CVE, the latest statement about it decides; only not_affected and fixed cover it.
    const latest = new Map<string, VexStatement>();
    for (const statement of ordered) for (const id of statementCovers(statement, subject)) latest.set(id, statement);
    const deciding = new Map([...latest].filter(([, statement]) => suppresses(statement)));
    const { complete, coverage } = coverageOf(finding, deciding, describeStatement);
    if (complete) {
      const last = ordered.findLast((statement) => [...deciding.values()].includes(statement))!;
      suppressed.push({ finding, statement: describeStatement(last), coverage });
    } else {
      findings.push(
        coverage.length > 0 ? { ...finding, coverage: [...(finding.coverage ?? []), ...coverage] } : finding,
      );
    }
  }
  return { ...result, findings, suppressed };
}

function suppresses(statement: VexStatement): boolean {
  return statement.status === 'not_affected' || statement.status === 'fixed';
}

function describeStatement(statement: VexStatement): SuppressionStatement {
  return {
    source: `${statement.source} ${statement.at}`,
    status: statement.status,
    ...(statement.justification ? { justification: statement.justification } : {}),
    ...(statement.impact ? { impact: statement.impact } : {}),
  };
}

export type { VexProduct, VexStatement, VexStatus } from './vex-statement.js';
