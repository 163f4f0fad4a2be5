import { digestHex, isSha256Digest, PatchlineError, withoutPinnedDigest } from '../core/index.js';
import { gateEvidence } from './evidence.js';
import { GATE_PREDICATE_TYPE, type GateEvidence } from './evidence-schema.js';
import type { GateResult } from './gate-result.js';

/**
 * The gate evidence as an in-toto Statement v1 (github.com/in-toto/attestation, spec/v1/statement.md): the image is the
 * subject, named by its repository and identified by its manifest digest, and the evidence is the predicate. Signed
 * and attached with `cosign attest --type https://patchline.dev/attestation/gate/v1 --predicate evidence.json IMAGE`
 * (cosign builds this same statement around the predicate), or attached as it is with `oras attach`.
 */
export const IN_TOTO_STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';

export interface GateStatement {
  _type: typeof IN_TOTO_STATEMENT_TYPE;
  subject: Array<{ name: string; digest: { sha256: string } }>;
  predicateType: typeof GATE_PREDICATE_TYPE;
  predicate: GateEvidence;
}

export function gateInTotoStatement(result: GateResult): GateStatement {
  const { reference, digest } = result.image;
  if (digest === undefined || !isSha256Digest(digest)) {
    throw new PatchlineError(
      'input',
      reference,
      digest === undefined
        ? 'has no manifest digest, and an in-toto statement identifies its subject by digest: gate the image from a registry or an OCI layout, or pin it as name@sha256:…'
        : `has the digest ${digest}, and an in-toto statement for an image needs its sha256 manifest digest`,
    );
  }
  return {
    _type: IN_TOTO_STATEMENT_TYPE,
    subject: [{ name: subjectName(reference), digest: { sha256: digestHex(digest) } }],
    predicateType: GATE_PREDICATE_TYPE,
    predicate: gateEvidence(result),
  };
}

// The repository the image lives in, as cosign names it: without the transport, the tag and the digest.
function subjectName(reference: string): string {
  return withoutPinnedDigest(
    reference.replace(/^(docker|containers-storage|oci|oci-archive|docker-archive|dir):(\/\/)?/, ''),
  ).replace(/:[^/:@]+$/, '');
}
