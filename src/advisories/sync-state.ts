import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { formatSchemaError, PatchlineError, writeFileAtomic } from '../core/index.js';

/**
 * What `db update` remembers between runs, in `<db>.sync.json` beside the database: the validators of every URL
 * whose content is in the database (for conditional requests), and per feed how far its incremental sync got.
 * It is written only after the database it describes has been renamed into place, so it never claims content the
 * database lacks; the worst a crash between the two can do is make the next run download something again.
 */
const validatorsSchema = z.object({
  etag: z.string().optional(),
  lastModified: z.string().optional(),
});

const feedStateSchema = z.object({
  /** The newest modification time (ISO 8601) the feed's change list had when we last synced it. */
  watermark: z.string().optional(),
  /** When a sync last completed for this feed, ISO 8601. */
  lastSync: z.string(),
});

const syncStateSchema = z.object({
  version: z.literal(1),
  urls: z.record(z.string(), validatorsSchema),
  feeds: z.record(z.string(), feedStateSchema),
});

export type Validators = z.infer<typeof validatorsSchema>;
export type FeedState = z.infer<typeof feedStateSchema>;
export type SyncState = z.infer<typeof syncStateSchema>;

export function syncStatePath(dbPath: string): string {
  return `${dbPath}.sync.json`;
}

export function emptySyncState(): SyncState {
  return { version: 1, urls: {}, feeds: {} };
}

/** The state beside a database; none yet is an empty state, a corrupt one is an error naming the file. */
export async function readSyncState(dbPath: string): Promise<SyncState> {
  const path = syncStatePath(dbPath);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return emptySyncState();
    throw new PatchlineError('input', path, `cannot be read (${(error as NodeJS.ErrnoException).code})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new PatchlineError('input', path, 'is not JSON; delete it to make the next update download everything');
  }
  const parsed = syncStateSchema.safeParse(json);
  if (!parsed.success) {
    throw new PatchlineError(
      'input',
      path,
      `is not a sync state (${formatSchemaError(parsed.error)}); delete it to start afresh`,
    );
  }
  return parsed.data;
}

export async function writeSyncState(dbPath: string, state: SyncState): Promise<void> {
  const path = syncStatePath(dbPath);
  await writeFileAtomic(path, `${JSON.stringify(state, null, 2)}\n`);
}
