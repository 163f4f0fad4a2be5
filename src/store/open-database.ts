import BetterSqlite3 from 'better-sqlite3';
import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  Kysely,
  Migrator,
  type PostgresCursor,
  PostgresDialect,
  type PostgresPool,
  type PostgresPoolClient,
  type SqliteDatabase,
  SqliteDialect,
  type SqliteDialectConfig,
  SqliteDriver,
} from 'kysely';
import pg from 'pg';
import { checkSqliteFile, guardSqlite, PatchlineError } from '../core/index.js';
import { migrationProvider } from './migrations.js';
import type { Database, Dialect } from './schema.js';

/** `postgres://…` or `postgresql://…` is PostgreSQL; anything else is the path of an SQLite file (created if absent). */
export function dialectOf(location: string): Dialect {
  return /^postgres(ql)?:\/\//.test(location) ? 'postgres' : 'sqlite';
}

const CONTROLLER_DAMAGED_REMEDY =
  "restore it from a backup (stop the controller, copy the backup over it, start again); it holds the controller's fleets, hosts, releases and rollouts";

/** Opens the database and brings its schema to the latest migration. */
export async function openDatabase(location: string): Promise<{ db: Kysely<Database>; dialect: Dialect }> {
  const dialect = dialectOf(location);
  let db: Kysely<Database>;
  if (dialect === 'postgres') {
    const pool = new pg.Pool({ connectionString: location, max: 10 });
    // An idle connection that the server drops (a restart, a failover, an idle timeout) is reported here; without a
    // listener it would end the process. The pool replaces it, and a query on a dead connection fails on its own.
    pool.on('error', () => undefined);
    db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: preparingStatements(pool) }) });
  } else {
    let sqlite: BetterSqlite3.Database;
    try {
      sqlite = new BetterSqlite3(location);
    } catch (error) {
      throw new PatchlineError('input', location, `cannot open the SQLite database (${(error as Error).message})`);
    }
    try {
      // The controller's whole state is here: a damaged file is refused at start, naming it and what to do, rather
      // than failing (or silently missing rows) on some later request.
      checkSqliteFile(sqlite, location, CONTROLLER_DAMAGED_REMEDY);
      // WAL lets readers (a metrics scrape, a second process) run beside the writer; NORMAL sync is durable at every
      // checkpoint and loses at most the last transactions on power loss, never on a process crash.
      guardSqlite(location, CONTROLLER_DAMAGED_REMEDY, () => {
        sqlite.pragma('journal_mode = WAL');
        sqlite.pragma('synchronous = NORMAL');
        sqlite.pragma('busy_timeout = 5000');
      });
    } catch (error) {
      sqlite.close();
      throw error;
    }
    db = new Kysely<Database>({ dialect: new ImmediateSqliteDialect({ database: cachingStatements(sqlite) }) });
  }
  const migrator = new Migrator({ db, provider: migrationProvider(dialect) });
  const { error } = await migrator.migrateToLatest();
  if (error !== undefined) {
    await db.destroy();
    const message = error instanceof Error ? error.message : String(error);
    throw new PatchlineError('input', redact(location), `cannot migrate the database (${message})`, { cause: error });
  }
  return { db, dialect };
}

/**
 * SQLite transactions that take the write lock when they begin (`BEGIN IMMEDIATE`). A deferred transaction that reads
 * first fails outright (SQLITE_BUSY_SNAPSHOT) if another connection commits before its first write; with the decider
 * on its own thread and connection, host reports commit on the other all the time. Taking the lock first makes a
 * transaction wait its turn (the busy timeout) instead.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;

  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config);
  }
}

// Distinct PostgreSQL statements given a name (and so prepared once per connection); others run unnamed.
const MAX_NAMED = 1000;

/**
 * pg sends kysely's statements unnamed, so PostgreSQL parses and plans each one on every call: on a host's report and
 * poll that was a good part of the database's CPU. Naming a statement by its text makes each connection prepare it
 * once. Statements that select `*` stay unnamed: once prepared, they would fail when another controller's migration
 * adds a column ("cached plan must not change result type"); so do statements without parameters (BEGIN, COMMIT).
 */
function preparingStatements(pool: pg.Pool): PostgresPool {
  const names = new Map<string, string>();
  const nameOf = (sql: string): string | undefined => {
    let name = names.get(sql);
    if (name === undefined && names.size < MAX_NAMED && sql.includes('$1') && !sql.includes('*')) {
      name = `patchline_${names.size}`;
      names.set(sql, name);
    }
    return name;
  };
  return {
    async connect() {
      const client = await pool.connect();
      return {
        query: ((sql: string | PostgresCursor<unknown>, parameters?: ReadonlyArray<unknown>) => {
          if (typeof sql !== 'string') return client.query(sql as never);
          const name = nameOf(sql);
          return name === undefined
            ? client.query(sql, parameters as unknown[])
            : client.query({ name, text: sql, values: parameters as unknown[] });
        }) as unknown as PostgresPoolClient['query'],
        release: () => client.release(),
      };
    },
    end: () => pool.end(),
  };
}

// Distinct statements kept prepared; the store issues a few dozen shapes (more with IN lists of varying length).
const MAX_PREPARED = 500;

/**
 * kysely prepares every query afresh, and preparing cost as much as running the small statements of a host call.
 * Statements are kept by their SQL text: kysely runs one statement at a time on the connection and never iterates,
 * so a cached statement is never in use twice.
 */
function cachingStatements(sqlite: BetterSqlite3.Database): SqliteDatabase {
  const prepared = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(sql: string) {
      let statement = prepared.get(sql);
      if (statement === undefined) {
        if (prepared.size >= MAX_PREPARED) prepared.clear();
        statement = sqlite.prepare(sql);
        prepared.set(sql, statement);
      }
      return statement;
    },
  };
}

/** A connection string without its password, for messages. */
export function redact(location: string): string {
  return location.replace(/(postgres(?:ql)?:\/\/[^:/@]*):[^@]*@/, '$1:***@');
}
