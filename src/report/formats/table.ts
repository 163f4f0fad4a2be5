import { diffTable } from '../diff-table.js';
import { gateTable } from '../gate-table.js';
import { inspectTable } from '../inspect-table.js';
import { inventoryTable } from '../inventory-table.js';
import { scanTable } from '../scan-table.js';
import type { OutputFormat } from './output-format.js';

/** Columns for a terminal, fitted to its width. */
export const tableFormat: OutputFormat = {
  name: 'table',
  writers: {
    scan: (result, options) => scanTable(result, options),
    sbom: (inventory) => inventoryTable(inventory),
    diff: (diff, options) => diffTable(diff, options),
    gate: (result, options) => gateTable(result, options),
    inspect: (view) => inspectTable(view),
  },
};
