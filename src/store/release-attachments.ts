import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/**
 * What a release was made with, kept beside its document: the gate evidence document exactly as it was hashed
 * (spec.gate.evidence is its sha256) and the image diff against the fleet's previous release, as JSON text.
 */
export interface ReleaseAttachments {
  evidence?: string | undefined;
  diff?: string | undefined;
}

export async function storeAttachments(
  db: Kysely<Database>,
  release: string,
  attachments: ReleaseAttachments,
): Promise<void> {
  if (attachments.evidence === undefined && attachments.diff === undefined) return;
  await db
    .updateTable('releases')
    .set({ evidence: attachments.evidence ?? null, image_diff: attachments.diff ?? null })
    .where('name', '=', release)
    .execute();
}

export async function readAttachments(db: Kysely<Database>, release: string): Promise<ReleaseAttachments | undefined> {
  const row = await db
    .selectFrom('releases')
    .select(['evidence', 'image_diff'])
    .where('name', '=', release)
    .executeTakeFirst();
  if (row === undefined) return undefined;
  return {
    ...(row.evidence === null ? {} : { evidence: row.evidence }),
    ...(row.image_diff === null ? {} : { diff: row.image_diff }),
  };
}
