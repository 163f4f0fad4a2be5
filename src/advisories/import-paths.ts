import { basename } from 'node:path';
import { parseDocument } from 'yaml';
import type { AdvisoryRecord, AdvisorySource, Importer, ImportProblem } from './advisory.js';
import { type AdvisoryDatabase, connectionOf, type WriteSummary } from './database.js';
import { type DebianAdvisory, parseDebianAdvisoryList } from './importers/debian-dsa-list.js';
import { createDebianTrackerImporter } from './importers/debian-tracker.js';
import { IMPORTERS } from './importers/index.js';
import { fileKind, type InputFile, type InputLimits, inputFiles } from './input-files.js';

/**
 * `db import`: reads advisory documents from files, directories and zip/tar archives, lets the first importer that
 * recognises each document parse it, and writes what every source gave in one transaction. Everything is read and
 * parsed before anything is written, so an import that fails (an unreadable path, a hostile archive) leaves the
 * database as it was. A malformed record or a document no importer knows is a problem in the report, not a failure.
 * The Debian tracker's DSA/DLA lists among the paths date the tracker's fixes they shipped (decision 0013), so tracker
 * documents are parsed once every path has been read.
 */

export interface ImportOptions {
  /** The sync time recorded for every source (ISO 8601); default now. */
  at?: string;
  /** Where the data came from, recorded per source; default the paths that held the source's documents. */
  origin?: string;
  limits?: Partial<InputLimits>;
  /** The formats to recognise; default every importer. */
  importers?: readonly Importer[];
  /** Called every few hundred documents, for a progress line. */
  onProgress?: (documents: number) => void;
}

export interface SourceImport extends WriteSummary {
  source: AdvisorySource;
  origin: string;
  /** Distinct records the inputs held for this source. */
  records: number;
  /** Ids the inputs listed as deleted. */
  deletions: number;
}

export interface ImportReport extends WriteSummary {
  sources: SourceImport[];
  /** JSON and YAML documents read. */
  documents: number;
  /** Documents no importer recognised (each is also a problem). */
  unrecognised: number;
  /** Files that are not documents we read (`.txt`, `changes.csv`, ...). */
  skipped: number;
  problems: ImportProblem[];
}

export const DEFAULT_INPUT_LIMITS: InputLimits = {
  // The Debian tracker's JSON, one document, is tens of megabytes and growing.
  maxDocumentBytes: 256 * 1024 ** 2,
  maxArchiveBytes: 8 * 1024 ** 3,
};

interface SourceGroup {
  records: Map<string, AdvisoryRecord>;
  deletions: Set<string>;
  inputs: Set<string>;
}

