import { gitlabContainerScanningJson } from '../gitlab-container-scanning.js';
import type { OutputFormat } from './output-format.js';

/** GitLab's container scanning report (gl-container-scanning-report.json). */
export const gitlabFormat: OutputFormat = {
  name: 'gitlab',
  writers: { scan: (result) => gitlabContainerScanningJson(result) },
};
