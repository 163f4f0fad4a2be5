import type { GateResult } from '../policy/index.js';
import { formatsFor, renderReport } from './formats/registry.js';
import type { TableLayout } from './text-table.js';

/** A `patchline gate --format` value: a format of formats/registry.ts with a gate writer. */
export type GateReportFormat = string;

export const GATE_REPORT_FORMATS: readonly GateReportFormat[] = formatsFor('gate');

/** The gate's verdict in one of its formats (`patchline gate --format`); a width fits the table to a terminal. */
export function renderGateReport(
  result: GateResult,
  format: GateReportFormat,
  layout: Pick<TableLayout, 'width'> = {},
): string {
  return renderReport('gate', format, result, layout);
}
