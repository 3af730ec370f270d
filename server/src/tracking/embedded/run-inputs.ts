/**
 * Run inputs and outputs in the embedded store, in MLflow's tables: data sets (one row per
 * experiment and (name, digest)), the `inputs` edge table and the input tags. What the SQL store
 * does, this does: a data set logged twice for a run is listed once with its first tags, model
 * inputs are kept once per model, and model ids are not checked against logged models.
 */

import { randomUUID } from 'node:crypto';
import { TrackingError } from '../errors.ts';
import { validateDatasetInputs, validateModelRefs } from '../models-backend.ts';
import type { LogInputsInput, LogOutputsInput } from '../models-backend.ts';
import type { DatasetInput, RunInputs, RunOutputs } from '../types.ts';
import { validateRunId } from '../validation.ts';
import type { Database } from './database.ts';
import type { RunTable } from './runs.ts';

/** The input tag holding a data set's role for the run (`train`, `eval`, ...). */
export const DATASET_CONTEXT_TAG = 'mlflow.data.context';

// MLflow's source/destination types in the inputs table.
const DATASET = 'DATASET';
const RUN = 'RUN';

const uuid = (): string => randomUUID().replaceAll('-', '');

interface DatasetRow {
  run_id: string;
  input_uuid: string;
  name: string;
  digest: string;
  dataset_source_type: string;
  dataset_source: string;
  dataset_schema: string | null;
  dataset_profile: string | null;
}

/** Inputs and outputs of some runs, keyed by run id; runs without any are absent. */
export type RunIo = Map<string, { inputs?: RunInputs; outputs?: RunOutputs }>;

export class RunInputsTable {
  private readonly db: Database;
  private readonly runs: RunTable;

  constructor(db: Database, runs: RunTable) {
    this.db = db;
    this.runs = runs;
  }

