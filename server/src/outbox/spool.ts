/**
 * The outbox's disk queue: `<dataDir>/outbox.db`, a SQLite file in WAL mode holding the writes
 * acknowledged to callers but not yet accepted by the MLflow server, the dead letters the server
 * refused, and the counters the extension shows. Every change is one transaction, committed with
 * `synchronous = FULL` by default, so an acknowledged write survives a crash of the daemon and,
 * with FULL, of the machine. A torn write at the WAL's tail (a crash mid-commit) fails SQLite's
 * frame checksums and is ignored on open: that transaction was never acknowledged.
 */

import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { SQLInputValue, StatementSync } from 'node:sqlite';
import { TrackingError } from '../tracking/errors.ts';
import type { FailureVerdict } from './retry-policy.ts';

/** The spool's file name inside the daemon's data directory. */
export const SPOOL_FILE = 'outbox.db';

const SCHEMA_VERSION = 1;

/** How large the spool may grow. */
export interface SpoolLimits {
  /** Queued writes (log-batches count as one each); default 100 000. */
  maxEntries: number;
  /** Bytes of queued payload (JSON); default 256 MiB. */
  maxBytes: number;
  /** Dead letters kept; beyond this the oldest are discarded (and counted); default 10 000. */
  maxDeadLetters: number;
}

export const DEFAULT_SPOOL_LIMITS: Readonly<SpoolLimits> = {
  maxEntries: 100_000,
  maxBytes: 256 * 1024 * 1024,
  maxDeadLetters: 10_000,
};

/** One queued write as stored. */
export interface SpoolRecord {
  seq: number;
  lane: string;
  kind: string;
  payload: string;
  bytes: number;
  enqueuedAt: number;
  attempts: number;
}

/** A write the server refused, kept with the reason so it can be shown, requeued or discarded. */
export interface DeadLetter {
  id: number;
  lane: string;
  kind: string;
  payload: string;
  enqueuedAt: number;
  failedAt: number;
  attempts: number;
  errorCode: string;
  errorMessage: string;
  httpStatus: number | null;
}

/** The last failure seen while talking to the server. */
export interface LastError {
  at: number;
  code: string;
  message: string;
  httpStatus: number | null;
}

interface LaneTotals {
  entries: number;
  bytes: number;
}

const SQLITE_BUSY = 5;

function isBusy(err: unknown): boolean {
  const errcode = (err as { errcode?: unknown }).errcode;
  return typeof errcode === 'number' && (errcode & 0xff) === SQLITE_BUSY;
}

/**
 * The spool file, owned by one process: it is opened with an exclusive lock, so a second daemon on
 * the same data directory fails to open it instead of delivering the same records twice. The lock
 * is the OS's, so a killed daemon does not leave it behind. Sizes and lane depths are mirrored in
 * memory, so the hot path (is this run's lane empty? is there room?) never reads the file.
 */
export class Spool {
  readonly path: string;
  readonly limits: Readonly<SpoolLimits>;
  readonly #db: DatabaseSync;
  readonly #lanes = new Map<string, LaneTotals>();
  #entries = 0;
  #bytes = 0;
  #deadLetters = 0;
  #counters = { delivered: 0, droppedFull: 0, deadLettersDiscarded: 0 };
  #droppedStorageError = 0;
  #lastError: LastError | null = null;
  #lastDeliveryAt: number | null = null;
  #closed = false;
  readonly #statements = new Map<string, StatementSync>();
  // In-memory totals to update once the current transaction has committed (never on rollback).
  readonly #afterCommit: (() => void)[] = [];

  private constructor(path: string, db: DatabaseSync, limits: SpoolLimits) {
    this.path = path;
    this.#db = db;
    this.limits = limits;
  }

