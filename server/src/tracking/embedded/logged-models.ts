/**
 * Logged models in the embedded store (MLflow 3): create, read, finalize, soft delete, tags,
 * write-once params, the model's copy of metrics logged with its id, and search. Tables and
 * semantics follow MLflow's SQL store; its artifact layout too, so a client writing the model's
 * files to `artifactLocation` puts them under `<experiment>/models/<model id>/artifacts`.
 */

import { randomUUID } from 'node:crypto';
import { TrackingError, invalid } from '../errors.ts';
import {
  LOGGED_MODEL_STATUSES,
  changedModelParam,
  loggedModelNotFound,
  normalizeModelParams,
  normalizeModelTags,
  unknownMetricModel,
  validateLoggedModelName,
  validateLoggedModelStatus,
  validateModelId,
} from '../models-backend.ts';
import type {
  CreateLoggedModelInput,
  KeyValue,
  LoggedModel,
  LoggedModelMetric,
  LoggedModelStatus,
  SearchLoggedModelsInput,
} from '../models-backend.ts';
import type { LifecycleStage, Metric, Page } from '../types.ts';
import { validateText } from '../validation.ts';
import type { Database } from './database.ts';
import { parseExperimentId } from './experiments.ts';
import type { ExperimentTable } from './experiments.ts';
import { buildLoggedModelSearch, decodeModelPageToken, encodeModelPageToken } from './logged-model-search.ts';
import { generateRunName } from './run-names.ts';

/** What MLflow stores for ±Infinity, and for NaN in the model's metric copy: see the migration. */
const MAX_DOUBLE = 1.7976931348623157e308;
/** MLflow's SEARCH_LOGGED_MODEL_MAX_RESULTS_DEFAULT. */
const DEFAULT_MAX_RESULTS = 100;

interface ModelRow {
  model_id: string;
  experiment_id: number;
  name: string;
  artifact_location: string;
  creation_timestamp_ms: number;
  last_updated_timestamp_ms: number;
  status: number;
  lifecycle_stage: LifecycleStage;
  model_type: string | null;
  source_run_id: string | null;
  status_message: string | null;
}

const SELECT_MODEL = 'SELECT lm.* FROM logged_models lm';

function statusName(n: number): LoggedModelStatus {
  return LOGGED_MODEL_STATUSES[n - 1] ?? 'LOGGED_MODEL_PENDING';
}

function storedValue(value: number): number {
  if (Number.isNaN(value)) return 0;
  if (value === Number.POSITIVE_INFINITY) return MAX_DOUBLE;
  if (value === Number.NEGATIVE_INFINITY) return -MAX_DOUBLE;
  return value;
}

export class LoggedModelTable {
  private readonly db: Database;
  private readonly experiments: ExperimentTable;

  constructor(db: Database, experiments: ExperimentTable) {
    this.db = db;
    this.experiments = experiments;
  }

  /** A model row, deleted ones included; RESOURCE_DOES_NOT_EXIST when missing. Call inside a transaction. */
  private row(modelId: string): ModelRow {
    const row = this.db.stmt(`${SELECT_MODEL} WHERE lm.model_id = ?`).get(modelId) as ModelRow | undefined;
    if (!row) throw loggedModelNotFound(modelId);
    return row;
  }

  create(input: CreateLoggedModelInput): LoggedModel {
    const name = validateLoggedModelName(input.name === '' ? undefined : input.name) ?? generateRunName();
    const params = normalizeModelParams(input.params);
    const tags = normalizeModelTags(input.tags);
    for (const [field, value] of [['model_type', input.modelType], ['source_run_id', input.sourceRunId]] as const) {
      if (value !== undefined) validateText(value, field, field);
    }
    const modelId = `m-${randomUUID().replaceAll('-', '')}`;
    return this.db.write(() => {
      const experiment = this.experiments.activeRow(input.experimentId);
      const artifactLocation = `${experiment.artifact_location.replace(/\/+$/, '')}/models/${modelId}/artifacts`;
      const now = Date.now();
      this.db
        .stmt('INSERT INTO logged_models VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?, ?, NULL)')
        // MLflow's server stores "" for an absent type or run; so does this store.
        .run(modelId, experiment.experiment_id, name, artifactLocation, now, now, 'active', input.modelType ?? '', input.sourceRunId ?? '');
      const insertParam = this.db.stmt('INSERT INTO logged_model_params VALUES (?, ?, ?, ?)');
      for (const p of params) insertParam.run(modelId, experiment.experiment_id, p.key, p.value);
      const insertTag = this.db.stmt('INSERT INTO logged_model_tags VALUES (?, ?, ?, ?)');
      for (const t of tags) insertTag.run(modelId, experiment.experiment_id, t.key, t.value);
      return this.load([this.row(modelId)])[0]!;
    });
  }

