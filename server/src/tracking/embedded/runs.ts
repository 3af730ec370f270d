/**
 * Runs in the embedded store: create, read, update, soft delete/restore, tag deletion and search.
 * The run name lives both in `runs.name` and in the `mlflow.runName` tag; every path that changes
 * one changes the other, as MLflow does.
 */

import { randomUUID } from 'node:crypto';
import { TrackingError, invalid, runNotFound } from '../errors.ts';
import { decodePageToken, encodePageToken, parseRunFilter, parseRunOrderBy } from '../search/index.ts';
import type { CreateRunInput, LifecycleStage, Metric, Page, Run, RunData, RunInfo, RunStatus, SearchRunsInput, UpdateRunInput } from '../types.ts';
import {
  validateMaxResults,
  validateRunName,
  validateRunStatus,
  validateRunTag,
  validateText,
  validateTimestamp,
  validateViewType,
} from '../validation.ts';
import type { Database } from './database.ts';
import { DEFAULT_EXPERIMENT_ID, parseExperimentId } from './experiments.ts';
import type { ExperimentTable } from './experiments.ts';
import { loadRunIo } from './run-inputs.ts';
import { generateRunName } from './run-names.ts';
import { RUN_SELECT, buildRunSearch, stagesFor } from './search-sql.ts';

/** The tag MLflow mirrors the run name into. */
export const RUN_NAME_TAG = 'mlflow.runName';

/** A runs row as SQLite returns it. */
export interface RunRow {
  run_uuid: string;
  experiment_id: number;
  name: string;
  user_id: string;
  status: RunStatus;
  start_time: number;
  end_time: number | null;
  artifact_uri: string;
  lifecycle_stage: LifecycleStage;
}

/** A NaN is stored as 0 with is_nan = 1 (MLflow's encoding); everything else is stored as is. */
export function decodeMetricValue(value: number, isNan: number): number {
  return isNan === 1 ? Number.NaN : value;
}

/** The error for a write to a deleted run (400, as MLflow's _check_run_is_active). */
export function runNotActive(runId: string): TrackingError {
  return invalid(`The run ${runId} must be in the 'active' state. Current state is deleted.`, 'run_id');
}

function toInfo(row: RunRow): RunInfo {
  return {
    runId: row.run_uuid,
    experimentId: String(row.experiment_id),
    runName: row.name,
    userId: row.user_id,
    status: row.status,
    startTime: row.start_time,
    endTime: row.end_time,
    artifactUri: row.artifact_uri,
    lifecycleStage: row.lifecycle_stage,
  };
}

function emptyData(): RunData {
  return { metrics: [], params: {}, tags: {} };
}

export class RunTable {
  private readonly db: Database;
  private readonly experiments: ExperimentTable;

  constructor(db: Database, experiments: ExperimentTable) {
    this.db = db;
    this.experiments = experiments;
  }

  /** A row by id, any lifecycle stage; RESOURCE_DOES_NOT_EXIST if missing. */
  row(runId: string): RunRow {
    const row = this.db.stmt(`SELECT ${RUN_SELECT} FROM runs r WHERE r.run_uuid = ?`).get(runId) as RunRow | undefined;
    if (!row) throw runNotFound(runId);
    return row;
  }

  /** A row that may be written to: it must exist and be active. */
  activeRow(runId: string): RunRow {
    const row = this.row(runId);
    if (row.lifecycle_stage !== 'active') throw runNotActive(runId);
    return row;
  }

  create(input: CreateRunInput): Run {
    // MLflow's store falls back to the Default experiment when no id is given.
    const experimentId = input.experimentId === '' ? DEFAULT_EXPERIMENT_ID : input.experimentId;
    parseExperimentId(experimentId);
    const tags = Object.entries(input.tags ?? {});
    tags.forEach(([k, v], i) => validateRunTag(k, v, `tags[${i}]`));
    const tagName = input.tags && Object.hasOwn(input.tags, RUN_NAME_TAG) ? input.tags[RUN_NAME_TAG] : undefined;
    const given = input.runName === undefined || input.runName === '' ? undefined : input.runName;
    if (given !== undefined && tagName !== undefined && given !== tagName) {
      throw invalid(
        `Both 'run_name' argument and '${RUN_NAME_TAG}' tag are specified, but with different values ` +
          `(run_name='${given}', ${RUN_NAME_TAG}='${tagName}').`,
        'run_name',
      );
    }
    const name = validateRunName(given ?? tagName ?? generateRunName(), given !== undefined ? 'run_name' : 'tags');
    const startTime = input.startTime === undefined ? Date.now() : validateTimestamp(input.startTime, 'start_time', 'start_time');
    const userId = input.userId ?? '';
    validateText(userId, 'user id', 'user_id');
    const runId = randomUUID().replaceAll('-', '');

    return this.db.write(() => {
      const experiment = this.experiments.activeRow(experimentId);
      const artifactUri = `${experiment.artifact_location.replace(/\/+$/, '')}/${runId}/artifacts`;
      this.db
        .stmt('INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, NULL, NULL, ?, ?)')
        .run(runId, experiment.experiment_id, name, userId, 'RUNNING', startTime, 'active', artifactUri);
      const insertTag = this.db.stmt('INSERT OR REPLACE INTO tags (run_uuid, key, value) VALUES (?, ?, ?)');
      for (const [k, v] of tags) insertTag.run(runId, k, v);
      insertTag.run(runId, RUN_NAME_TAG, name);
      const row = this.row(runId);
      return { info: toInfo(row), data: this.loadData([runId]).get(runId) ?? emptyData() };
    });
  }

