/**
 * Log-batch and metric history for the embedded store. A batch is validated whole before the
 * transaction starts, then written in one transaction (params, metrics, tags, in MLflow's order),
 * so a reader never sees half of it and a rejected batch leaves nothing behind.
 */

import { invalid } from '../errors.ts';
import { decodePageToken, encodePageToken } from '../search/index.ts';
import type { LogBatchInput, Metric, MetricHistoryInput, Page } from '../types.ts';
import { validateLogBatch, validateMaxResults, validateRunId, validateRunName } from '../validation.ts';
import type { Database } from './database.ts';
import type { LoggedModelTable } from './logged-models.ts';
import { RUN_NAME_TAG, decodeMetricValue } from './runs.ts';
import type { RunTable } from './runs.ts';

/** What MLflow stores for ±Infinity: the largest finite double, keeping the column finite. */
const MAX_DOUBLE = 1.7976931348623157e308;

interface StoredPoint {
  key: string;
  value: number;
  isNan: 0 | 1;
  timestamp: number;
  step: number;
}

function encode(m: Metric): StoredPoint {
  const isNan = Number.isNaN(m.value);
  let value = m.value;
  if (isNan) value = 0;
  else if (value === Number.POSITIVE_INFINITY) value = MAX_DOUBLE;
  else if (value === Number.NEGATIVE_INFINITY) value = -MAX_DOUBLE;
  return { key: m.key, value, isNan: isNan ? 1 : 0, timestamp: m.timestamp, step: m.step };
}

/** MLflow's "latest" rule: the larger (step, timestamp, value) wins, on stored values. */
function isLater(a: StoredPoint, b: StoredPoint): boolean {
  if (a.step !== b.step) return a.step > b.step;
  if (a.timestamp !== b.timestamp) return a.timestamp > b.timestamp;
  return a.value > b.value;
}

const INSERT_METRIC = 'INSERT OR IGNORE INTO metrics (run_uuid, key, timestamp, step, value, is_nan) VALUES (?, ?, ?, ?, ?, ?)';
// The row-value comparison keeps the stored latest point unless the candidate is strictly later.
const UPSERT_LATEST =
  'INSERT INTO latest_metrics (run_uuid, key, value, timestamp, step, is_nan) VALUES (?, ?, ?, ?, ?, ?) ' +
  'ON CONFLICT (run_uuid, key) DO UPDATE SET value = excluded.value, timestamp = excluded.timestamp, ' +
  'step = excluded.step, is_nan = excluded.is_nan ' +
  'WHERE (excluded.step, excluded.timestamp, excluded.value) > (latest_metrics.step, latest_metrics.timestamp, latest_metrics.value)';

export class BatchWriter {
  private readonly db: Database;
  private readonly runs: RunTable;
  private readonly models: LoggedModelTable;

  constructor(db: Database, runs: RunTable, models: LoggedModelTable) {
    this.db = db;
    this.runs = runs;
    this.models = models;
  }

  /** Writes a whole batch or nothing: validation first, then one transaction. */
  logBatch(runId: string, batch: LogBatchInput): void {
    validateRunId(runId);
    validateLogBatch(batch);
    const params = batch.params ?? [];
    const metrics = batch.metrics ?? [];
    const tags = batch.tags ?? [];
    tags.forEach((t, i) => {
      if (t.key === RUN_NAME_TAG) validateRunName(t.value, `tags[${i}].value`);
    });

    this.db.write(() => {
      const run = this.runs.activeRow(runId);

      const existing = this.db.stmt('SELECT value FROM params WHERE run_uuid = ? AND key = ?');
      const insertParam = this.db.stmt('INSERT OR IGNORE INTO params (run_uuid, key, value) VALUES (?, ?, ?)');
      params.forEach((p, i) => {
        const row = existing.get(runId, p.key) as { value: string } | undefined;
        if (row && row.value !== p.value) {
          throw invalid(
            `Changing param values is not allowed. Param with key='${p.key}' was already logged with ` +
              `value='${row.value}' for run ID='${runId}'. Attempted logging new value '${p.value}'.`,
            `params[${i}].value`,
          );
        }
        if (!row) insertParam.run(runId, p.key, p.value);
      });

      if (metrics.length > 0) {
        const insertMetric = this.db.stmt(INSERT_METRIC);
        const latest = new Map<string, StoredPoint>();
        for (const m of metrics) {
          const p = encode(m);
          insertMetric.run(runId, p.key, p.timestamp, p.step, p.value, p.isNan);
          const best = latest.get(p.key);
          if (!best || isLater(p, best)) latest.set(p.key, p);
        }
        const upsert = this.db.stmt(UPSERT_LATEST);
        for (const p of latest.values()) upsert.run(runId, p.key, p.value, p.timestamp, p.step, p.isNan);
        // Points logged with a model id (MLflow 3) also go to that model's metrics.
        this.models.insertMetrics(runId, run.experiment_id, metrics);
      }

      const setTag = this.db.stmt('INSERT OR REPLACE INTO tags (run_uuid, key, value) VALUES (?, ?, ?)');
      for (const t of tags) {
        // Setting the name tag renames the run, keeping runs.name and the tag in step.
        if (t.key === RUN_NAME_TAG) this.runs.setName(runId, t.value);
        else setTag.run(runId, t.key, t.value);
      }
    });
  }

  /** Every point of one metric, ordered by (timestamp, step, value), paged by offset. */
  metricHistory(runId: string, key: string, input: MetricHistoryInput): Page<Metric> {
    // MLflow sets no upper bound here; its client asks for 25000 points a page.
    const maxResults = validateMaxResults(input.maxResults, 'max_results', Number.MAX_SAFE_INTEGER - 1);
    const offset = decodePageToken(input.pageToken);
    return this.db.read(() => {
      this.runs.row(runId);
      const rows = this.db
        .stmt(
          'SELECT value, timestamp, step, is_nan FROM metrics WHERE run_uuid = ? AND key = ? ' +
            'ORDER BY timestamp, step, value LIMIT ? OFFSET ?',
        )
        .all(runId, key, maxResults + 1, offset) as { value: number; timestamp: number; step: number; is_nan: number }[];
      const items = rows.slice(0, maxResults).map((r) => ({
        key,
        value: decodeMetricValue(r.value, r.is_nan),
        timestamp: r.timestamp,
        step: r.step,
      }));
      return rows.length > maxResults ? { items, nextPageToken: encodePageToken(offset + maxResults) } : { items };
    });
  }
}