  /** Opens (creating if needed) the spool file and loads its totals; queued records are kept. */
  static open(path: string, limits: SpoolLimits, fsync = true): Spool {
    mkdirSync(dirname(path), { recursive: true });
    const db = new DatabaseSync(path, { timeout: 1000 });
    try {
      db.exec('PRAGMA locking_mode = EXCLUSIVE');
      db.exec('PRAGMA journal_mode = WAL');
      db.exec(`PRAGMA synchronous = ${fsync ? 'FULL' : 'NORMAL'}`);
      // Takes the exclusive lock now, so "in use" is reported at open, not on the first write.
      db.exec('BEGIN IMMEDIATE');
      migrate(db);
      db.exec('COMMIT');
    } catch (err) {
      if (db.isOpen && db.isTransaction) db.exec('ROLLBACK');
      if (db.isOpen) db.close();
      if (isBusy(err)) throw new TrackingError('INTERNAL_ERROR', `The outbox spool ${path} is in use by another daemon`);
      throw err;
    }
    const spool = new Spool(path, db, limits);
    spool.#load();
    return spool;
  }

  #load(): void {
    const lanes = this.#db
      .prepare('SELECT lane, COUNT(*) AS n, SUM(bytes) AS b, MIN(seq) AS head FROM queue GROUP BY lane ORDER BY head')
      .all() as { lane: string; n: number; b: number }[];
    for (const row of lanes) {
      this.#lanes.set(row.lane, { entries: row.n, bytes: row.b });
      this.#entries += row.n;
      this.#bytes += row.b;
    }
    this.#deadLetters = (this.#db.prepare('SELECT COUNT(*) AS n FROM dead_letters').get() as { n: number }).n;
    for (const row of this.#db.prepare('SELECT name, value FROM state').all() as { name: string; value: SQLInputValue }[]) {
      if (row.name === 'last_error' && typeof row.value === 'string') this.#lastError = JSON.parse(row.value) as LastError;
      else if (row.name === 'last_delivery_at' && typeof row.value === 'number') this.#lastDeliveryAt = row.value;
      else if (row.name in this.#counters && typeof row.value === 'number') {
        this.#counters[row.name as keyof Spool['counters']] = row.value;
      }
    }
  }

  /** Queued writes in a lane (0 when it has none). */
  depth(lane: string): number {
    return this.#lanes.get(lane)?.entries ?? 0;
  }

  /** Lanes with queued writes, oldest head first. */
  lanes(): string[] {
    return [...this.#lanes.keys()];
  }

  get entries(): number {
    return this.#entries;
  }

  get bytes(): number {
    return this.#bytes;
  }

  get deadLetterCount(): number {
    return this.#deadLetters;
  }

  get counters(): Readonly<{ delivered: number; droppedFull: number; deadLettersDiscarded: number }> {
    return this.#counters;
  }

  /** Writes refused because the spool file could not be written (disk full, read-only…). */
  get droppedStorageError(): number {
    return this.#droppedStorageError;
  }

  get lastError(): LastError | null {
    return this.#lastError;
  }

  get lastDeliveryAt(): number | null {
    return this.#lastDeliveryAt;
  }

  /**
   * Appends a write to the end of its lane, durably, and returns its sequence number. When the
   * spool is full the write is refused with REQUEST_LIMIT_EXCEEDED (and counted); when the file
   * cannot be written it is refused with TEMPORARILY_UNAVAILABLE (and counted). A refused write
   * was never acknowledged, so the caller still holds it.
   */
  enqueue(lane: string, kind: string, payload: string, now: number): number {
    const bytes = this.#checkRoom(payload);
    try {
      return this.#write(() => this.#insert(lane, kind, payload, bytes, now));
    } catch (err) {
      this.#droppedStorageError++;
      throw new TrackingError(
        'TEMPORARILY_UNAVAILABLE',
        `The MLflow server is unavailable and the outbox spool ${this.path} cannot be written ` +
          `(${err instanceof Error ? err.message : String(err)}), so this write was not stored`,
      );
    }
  }

  /** The payload's size in bytes, after checking it fits; counts and refuses it when it does not. */
  #checkRoom(payload: string): number {
    const bytes = Buffer.byteLength(payload, 'utf8');
    if (this.#entries + 1 > this.limits.maxEntries || this.#bytes + bytes > this.limits.maxBytes) {
      this.#counters.droppedFull++;
      try {
        this.#write(() => this.#setState('droppedFull', this.#counters.droppedFull));
      } catch {
        // The in-memory count still shows in stats(); only its persistence failed.
      }
      throw new TrackingError(
        'REQUEST_LIMIT_EXCEEDED',
        `The outbox is full (${this.#entries} writes, ${this.#bytes} bytes waiting for the MLflow server; limits ` +
          `${this.limits.maxEntries} writes, ${this.limits.maxBytes} bytes), so this write was not stored. ` +
          'Retry it later, or raise the outbox limits.',
      );
    }
    return bytes;
  }

  /** Inserts inside the caller's transaction; the in-memory totals follow only once it commits. */
  #insert(lane: string, kind: string, payload: string, bytes: number, now: number): number {
    const result = this.#stmt('INSERT INTO queue (lane, kind, payload, bytes, enqueued_at) VALUES (?, ?, ?, ?, ?)')
      .run(lane, kind, payload, bytes, now);
    this.#afterCommit.push(() => {
      const totals = this.#lanes.get(lane) ?? { entries: 0, bytes: 0 };
      totals.entries++;
      totals.bytes += bytes;
      this.#lanes.set(lane, totals);
      this.#entries++;
      this.#bytes += bytes;
    });
    return Number(result.lastInsertRowid);
  }

  /** The oldest queued write of a lane. */
  head(lane: string): SpoolRecord | undefined {
    const row = this.#stmt(
        'SELECT seq, lane, kind, payload, bytes, enqueued_at AS enqueuedAt, attempts FROM queue WHERE lane = ? ORDER BY seq LIMIT 1',
      ).get(lane);
    return row as SpoolRecord | undefined;
  }

  /** Removes a write the server accepted. */
  delivered(record: SpoolRecord, now: number): void {
    this.#write(() => {
      this.#stmt('DELETE FROM queue WHERE seq = ?').run(record.seq);
      this.#setState('delivered', this.#counters.delivered + 1);
      this.#setState('last_delivery_at', now);
    });
    this.#counters.delivered++;
    this.#lastDeliveryAt = now;
    this.#forget(record);
  }

  /** Records a failed attempt that will be retried. */
  failedAttempt(record: SpoolRecord, verdict: FailureVerdict, now: number): void {
    const lastError = toLastError(verdict, now);
    this.#write(() => {
      this.#stmt('UPDATE queue SET attempts = attempts + 1 WHERE seq = ?').run(record.seq);
      this.#setState('last_error', JSON.stringify(lastError));
    });
    this.#lastError = lastError;
  }

  /** Notes a failure that concerned no stored record (a direct attempt that was then queued). */
  noteError(verdict: FailureVerdict, now: number): void {
    const lastError = toLastError(verdict, now);
    this.#lastError = lastError;
    try {
      this.#write(() => this.#setState('last_error', JSON.stringify(lastError)));
    } catch {
      // Diagnostics only; the in-memory copy is what stats() shows.
    }
  }

  /** Moves a write the server refused to the dead letters, in one transaction. */
  deadLetter(record: SpoolRecord, verdict: FailureVerdict, now: number): void {
    const lastError = toLastError(verdict, now);
    let discarded = 0;
    this.#write(() => {
      this.#stmt(
          `INSERT INTO dead_letters (lane, kind, payload, enqueued_at, failed_at, attempts, error_code, error_message, http_status)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        ).run(record.lane, record.kind, record.payload, record.enqueuedAt, now, record.attempts + 1,
          verdict.code, verdict.message, verdict.httpStatus ?? null);
      this.#stmt('DELETE FROM queue WHERE seq = ?').run(record.seq);
      const excess = this.#deadLetters + 1 - this.limits.maxDeadLetters;
      if (excess > 0) {
        discarded = Number(
          this.#db.prepare('DELETE FROM dead_letters WHERE id IN (SELECT id FROM dead_letters ORDER BY id LIMIT ?)').run(excess)
            .changes,
        );
        this.#setState('deadLettersDiscarded', this.#counters.deadLettersDiscarded + discarded);
      }
      this.#setState('last_error', JSON.stringify(lastError));
    });
    this.#deadLetters += 1 - discarded;
    this.#counters.deadLettersDiscarded += discarded;
    this.#lastError = lastError;
    this.#forget(record);
  }

  /** Dead letters, oldest first. */
  listDeadLetters(limit: number): DeadLetter[] {
    return this.#db
      .prepare(
        `SELECT id, lane, kind, payload, enqueued_at AS enqueuedAt, failed_at AS failedAt, attempts,
                error_code AS errorCode, error_message AS errorMessage, http_status AS httpStatus
         FROM dead_letters ORDER BY id LIMIT ?`,
      )
      .all(limit) as unknown as DeadLetter[];
  }

  /**
   * Puts dead letters back at the end of their lanes (all of them, or those with the given ids),
   * e.g. after the cause was fixed on the server; returns how many. The spool limits apply.
   */
  requeueDeadLetters(ids: readonly number[] | undefined, now: number): number {
    const letters = this.listDeadLetters(Number.MAX_SAFE_INTEGER).filter((d) => ids === undefined || ids.includes(d.id));
    for (const letter of letters) {
      const bytes = this.#checkRoom(letter.payload);
      // One transaction, so a crash cannot leave the write both queued and dead.
      this.#write(() => {
        this.#insert(letter.lane, letter.kind, letter.payload, bytes, now);
        this.#stmt('DELETE FROM dead_letters WHERE id = ?').run(letter.id);
      });
      this.#deadLetters--;
    }
    return letters.length;
  }

  /** Deletes dead letters (all, or those with the given ids); returns how many. */
  discardDeadLetters(ids: readonly number[] | undefined): number {
    const changes = this.#write(() => {
      if (ids === undefined) return Number(this.#db.prepare('DELETE FROM dead_letters').run().changes);
      let n = 0;
      for (const id of ids) n += Number(this.#db.prepare('DELETE FROM dead_letters WHERE id = ?').run(id).changes);
      return n;
    });
    this.#deadLetters -= changes;
    return changes;
  }

  /** Checkpoints the WAL into the main file and closes; the queue stays for the next open. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
    } catch {
      // The data is safe in the WAL either way; SQLite checkpoints on the next open.
    }
    this.#statements.clear();
    this.#db.close();
  }

  #forget(record: SpoolRecord): void {
    const totals = this.#lanes.get(record.lane);
    if (totals) {
      totals.entries--;
      totals.bytes -= record.bytes;
      if (totals.entries <= 0) this.#lanes.delete(record.lane);
    }
    this.#entries--;
    this.#bytes -= record.bytes;
  }

  #setState(name: string, value: SQLInputValue): void {
    this.#stmt('INSERT INTO state (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value').run(name, value);
  }

  #stmt(sql: string): StatementSync {
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  #write<T>(fn: () => T): T {
    if (this.#closed) throw new TrackingError('INTERNAL_ERROR', 'The outbox spool is closed');
    this.#afterCommit.length = 0;
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      const result = fn();
      this.#db.exec('COMMIT');
      for (const apply of this.#afterCommit) apply();
      return result;
    } catch (err) {
      if (this.#db.isTransaction) this.#db.exec('ROLLBACK');
      throw err;
    } finally {
      this.#afterCommit.length = 0;
    }
  }
}

function toLastError(verdict: FailureVerdict, now: number): LastError {
  return { at: now, code: verdict.code, message: verdict.message, httpStatus: verdict.httpStatus ?? null };
}

function migrate(db: DatabaseSync): void {
  const version = (db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version;
  if (version > SCHEMA_VERSION) {
    throw new TrackingError('INTERNAL_ERROR', `The outbox spool has schema ${version}, newer than this daemon's ${SCHEMA_VERSION}`);
  }
  if (version === SCHEMA_VERSION) return;
  // AUTOINCREMENT: a sequence number is never reused, even after the newest record was removed,
  // so order by seq is order of acceptance across restarts.
  db.exec(`
    CREATE TABLE queue (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      lane TEXT NOT NULL,
      kind TEXT NOT NULL,
      payload TEXT NOT NULL,
      bytes INTEGER NOT NULL,
      enqueued_at INTEGER NOT NULL,
      attempts INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX queue_lane ON queue (lane, seq);
    CREATE TABLE dead_letters (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      lane TEXT NOT NULL,
      kind TEXT NOT NULL,
      payload TEXT NOT NULL,
      enqueued_at INTEGER NOT NULL,
      failed_at INTEGER NOT NULL,
      attempts INTEGER NOT NULL,
      error_code TEXT NOT NULL,
      error_message TEXT NOT NULL,
      http_status INTEGER
    );
    CREATE TABLE state (name TEXT PRIMARY KEY, value ANY) WITHOUT ROWID;
    PRAGMA user_version = ${SCHEMA_VERSION};
  `);
}