  get(runId: string): Run {
    return this.db.read(() => {
      const row = this.row(runId);
      const io = loadRunIo(this.db, [runId], { modelInputs: true }).get(runId);
      return { info: toInfo(row), data: this.loadData([runId]).get(runId) ?? emptyData(), ...io };
    });
  }

  update(runId: string, input: UpdateRunInput): RunInfo {
    const status = input.status === undefined ? undefined : validateRunStatus(input.status);
    const endTime = input.endTime === undefined ? undefined : validateTimestamp(input.endTime, 'end_time', 'end_time');
    const name = input.runName === undefined || input.runName === '' ? undefined : validateRunName(input.runName);
    return this.db.write(() => {
      this.activeRow(runId);
      if (status !== undefined) this.db.stmt('UPDATE runs SET status = ? WHERE run_uuid = ?').run(status, runId);
      if (endTime !== undefined) this.db.stmt('UPDATE runs SET end_time = ? WHERE run_uuid = ?').run(endTime, runId);
      if (name !== undefined) this.setName(runId, name);
      return toInfo(this.row(runId));
    });
  }

  /** Renames a run and its `mlflow.runName` tag together; call inside a write transaction. */
  setName(runId: string, name: string): void {
    this.db.stmt('UPDATE runs SET name = ? WHERE run_uuid = ?').run(name, runId);
    this.db.stmt('INSERT OR REPLACE INTO tags (run_uuid, key, value) VALUES (?, ?, ?)').run(runId, RUN_NAME_TAG, name);
  }

  delete(runId: string): void {
    this.db.write(() => {
      this.row(runId);
      this.db.stmt("UPDATE runs SET lifecycle_stage = 'deleted', deleted_time = ? WHERE run_uuid = ?").run(Date.now(), runId);
    });
  }

  restore(runId: string): void {
    this.db.write(() => {
      this.row(runId);
      this.db.stmt("UPDATE runs SET lifecycle_stage = 'active', deleted_time = NULL WHERE run_uuid = ?").run(runId);
    });
  }

  deleteTag(runId: string, key: string): void {
    if (typeof key !== 'string') throw invalid('tag key must be a string', 'key');
    this.db.write(() => {
      this.activeRow(runId);
      const result = this.db.stmt('DELETE FROM tags WHERE run_uuid = ? AND key = ?').run(runId, key);
      if (result.changes === 0) {
        throw new TrackingError('RESOURCE_DOES_NOT_EXIST', `No tag with name: ${key} in run with id ${runId}`);
      }
    });
  }

  search(input: SearchRunsInput): Page<Run> {
    const maxResults = validateMaxResults(input.maxResults);
    const stages = stagesFor(input.viewType === undefined ? 'ACTIVE_ONLY' : validateViewType(input.viewType, 'run_view_type'));
    const experimentIds: number[] = [];
    input.experimentIds.forEach((id, i) => {
      // Ids that cannot exist simply match nothing, like ids that do not exist.
      const n = parseExperimentId(id, `experiment_ids[${i}]`);
      if (n !== undefined) experimentIds.push(n);
    });
    const filter = parseRunFilter(input.filter);
    const orderBy = parseRunOrderBy(input.orderBy);
    const offset = decodePageToken(input.pageToken);
    const query = buildRunSearch({ experimentIds, stages, filter, orderBy, limit: maxResults + 1, offset });
    return this.db.read(() => {
      const rows = this.db.stmt(query.sql).all(...query.params) as unknown as RunRow[];
      const page = rows.slice(0, maxResults);
      const ids = page.map((r) => r.run_uuid);
      const data = this.loadData(ids);
      // Search lists data set inputs and outputs but not model inputs, as MLflow's does.
      const io = loadRunIo(this.db, ids, { modelInputs: false });
      const items = page.map((r) => ({ info: toInfo(r), data: data.get(r.run_uuid) ?? emptyData(), ...io.get(r.run_uuid) }));
      return rows.length > maxResults ? { items, nextPageToken: encodePageToken(offset + maxResults) } : { items };
    });
  }

  /** Latest metrics, params and tags of several runs in three queries. */
  loadData(runIds: string[]): Map<string, RunData> {
    const out = new Map<string, { metrics: Metric[]; params: [string, string][]; tags: [string, string][] }>();
    if (runIds.length === 0) return new Map();
    for (const id of runIds) out.set(id, { metrics: [], params: [], tags: [] });
    const ids = JSON.stringify(runIds);
    const metrics = this.db
      .stmt(
        'SELECT run_uuid, key, value, timestamp, step, is_nan FROM latest_metrics ' +
          'WHERE run_uuid IN (SELECT value FROM json_each(?)) ORDER BY run_uuid, key',
      )
      .all(ids) as { run_uuid: string; key: string; value: number; timestamp: number; step: number; is_nan: number }[];
    for (const m of metrics) {
      out.get(m.run_uuid)?.metrics.push({ key: m.key, value: decodeMetricValue(m.value, m.is_nan), timestamp: m.timestamp, step: m.step });
    }
    for (const table of ['params', 'tags'] as const) {
      const rows = this.db
        .stmt(`SELECT run_uuid, key, value FROM ${table} WHERE run_uuid IN (SELECT value FROM json_each(?)) ORDER BY run_uuid, key`)
        .all(ids) as { run_uuid: string; key: string; value: string }[];
      for (const r of rows) out.get(r.run_uuid)?.[table].push([r.key, r.value]);
    }
    const result = new Map<string, RunData>();
    for (const [id, d] of out) {
      // fromEntries defines own properties, so a key named `__proto__` is kept as data.
      result.set(id, { metrics: d.metrics, params: Object.fromEntries(d.params), tags: Object.fromEntries(d.tags) });
    }
    return result;
  }
}
