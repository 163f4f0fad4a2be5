/**
 * apk's database of installed packages (`lib/apk/db/installed`): one paragraph per package, separated by blank
 * lines, each line a one-letter field, a colon and the value (apk-tools' "index" format). Within a paragraph,
 * `F:` names a folder and the `R:` lines after it the files in that folder; `a:`, `M:` and `Z:` describe the folder or
 * file just named (owner and mode, checksum) and are not needed here.
 */
export interface ApkRecord {
  /** P */
  name: string;
  /** V, e.g. `1.2.5-r9` */
  version: string;
  /** A */
  arch?: string;
  /** o: the package built from the same APKBUILD; `musl-utils` has origin `musl`. */
  origin?: string;
  /** L */
  license?: string;
  /** m */
  maintainer?: string;
  /** I: bytes */
  installedSize?: number;
  /** c: the aports commit the package was built from */
  commit?: string;
  /** Root-relative paths of the files (R lines, with their F folder). */
  files: string[];
  /** The 1-based line the paragraph starts on. */
  line: number;
}

export interface ApkParseResult {
  records: ApkRecord[];
  problems: string[];
}

interface Draft {
  line: number;
  fields: Map<string, string>;
  files: string[];
  folder: string;
}

/**
 * Why an installed database reads as cut short, if it does: apk writes a blank line after every package, so a file
 * that does not end with one lost its end (and with it packages or their files) and must not read as complete.
 */
export function apkCutShort(text: string): string | undefined {
  if (text === '' || text.endsWith('\n\n')) return undefined;
  return text.endsWith('\n')
    ? 'its last package is not closed by the blank line apk writes after every package: the file is cut short'
    : 'ends mid-line (no final newline): the file is cut short';
}

export function parseApkInstalled(text: string): ApkParseResult {
  const records: ApkRecord[] = [];
  const problems: string[] = [];
  let draft: Draft | undefined;
  const finish = () => {
    if (!draft) return;
    const name = draft.fields.get('P');
    const version = draft.fields.get('V');
    if (!name) problems.push(`line ${draft.line}: a paragraph without a package name (P:)`);
    else if (!version) problems.push(`line ${draft.line}: package ${name} has no version (V:)`);
    else records.push(toRecord(name, version, draft));
    draft = undefined;
  };
  for (const [index, raw] of text.split('\n').entries()) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line === '') {
      finish();
      continue;
    }
    draft ??= { line: index + 1, fields: new Map(), files: [], folder: '' };
    if (line[1] !== ':') {
      problems.push(`line ${index + 1}: "${line.slice(0, 40)}" is not a field line`);
      continue;
    }
    const key = line[0]!;
    const value = line.slice(2);
    if (key === 'F') draft.folder = value;
    else if (key === 'R') draft.files.push(draft.folder === '' ? value : `${draft.folder}/${value}`);
    else if (!draft.fields.has(key)) draft.fields.set(key, value);
  }
  finish();
  return { records, problems };
}

function toRecord(name: string, version: string, draft: Draft): ApkRecord {
  const record: ApkRecord = { name, version, files: draft.files, line: draft.line };
  const text = (key: string) => draft.fields.get(key) || undefined;
  const arch = text('A');
  const origin = text('o');
  const license = text('L');
  const maintainer = text('m');
  const commit = text('c');
  const size = text('I');
  if (arch) record.arch = arch;
  if (origin) record.origin = origin;
  if (license) record.license = license;
  if (maintainer) record.maintainer = maintainer;
  if (commit) record.commit = commit;
  if (size && /^\d+$/.test(size)) record.installedSize = Number(size);
  return record;
}
