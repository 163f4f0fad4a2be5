import type { GateResult } from '../policy/index.js';
import { gateJson } from './gate-json.js';
import { gateJunit } from './gate-junit.js';
import { gateMarkdown } from './gate-markdown.js';
import { gateSarif } from './gate-sarif.js';
import { gateTable } from './gate-table.js';
import type { TableLayout } from './text-table.js';

export type GateReportFormat = 'table' | 'json' | 'markdown' | 'junit' | 'sarif';

export const GATE_REPORT_FORMATS: readonly GateReportFormat[] = ['table', 'json', 'markdown', 'junit', 'sarif'];

const WRITERS: Record<GateReportFormat, (result: GateResult, layout: Pick<TableLayout, 'width'>) => string> = {
  table: gateTable,
  json: gateJson,
  markdown: gateMarkdown,
  junit: gateJunit,
  sarif: gateSarif,
};

/** The gate's verdict in one of its formats (`patchline gate --format`); a width fits the table to a terminal. */
export function renderGateReport(
  result: GateResult,
  format: GateReportFormat,
  layout: Pick<TableLayout, 'width'> = {},
): string {
  return WRITERS[format](result, layout);
}
