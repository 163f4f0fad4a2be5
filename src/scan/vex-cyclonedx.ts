import { z } from 'zod';
import { parseVex } from './vex-parse.js';
import type { VexProduct, VexStatement, VexStatus } from './vex-statement.js';

/**
 * CycloneDX VEX: `vulnerabilities[]` with an `analysis` and `affects[].ref`. A ref names a component of the same BOM
 * by bom-ref, a BOM-Link (`urn:cdx:serial/version#bom-ref`), or is a purl itself.
 */
interface Component {
  'bom-ref'?: string | undefined;
  purl?: string | undefined;
  components?: Component[] | undefined;
}
const componentSchema: z.ZodType<Component> = z.lazy(() =>
  z.looseObject({
    'bom-ref': z.string().optional(),
    purl: z.string().optional(),
    components: z.array(componentSchema).optional(),
  }),
);
const STATES: Record<string, VexStatus> = {
  not_affected: 'not_affected',
  false_positive: 'not_affected',
  resolved: 'fixed',
  resolved_with_pedigree: 'fixed',
  exploitable: 'affected',
  in_triage: 'under_investigation',
};
const cyclonedxSchema = z.looseObject({
  bomFormat: z.literal('CycloneDX'),
  metadata: z.looseObject({ timestamp: z.string().optional(), component: componentSchema.optional() }).optional(),
  components: z.array(componentSchema).optional(),
  vulnerabilities: z
    .array(
      z.looseObject({
        id: z.string().min(1),
        references: z.array(z.looseObject({ id: z.string() })).optional(),
        analysis: z
          .looseObject({
            state: z.enum(Object.keys(STATES) as [string, ...string[]]).optional(),
            justification: z.string().optional(),
            detail: z.string().optional(),
          })
          .optional(),
        affects: z.array(z.looseObject({ ref: z.string().min(1) })).optional(),
        updated: z.string().optional(),
        published: z.string().optional(),
      }),
    )
    .optional(),
});

export function isCyclonedx(document: unknown): boolean {
  return (document as { bomFormat?: unknown } | null)?.bomFormat === 'CycloneDX';
}

export function readCyclonedxVex(document: unknown, file: string): VexStatement[] {
  const bom = parseVex(cyclonedxSchema, document, file, 'CycloneDX');
  const purls = new Map<string, string>();
  const collect = (component: Component) => {
    if (component['bom-ref'] && component.purl) purls.set(component['bom-ref'], component.purl);
    for (const child of component.components ?? []) collect(child);
  };
  for (const component of bom.components ?? []) collect(component);
  const subject = bom.metadata?.component;
  const statements: VexStatement[] = [];
  for (const [index, vulnerability] of (bom.vulnerabilities ?? []).entries()) {
    const state = vulnerability.analysis?.state;
    if (!state) continue; // a vulnerability without analysis is a finding, not a statement
    const products: VexProduct[] = [];
    for (const { ref } of vulnerability.affects ?? []) {
      const target = ref.startsWith('urn:cdx:') ? decodeURIComponent(ref.slice(ref.indexOf('#') + 1)) : ref;
      if (subject && (target === subject['bom-ref'] || target === subject.purl)) {
        products.push({ image: subject.purl ?? target });
        continue;
      }
      const purl = purls.get(target) ?? (target.startsWith('pkg:') ? target : undefined);
      if (purl) products.push({ purl });
    }
    const analysis = vulnerability.analysis;
    const timestamp = vulnerability.updated ?? vulnerability.published ?? bom.metadata?.timestamp;
    statements.push({
      source: file,
      at: `$.vulnerabilities[${index}]`,
      vulnerabilities: [vulnerability.id, ...(vulnerability.references ?? []).map((reference) => reference.id)],
      products,
      status: STATES[state]!,
      ...(analysis?.justification ? { justification: analysis.justification } : {}),
      ...(analysis?.detail ? { impact: analysis.detail } : {}),
      ...(timestamp ? { timestamp } : {}),
    });
  }
  return statements;
}
