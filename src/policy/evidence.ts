import { formatSchemaError, PatchlineError } from '../core/index.js';
import { compareFindings, type Finding } from '../scan/index.js';
import {
  type FindingReference,
  GATE_EVIDENCE_KIND,
  GATE_PREDICATE_TYPE,
  type GateEvidence,
  gateEvidenceSchema,
} from './evidence-schema.js';
import type { GateResult } from './gate-result.js';

/** The record an auditor needs from a gate run (evidence-schema.ts says what is in it and why). */
export function gateEvidence(result: GateResult): GateEvidence {
  const { scan } = result;
  const counts = { 'fix-available': 0, 'no-fix-yet': 0, 'will-not-fix': 0, 'not-affected': 0 };
  for (const finding of scan.findings) counts[finding.status]++;
  const evidence: GateEvidence = {
    apiVersion: 'patchline.dev/v1',
    kind: GATE_EVIDENCE_KIND,
    verdict: result.verdict,
    evaluatedAt: result.evaluatedAt,
    tool: { name: result.tool.name, version: result.tool.version },
    image: {
      reference: result.image.reference,
      ...(result.image.digest ? { digest: result.image.digest } : {}),
      ...(result.image.unverifiedIdentity ? { unverifiedIdentity: result.image.unverifiedIdentity } : {}),
      ...(result.image.created ? { created: result.image.created } : {}),
      ...(result.image.base ? { base: result.image.base } : {}),
    },
    policy: { path: result.policy.path, digest: result.policy.digest, name: result.policy.name },
    database: {
      snapshotId: result.database.snapshotId,
      ...(result.database.builtAt ? { builtAt: result.database.builtAt } : {}),
      ...(result.database.ageSeconds === undefined ? {} : { ageSeconds: result.database.ageSeconds }),
      sources: [...result.database.sources],
    },
    rules: result.rules.map((rule) => ({
      rule: rule.rule,
      outcome: rule.outcome,
      message: rule.message,
      inputs: Object.fromEntries(Object.entries(rule.inputs).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
      findings: [...rule.findings].sort(compareFindings).map(findingReference),
      packages: rule.packages.map((pkg) => ({ ...pkg })),
    })),
    exceptions: result.exceptions.map((exception) => ({ ...exception, matched: [...exception.matched] })),
    ...(result.compliance === undefined ? {} : { compliance: structuredClone(result.compliance) }),
    exposure: { ...result.exposure },
    scan: {
      scannedAt: scan.scannedAt,
      packages: scan.packages,
      ...(scan.os ? { os: { id: scan.os.id, ...(scan.os.versionId ? { versionId: scan.os.versionId } : {}) } } : {}),
      ecosystems: scan.ecosystems.map((entry) => ({ ...entry })),
      findings: counts,
      suppressed: scan.suppressed.map(({ finding, statement }) => ({
        finding: findingReference(finding),
        statement: {
          source: statement.source,
          status: statement.status,
          ...(statement.justification ? { justification: statement.justification } : {}),
        },
      })),
    },
  };
  // What we write must be what we publish: a record that fails its own schema is a bug, caught here, not by an auditor.
  return gateEvidenceSchema.parse(evidence);
}

function findingReference(finding: Finding): FindingReference {
  return {
    id: finding.id,
    package: finding.package.name,
    ...(finding.package.arch ? { arch: finding.package.arch } : {}),
    purl: finding.package.purl,
    installed: finding.package.installed,
    status: finding.status,
    ...(finding.fixedVersion ? { fixed: finding.fixedVersion } : {}),
    ...(finding.fixAvailableSince ? { fixAvailableSince: finding.fixAvailableSince } : {}),
  };
}

/** Bytes past this are not a gate evidence file (a real one for thousands of findings is a few MB). */
export const MAX_EVIDENCE_BYTES = 64 * 1024 * 1024;

/**
 * Reads gate evidence as `patchline gate --evidence` writes it: the record itself, or the in-toto statement that
 * carries it as its predicate. `input` names the file in errors.
 */
export function parseGateEvidence(text: string, input: string): GateEvidence {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new PatchlineError('input', input, `is not JSON (${(error as Error).message})`);
  }
  const statement = document as { _type?: unknown; predicateType?: unknown; predicate?: unknown };
  let record: unknown = document;
  let within: string[] = [];
  if (typeof statement === 'object' && statement !== null && '_type' in statement) {
    if (statement.predicateType !== GATE_PREDICATE_TYPE) {
      throw new PatchlineError(
        'input',
        input,
        `is an in-toto statement of predicateType ${JSON.stringify(statement.predicateType)}, not ${GATE_PREDICATE_TYPE}`,
      );
    }
    record = statement.predicate;
    within = ['predicate'];
  }
  const parsed = gateEvidenceSchema.safeParse(record);
  if (!parsed.success) {
    throw new PatchlineError('input', input, `is not gate evidence: ${formatSchemaError(parsed.error, { within })}`);
  }
  return parsed.data;
}
