/**
 * Metric history ranges for charts, from the embedded store. A range on `timestamp` is one seek
 * in the metrics primary key (run, key, timestamp, step, ...); a range on `step` scans only that
 * metric's rows, filtered inside SQLite, and is put in step order in memory (usually it already
 * is). A second index on step would double the metrics table for the sake of zooming, which the
 * cache below serves anyway.
 *
 * Reading 100 000 points out of SQLite costs tens of milliseconds, so whole histories are kept,
 * as columns, in a cache bounded by point count. It is exact, not timed: a log-batch through this
 * backend drops the run's entries ({@link MetricRangeReader.invalidateRun}), and a commit by any
 * other connection (another process on the same file) changes `PRAGMA data_version`, which
 * empties it. Zooming into a cached curve is a binary search.
 */
import { validateRunId } from '../validation.ts';
import {
  type MetricColumns,
  type MetricRangeInput,
  emptyColumns,
  orderColumns,
  sliceColumns,
  validateMetricRange,
} from '../metric-range.ts';
import type { Database } from './database.ts';
import type { RunTable } from './runs.ts';

/** Points the cache holds at most (24 bytes each: about 100 MiB). */
export const CACHED_POINTS = 4_500_000;
/**
 * What an entry costs beyond its points, in points (~200 bytes: the Map entry, its key, three
 * typed-array headers). Without it empty histories (keys a run never logged) would cost nothing
 * and could pile up without bound.
 */
const ENTRY_COST = 8;

interface Entry {
  runId: string;
  columns: MetricColumns;
}

export class MetricRangeReader {
  private readonly db: Database;
  private readonly runs: RunTable;
  private readonly capacity: number;
  /** Whole histories in axis order by `run \0 key \0 axis`; Map order is least recently used first. */
  private readonly cache = new Map<string, Entry>();
  /** The cache's ids per run, so a log-batch (the ingestion hot path) drops its run's without a scan. */
  private readonly idsByRun = new Map<string, Set<string>>();
  private cachedPoints = 0;
  private dataVersion: number | undefined;

  constructor(db: Database, runs: RunTable, capacity = CACHED_POINTS) {
    this.db = db;
    this.runs = runs;
    this.capacity = capacity;
  }

  read(runId: string, key: string, input: MetricRangeInput): MetricColumns {
    validateRunId(runId);
    const range = validateMetricRange(input);
    this.dropIfChangedElsewhere();
    const id = `${runId}\0${key}\0${range.axis}`;
    const hit = this.cache.get(id);
    if (hit) {
      this.cache.delete(id);
      this.cache.set(id, hit);
      return sliceColumns(hit.columns, range);
    }
    const columns = this.db.read(() => {
      this.runs.row(runId);
      return this.select(runId, key, range);
    });
    if (range.min === undefined && range.max === undefined) this.remember(id, runId, columns);
    return columns;
  }

  /** Forgets a run's histories; called after every write of its metrics through this connection. */
  invalidateRun(runId: string): void {
    const ids = this.idsByRun.get(runId);
    if (!ids) return;
    for (const id of [...ids]) this.forget(id, this.cache.get(id)!);
  }

  private select(runId: string, key: string, range: MetricRangeInput): MetricColumns {
    const column = range.axis === 'step' ? 'step' : 'timestamp';
    const bounds: number[] = [];
    let where = 'run_uuid = ? AND key = ?';
    if (range.min !== undefined) ((where += ` AND ${column} >= ?`), bounds.push(range.min));
    if (range.max !== undefined) ((where += ` AND ${column} <= ?`), bounds.push(range.max));
    // Arrays rather than objects per row: this is the hot path of a chart over millions of points.
    const stmt = this.db.stmt(`SELECT step, value, timestamp, is_nan FROM metrics WHERE ${where} ORDER BY timestamp, step, value`);
    stmt.setReturnArrays(true);
    const rows = stmt.all(runId, key, ...bounds) as unknown as [number, number, number, number][];
    const n = rows.length;
    if (n === 0) return emptyColumns();
    const cols: MetricColumns = { steps: new Float64Array(n), values: new Float64Array(n), timestamps: new Float64Array(n) };
    for (let i = 0; i < n; i++) {
      const row = rows[i]!;
      cols.steps[i] = row[0];
      cols.values[i] = row[3] === 1 ? Number.NaN : row[1];
      cols.timestamps[i] = row[2];
    }
    return orderColumns(cols, range.axis);
  }

  private remember(id: string, runId: string, columns: MetricColumns): void {
    const size = cost(columns);
    if (size > this.capacity) return;
    for (const [oldId, entry] of this.cache) {
      if (this.cachedPoints + size <= this.capacity) break;
      this.forget(oldId, entry);
    }
    this.cache.set(id, { runId, columns });
    const ids = this.idsByRun.get(runId);
    if (ids) ids.add(id);
    else this.idsByRun.set(runId, new Set([id]));
    this.cachedPoints += size;
  }

  private forget(id: string, entry: Entry): void {
    this.cache.delete(id);
    const ids = this.idsByRun.get(entry.runId)!;
    ids.delete(id);
    if (ids.size === 0) this.idsByRun.delete(entry.runId);
    this.cachedPoints -= cost(entry.columns);
  }

  /** Empties the cache when another connection committed since the last look. */
  private dropIfChangedElsewhere(): void {
    const { data_version: version } = this.db.stmt('PRAGMA data_version').get() as { data_version: number };
    if (this.dataVersion !== undefined && version !== this.dataVersion) {
      this.cache.clear();
      this.idsByRun.clear();
      this.cachedPoints = 0;
    }
    this.dataVersion = version;
  }
}

function cost(columns: MetricColumns): number {
  return columns.steps.length + ENTRY_COST;
}
