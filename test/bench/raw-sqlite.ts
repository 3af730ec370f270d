import { DatabaseSync } from 'node:sqlite';

/**
 * The ceiling on this machine: rows/s that node:sqlite inserts into an in-memory table of the
 * metric shape (run, key, value, timestamp, step), one prepared statement, one transaction.
 */
export function rawSqliteRate(n: number): { rows: number; seconds: number; rowsPerSecond: number } {
  const db = new DatabaseSync(':memory:');
  try {
    db.exec('CREATE TABLE t (run TEXT, key TEXT, value REAL, ts INTEGER, step INTEGER)');
    const insert = db.prepare('INSERT INTO t VALUES (?, ?, ?, ?, ?)');
    const t0 = performance.now();
    db.exec('BEGIN');
    for (let i = 0; i < n; i++) insert.run('r', 'k', i * 0.5, 1700000000000 + i, i);
    db.exec('COMMIT');
    const seconds = (performance.now() - t0) / 1000;
    const counted = Number((db.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n);
    if (counted !== n) throw new Error(`raw sqlite: ${counted} rows stored, expected ${n}`);
    return { rows: n, seconds, rowsPerSecond: n / seconds };
  } finally {
    db.close();
  }
}
