import { diffJson } from '../diff-json.js';
import { gateJson } from '../gate-json.js';
import { inspectJson } from '../inspect-json.js';
import { inventoryJson } from '../inventory-json.js';
import { scanJson } from '../scan-json.js';
import type { OutputFormat } from './output-format.js';

/** Patchline's own JSON documents (each with its published schema where it has one). */
export const jsonFormat: OutputFormat = {
  name: 'json',
  writers: {
    scan: (result) => scanJson(result),
    sbom: (inventory) => inventoryJson(inventory),
    diff: (diff) => diffJson(diff),
    gate: (result) => gateJson(result),
    inspect: (view) => inspectJson(view),
  },
};
