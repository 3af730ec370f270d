/**
 * The tracking domain as MLflow's server prints it (`message_to_json` of the protos): snake_case
 * keys in MLflow's order, int64 as JSON numbers, enums by name, unset and empty repeated fields
 * left out, and non-finite doubles in protobuf's JSON spelling ("NaN", "Infinity", "-Infinity"),
 * since `JSON.stringify` would turn them into `null`.
 */
import { TENANT_TAG } from '../../../../protocol/src/index.ts';
import type { LoggedModel, LoggedModelMetric } from '../../tracking/models-backend.ts';
import type { DatasetInput, Experiment, Metric, Run, RunInfo, StringMap } from '../../tracking/types.ts';
import { modelArtifactUri, runArtifactUri } from './artifact-uris.ts';

/** Maps a stored experiment id to the id a tenant's clients see (its Default experiment is "0"). */
export type ShowId = (experimentId: string) => string;

type Json = Record<string, unknown>;

/** A double as protobuf's JSON mapping writes it. */
export function encodeDouble(value: number): number | string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return 'Infinity';
  if (value === Number.NEGATIVE_INFINITY) return '-Infinity';
  return value;
}

/**
 * `[{key, value}]` in the map's order, without the daemon's tenant tag: the tenant is implied by
 * the URL a client talks to, and a client that copies tags from one run to another must not
 * trip over a key it may not write.
 */
function keyValueList(map: StringMap): { key: string; value: string }[] {
  return Object.entries(map)
    .filter(([key]) => key !== TENANT_TAG)
    .map(([key, value]) => ({ key, value }));
}

/** Adds `name: list` only when the list is non-empty, as protobuf leaves out empty repeated fields. */
function putList(out: Json, name: string, list: unknown[]): void {
  if (list.length > 0) out[name] = list;
}

/** MLflow's Experiment message. Zero timestamps are unset in MLflow's entity and so left out. */
export function experimentJson(e: Experiment, showId: ShowId): Json {
  const out: Json = {
    experiment_id: showId(e.experimentId),
    name: e.name,
    artifact_location: e.artifactLocation,
    lifecycle_stage: e.lifecycleStage,
  };
  if (e.lastUpdateTime) out.last_update_time = e.lastUpdateTime;
  if (e.creationTime) out.creation_time = e.creationTime;
  putList(out, 'tags', keyValueList(e.tags));
  return out;
}

/** MLflow's Metric message; `run_id` is added for the bulk endpoints' MetricWithRunId. */
export function metricJson(m: Metric, runId?: string): Json {
  const out: Json = { key: m.key, value: encodeDouble(m.value), timestamp: m.timestamp, step: m.step };
  if (runId !== undefined) out.run_id = runId;
  return out;
}

/**
 * MLflow's RunInfo: `run_uuid` kept beside `run_id`, `end_time` only once the run has ended. The
 * artifact URI is the daemon's proxy URI (artifact-uris.ts), not where the files really are.
 */
export function runInfoJson(info: RunInfo, showId: ShowId): Json {
  const out: Json = {
    run_uuid: info.runId,
    experiment_id: showId(info.experimentId),
    run_name: info.runName,
    user_id: info.userId,
    status: info.status,
    start_time: info.startTime,
  };
  if (info.endTime) out.end_time = info.endTime;
  if (info.artifactUri) out.artifact_uri = runArtifactUri(showId(info.experimentId), info.runId);
  out.lifecycle_stage = info.lifecycleStage;
  out.run_id = info.runId;
  return out;
}

/**
 * MLflow's Run message. Runs read back (get, search) carry an empty `outputs` too; the run
 * create-run answers with does not, exactly as MLflow's SQL store builds them.
 */
export function runJson(run: Run, showId: ShowId, options: { outputs: boolean }): Json {
  const data: Json = {};
  putList(data, 'metrics', run.data.metrics.map((m) => metricJson(m)));
  putList(
    data,
    'params',
    Object.entries(run.data.params).map(([key, value]) => ({ key, value })),
  );
  putList(data, 'tags', keyValueList(run.data.tags));
  const inputs: Json = {};
  putList(inputs, 'dataset_inputs', (run.inputs?.datasetInputs ?? []).map(datasetInputJson));
  putList(inputs, 'model_inputs', (run.inputs?.modelInputs ?? []).map((m) => ({ model_id: m.modelId })));
  const out: Json = { info: runInfoJson(run.info, showId), data, inputs };
  if (options.outputs) {
    const outputs: Json = {};
    putList(outputs, 'model_outputs', (run.outputs?.modelOutputs ?? []).map((m) => ({ model_id: m.modelId, step: m.step })));
    out.outputs = outputs;
  }
  return out;
}

/** MLflow's DatasetInput: the input tags, then the data set with schema and profile when known. */
function datasetInputJson(input: DatasetInput): Json {
  const out: Json = {};
  putList(out, 'tags', input.tags.map((t) => ({ key: t.key, value: t.value })));
  const d = input.dataset;
  const dataset: Json = { name: d.name, digest: d.digest, source_type: d.sourceType, source: d.source };
  if (d.schema !== undefined) dataset.schema = d.schema;
  if (d.profile !== undefined) dataset.profile = d.profile;
  out.dataset = dataset;
  return out;
}

/** A logged model's metric point: MLflow's Metric with its data set, model and run. */
function modelMetricJson(m: LoggedModelMetric): Json {
  const out = metricJson(m);
  if (m.datasetName !== undefined) out.dataset_name = m.datasetName;
  if (m.datasetDigest !== undefined) out.dataset_digest = m.datasetDigest;
  out.model_id = m.modelId;
  out.run_id = m.runId;
  return out;
}

/**
 * MLflow's LoggedModel. `model_type` and `source_run_id` are printed even when empty, as MLflow's
 * server does (it stores "" for them); tags and params by key.
 */
export function loggedModelJson(m: LoggedModel, showId: ShowId): Json {
  const info: Json = {
    model_id: m.modelId,
    experiment_id: showId(m.experimentId),
    name: m.name,
    creation_timestamp_ms: m.creationTimestamp,
    last_updated_timestamp_ms: m.lastUpdatedTimestamp,
    artifact_uri: modelArtifactUri(showId(m.experimentId), m.modelId),
    status: m.status,
    model_type: m.modelType,
    source_run_id: m.sourceRunId,
  };
  if (m.statusMessage !== undefined) info.status_message = m.statusMessage;
  const byKey = (map: StringMap) =>
    Object.entries(map)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, value]) => ({ key, value }));
  putList(info, 'tags', byKey(m.tags));
  const data: Json = {};
  putList(data, 'params', byKey(m.params));
  putList(data, 'metrics', m.metrics.map(modelMetricJson));
  return { info, data };
}
