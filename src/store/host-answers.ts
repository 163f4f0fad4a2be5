import { type Kysely, sql } from 'kysely';
import type { Database } from './schema.js';

/**
 * Prepared answers: what each host should run, kept in `host_answers` once computed, so a poll is one
 * indexed read instead of reading the fleet, its latest rollout, the host's record and the releases. An answer is
 * dropped, in the same transaction, by every change that could alter it: a decision that moved the host (or changed
 * its rollout's phase: the whole fleet), creating, changing or deleting one of the fleet's rollouts, a fleet's
 * selector or windows (every host), the host's own labels. Releases drop nothing: a new one changes no answer until a
 * rollout names it, and a release's image never changes. Pauses and aborts change a rollout's spec, and its answers
 * only with the phase change the next decision makes. Answers that depend on the clock (a selected host waiting for a
 * download window) are never kept.
 *
 * `host_answers.version` closes the race between computing an answer and a change committing meanwhile: every drop bumps
 * it, and an answer is stored only over the version read before the state it was computed from, so an answer
 * computed on a state that has since changed is never kept.
 */

export interface PreparedAnswer {
  fleet: string;
  digest: string;
  image: string;
}

/** `none`: nothing speaks for the host (it keeps what it runs), as opposed to SQL NULL, "not prepared". */
const NONE = '"none"';

export function encodeAnswer(answer: PreparedAnswer | undefined): string {
  return answer === undefined ? NONE : JSON.stringify(answer);
}

export function decodeAnswer(text: string): PreparedAnswer | undefined {
  return text === NONE ? undefined : (JSON.parse(text) as PreparedAnswer);
}

export async function storeAnswer(
  db: Kysely<Database>,
  host: string,
  version: number,
  answer: PreparedAnswer | undefined,
): Promise<void> {
  await db
    .updateTable('host_answers')
    .set({ answer: encodeAnswer(answer) })
    .where('host', '=', host)
    .where('version', '=', version)
    .execute();
}

const dropped = { answer: null, version: sql<number>`version + 1` };

/** A new answer for a host (null: none prepared, the next poll computes it), over the version it was computed on. */
export interface AnswerChange {
  host: string;
  version: number;
  answer: PreparedAnswer | undefined | null;
}

/**
 * Keeps answers computed by whoever changed the state they follow from (a decision, a new rollout), so the hosts'
 * next polls read them instead of each computing its own. Each is kept only over the version it was computed on, and
 * bumps it, like a drop: a host whose answer a concurrent change dropped meanwhile keeps none, and a poll that
 * computed from the state before this one stores nothing.
 */
export async function keepAnswers(db: Kysely<Database>, changes: readonly AnswerChange[]): Promise<void> {
  const byAnswer = new Map<string | null, AnswerChange[]>();
  for (const change of changes) {
    const text = change.answer === null ? null : encodeAnswer(change.answer);
    const group = byAnswer.get(text);
    if (group === undefined) byAnswer.set(text, [change]);
    else group.push(change);
  }
  for (const [answer, group] of byAnswer) {
    for (let start = 0; start < group.length; start += 500) {
      const chunk = group.slice(start, start + 500);
      const rows = chunk.map((change) => sql`(${change.host}, cast(${change.version} as integer))`);
      await db
        .updateTable('host_answers')
        .set({ answer, version: sql<number>`version + 1` })
        // The names alone let both databases find the rows by the primary key; the pairs then hold the versions.
        .where(
          'host',
          'in',
          chunk.map((change) => change.host),
        )
        .where(sql`(host, version)`, 'in', sql`(values ${sql.join(rows)})`)
        .execute();
    }
  }
}

export async function dropHostAnswers(db: Kysely<Database>, hosts: Iterable<string>): Promise<void> {
  const names = [...new Set(hosts)];
  for (let start = 0; start < names.length; start += 500) {
    await db
      .updateTable('host_answers')
      .set(dropped)
      .where('host', 'in', names.slice(start, start + 500))
      .execute();
  }
}

export async function dropFleetAnswers(db: Kysely<Database>, fleet: string): Promise<void> {
  await db
    .updateTable('host_answers')
    .set(dropped)
    .where('host', 'in', (eb) => eb.selectFrom('hosts').select('name').where('fleet', '=', fleet))
    .execute();
}

export async function dropAllAnswers(db: Kysely<Database>): Promise<void> {
  await db.updateTable('host_answers').set(dropped).execute();
}
