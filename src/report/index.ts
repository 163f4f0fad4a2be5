export { type CyclonedxVersion, cyclonedxBom, cyclonedxJson } from './cyclonedx.js';
export { cyclonedxVexBom, cyclonedxVexJson } from './cyclonedx-vex.js';
export type { ImageDiffJson } from './diff-json.js';
export {
  diffJson,
  IMAGE_DIFF_SCHEMA_ID,
  imageDiffJsonSchema,
  imageDiffJsonSchemaDocument,
} from './diff-json.js';
export { diffMarkdown } from './diff-markdown.js';
export { diffTable } from './diff-table.js';
export { orderFindings } from './finding-order.js';
export type { OutputFormat, RenderOptions, ReportCommand, ReportInputs } from './formats/output-format.js';
export { REPORT_COMMANDS } from './formats/output-format.js';
export { formatsFor, OUTPUT_FORMATS, renderReport } from './formats/registry.js';
export { gateJson, gateJsonSchema } from './gate-json.js';
export { gateJunit } from './gate-junit.js';
export { GITHUB_COMMENT_LIMIT, gateMarkdown } from './gate-markdown.js';
export { GATE_REPORT_FORMATS, type GateReportFormat, renderGateReport } from './gate-report.js';
export { gateSarif } from './gate-sarif.js';
export { gateTable } from './gate-table.js';
export { GITLAB_REPORT_VERSION, gitlabContainerScanningJson } from './gitlab-container-scanning.js';
export { inspectJson } from './inspect-json.js';
export { inspectTable } from './inspect-table.js';
export type { InspectView } from './inspect-view.js';
export { inventoryJson } from './inventory-json.js';
export { inventoryTable } from './inventory-table.js';
export { type OpenvexDocument, type OpenvexStatement, openvexDocument, openvexJson } from './openvex.js';
export { type ReleaseDiff, releaseDiffOf, releaseDiffSchema } from './release-diff.js';
export { GITHUB_SARIF_GZIP_LIMIT, GITHUB_SARIF_RESULT_LIMIT, type SarifOptions, sarifJson } from './sarif.js';
export { SCAN_JSON_SCHEMA_VERSION, type ScanJson, scanFindingSchema, scanJson, scanJsonSchema } from './scan-json.js';
export { scanTable } from './scan-table.js';
export { type SpdxDocument, spdxDocument, spdxJson } from './spdx.js';
export { humanBytes, shortDigest, table } from './text-table.js';
