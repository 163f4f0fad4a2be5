import type { AffectedPackage, AffectedStatus } from '../../advisory.js';
import { jsonPointer } from '../import-problem.js';
import { redHatEcosystem } from './cpe.js';
import { type Vulnerability, vulnerabilitySchema } from './csaf-document.js';
import { type ProductTree, resolveProductId, type TreeProblem, type TreeProduct } from './product-tree.js';
import { type ComponentResult, readComponent } from './rpm-component.js';

/**
 * The affected packages of a Red Hat CSAF document (VEX or advisory): every `product_status` entry resolved through
 * the product tree to an ecosystem and stream (the product's CPE) and an rpm (the component's purl), with the status,
 * fix and fix date its remediations give.
 */

export type StatusList = 'fixed' | 'known_affected' | 'known_not_affected' | 'under_investigation';

export interface AffectedOptions {
  /** Which product_status lists to read: a VEX document all four, an advisory only `fixed`. */
  statuses: readonly StatusList[];
  /** The record's own id: a vendor_fix naming it is not a separate fix advisory. */
  recordId: string;
  /** When the fix became available if its vendor_fix gives no date (an advisory's release date). */
  fixDate?: string;
}

export interface AffectedResult {
  affected: AffectedPackage[];
  problems: TreeProblem[];
  /** Advisories named by vendor_fix remediations (RHSA, RHBA, RHEA ids), unique. */
  fixAdvisories: string[];
  /** The CVEs of the document's vulnerabilities, unique. */
  cves: string[];
  /** The vulnerabilities' references (Red Hat's CVE page, Bugzilla, upstream), in document order. */
  references: string[];
}

interface Remedy {
  fixAdvisory?: string;
  fixDate?: string;
  /** What a known_affected entry's `no_fix_planned` / `none_available` remediation says. */
  unfixed?: AffectedStatus;
}

const ERRATUM = /\/errata\/(RH[SBE]A-\d{4}:\d+)/;

/**
 * Red Hat's remediations for unfixed components (security-data-guidelines csaf-vex.md, "Remediations"):
 * `no_fix_planned` with "Will not fix" or "Out of support scope", `none_available` with "Affected" or "Fix deferred"
 * ("Deferred" in the guide's text). The details text is what distinguishes them; the category is the fallback.
 */
function unfixedStatus(category: string, details: string | null | undefined): AffectedStatus | undefined {
  const text = (details ?? '').trim().toLowerCase();
  if (text === 'out of support scope') return 'out-of-support';
  if (text === 'will not fix') return 'will-not-fix';
  if (text === 'fix deferred' || text === 'deferred') return 'fix-deferred';
  if (category === 'no_fix_planned') return 'will-not-fix';
  if (category === 'none_available') return 'affected';
  return undefined;
}

function remedies(
  vulnerability: Vulnerability,
  options: AffectedOptions,
  fixAdvisories: Set<string>,
): Map<string, Remedy> {
  const byProduct = new Map<string, Remedy>();
  for (const remediation of vulnerability.remediations ?? []) {
    let remedy: Remedy;
    if (remediation.category === 'vendor_fix') {
      const advisory = ERRATUM.exec(remediation.url ?? '')?.[1];
      if (advisory !== undefined) fixAdvisories.add(advisory);
      remedy = {};
      if (advisory !== undefined && advisory !== options.recordId) remedy.fixAdvisory = advisory;
      if (remediation.date) remedy.fixDate = remediation.date;
    } else {
      const unfixed = unfixedStatus(remediation.category, remediation.details);
      if (unfixed === undefined) continue;
      remedy = { unfixed };
    }
    for (const productId of remediation.product_ids ?? []) {
      // A product named by two vendor fixes keeps the first: Red Hat lists each fixed product id under the RHSA that
      // shipped it, so a second one is a duplicate, not a later fix.
      byProduct.set(productId, { ...remedy, ...byProduct.get(productId) });
    }
  }
  return byProduct;
}

function statusOf(list: StatusList, remedy: Remedy | undefined): AffectedStatus {
  switch (list) {
    case 'fixed':
      return 'fixed';
    case 'known_affected':
      return remedy?.unfixed ?? 'affected';
    case 'known_not_affected':
      return 'not-affected';
    case 'under_investigation':
      return 'affected';
  }
}

/**
 * The module stream a component belongs to: its own `rpmmod`, else a module component it hangs from. A component in
 * between that cannot be read makes the module unknown: the statement is skipped rather than read as non-modular.
 */
function moduleOf(
  component: { module?: string },
  via: TreeProduct[],
  read: (product: TreeProduct) => ComponentResult,
): { module?: string } | { unreadable: TreeProduct; problem: string } {
  if (component.module !== undefined) return { module: component.module };
  for (const between of via) {
    const result = read(between);
    if ('problem' in result) return { unreadable: between, problem: result.problem };
    if (result.component.kind === 'module') return { module: result.component.module };
  }
  return {};
}

