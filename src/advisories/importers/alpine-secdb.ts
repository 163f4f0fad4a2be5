import { z } from 'zod';
import { compareApkVersions } from '../../version/index.js';
import type { AdvisoryRecord, AffectedPackage, Importer, ImportProblem, ImportResult } from '../advisory.js';
import { isObject, jsonPointer, zodProblem } from './import-problem.js';
import { versionProblem } from './version-problem.js';

/**
 * Alpine's secdb (secdb.alpinelinux.org/<branch>/<repo>.json, or the YAML it is made from): per branch and repository,
 * each origin package's `secfixes`, a map from the first fixed version to the issues it fixes, as the APKBUILD
 * comments record them. One record per issue of the document, with one affected entry per origin package.
 *
 * The record's id is the issue scoped by the document, `ALPINE-v3.11-main:CVE-2019-14904`, with the issue among its
 * aliases: the database keeps one record per (source, id), and each branch and repository is its own document,
 * so a bare CVE id would let v3.12/main's record of a CVE replace v3.11/main's. Matching reads CVEs from the aliases.
 */

const documentSchema = z.object({
  reponame: z.string().regex(/^[a-z0-9-]+$/, 'expected a repository name such as main'),
  distroversion: z.string().regex(/^(?:v\d+\.\d+|edge)$/, 'expected a branch such as v3.11 or edge'),
  packages: z.array(
    z.object({
      pkg: z.object({
        name: z.string().min(1),
        // YAML reads a bare `0:` key, and an empty list, as they are; the values must be lists of issue ids.
        secfixes: z.record(z.string(), z.array(z.string()).nullable()).optional(),
      }),
    }),
  ),
});

/** `CVE-2018-10472`, `XSA-258`, `GHSA-…`: an id token of a secfixes line. */
const ISSUE_ID = /^[A-Za-z][A-Za-z0-9]*-[A-Za-z0-9][\w.:-]*$/;

/**
 * The ids of one secfixes line. A line may carry several (`CVE-2018-10472 XSA-258` in xen): the CVE is the record's
 * id and the others its aliases (`CVE-2017-12122 TALOS-2017-0488`); a line with no CVE (`XSA-254`) is its own record.
 */
function lineIds(line: string): { id: string; aliases: string[] } | undefined {
  // rsync lists `CVE-2017-17434-1` and `-2` for the two parts of one CVE's fix: the CVE is what a finding names.
  const ids = line
    .split(/\s+/)
    .filter((token) => ISSUE_ID.test(token))
    .map((token) => /^(CVE-\d{4}-\d+)-\d+$/.exec(token)?.[1] ?? token);
  const id = ids.find((token) => token.startsWith('CVE-')) ?? ids[0];
  if (id === undefined) return undefined;
  return { id, aliases: ids.filter((token) => token !== id) };
}

function newRecord(scope: string, issue: string): AdvisoryRecord {
  const record: AdvisoryRecord = { id: `${scope}:${issue}`, source: 'alpine-secdb', aliases: [issue], affected: [] };
  if (issue.startsWith('CVE-')) record.references = [`https://security.alpinelinux.org/vuln/${issue}`];
  return record;
}

/**
 * Adds a package's fix to an issue's record. The `0` key is secdb's "never affected" (the aports wiki and
 * secfixes-tracker read it so): not-affected, with no version. When one package lists an issue under two versions
 * (an incomplete first fix), the higher is the version that fixes it.
 */
function addFix(record: AdvisoryRecord, ecosystem: string, name: string, version: string): void {
  const notAffected = version === '0';
  const known = record.affected.find((affected) => affected.package === name);
  if (known !== undefined) {
    if (known.status === 'not-affected' || notAffected) return;
    if (compareApkVersions(version, known.fixedVersion ?? '') > 0) known.fixedVersion = version;
    return;
  }
  const affected: AffectedPackage = {
    ecosystem,
    scheme: 'apk',
    package: name,
    nameKind: 'source',
    status: notAffected ? 'not-affected' : 'fixed',
  };
  if (!notAffected) affected.fixedVersion = version;
  record.affected.push(affected);
}

function parseSecdb(document: unknown, input: string): ImportResult {
  const parsed = documentSchema.safeParse(document);
  if (!parsed.success) return { records: [], problems: [zodProblem(input, [], parsed.error)] };
  const ecosystem = `Alpine:${parsed.data.distroversion}`;
  const scope = `ALPINE-${parsed.data.distroversion}-${parsed.data.reponame}`;
  const records = new Map<string, AdvisoryRecord>();
  const problems: ImportProblem[] = [];
  for (const [index, { pkg }] of parsed.data.packages.entries()) {
    for (const [version, lines] of Object.entries(pkg.secfixes ?? {})) {
      const at = ['packages', index, 'pkg', 'secfixes', version];
      const invalid = version === '0' ? undefined : versionProblem('apk', version);
      if (invalid !== undefined) {
        problems.push({ input, at: jsonPointer(at), problem: `${pkg.name}: ${invalid}` });
        continue;
      }
      for (const [line, text] of (lines ?? []).entries()) {
        const ids = lineIds(text);
        if (ids === undefined) {
          problems.push({ input, at: jsonPointer([...at, line]), problem: `${pkg.name}: no issue id in "${text}"` });
          continue;
        }
        const record = records.get(ids.id) ?? newRecord(scope, ids.id);
        records.set(ids.id, record);
        record.aliases = [...new Set([...record.aliases, ...ids.aliases])].sort();
        addFix(record, ecosystem, pkg.name, version);
      }
    }
  }
  return { records: [...records.values()], problems };
}

export const alpineSecdbImporter: Importer = {
  source: 'alpine-secdb',
  detect: (document) =>
    isObject(document) && typeof document.distroversion === 'string' && Array.isArray(document.packages),
  parse: parseSecdb,
};
