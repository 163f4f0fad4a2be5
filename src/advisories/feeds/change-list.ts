/**
 * The change lists publishers keep beside their archives: OSV's `modified_id.csv` (`<ISO time>,<ID>`) and Red Hat's
 * `changes.csv` / `deletions.csv` (`"<path>","<ISO time>"`), both newest first. Lines that do not parse, or name
 * something we would not store (a path leaving the feed's folder), are skipped and reported, not trusted.
 */
export interface Change {
  /** The record id (OSV) or the document path inside the feed (Red Hat). */
  key: string;
  /** Milliseconds since the epoch. */
  time: number;
  /** The time as written. */
  written: string;
}

export interface ChangeList {
  changes: Change[];
  /** `line N: why`, for the lines skipped. */
  rejected: string[];
}

/**
 * Parses a CSV of two fields per line, quoted or not. `order` says which field is the key; `accept` vets the key.
 */
export function parseChangeList(
  text: string,
  order: 'time-first' | 'key-first',
  accept: (key: string) => boolean,
): ChangeList {
  const list: ChangeList = { changes: [], rejected: [] };
  const lines = text.split(/\r?\n/);
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    const fields = line.split(',').map((field) => field.trim().replace(/^"(.*)"$/, '$1'));
    if (fields.length !== 2) {
      list.rejected.push(`line ${index + 1}: expected two fields`);
      return;
    }
    const [a, b] = fields as [string, string];
    const [written, key] = order === 'time-first' ? [a, b] : [b, a];
    const time = Date.parse(written);
    if (!/^\d{4}-\d{2}-\d{2}T/.test(written) || Number.isNaN(time)) {
      list.rejected.push(`line ${index + 1}: "${written}" is not an ISO 8601 time`);
      return;
    }
    if (!accept(key)) {
      list.rejected.push(`line ${index + 1}: "${key}" is not a name this feed uses`);
      return;
    }
    list.changes.push({ key, time, written });
  });
  return list;
}

/** The changes after `since` (ISO time; all when undefined), each key once, and the newest time in the whole list. */
export function changesSince(list: ChangeList, since: string | undefined): { keys: string[]; newest?: string } {
  const after = since === undefined ? Number.NEGATIVE_INFINITY : Date.parse(since);
  const keys = new Set<string>();
  let newest: Change | undefined;
  for (const change of list.changes) {
    if (newest === undefined || change.time > newest.time) newest = change;
    if (change.time > after) keys.add(change.key);
  }
  const result: { keys: string[]; newest?: string } = { keys: [...keys] };
  if (newest !== undefined) result.newest = new Date(newest.time).toISOString();
  return result;
}