export async function importPaths(
  db: AdvisoryDatabase,
  paths: readonly string[],
  options: ImportOptions = {},
): Promise<ImportReport> {
  const limits = { ...DEFAULT_INPUT_LIMITS, ...options.limits };
  const importers = options.importers ?? IMPORTERS;
  const groups = new Map<AdvisorySource, SourceGroup>();
  const report: ImportReport = {
    sources: [],
    documents: 0,
    unrecognised: 0,
    skipped: 0,
    problems: [],
    added: 0,
    updated: 0,
    unchanged: 0,
    deleted: 0,
  };
  const group = (source: AdvisorySource, input: string): SourceGroup => {
    let found = groups.get(source);
    if (!found) {
      found = { records: new Map(), deletions: new Set(), inputs: new Set() };
      groups.set(source, found);
    }
    found.inputs.add(input);
    return found;
  };

  const take = (importer: Importer, document: unknown, name: string, path: string): void => {
    let result: ReturnType<Importer['parse']>;
    try {
      result = importer.parse(document, name);
    } catch (error) {
      // An importer must report bad data as problems; a throw is a bug, but one document must not sink the import.
      report.problems.push({ input: name, problem: `${importer.source} importer failed: ${(error as Error).message}` });
      return;
    }
    const target = group(importer.source, path);
    // The same record in two inputs (a loose file beside the archive that holds it) is stored once: the last wins.
    for (const record of result.records) target.records.set(record.id, record);
    for (const id of result.deletions ?? []) target.deletions.add(id);
    report.problems.push(...result.problems);
  };
  const debianLists: DebianAdvisory[] = [];
  const trackerDocuments: Array<{ importer: Importer; document: unknown; name: string; path: string }> = [];

  for (const path of paths) {
    for await (const file of inputFiles([path], limits)) {
      const kind = fileKind(file.base);
      if (kind === 'other' && DEBIAN_LIST_NAME.test(file.name)) {
        const list = parseDebianAdvisoryList((await file.read()).toString('utf8'), file.name);
        if (list.advisories.length > 0) {
          debianLists.push(...list.advisories);
          report.problems.push(...list.problems);
          continue;
        }
      }
      if (kind === 'csv' && file.base === 'deletions.csv') {
        const { ids, problems } = redhatDeletions((await file.read()).toString('utf8'), file.name);
        const target = group('redhat-csaf-vex', path);
        for (const id of ids) target.deletions.add(id);
        report.problems.push(...problems);
        continue;
      }
      if (kind !== 'json' && kind !== 'yaml' && kind !== 'xml') {
        report.skipped++;
        continue;
      }
      report.documents++;
      if (report.documents % 500 === 0) options.onProgress?.(report.documents);
      const document = parseDocumentText(await file.read(), kind, file, report.problems);
      if (document === undefined) continue;
      const importer = importers.find((candidate) => detects(candidate, document, file.base));
      if (!importer) {
        report.unrecognised++;
        report.problems.push({ input: file.name, problem: 'no importer recognises this document; skipped' });
        continue;
      }
      if (importer.source === 'debian-tracker') trackerDocuments.push({ importer, document, name: file.name, path });
      else take(importer, document, file.name, path);
    }
  }
  const datedTracker = debianLists.length > 0 ? createDebianTrackerImporter(debianLists) : undefined;
  for (const { importer, document, name, path } of trackerDocuments)
    take(datedTracker ?? importer, document, name, path);

  const at = options.at ?? new Date().toISOString();
  const sources = [...groups.entries()].sort(([a], [b]) => a.localeCompare(b));
  // One transaction around every source's write (each write nests as a savepoint): all sources land, or none.
  connectionOf(db)
    .transaction(() => {
      for (const [source, { records, deletions, inputs }] of sources) {
        const origin = options.origin ?? [...inputs].join(', ');
        const summary = db.write(
          source,
          { records: [...records.values()], problems: [], deletions: [...deletions] },
          {
            at,
            origin,
          },
        );
        report.sources.push({ source, origin, records: records.size, deletions: deletions.size, ...summary });
        report.added += summary.added;
        report.updated += summary.updated;
        report.unchanged += summary.unchanged;
        report.deleted += summary.deleted;
      }
    })
    .immediate();
  return report;
}

function detects(importer: Importer, document: unknown, name: string): boolean {
  try {
    return importer.detect(document, name);
  } catch {
    return false;
  }
}

function parseDocumentText(
  bytes: Buffer,
  kind: 'json' | 'yaml' | 'xml',
  file: InputFile,
  problems: ImportProblem[],
): unknown | undefined {
  const text = bytes.toString('utf8');
  // XML is handed over as text: its one format here (rpm updateinfo) reads it with its own strict reader.
  if (kind === 'xml') return text;
  if (kind === 'json') {
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      problems.push({ input: file.name, problem: `is not valid JSON (${(error as Error).message}); skipped` });
      return undefined;
    }
  }
  const document = parseDocument(text);
  if (document.errors.length > 0) {
    problems.push({ input: file.name, problem: `is not valid YAML (${document.errors[0]?.message}); skipped` });
    return undefined;
  }
  try {
    // An alias bomb (a billion laughs) fails here instead of expanding.
    return document.toJS({ maxAliasCount: 100 }) as unknown;
  } catch (error) {
    problems.push({ input: file.name, problem: `cannot be read as YAML (${(error as Error).message}); skipped` });
    return undefined;
  }
}

/** The tracker's `data/DSA/list` and `data/DLA/list`, or a copy named after them (`DSA-list.txt`). */
const DEBIAN_LIST_NAME = /(?:^|[^a-z])(?:dsa|dla)[-_./]?list(?:\.txt)?$/i;

const VEX_DOCUMENT = /^(?:\d{4}\/)?(cve-\d{4}-\d{4,})\.json$/i;

/**
 * Red Hat's `deletions.csv`: `"YYYY/cve-YYYY-NNNN.json","<ISO time>"` per line, the VEX documents withdrawn from the
 * feed; each names the record `CVE-YYYY-NNNN` the VEX importer made of it.
 */
export function redhatDeletions(text: string, input: string): { ids: string[]; problems: ImportProblem[] } {
  const ids: string[] = [];
  const problems: ImportProblem[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    if (line.trim() === '') return;
    const path =
      line
        .split(',')[0]
        ?.trim()
        .replace(/^"(.*)"$/, '$1') ?? '';
    const match = VEX_DOCUMENT.exec(path);
    if (match?.[1]) ids.push(match[1].toUpperCase());
    else
      problems.push({
        input: input,
        at: `line ${index + 1}`,
        problem: `"${basename(path)}" is not a VEX document path`,
      });
  });
  return { ids, problems };
}