/** Rows equal in everything but arch become one row with the union of their arches. */
function collapse(entries: AffectedPackage[]): AffectedPackage[] {
  const rows = new Map<string, AffectedPackage>();
  for (const entry of entries) {
    // Joined rather than JSON.stringify'd (a fifth of the import's time on curl's document); a NUL inside a field could
    // at worst merge two rows of the same hostile document.
    const key = [
      entry.ecosystem,
      entry.stream,
      entry.package,
      entry.nameKind,
      entry.module,
      entry.status,
      entry.fixedVersion,
      entry.fixAdvisory,
      entry.fixAvailableSince,
    ].join('\u0000');
    const row = rows.get(key);
    if (row === undefined) {
      rows.set(key, { ...entry, ...(entry.arches ? { arches: [...entry.arches] } : {}) });
    } else if (row.arches !== undefined) {
      // A row without arches covers every arch, and stays so.
      if (entry.arches === undefined) delete row.arches;
      else row.arches = [...new Set([...row.arches, ...entry.arches])].sort();
    }
  }
  return [...rows.values()];
}

export function csafAffected(tree: ProductTree, vulnerabilities: unknown[], options: AffectedOptions): AffectedResult {
  const problems: TreeProblem[] = [];
  const fixAdvisories = new Set<string>();
  const cves = new Set<string>();
  const references: string[] = [];
  const entries: AffectedPackage[] = [];
  const components = new Map<string, ComponentResult>();
  const reported = new Set<string>();
  const ecosystems = new Map<string, string | undefined>();

  const read = (product: TreeProduct): ComponentResult => {
    let result = components.get(product.product_id);
    if (result === undefined) {
      const purl = product.product_identification_helper?.purl;
      result = purl === undefined ? { problem: 'the component has no purl' } : readComponent(purl);
      components.set(product.product_id, result);
    }
    return result;
  };
  const report = (product: TreeProduct, problem: string) => {
    if (reported.has(product.product_id)) return;
    reported.add(product.product_id);
    const at = product.product_identification_helper?.purl
      ? [...product.at, 'product_identification_helper', 'purl']
      : product.at;
    problems.push({
      at: jsonPointer(at),
      problem: `${problem}; the statements about ${product.product_id} are skipped`,
    });
  };

  for (const [index, value] of vulnerabilities.entries()) {
    const parsed = vulnerabilitySchema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      problems.push({
        at: jsonPointer(['vulnerabilities', index, ...(issue?.path ?? [])]),
        problem: issue?.message ?? 'invalid vulnerability',
      });
      continue;
    }
    const vulnerability = parsed.data;
    if (vulnerability.cve !== undefined) cves.add(vulnerability.cve.toUpperCase());
    for (const reference of vulnerability.references ?? []) references.push(reference.url);
    const byProduct = remedies(vulnerability, options, fixAdvisories);

    for (const list of options.statuses) {
      for (const productId of vulnerability.product_status?.[list] ?? []) {
        const resolved = resolveProductId(tree, productId);
        if (resolved === undefined) continue;
        let ecosystem = ecosystems.get(resolved.product.cpe);
        if (ecosystem === undefined && !ecosystems.has(resolved.product.cpe)) {
          ecosystem = redHatEcosystem(resolved.product.cpe);
          ecosystems.set(resolved.product.cpe, ecosystem);
        }
        if (ecosystem === undefined) continue;
        const result = read(resolved.component);
        if ('problem' in result) {
          report(resolved.component, result.problem);
          continue;
        }
        const { component } = result;
        if (component.kind !== 'rpm') continue;
        if (list === 'fixed' && component.evr === undefined) {
          report(resolved.component, 'a fixed component without a version');
          continue;
        }
        const remedy = byProduct.get(productId);
        const entry: AffectedPackage = {
          ecosystem,
          stream: resolved.product.cpe,
          scheme: 'rpm',
          package: component.name,
          nameKind: component.nameKind,
          status: statusOf(list, remedy),
        };
        const module = moduleOf(component, resolved.via, read);
        if ('unreadable' in module) {
          report(module.unreadable, module.problem);
          continue;
        }
        if (module.module !== undefined) entry.module = module.module;
        if (component.arch !== undefined) entry.arches = [component.arch];
        if (list === 'fixed') {
          entry.fixedVersion = component.evr;
          if (remedy?.fixAdvisory !== undefined) entry.fixAdvisory = remedy.fixAdvisory;
          const since = remedy?.fixDate ?? options.fixDate;
          if (since !== undefined) entry.fixAvailableSince = since;
        }
        entries.push(entry);
      }
    }
  }
  return {
    affected: collapse(entries),
    problems,
    fixAdvisories: [...fixAdvisories].sort(),
    cves: [...cves].sort(),
    references,
  };
}
