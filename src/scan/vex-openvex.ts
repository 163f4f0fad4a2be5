import { z } from 'zod';
import { parseVex } from './vex-parse.js';
import type { VexProduct, VexStatement } from './vex-statement.js';

/**
 * OpenVEX (0.2.0, and the 0.0.x documents still published: vulnerability as a string, products as strings,
 * subcomponents beside them). Extra fields are allowed, as the spec lets documents carry more.
 */
const identifiers = z.looseObject({ purl: z.string().optional() }).optional();
const component = z.union([z.string(), z.looseObject({ '@id': z.string().optional(), identifiers })]);
const product = z.union([
  z.string(),
  z.looseObject({
    '@id': z.string().optional(),
    identifiers,
    subcomponents: z.array(component).optional(),
  }),
]);
const statement = z.looseObject({
  vulnerability: z.union([
    z.string().min(1),
    z.looseObject({ name: z.string().min(1), '@id': z.string().optional(), aliases: z.array(z.string()).optional() }),
  ]),
  products: z.array(product).optional(),
  subcomponents: z.array(component).optional(),
  status: z.enum(['not_affected', 'affected', 'fixed', 'under_investigation']),
  justification: z.string().optional(),
  impact_statement: z.string().optional(),
  timestamp: z.string().optional(),
  last_updated: z.string().optional(),
});
const openvexSchema = z.looseObject({
  '@context': z.string(),
  timestamp: z.string().optional(),
  last_updated: z.string().optional(),
  statements: z.array(statement),
});

export function isOpenvex(document: unknown): boolean {
  const context = (document as { '@context'?: unknown } | null)?.['@context'];
  return typeof context === 'string' && context.includes('openvex');
}

export function readOpenvex(document: unknown, file: string): VexStatement[] {
  const parsed = parseVex(openvexSchema, document, file, 'OpenVEX');
  return parsed.statements.map((entry, index) => {
    const vulnerabilities =
      typeof entry.vulnerability === 'string'
        ? [entry.vulnerability]
        : [entry.vulnerability.name, ...(entry.vulnerability.aliases ?? [])];
    const products: VexProduct[] = [];
    for (const item of entry.products ?? []) {
      const id = componentId(item);
      const subcomponents = [
        ...(typeof item === 'string' ? [] : (item.subcomponents ?? [])),
        ...(entry.subcomponents ?? []),
      ]
        .map(componentId)
        .filter((sub): sub is string => sub !== undefined);
      if (!id) continue;
      // A product with subcomponents is the image (or package set) they sit in; without, it is the thing itself.
      if (subcomponents.length > 0) for (const sub of subcomponents) products.push({ image: id, purl: sub });
      else products.push(id.startsWith('pkg:') && !id.startsWith('pkg:oci/') ? { purl: id } : { image: id });
    }
    const timestamp = entry.last_updated ?? entry.timestamp ?? parsed.last_updated ?? parsed.timestamp;
    return {
      source: file,
      at: `$.statements[${index}]`,
      vulnerabilities,
      products,
      status: entry.status,
      ...(entry.justification ? { justification: entry.justification } : {}),
      ...(entry.impact_statement ? { impact: entry.impact_statement } : {}),
      ...(timestamp ? { timestamp } : {}),
    };
  });
}

function componentId(item: z.infer<typeof component>): string | undefined {
  if (typeof item === 'string') return item;
  return item.identifiers?.purl ?? item['@id'];
}
