/**
 * The embedded store's schema, as an ordered list of migrations tracked in `PRAGMA user_version`.
 * Tables follow MLflow's SQL store (experiments, experiment_tags, runs, params, tags, metrics,
 * latest_metrics) so data can later be exported to, or compared with, a real MLflow database.
 * Append new migrations; never edit one that has shipped.
 */

import type { DatabaseSync } from 'node:sqlite';
import { TrackingError } from '../errors.ts';

export interface Migration {
  /** The user_version after this migration; versions are 1, 2, 3, ... without gaps. */
  version: number;
  description: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'MLflow tracking tables',
    sql: `
      CREATE TABLE experiments (
        experiment_id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        artifact_location TEXT NOT NULL,
        lifecycle_stage TEXT NOT NULL CHECK (lifecycle_stage IN ('active', 'deleted')),
        creation_time INTEGER NOT NULL,
        last_update_time INTEGER NOT NULL,
        -- Names stay reserved while an experiment is soft-deleted, as in MLflow.
        CONSTRAINT experiments_name_unique UNIQUE (name)
      );

      CREATE TABLE experiment_tags (
        experiment_id INTEGER NOT NULL REFERENCES experiments (experiment_id),
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (experiment_id, key)
      ) WITHOUT ROWID;

      CREATE TABLE runs (
        run_uuid TEXT PRIMARY KEY,
        experiment_id INTEGER NOT NULL REFERENCES experiments (experiment_id),
        name TEXT NOT NULL,
        user_id TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED')),
        start_time INTEGER NOT NULL,
        end_time INTEGER,
        deleted_time INTEGER,
        lifecycle_stage TEXT NOT NULL CHECK (lifecycle_stage IN ('active', 'deleted')),
        artifact_uri TEXT NOT NULL
      );
      -- Serves the default search order (start_time DESC, run_uuid) within one experiment.
      CREATE INDEX runs_by_experiment ON runs (experiment_id, start_time DESC, run_uuid);

      CREATE TABLE params (
        run_uuid TEXT NOT NULL REFERENCES runs (run_uuid),
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (run_uuid, key)
      ) WITHOUT ROWID;

      CREATE TABLE tags (
        run_uuid TEXT NOT NULL REFERENCES runs (run_uuid),
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (run_uuid, key)
      ) WITHOUT ROWID;

      -- Every column is in the key so an exact re-send of a point is dropped, as in MLflow;
      -- the key order also makes a metric's history one ordered range scan.
      CREATE TABLE metrics (
        run_uuid TEXT NOT NULL REFERENCES runs (run_uuid),
        key TEXT NOT NULL,
        timestamp INTEGER NOT NULL,
        step INTEGER NOT NULL,
        value REAL NOT NULL,
        is_nan INTEGER NOT NULL CHECK (is_nan IN (0, 1)),
        PRIMARY KEY (run_uuid, key, timestamp, step, value, is_nan)
      ) WITHOUT ROWID;

      CREATE TABLE latest_metrics (
        run_uuid TEXT NOT NULL REFERENCES runs (run_uuid),
        key TEXT NOT NULL,
        value REAL NOT NULL,
        timestamp INTEGER NOT NULL,
        step INTEGER NOT NULL,
        is_nan INTEGER NOT NULL CHECK (is_nan IN (0, 1)),
        PRIMARY KEY (run_uuid, key)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 2,
    description: "MLflow 3's data set inputs, run outputs and logged models",
    sql: `
      -- One row per experiment and (name, digest): runs that use the same data share it.
      CREATE TABLE datasets (
        dataset_uuid TEXT NOT NULL,
        experiment_id INTEGER NOT NULL REFERENCES experiments (experiment_id),
        name TEXT NOT NULL,
        digest TEXT NOT NULL,
        dataset_source_type TEXT NOT NULL,
        dataset_source TEXT NOT NULL,
        dataset_schema TEXT,
        dataset_profile TEXT,
        PRIMARY KEY (experiment_id, name, digest)
      );
      CREATE UNIQUE INDEX datasets_by_uuid ON datasets (dataset_uuid);

