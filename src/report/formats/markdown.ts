import { diffMarkdown } from '../diff-markdown.js';
import { gateMarkdown } from '../gate-markdown.js';
import type { OutputFormat } from './output-format.js';

/** GitHub-flavoured markdown, for a pull-request comment or a job summary. */
export const markdownFormat: OutputFormat = {
  name: 'markdown',
  writers: {
    diff: (diff) => diffMarkdown(diff),
    gate: (result) => gateMarkdown(result),
  },
};
