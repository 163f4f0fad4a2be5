import type { Inventory } from '../../inventory/index.js';
import type { GateResult, ImageDiff } from '../../policy/index.js';
import type { ScanResult } from '../../scan/index.js';
import type { CyclonedxVersion } from '../cyclonedx.js';
import type { InspectView } from '../inspect-view.js';

/** What each command that takes `--format` writes a report of. */
export interface ReportInputs {
  scan: ScanResult;
  sbom: Inventory;
  diff: ImageDiff;
  gate: GateResult;
  inspect: InspectView;
}

export type ReportCommand = keyof ReportInputs;

/** The commands that take `--format`, in the order docs list them. */
export const REPORT_COMMANDS: readonly ReportCommand[] = ['scan', 'sbom', 'diff', 'gate', 'inspect'];

export interface RenderOptions {
  /** The width to fit tables to (the terminal's); without it a table is as wide as its content. */
  width?: number;
  /** sbom --cyclonedx-version. */
  cyclonedxVersion?: CyclonedxVersion;
}

/**
 * One `--format` value and what it writes for each command that offers it. A command offers exactly the formats with a
 * writer for it, so adding a writer here is what adds the choice to its `--format`.
 */
export interface OutputFormat {
  name: string;
  writers: { [C in ReportCommand]?: (input: ReportInputs[C], options: RenderOptions) => string };
}
