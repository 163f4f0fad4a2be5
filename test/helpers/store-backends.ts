import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { startPostgres, type TestPostgres } from './postgres.js';
import { tempDir } from './tmp.js';

export type Dialect = 'sqlite' | 'postgres';

/**
 * The store's two backends for a test file: a private PostgreSQL started before its tests and stopped after, and
 * `location(dialect)` giving a fresh SQLite file or a fresh PostgreSQL database for each store a test opens.
 */
export function storeBackends(prefix: string): { location: (dialect: Dialect) => Promise<string> } {
  let postgres: TestPostgres | undefined;
  beforeAll(async () => {
    postgres = await startPostgres();
  }, 60_000);
  afterAll(async () => {
    await postgres?.stop();
  });
  return {
    async location(dialect) {
      if (dialect === 'sqlite') return join(await tempDir(prefix), 'controller.db');
      if (postgres === undefined) throw new Error('PostgreSQL did not start');
      return postgres.freshDatabase();
    },
  };
}
