import { z } from 'zod';
import { isObject } from '../import-problem.js';

/**
 * The parts of a CSAF 2.0 document (OASIS csaf-v2.0-os) the Red Hat importers read. The document's head is checked
 * whole; the product tree and the vulnerabilities are checked item by item where they are read, so one malformed
 * branch, relationship or vulnerability is reported and skipped without losing the rest of the document. Fields the
 * spec leaves optional stay optional, and Red Hat's `null`s (a workaround's `url` and `date`) are accepted.
 */

const timestamp = z.iso.datetime({ offset: true });

export const documentHeadSchema = z.object({
  category: z.string().min(1),
  csaf_version: z.string().min(1),
  title: z.string().optional(),
  aggregate_severity: z.object({ text: z.string().min(1) }).optional(),
  tracking: z.object({
    id: z.string().min(1),
    initial_release_date: timestamp,
    current_release_date: timestamp,
  }),
  references: z.array(z.object({ url: z.string().min(1) })).optional(),
});

export type DocumentHead = z.infer<typeof documentHeadSchema>;

export const csafSchema = z.object({
  document: documentHeadSchema,
  product_tree: z
    .object({
      branches: z.array(z.unknown()).optional(),
      relationships: z.array(z.unknown()).optional(),
      full_product_names: z.array(z.unknown()).optional(),
    })
    .optional(),
  vulnerabilities: z.array(z.unknown()).optional(),
});

export const fullProductNameSchema = z.object({
  name: z.string(),
  product_id: z.string().min(1),
  product_identification_helper: z
    .object({ cpe: z.string().min(1).optional(), purl: z.string().min(1).optional() })
    .optional(),
});

export type FullProductName = z.infer<typeof fullProductNameSchema>;

/** One branch without its children, which the walk checks one by one. */
export const branchSchema = z.object({
  category: z.string().min(1),
  name: z.string(),
  product: fullProductNameSchema.optional(),
  branches: z.array(z.unknown()).optional(),
});

export const relationshipSchema = z.object({
  category: z.string().min(1),
  full_product_name: fullProductNameSchema,
  product_reference: z.string().min(1),
  relates_to_product_reference: z.string().min(1),
});

const productIds = z.array(z.string()).nullish();

export const vulnerabilitySchema = z.object({
  cve: z.string().min(1).optional(),
  title: z.string().optional(),
  product_status: z
    .object({
      fixed: productIds,
      known_affected: productIds,
      known_not_affected: productIds,
      under_investigation: productIds,
    })
    .optional(),
  remediations: z
    .array(
      z.object({
        category: z.string().min(1),
        details: z.string().nullish(),
        product_ids: productIds,
        url: z.string().nullish(),
        date: timestamp.nullish(),
      }),
    )
    .optional(),
  references: z.array(z.object({ url: z.string().min(1) })).optional(),
});

export type Vulnerability = z.infer<typeof vulnerabilitySchema>;

/** A Red Hat CSAF document of the given category, by its head only: cheap enough for `detect`. */
export function isRedHatCsaf(document: unknown, category: 'csaf_vex' | 'csaf_security_advisory'): boolean {
  if (!isObject(document) || !isObject(document.document)) return false;
  const head = document.document;
  if (typeof head.csaf_version !== 'string' || head.category !== category) return false;
  // CSAF is also SUSE's, Siemens', Cisco's, …: their product trees name other vendors' CPEs, which the Red Hat rules
  // here would not read. Red Hat's publisher namespace is https://www.redhat.com.
  const publisher = isObject(head.publisher) ? head.publisher : {};
  return typeof publisher.namespace === 'string' && /^https?:\/\/(www\.)?redhat\.com\/?$/.test(publisher.namespace);
}