      -- MLflow's edge table: DATASET -> RUN (a data set input), RUN_INPUT -> MODEL_INPUT (a model
      -- the run used) and RUN_OUTPUT -> MODEL_OUTPUT (a model it produced, at a step). The rowid
      -- keeps the order inputs were logged in, which is the order MLflow lists them.
      CREATE TABLE inputs (
        input_uuid TEXT NOT NULL,
        source_type TEXT NOT NULL,
        source_id TEXT NOT NULL,
        destination_type TEXT NOT NULL,
        destination_id TEXT NOT NULL,
        step INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (source_type, source_id, destination_type, destination_id)
      );
      CREATE UNIQUE INDEX inputs_by_uuid ON inputs (input_uuid);
      CREATE INDEX inputs_by_destination ON inputs (destination_type, destination_id, source_type);

      CREATE TABLE input_tags (
        input_uuid TEXT NOT NULL REFERENCES inputs (input_uuid),
        name TEXT NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (input_uuid, name)
      ) WITHOUT ROWID;

      CREATE TABLE logged_models (
        model_id TEXT PRIMARY KEY,
        experiment_id INTEGER NOT NULL REFERENCES experiments (experiment_id),
        name TEXT NOT NULL,
        artifact_location TEXT NOT NULL,
        creation_timestamp_ms INTEGER NOT NULL,
        last_updated_timestamp_ms INTEGER NOT NULL,
        -- LoggedModelStatus by number: 1 PENDING, 2 READY, 3 UPLOAD_FAILED.
        status INTEGER NOT NULL,
        lifecycle_stage TEXT NOT NULL CHECK (lifecycle_stage IN ('active', 'deleted')),
        model_type TEXT,
        source_run_id TEXT,
        status_message TEXT
      );
      -- Serves the default search order (newest first, then id) within one experiment.
      CREATE INDEX logged_models_by_experiment ON logged_models (experiment_id, creation_timestamp_ms DESC, model_id);

      -- Points are also in the run's metrics; this copy is the model's view. The rowid keeps
      -- the order they were logged in. NaN is stored as 0, as MLflow's store does here.
      CREATE TABLE logged_model_metrics (
        model_id TEXT NOT NULL REFERENCES logged_models (model_id),
        metric_name TEXT NOT NULL,
        metric_timestamp_ms INTEGER NOT NULL,
        metric_step INTEGER NOT NULL,
        metric_value REAL,
        experiment_id INTEGER NOT NULL REFERENCES experiments (experiment_id),
        run_id TEXT NOT NULL REFERENCES runs (run_uuid),
        dataset_uuid TEXT,
        dataset_name TEXT,
        dataset_digest TEXT,
        PRIMARY KEY (model_id, metric_name, metric_timestamp_ms, metric_step, run_id)
      );
      -- Serves metric filters and metric ordering in model search, which start from the name.
      CREATE INDEX logged_model_metrics_by_name ON logged_model_metrics (metric_name, model_id);

      CREATE TABLE logged_model_params (
        model_id TEXT NOT NULL REFERENCES logged_models (model_id),
        experiment_id INTEGER NOT NULL REFERENCES experiments (experiment_id),
        param_key TEXT NOT NULL,
        param_value TEXT NOT NULL,
        PRIMARY KEY (model_id, param_key)
      ) WITHOUT ROWID;

      CREATE TABLE logged_model_tags (
        model_id TEXT NOT NULL REFERENCES logged_models (model_id),
        experiment_id INTEGER NOT NULL REFERENCES experiments (experiment_id),
        tag_key TEXT NOT NULL,
        tag_value TEXT NOT NULL,
        PRIMARY KEY (model_id, tag_key)
      ) WITHOUT ROWID;
    `,
  },
];

/** The schema version this build writes. */
export const SCHEMA_VERSION = MIGRATIONS.length === 0 ? 0 : MIGRATIONS[MIGRATIONS.length - 1]!.version;

function userVersion(db: DatabaseSync): number {
  const row = db.prepare('PRAGMA user_version').get() as { user_version: number } | undefined;
  return row?.user_version ?? 0;
}

/**
 * Brings `db` up to the last of `migrations`, one transaction per migration so a failure leaves
 * the previous version intact. Refuses a database written by a newer build rather than guessing.
 */
export function migrate(db: DatabaseSync, migrations: readonly Migration[] = MIGRATIONS): { from: number; to: number } {
  const from = userVersion(db);
  const latest = migrations.length === 0 ? 0 : migrations[migrations.length - 1]!.version;
  if (from > latest) {
    throw new TrackingError(
      'INTERNAL_ERROR',
      `The tracking database has schema version ${from}, newer than this build supports (${latest}); upgrade MATIH`,
    );
  }
  for (const m of migrations) {
    if (m.version <= from) continue;
    db.exec('BEGIN IMMEDIATE');
    try {
      // Another process may have migrated while we waited for the write lock.
      if (userVersion(db) >= m.version) {
        db.exec('COMMIT');
        continue;
      }
      db.exec(m.sql);
      // PRAGMA takes no bound parameters; the version is a number from this file.
      db.exec(`PRAGMA user_version = ${Math.trunc(m.version)}`);
      db.exec('COMMIT');
    } catch (err) {
      db.exec('ROLLBACK');
      throw err;
    }
  }
  return { from, to: Math.max(from, latest) };
}
