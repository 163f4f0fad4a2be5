/**
 * dpkg's status database (`var/lib/dpkg/status`, and distroless images' `var/lib/dpkg/status.d/<package>`): deb822
 * paragraphs separated by blank lines; `Field: value` lines, continued on lines that start with a space or a tab.
 * Field names are case-insensitive (dpkg reads `source:` as `Source:`).
 */

/** The `Status:` field: what is wanted, whether something went wrong, and the state the package is in. */
export interface DpkgStatus {
  want: string;
  flag: string;
  state: string;
}

/** One paragraph's fields that an inventory needs, as written (the version with its epoch). */
export interface DpkgRecord {
  /** Lowercased, as dpkg itself reads it. */
  name: string;
  version: string;
  architecture?: string;
  /** Absent in distroless status.d files. */
  status?: DpkgStatus;
  /** The `Source:` name; absent when it is the package's own name. */
  sourceName?: string;
  /** The version in `Source: name (version)`; absent when the source has the binary's version. */
  sourceVersion?: string;
  /** `Installed-Size:` in KiB, as dpkg writes it. */
  installedSizeKiB?: number;
  /** `Origin:`, the distributor that built the package, where the package says (Ubuntu's do). */
  origin?: string;
  /** The 1-based line the paragraph starts on, for problems. */
  line: number;
}

export interface DpkgParseResult {
  records: DpkgRecord[];
  /** Paragraphs that could not be read, with where and why. */
  problems: string[];
}

/**
 * The states in which the package's files are on disk, which is what a vulnerability scan is about: `dpkg-query -W`
 * lists every package that is not `not-installed`; of those, `config-files` (removed, configuration kept) has only its
 * configuration files left, so it is not inventory. The others are installed, or part-way through an install or
 * upgrade, with the files present.
 */
const STATES_WITH_FILES = new Set([
  'installed',
  'triggers-pending',
  'triggers-awaited',
  'half-configured',
  'unpacked',
  'half-installed',
]);

/**
 * Whether a record is of a package whose files are installed. Without a Status field, dpkg reads a paragraph of its
 * status file as not installed; a distroless `status.d` file never has one, and its package is installed.
 */
export function hasFilesInstalled(record: DpkgRecord, file: 'status' | 'status.d'): boolean {
  if (!record.status) return file === 'status.d';
  return STATES_WITH_FILES.has(record.status.state);
}

/**
 * Why a status file reads as cut short, if it does. dpkg ends every paragraph of `status` with a blank line, and
 * `dpkg-query` refuses a file whose last line has no newline ("missing final newline"); a database cut mid-record
 * would otherwise read as a complete one with fewer packages. A distroless `status.d` file is one paragraph: it must
 * end with a newline.
 */
export function dpkgCutShort(text: string, file: 'status' | 'status.d'): string | undefined {
  if (text === '') return undefined;
  if (!text.endsWith('\n')) return 'ends mid-line (missing final newline, as dpkg-query says): the file is cut short';
  if (file === 'status' && !text.endsWith('\n\n')) {
    return 'its last paragraph is not closed by the blank line dpkg writes after every package: the file is cut short';
  }
  return undefined;
}

/** Splits text into paragraphs of fields (lowercased names; continuation lines joined with newlines). */
function paragraphs(text: string): Array<{ line: number; fields: Map<string, string> }> {
  const result: Array<{ line: number; fields: Map<string, string> }> = [];
  let current: { line: number; fields: Map<string, string> } | undefined;
  let lastField: string | undefined;
  const lines = text.split('\n');
  for (const [index, raw] of lines.entries()) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') {
      current = undefined;
      lastField = undefined;
      continue;
    }
    if (line.startsWith(' ') || line.startsWith('\t')) {
      if (current && lastField) current.fields.set(lastField, `${current.fields.get(lastField)}\n${line.slice(1)}`);
      continue;
    }
    if (!current) {
      current = { line: index + 1, fields: new Map() };
      result.push(current);
    }
    const colon = line.indexOf(':');
    if (colon <= 0) {
      lastField = undefined;
      continue;
    }
    lastField = line.slice(0, colon).trim().toLowerCase();
    current.fields.set(lastField, line.slice(colon + 1).trim());
  }
  return result;
}

/** Parses a status file's paragraphs. A paragraph without a package name or version is a problem, not a package. */
export function parseDpkgStatus(text: string): DpkgParseResult {
  const records: DpkgRecord[] = [];
  const problems: string[] = [];
  for (const { line, fields } of paragraphs(text)) {
    const name = fields.get('package')?.toLowerCase();
    const version = fields.get('version');
    const statusText = fields.get('status');
    const status = statusText === undefined ? undefined : parseStatus(statusText);
    if (!name) {
      problems.push(`line ${line}: a paragraph without a Package field`);
      continue;
    }
    // A package dpkg knows only by name (not-installed, selected for purge) has no version; that is not a problem.
    if (status?.state === 'not-installed') continue;
    if (!version) {
      problems.push(`line ${line}: package ${name} has no Version field`);
      continue;
    }
    if (statusText !== undefined && !status) {
      problems.push(`line ${line}: package ${name} has an unreadable Status "${statusText}"`);
      continue;
    }
    const record: DpkgRecord = { name, version, line };
    if (status) record.status = status;
    const architecture = fields.get('architecture');
    if (architecture) record.architecture = architecture;
    const source = /^(\S+)(?:\s*\(\s*([^)\s]+)\s*\))?$/.exec(fields.get('source') ?? '');
    if (source) {
      if (source[1] !== name) record.sourceName = source[1]!;
      if (source[2] !== undefined && source[2] !== version) record.sourceVersion = source[2];
    }
    const size = fields.get('installed-size');
    if (size !== undefined && /^\d+$/.test(size)) record.installedSizeKiB = Number(size);
    const origin = fields.get('origin');
    if (origin) record.origin = origin;
    records.push(record);
  }
  return { records, problems };
}

function parseStatus(text: string): DpkgStatus | undefined {
  const words = text.split(/\s+/);
  if (words.length !== 3) return undefined;
  const [want, flag, state] = words as [string, string, string];
  return { want, flag, state };
}
