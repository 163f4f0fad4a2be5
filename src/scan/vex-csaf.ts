import { z } from 'zod';
import { parseVex } from './vex-parse.js';
import type { VexProduct, VexStatement, VexStatus } from './vex-statement.js';

/**
 * CSAF 2.0 VEX (Red Hat publishes one per CVE): product ids resolve through the product tree, by each product's
 * identification helper (purl, cpe), and through relationships ("curl as a component of Red Hat Enterprise Linux 8")
 * to a package purl on a platform CPE.
 */
const helper = z.looseObject({ purl: z.string().optional(), cpe: z.string().optional() }).optional();
const fullProductName = z.looseObject({
  product_id: z.string(),
  name: z.string().optional(),
  product_identification_helper: helper,
});
interface Branch {
  product?: z.infer<typeof fullProductName> | undefined;
  branches?: Branch[] | undefined;
}
const branchSchema: z.ZodType<Branch> = z.lazy(() =>
  z.looseObject({ product: fullProductName.optional(), branches: z.array(branchSchema).optional() }),
);
const productIds = z.array(z.string()).optional();
const csafSchema = z.looseObject({
  document: z.looseObject({
    csaf_version: z.string(),
    tracking: z.looseObject({ current_release_date: z.string().optional() }).optional(),
  }),
  product_tree: z
    .looseObject({
      branches: z.array(branchSchema).optional(),
      full_product_names: z.array(fullProductName).optional(),
      relationships: z
        .array(
          z.looseObject({
            product_reference: z.string(),
            relates_to_product_reference: z.string(),
            full_product_name: fullProductName,
          }),
        )
        .optional(),
    })
    .optional(),
  vulnerabilities: z
    .array(
      z.looseObject({
        cve: z.string().optional(),
        ids: z.array(z.looseObject({ text: z.string() })).optional(),
        product_status: z
          .looseObject({
            known_not_affected: productIds,
            fixed: productIds,
            first_fixed: productIds,
            known_affected: productIds,
            under_investigation: productIds,
          })
          .optional(),
        flags: z.array(z.looseObject({ label: z.string(), product_ids: productIds })).optional(),
        threats: z
          .array(z.looseObject({ category: z.string(), details: z.string(), product_ids: productIds }))
          .optional(),
        release_date: z.string().optional(),
      }),
    )
    .optional(),
});

type StatusKey = 'known_not_affected' | 'fixed' | 'first_fixed' | 'known_affected' | 'under_investigation';
const STATUSES: Array<[StatusKey, VexStatus]> = [
  ['known_not_affected', 'not_affected'],
  ['fixed', 'fixed'],
  ['first_fixed', 'fixed'],
  ['known_affected', 'affected'],
  ['under_investigation', 'under_investigation'],
];
type Csaf = z.infer<typeof csafSchema>;

export function isCsaf(document: unknown): boolean {
  const meta = (document as { document?: { csaf_version?: unknown } } | null)?.document;
  return typeof meta?.csaf_version === 'string';
}

export function readCsafVex(document: unknown, file: string): VexStatement[] {
  const csaf = parseVex(csafSchema, document, file, 'CSAF');
  const products = productMap(csaf);
  const timestamp = csaf.document.tracking?.current_release_date;
  const statements: VexStatement[] = [];
  for (const [index, vulnerability] of (csaf.vulnerabilities ?? []).entries()) {
    const ids = [...(vulnerability.cve ? [vulnerability.cve] : []), ...(vulnerability.ids ?? []).map((id) => id.text)];
    if (ids.length === 0) continue;
    const justification = byProduct(vulnerability.flags?.map((flag) => ({ value: flag.label, ids: flag.product_ids })));
    const impact = byProduct(
      vulnerability.threats
        ?.filter((threat) => threat.category === 'impact')
        .map((threat) => ({ value: threat.details, ids: threat.product_ids })),
    );
    for (const [key, status] of STATUSES) {
      for (const productId of vulnerability.product_status?.[key] ?? []) {
        const product = products.get(productId);
        if (!product) continue; // a product we cannot name by purl or CPE cannot match a package
        const reason = justification.get(productId);
        const statementImpact = impact.get(productId);
        statements.push({
          source: file,
          at: `$.vulnerabilities[${index}].product_status.${key}`,
          vulnerabilities: ids,
          products: [product],
          status,
          ...(reason ? { justification: reason } : {}),
          ...(statementImpact ? { impact: statementImpact } : {}),
          ...(timestamp ? { timestamp } : {}),
        });
      }
    }
  }
  return statements;
}

function byProduct(entries: Array<{ value: string; ids: string[] | undefined }> | undefined): Map<string, string> {
  const map = new Map<string, string>();
  for (const entry of entries ?? []) for (const id of entry.ids ?? []) map.set(id, entry.value);
  return map;
}

function productMap(csaf: Csaf): Map<string, VexProduct> {
  const helpers = new Map<string, { purl?: string | undefined; cpe?: string | undefined }>();
  const visit = (branch: Branch) => {
    if (branch.product) helpers.set(branch.product.product_id, branch.product.product_identification_helper ?? {});
    for (const child of branch.branches ?? []) visit(child);
  };
  for (const branch of csaf.product_tree?.branches ?? []) visit(branch);
  for (const product of csaf.product_tree?.full_product_names ?? []) {
    helpers.set(product.product_id, product.product_identification_helper ?? {});
  }
  const products = new Map<string, VexProduct>();
  for (const [id, helper] of helpers) {
    if (helper.purl) products.set(id, { purl: helper.purl });
    else if (helper.cpe) products.set(id, { platformCpe: helper.cpe });
  }
  for (const relationship of csaf.product_tree?.relationships ?? []) {
    const component = helpers.get(relationship.product_reference);
    const platform = helpers.get(relationship.relates_to_product_reference);
    const own = relationship.full_product_name.product_identification_helper;
    const purl = own?.purl ?? component?.purl;
    if (!purl) continue;
    products.set(relationship.full_product_name.product_id, {
      purl,
      ...(platform?.cpe ? { platformCpe: platform.cpe } : {}),
    });
  }
  return products;
}
