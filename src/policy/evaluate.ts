import { applyExceptions } from './exceptions.js';
import { exposureOf } from './exposure.js';
import type { GateInputs } from './gate-inputs.js';
import type { GateResult } from './gate-result.js';
import type { PolicyRule, RuleContext } from './policy-rule.js';
import { complianceRule } from './rule-compliance.js';
import { dataInUse } from './rule-database.js';
import { POLICY_RULES } from './rules.js';

const BASE_NAME_LABEL = 'org.opencontainers.image.base.name';
const BASE_DIGEST_LABEL = 'org.opencontainers.image.base.digest';

/**
 * The gate: a pure function of what was gathered and the clock. Every rule is evaluated and kept on record, the
 * ones the policy leaves out as `not-configured`; the verdict is `fail` when any rule fails. Severity is read nowhere.
 */
export function evaluatePolicy(inputs: GateInputs, now: Date | string): GateResult {
  const at = typeof now === 'string' ? Date.parse(now) : now.getTime();
  const { policy: loaded, scan, image, database } = inputs;
  const spec = loaded.policy.spec;
  const used = dataInUse(scan, database, at);
  const exceptions = applyExceptions(spec.exceptions, scan, at, loaded.policy.metadata.name);
  const findings = exceptions.scan.findings;
  const compliance = complianceRule(spec.compliance, inputs.compliance, at);
  const context: RuleContext = { inputs, at, findings, used, exceptions, compliance };
  const sections = spec as Record<string, unknown>;
  const rules = POLICY_RULES.flatMap((rule: PolicyRule) => rule.evaluate(sections[rule.key], context));
  const result: GateResult = {
    apiVersion: 'patchline.dev/v1',
    kind: 'GateResult',
    verdict: rules.some((rule) => rule.outcome === 'fail') ? 'fail' : 'pass',
    evaluatedAt: new Date(at).toISOString(),
    tool: { name: 'patchline', version: inputs.toolVersion },
    image: { reference: image.reference },
    policy: { path: loaded.path, digest: loaded.digest, name: loaded.policy.metadata.name },
    database: {
      path: database.path,
      snapshotId: database.snapshotId,
      sources: database.sources.flatMap((source) =>
        source.ecosystems.map((ecosystem) => `${source.source} ${ecosystem}`),
      ),
    },
    rules,
    exceptions: exceptions.outcomes,
    exposure: exposureOf(findings, at),
    scan: exceptions.scan,
  };
  if (compliance.outcome !== undefined) result.compliance = compliance.outcome;
  if (image.digest !== undefined) result.image.digest = image.digest;
  if (image.unverifiedIdentity !== undefined) result.image.unverifiedIdentity = image.unverifiedIdentity;
  if (image.created !== undefined) result.image.created = image.created;
  const baseName = image.labels[BASE_NAME_LABEL];
  if (baseName !== undefined) {
    const baseDigest = image.labels[BASE_DIGEST_LABEL];
    result.image.base = baseDigest === undefined ? { name: baseName } : { name: baseName, digest: baseDigest };
  }
  if (database.builtAt !== undefined) result.database.builtAt = database.builtAt;
  if (used.ageSeconds !== undefined) result.database.ageSeconds = used.ageSeconds;
  return result;
}
