import { cyclonedxJsonFormat } from './cyclonedx-json.js';
import { gitlabFormat } from './gitlab.js';
import { jsonFormat } from './json.js';
import { junitFormat } from './junit.js';
import { markdownFormat } from './markdown.js';
import { openvexFormat } from './openvex.js';
import type { OutputFormat, RenderOptions, ReportCommand, ReportInputs } from './output-format.js';
import { sarifFormat } from './sarif.js';
import { spdxJsonFormat } from './spdx-json.js';
import { tableFormat } from './table.js';

/** Every `--format` value, one line each, in the order each command's `--format` choices list them. */
export const OUTPUT_FORMATS: readonly OutputFormat[] = [
  tableFormat,
  jsonFormat,
  markdownFormat,
  junitFormat,
  sarifFormat,
  cyclonedxJsonFormat,
  spdxJsonFormat,
  openvexFormat,
  gitlabFormat,
];

/** The `--format` choices of a command: the formats with a writer for it. */
export function formatsFor(command: ReportCommand): string[] {
  return OUTPUT_FORMATS.filter((format) => format.writers[command] !== undefined).map((format) => format.name);
}

/** A command's report in one of its formats. */
export function renderReport<C extends ReportCommand>(
  command: C,
  format: string,
  input: ReportInputs[C],
  options: RenderOptions = {},
): string {
  const writer = OUTPUT_FORMATS.find((each) => each.name === format)?.writers[command];
  if (writer === undefined) {
    throw new Error(`${command} has no output format ${format} (formats: ${formatsFor(command).join(', ')})`);
  }
  return writer(input, options);
}