  logInputs(runId: string, inputs: LogInputsInput): void {
    validateRunId(runId);
    validateDatasetInputs(inputs.datasets);
    validateModelRefs(inputs.models, 'models');
    // Within one request the first of a (name, digest) pair wins, as in MLflow.
    const datasets = new Map<string, DatasetInput>();
    for (const d of inputs.datasets ?? []) {
      const key = JSON.stringify([d.dataset.name, d.dataset.digest]);
      if (!datasets.has(key)) datasets.set(key, d);
    }
    this.db.write(() => {
      const run = this.runs.activeRow(runId);
      const findDataset = this.db.stmt('SELECT dataset_uuid FROM datasets WHERE experiment_id = ? AND name = ? AND digest = ?');
      const insertDataset = this.db.stmt('INSERT INTO datasets VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
      const insertEdge = this.db.stmt(
        'INSERT OR IGNORE INTO inputs (input_uuid, source_type, source_id, destination_type, destination_id, step) VALUES (?, ?, ?, ?, ?, 0)',
      );
      const insertTag = this.db.stmt('INSERT OR REPLACE INTO input_tags (input_uuid, name, value) VALUES (?, ?, ?)');
      for (const { dataset: d, tags } of datasets.values()) {
        let datasetUuid = (findDataset.get(run.experiment_id, d.name, d.digest) as { dataset_uuid: string } | undefined)?.dataset_uuid;
        if (datasetUuid === undefined) {
          datasetUuid = uuid();
          insertDataset.run(datasetUuid, run.experiment_id, d.name, d.digest, d.sourceType, d.source, d.schema ?? null, d.profile ?? null);
        }
        const inputUuid = uuid();
        // An existing edge keeps its tags: MLflow only tags the edge it creates.
        if (insertEdge.run(inputUuid, DATASET, datasetUuid, RUN, runId).changes === 0) continue;
        for (const t of tags) insertTag.run(inputUuid, t.key, t.value);
      }
      for (const m of inputs.models ?? []) insertEdge.run(uuid(), 'RUN_INPUT', runId, 'MODEL_INPUT', m.modelId);
    });
  }

  logOutputs(runId: string, outputs: LogOutputsInput): void {
    validateRunId(runId);
    validateModelRefs(outputs.models, 'models');
    this.db.write(() => {
      this.runs.activeRow(runId);
      const insert = this.db.stmt(
        'INSERT INTO inputs (input_uuid, source_type, source_id, destination_type, destination_id, step) VALUES (?, ?, ?, ?, ?, ?)',
      );
      const exists = this.db.stmt(
        "SELECT 1 FROM inputs WHERE source_type = 'RUN_OUTPUT' AND source_id = ? AND destination_type = 'MODEL_OUTPUT' AND destination_id = ?",
      );
      outputs.models.forEach((m, i) => {
        // MLflow's store fails on the primary key here (a 400); say why instead.
        if (exists.get(runId, m.modelId)) {
          throw new TrackingError('INVALID_PARAMETER_VALUE', `Model '${m.modelId}' is already an output of run '${runId}'`, `models[${i}]`);
        }
        insert.run(uuid(), 'RUN_OUTPUT', runId, 'MODEL_OUTPUT', m.modelId, m.step);
      });
    });
  }
}

/**
 * Inputs and outputs of `runIds`, read inside the caller's transaction. `modelInputs` false
 * leaves the model inputs out, as MLflow's run search does.
 */
export function loadRunIo(db: Database, runIds: string[], options: { modelInputs: boolean }): RunIo {
  const out: RunIo = new Map();
  if (runIds.length === 0) return out;
  const ids = JSON.stringify(runIds);
  const entry = (runId: string) => {
    let e = out.get(runId);
    if (!e) out.set(runId, (e = {}));
    return e;
  };
  const inputsOf = (runId: string): RunInputs => (entry(runId).inputs ??= { datasetInputs: [], modelInputs: [] });

  const datasets = db
    .stmt(
      'SELECT i.destination_id AS run_id, i.input_uuid, d.name, d.digest, d.dataset_source_type, d.dataset_source, ' +
        'd.dataset_schema, d.dataset_profile FROM inputs i JOIN datasets d ON d.dataset_uuid = i.source_id ' +
        "WHERE i.source_type = 'DATASET' AND i.destination_type = 'RUN' AND i.destination_id IN (SELECT value FROM json_each(?)) " +
        'ORDER BY i.rowid',
    )
    .all(ids) as unknown as DatasetRow[];
  if (datasets.length > 0) {
    const tags = db
      .stmt('SELECT input_uuid, name, value FROM input_tags WHERE input_uuid IN (SELECT value FROM json_each(?)) ORDER BY input_uuid, name')
      .all(JSON.stringify(datasets.map((d) => d.input_uuid))) as { input_uuid: string; name: string; value: string }[];
    const tagsOf = new Map<string, { key: string; value: string }[]>();
    for (const t of tags) {
      let list = tagsOf.get(t.input_uuid);
      if (!list) tagsOf.set(t.input_uuid, (list = []));
      list.push({ key: t.name, value: t.value });
    }
    for (const d of datasets) {
      inputsOf(d.run_id).datasetInputs.push({
        dataset: {
          name: d.name,
          digest: d.digest,
          sourceType: d.dataset_source_type,
          source: d.dataset_source,
          ...(d.dataset_schema !== null ? { schema: d.dataset_schema } : {}),
          ...(d.dataset_profile !== null ? { profile: d.dataset_profile } : {}),
        },
        tags: tagsOf.get(d.input_uuid) ?? [],
      });
    }
  }

  // Models in id order, as MLflow's store reads them off the primary key.
  const models = db
    .stmt(
      'SELECT source_type, source_id, destination_id, step FROM inputs ' +
        "WHERE source_type IN ('RUN_INPUT', 'RUN_OUTPUT') AND source_id IN (SELECT value FROM json_each(?)) " +
        'ORDER BY source_id, destination_id',
    )
    .all(ids) as { source_type: string; source_id: string; destination_id: string; step: number }[];
  for (const m of models) {
    if (m.source_type === 'RUN_OUTPUT') {
      (entry(m.source_id).outputs ??= { modelOutputs: [] }).modelOutputs.push({ modelId: m.destination_id, step: m.step });
    } else if (options.modelInputs) {
      inputsOf(m.source_id).modelInputs.push({ modelId: m.destination_id });
    }
  }
  return out;
}
