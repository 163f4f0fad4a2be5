import { type Kysely, sql } from 'kysely';
import type { Database } from './schema.js';

/** The columns a report writes to its host's row. */
export interface ReportColumns {
  report: string;
  observed: string;
  last_seen: string;
  booted: string | null;
}

/** What the host's row held before the report, and its fleet; undefined when there is no such host. */
export type PreviousReport = { observed: string | null; fleet: string | null } | undefined;

interface Waiting {
  name: string;
  columns: ReportColumns;
  resolve(previous: PreviousReport): void;
  reject(error: unknown): void;
}

// Group sizes are powers of two up to this, so each connection prepares a handful of statements (open-database.ts).
const LARGEST_GROUP = 128;

/**
 * Host reports on PostgreSQL, written a group at a time: every report that arrives while the previous group's
 * statement runs goes into the next one, one `UPDATE … FROM (VALUES …)` with the previous rows joined (see
 * hosts.recordReport). At a thousand reports a second each was a statement and a commit of its own, which cost
 * PostgreSQL and the controller more than the rows themselves; grouped, a burst (a rollout batch reporting its new
 * digest) costs a few statements. A report waits at most for the statement before its own. Two reports of one host
 * never share a statement: the later one goes in a later group, so it is written after the earlier and sees it as
 * the previous report, as when each was written alone.
 */
export class GroupedReports {
  readonly #db: Kysely<Database>;
  // By host, in arrival order.
  readonly #pending = new Map<string, Waiting[]>();
  #writing = false;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  write(name: string, columns: ReportColumns): Promise<PreviousReport> {
    return new Promise((resolve, reject) => {
      const waiting = { name, columns, resolve, reject };
      const queue = this.#pending.get(name);
      if (queue === undefined) this.#pending.set(name, [waiting]);
      else queue.push(waiting);
      if (!this.#writing) {
        this.#writing = true;
        // After the current turn of the event loop, so the reports it brought go in together.
        setImmediate(() => void this.#drain());
      }
    });
  }

  async #drain(): Promise<void> {
    try {
      while (this.#pending.size > 0) await this.#writeGroup(this.#takeGroup());
    } finally {
      this.#writing = false;
    }
  }

  #takeGroup(): Waiting[] {
    let size = 1;
    while (size * 2 <= Math.min(this.#pending.size, LARGEST_GROUP)) size *= 2;
    const group: Waiting[] = [];
    for (const [name, queue] of this.#pending) {
      if (group.length === size) break;
      group.push(queue.shift()!);
      if (queue.length === 0) this.#pending.delete(name);
    }
    return group;
  }

  async #writeGroup(group: Waiting[]): Promise<void> {
    const rows = group.map(
      ({ name, columns }) =>
        sql`(${name}, ${columns.report}, ${columns.observed}, ${columns.last_seen}, ${columns.booted})`,
    );
    try {
      const result = await sql<{ name: string; observed: string | null; fleet: string | null }>`
        update hosts
        set report = given.report, observed = given.observed, last_seen = given.last_seen, booted = given.booted
        from hosts as previous, (values ${sql.join(rows)}) as given (name, report, observed, last_seen, booted)
        where previous.name = hosts.name and hosts.name = given.name
        returning hosts.name, previous.observed, hosts.fleet`.execute(this.#db);
      const found = new Map(result.rows.map((row) => [row.name, { observed: row.observed, fleet: row.fleet }]));
      for (const waiting of group) waiting.resolve(found.get(waiting.name));
    } catch (error) {
      for (const waiting of group) waiting.reject(error);
    }
  }
}
