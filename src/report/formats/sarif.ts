import { gateSarif } from '../gate-sarif.js';
import { sarifJson } from '../sarif.js';
import type { OutputFormat } from './output-format.js';

/** SARIF 2.1.0, for code scanning (GitHub, GitLab). */
export const sarifFormat: OutputFormat = {
  name: 'sarif',
  writers: {
    scan: (result) => sarifJson(result),
    gate: (result) => gateSarif(result),
  },
};
