import type { AdvisoryRecord, AdvisorySource, ImportResult } from '../../advisory.js';
import { zodProblem } from '../import-problem.js';
import { type AffectedOptions, type AffectedResult, csafAffected } from './csaf-affected.js';
import { csafSchema, type DocumentHead } from './csaf-document.js';
import { readProductTree, type TreeProblem } from './product-tree.js';

/**
 * One Red Hat CSAF document (VEX or advisory) into one record: the document's head is required whole, the rest is
 * read item by item and what cannot be read is reported beside the record (see csaf-document.ts).
 */
export function csafRecord(
  document: unknown,
  input: string,
  source: AdvisorySource,
  build: (head: DocumentHead) => { id: string; options: Omit<AffectedOptions, 'recordId'> },
  aliases: (head: DocumentHead, id: string, read: AffectedResult) => string[],
): ImportResult {
  const parsed = csafSchema.safeParse(document);
  if (!parsed.success) return { records: [], problems: [zodProblem(input, [], parsed.error)] };
  const { document: head, product_tree: productTree, vulnerabilities = [] } = parsed.data;
  const { id, options } = build(head);

  const treeProblems: TreeProblem[] = [];
  const tree = readProductTree(productTree, treeProblems);
  const read = csafAffected(tree, vulnerabilities, { ...options, recordId: id });

  const record: AdvisoryRecord = { id, source, aliases: aliases(head, id, read), affected: read.affected };
  if (head.title !== undefined) record.summary = head.title;
  if (head.aggregate_severity !== undefined) record.severity = head.aggregate_severity.text;
  record.published = head.tracking.initial_release_date;
  record.modified = head.tracking.current_release_date;
  const references = [...(head.references?.map((reference) => reference.url) ?? []), ...read.references];
  if (references.length > 0) record.references = [...new Set(references)];

  const problems = [...treeProblems, ...read.problems].map((problem) => ({
    input,
    at: problem.at,
    problem: `${id}: ${problem.problem}`,
  }));
  return { records: [record], problems };
}