  get(modelId: string, allowDeleted = false): LoggedModel {
    validateModelId(modelId);
    return this.db.read(() => {
      const row = this.row(modelId);
      if (row.lifecycle_stage === 'deleted' && !allowDeleted) throw loggedModelNotFound(modelId);
      return this.load([row])[0]!;
    });
  }

  /** Any status may follow any other, as in MLflow; a deleted model can be finalized too. */
  finalize(modelId: string, status: LoggedModelStatus): LoggedModel {
    validateModelId(modelId);
    const n = LOGGED_MODEL_STATUSES.indexOf(validateLoggedModelStatus(status)) + 1;
    return this.db.write(() => {
      this.row(modelId);
      this.db.stmt('UPDATE logged_models SET status = ?, last_updated_timestamp_ms = ? WHERE model_id = ?').run(n, Date.now(), modelId);
      return this.load([this.row(modelId)])[0]!;
    });
  }

  delete(modelId: string): void {
    validateModelId(modelId);
    this.db.write(() => {
      this.row(modelId);
      this.db
        .stmt("UPDATE logged_models SET lifecycle_stage = 'deleted', last_updated_timestamp_ms = ? WHERE model_id = ?")
        .run(Date.now(), modelId);
    });
  }

  setTags(modelId: string, tags: KeyValue[]): void {
    validateModelId(modelId);
    const list = normalizeModelTags(tags);
    this.db.write(() => {
      const row = this.row(modelId);
      const upsert = this.db.stmt('INSERT OR REPLACE INTO logged_model_tags VALUES (?, ?, ?, ?)');
      for (const t of list) upsert.run(modelId, row.experiment_id, t.key, t.value);
    });
  }

  deleteTag(modelId: string, key: string): void {
    validateModelId(modelId);
    if (typeof key !== 'string') throw invalid('tag key must be a string', 'tag_key');
    this.db.write(() => {
      this.row(modelId);
      if (this.db.stmt('DELETE FROM logged_model_tags WHERE model_id = ? AND tag_key = ?').run(modelId, key).changes === 0) {
        throw new TrackingError('RESOURCE_DOES_NOT_EXIST', `No tag with key '${key}' found for model with ID '${modelId}'.`);
      }
    });
  }

  logParams(modelId: string, params: KeyValue[]): void {
    validateModelId(modelId);
    const list = normalizeModelParams(params);
    this.db.write(() => {
      const row = this.row(modelId);
      const stored = this.db.stmt('SELECT param_value FROM logged_model_params WHERE model_id = ? AND param_key = ?');
      const insert = this.db.stmt('INSERT INTO logged_model_params VALUES (?, ?, ?, ?)');
      list.forEach((p, i) => {
        const existing = stored.get(modelId, p.key) as { param_value: string } | undefined;
        if (existing === undefined) insert.run(modelId, row.experiment_id, p.key, p.value);
        else if (existing.param_value !== p.value) throw changedModelParam(modelId, p.key, existing.param_value, p.value, `params[${i}].value`);
      });
    });
  }

  /**
   * Copies the points of a log-batch that name a model into the model's metrics; called inside
   * the batch's write transaction, so a batch naming a missing model stores nothing at all.
   * Exact repeats are dropped (MLflow's store fails on them after storing the run's points).
   */
  insertMetrics(runId: string, experimentId: number, metrics: Metric[]): void {
    const exists = this.db.stmt('SELECT 1 FROM logged_models WHERE model_id = ?');
    const known = new Set<string>();
    metrics.forEach((m, i) => {
      if (m.modelId === undefined || known.has(m.modelId)) return;
      if (!exists.get(m.modelId)) throw unknownMetricModel(m.modelId, `metrics[${i}].model_id`);
      known.add(m.modelId);
    });
    if (known.size === 0) return;
    const insert = this.db.stmt('INSERT OR IGNORE INTO logged_model_metrics VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?, ?)');
    for (const m of metrics) {
      if (m.modelId === undefined) continue;
      insert.run(m.modelId, m.key, m.timestamp, m.step, storedValue(m.value), experimentId, runId, m.datasetName ?? null, m.datasetDigest ?? null);
    }
  }

