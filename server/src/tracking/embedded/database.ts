/**
 * One SQLite connection for the embedded store: the pragmas that make it safe and fast, a cache
 * of prepared statements, and transaction helpers that turn SQLite failures into TrackingErrors.
 */

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { SQLInputValue, StatementSync } from 'node:sqlite';
import { TrackingError } from '../errors.ts';
import { migrate } from './migrations.ts';

/** The file name inside the data directory. */
export const DATABASE_FILE = 'tracking.db';

// Dynamic search SQL varies with the filter; bound the cache so odd filters cannot grow it forever.
const MAX_CACHED_STATEMENTS = 500;
const BUSY_TIMEOUT_MS = 5000;
const SQLITE_BUSY = 5;
const SQLITE_LOCKED = 6;

export type Params = SQLInputValue[];

function toTrackingError(err: unknown): unknown {
  if (err instanceof TrackingError) return err;
  const e = err as { code?: unknown; errcode?: unknown; message?: unknown };
  if (e && e.code === 'ERR_SQLITE_ERROR') {
    const primary = typeof e.errcode === 'number' ? e.errcode & 0xff : -1;
    if (primary === SQLITE_BUSY || primary === SQLITE_LOCKED) {
      return new TrackingError('TEMPORARILY_UNAVAILABLE', 'The tracking database is busy; retry the request');
    }
    return new TrackingError('INTERNAL_ERROR', `Tracking database error: ${String(e.message)}`);
  }
  return err;
}

export class Database {
  private readonly db: DatabaseSync;
  private readonly statements = new Map<string, StatementSync>();
  private closed = false;

  private constructor(db: DatabaseSync) {
    this.db = db;
  }

  /** Opens (creating if needed) `<dataDir>/tracking.db` and migrates it to the current schema. */
  static open(dataDir: string): Database {
    mkdirSync(dataDir, { recursive: true });
    const db = new DatabaseSync(join(dataDir, DATABASE_FILE), {
      enableForeignKeyConstraints: true,
      timeout: BUSY_TIMEOUT_MS,
    });
    try {
      // WAL lets readers (other daemons, sqlite3 CLI) run while we write; NORMAL is durable
      // across application crashes and only risks the last commits on power loss.
      db.exec('PRAGMA journal_mode = WAL');
      db.exec('PRAGMA synchronous = NORMAL');
      db.exec('PRAGMA foreign_keys = ON');
      db.exec('PRAGMA temp_store = MEMORY');
      // SQLite's lower() only folds ASCII; ILIKE must fold every script, as PostgreSQL's does.
      db.function('mlflow_lower', { deterministic: true, varargs: false }, (value) =>
        typeof value === 'string' ? value.toLowerCase() : null,
      );
      migrate(db);
    } catch (err) {
      db.close();
      throw toTrackingError(err);
    }
    return new Database(db);
  }

  /** A prepared statement for `sql`, reused across calls. */
  stmt(sql: string): StatementSync {
    this.assertOpen();
    let s = this.statements.get(sql);
    if (!s) {
      if (this.statements.size >= MAX_CACHED_STATEMENTS) this.statements.clear();
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  /** Runs `fn` in a write transaction (BEGIN IMMEDIATE, so the lock is taken up front), all or nothing. */
  write<T>(fn: () => T): T {
    return this.transaction('BEGIN IMMEDIATE', fn);
  }

  /** Runs `fn` in a read transaction so multi-query reads see one snapshot. */
  read<T>(fn: () => T): T {
    return this.transaction('BEGIN', fn);
  }

  private transaction<T>(begin: string, fn: () => T): T {
    this.assertOpen();
    try {
      this.db.exec(begin);
    } catch (err) {
      throw toTrackingError(err);
    }
    try {
      const result = fn();
      this.db.exec('COMMIT');
      return result;
    } catch (err) {
      if (this.db.isTransaction) this.db.exec('ROLLBACK');
      throw toTrackingError(err);
    }
  }

  /** Checkpoints the WAL into the main file and closes; later calls fail as unavailable. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.statements.clear();
    try {
      this.db.exec('PRAGMA optimize');
      this.db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
    } catch {
      // Another connection may hold the WAL; SQLite checkpoints again when the last one closes.
    }
    this.db.close();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private assertOpen(): void {
    if (this.closed) throw new TrackingError('TEMPORARILY_UNAVAILABLE', 'The tracking store is closed');
  }
}
