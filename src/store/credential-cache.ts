import type { Names } from './notifications.js';

/**
 * Host credentials already found in the database, so that a host's every call does not read the credentials table
 * again (two of the four statements of a report-and-poll cycle on PostgreSQL). Only credentials that exist are kept:
 * a credential is added by enrolment and taken away only with its host, which forgets it here and tells the other
 * controllers to (the `patchline_credentials` notification).
 *
 * A lookup that ran while a host was forgotten may have read the row just before it went: a generation counter keeps
 * such an answer out. Nothing is kept or answered while the store cannot hear other controllers' deletions
 * (PostgreSQL without its listening connection), and everything is dropped when that connection comes back.
 */
export class CredentialCache {
  private readonly hostByHash = new Map<string, string>();
  private readonly hashByHost = new Map<string, string>();
  private generation = 0;

  constructor(
    private readonly limit: number,
    private readonly hearing: () => boolean,
  ) {}

  host(hash: string): string | undefined {
    return this.hearing() ? this.hostByHash.get(hash) : undefined;
  }

  hash(host: string): string | undefined {
    return this.hearing() ? this.hashByHost.get(host) : undefined;
  }

  /** The generation a lookup starts in; pass it back to remember. */
  begin(): number {
    return this.generation;
  }

  /** Keeps a credential found by a lookup that began in `generation`, unless hosts were forgotten since. */
  remember(generation: number, hash: string, host: string): void {
    if (generation !== this.generation || !this.hearing()) return;
    if (this.hostByHash.size >= this.limit) this.clear();
    this.hostByHash.set(hash, host);
    this.hashByHost.set(host, hash);
  }

  forget(hosts: Names): void {
    this.generation++;
    if (hosts === 'all') {
      this.clear();
      return;
    }
    for (const host of hosts) {
      const hash = this.hashByHost.get(host);
      this.hashByHost.delete(host);
      if (hash !== undefined) this.hostByHash.delete(hash);
    }
  }

  private clear(): void {
    this.hostByHash.clear();
    this.hashByHost.clear();
  }
}