  search(input: SearchLoggedModelsInput): Page<LoggedModel> {
    const maxResults = input.maxResults === undefined || input.maxResults === 0 ? DEFAULT_MAX_RESULTS : input.maxResults;
    if (!Number.isSafeInteger(maxResults) || maxResults < 1) {
      throw invalid(`Invalid value ${maxResults} for parameter 'max_results' supplied. It must be a positive integer`, 'max_results');
    }
    if ((input.datasets ?? []).some((d) => !d.datasetName)) {
      throw invalid('`dataset_name` in the `datasets` clause must be specified.', 'datasets');
    }
    const offset = decodeModelPageToken(input);
    // Ids that cannot exist match nothing, like ids that do not exist.
    const experimentIds = input.experimentIds.flatMap((id, i) => {
      const n = parseExperimentId(id, `experiment_ids[${i}]`);
      return n === undefined ? [] : [n];
    });
    const query = buildLoggedModelSearch({ ...input, experimentIds, limit: maxResults + 1, offset });
    return this.db.read(() => {
      const rows = this.db.stmt(query.sql).all(...query.params) as unknown as ModelRow[];
      const items = this.load(rows.slice(0, maxResults));
      return rows.length > maxResults ? { items, nextPageToken: encodeModelPageToken(input, offset + maxResults) } : { items };
    });
  }

  /** Tags, params and metrics of several models in three queries; call inside a transaction. */
  private load(rows: ModelRow[]): LoggedModel[] {
    const ids = JSON.stringify(rows.map((r) => r.model_id));
    const byModel = <T>(sql: string): Map<string, T[]> => {
      const out = new Map<string, T[]>();
      for (const r of this.db.stmt(sql).all(ids) as unknown as (T & { model_id: string })[]) {
        let list = out.get(r.model_id);
        if (!list) out.set(r.model_id, (list = []));
        list.push(r);
      }
      return out;
    };
    const inIds = 'WHERE model_id IN (SELECT value FROM json_each(?))';
    const tags = byModel<{ tag_key: string; tag_value: string }>(`SELECT model_id, tag_key, tag_value FROM logged_model_tags ${inIds} ORDER BY model_id, tag_key`);
    const params = byModel<{ param_key: string; param_value: string }>(
      `SELECT model_id, param_key, param_value FROM logged_model_params ${inIds} ORDER BY model_id, param_key`,
    );
    const metrics = byModel<{
      metric_name: string;
      metric_timestamp_ms: number;
      metric_step: number;
      metric_value: number | null;
      run_id: string;
      dataset_name: string | null;
      dataset_digest: string | null;
    }>(`SELECT * FROM logged_model_metrics ${inIds} ORDER BY rowid`);
    return rows.map((r) => ({
      modelId: r.model_id,
      experimentId: String(r.experiment_id),
      name: r.name,
      artifactLocation: r.artifact_location,
      creationTimestamp: r.creation_timestamp_ms,
      lastUpdatedTimestamp: r.last_updated_timestamp_ms,
      status: statusName(r.status),
      modelType: r.model_type ?? '',
      sourceRunId: r.source_run_id ?? '',
      ...(r.status_message !== null ? { statusMessage: r.status_message } : {}),
      lifecycleStage: r.lifecycle_stage,
      // fromEntries keeps a key named `__proto__` as data.
      tags: Object.fromEntries((tags.get(r.model_id) ?? []).map((t) => [t.tag_key, t.tag_value])),
      params: Object.fromEntries((params.get(r.model_id) ?? []).map((p) => [p.param_key, p.param_value])),
      metrics: (metrics.get(r.model_id) ?? []).map(
        (m): LoggedModelMetric => ({
          key: m.metric_name,
          value: m.metric_value ?? 0,
          timestamp: m.metric_timestamp_ms,
          step: m.metric_step,
          ...(m.dataset_name !== null ? { datasetName: m.dataset_name } : {}),
          ...(m.dataset_digest !== null ? { datasetDigest: m.dataset_digest } : {}),
          modelId: r.model_id,
          runId: m.run_id,
        }),
      ),
    }));
  }
}
