/**
 * MLflow's REST JSON at the boundary: zod schemas for what the server sends back, and the
 * encoding of what we send. MLflow emits int64 as numbers but protobuf-JSON servers (and the Go
 * port) may quote them, and non-finite doubles travel as the strings "NaN", "Infinity" and
 * "-Infinity"; both are accepted here so the rest of the backend only sees plain numbers.
 * (±Infinity comes back as ±DBL_MAX, which is how MLflow's SQL store and the embedded store keep
 * it; it is passed through unchanged so both backends answer alike.)
 */

import { z } from 'zod';
import { LOGGED_MODEL_STATUSES } from '../models-backend.ts';
import type { LogInputsInput, LoggedModel, LoggedModelMetric, SearchLoggedModelsInput } from '../models-backend.ts';
import type { DatasetInput, Experiment, Metric, Run, RunInfo, RunInputs, RunOutputs, StringMap } from '../types.ts';
import { RUN_STATUSES } from '../types.ts';

const int64 = z
  .union([z.number().int(), z.string().regex(/^-?\d+$/)])
  .transform((v) => (typeof v === 'number' ? v : Number(v)))
  .refine((v) => Number.isSafeInteger(v), 'integer outside the safe range');

const double = z
  .union([
    z.number(),
    z.enum(['NaN', 'Infinity', '-Infinity']),
    z.string().regex(/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/),
  ])
  .transform((v) => (typeof v === 'number' ? v : Number(v)));

const lifecycleStage = z.enum(['active', 'deleted']);

const tag = z.object({ key: z.string(), value: z.string().optional() });

const tags = z.array(tag).optional();

function toMap(list: z.output<typeof tags>): StringMap {
  // fromEntries defines own properties, so a key named `__proto__` stays data; later keys win.
  return Object.fromEntries((list ?? []).map((t) => [t.key, t.value ?? '']));
}

export const experimentSchema = z.object({
  experiment_id: z.string(),
  name: z.string(),
  artifact_location: z.string().optional(),
  lifecycle_stage: lifecycleStage,
  creation_time: int64.optional(),
  last_update_time: int64.optional(),
  tags,
});

export const metricSchema = z.object({
  key: z.string(),
  value: double.optional(),
  timestamp: int64.optional(),
  step: int64.optional(),
  // MLflow 3: set on a logged model's metrics.
  dataset_name: z.string().optional(),
  dataset_digest: z.string().optional(),
  model_id: z.string().optional(),
  run_id: z.string().optional(),
});

const datasetInputSchema = z.object({
  tags: z.array(z.object({ key: z.string().optional(), value: z.string().optional() })).optional(),
  dataset: z.object({
    name: z.string().optional(),
    digest: z.string().optional(),
    source_type: z.string().optional(),
    source: z.string().optional(),
    schema: z.string().optional(),
    profile: z.string().optional(),
  }),
});

const runInputsSchema = z.object({
  dataset_inputs: z.array(datasetInputSchema).optional(),
  model_inputs: z.array(z.object({ model_id: z.string().optional() })).optional(),
});

const runOutputsSchema = z.object({
  model_outputs: z.array(z.object({ model_id: z.string().optional(), step: int64.optional() })).optional(),
});

export const runInfoSchema = z.object({
  run_id: z.string().optional(),
  run_uuid: z.string().optional(),
  run_name: z.string().optional(),
  experiment_id: z.string(),
  user_id: z.string().optional(),
  status: z.enum(RUN_STATUSES as [string, ...string[]]).optional(),
  start_time: int64.optional(),
  end_time: int64.optional(),
  artifact_uri: z.string().optional(),
  lifecycle_stage: lifecycleStage,
});

export const runSchema = z.object({
  info: runInfoSchema,
  data: z
    .object({
      metrics: z.array(metricSchema).optional(),
      params: tags,
      tags,
    })
    .optional(),
  inputs: runInputsSchema.optional(),
  outputs: runOutputsSchema.optional(),
});

/** `{}` — the answer of every write endpoint; extra fields are ignored. */
export const emptySchema = z.object({});

export const createExperimentResponse = z.object({ experiment_id: z.string() });
export const getExperimentResponse = z.object({ experiment: experimentSchema });
export const searchExperimentsResponse = z.object({
  experiments: z.array(experimentSchema).optional(),
  next_page_token: z.string().optional(),
});
export const runResponse = z.object({ run: runSchema });
export const updateRunResponse = z.object({ run_info: runInfoSchema });
export const searchRunsResponse = z.object({
  runs: z.array(runSchema).optional(),
  next_page_token: z.string().optional(),
});
export const metricHistoryResponse = z.object({
  metrics: z.array(metricSchema).optional(),
  next_page_token: z.string().optional(),
});

export function toExperiment(e: z.output<typeof experimentSchema>): Experiment {
  return {
    experimentId: e.experiment_id,
    name: e.name,
    artifactLocation: e.artifact_location ?? '',
    lifecycleStage: e.lifecycle_stage,
    creationTime: e.creation_time ?? 0,
    lastUpdateTime: e.last_update_time ?? e.creation_time ?? 0,
    tags: toMap(e.tags),
  };
}

export function toMetric(m: z.output<typeof metricSchema>): Metric {
  // Proto defaults are left out of the JSON, so a missing field is its zero value.
  return { key: m.key, value: m.value ?? 0, timestamp: m.timestamp ?? 0, step: m.step ?? 0 };
}

export function toRunInfo(i: z.output<typeof runInfoSchema>): RunInfo {
  return {
    runId: i.run_id ?? i.run_uuid ?? '',
    experimentId: i.experiment_id,
    runName: i.run_name ?? '',
    userId: i.user_id ?? '',
    status: (i.status ?? 'RUNNING') as RunInfo['status'],
    startTime: i.start_time ?? 0,
    endTime: i.end_time ?? null,
    artifactUri: i.artifact_uri ?? '',
    lifecycleStage: i.lifecycle_stage,
  };
}

export function toRun(r: z.output<typeof runSchema>): Run {
  const inputs = toRunInputs(r.inputs);
  const outputs = toRunOutputs(r.outputs);
  return {
    info: toRunInfo(r.info),
    data: {
      // Sorted by key, as the embedded store lists them, so both backends answer alike.
      metrics: (r.data?.metrics ?? []).map(toMetric).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)),
      params: toMap(r.data?.params),
      tags: toMap(r.data?.tags),
    },
    // Left out when empty, as the embedded store does.
    ...(inputs ? { inputs } : {}),
    ...(outputs ? { outputs } : {}),
  };
}

function toDatasetInput(d: z.output<typeof datasetInputSchema>): DatasetInput {
  const ds = d.dataset;
  return {
    dataset: {
      name: ds.name ?? '',
      digest: ds.digest ?? '',
      sourceType: ds.source_type ?? '',
      source: ds.source ?? '',
      ...(ds.schema !== undefined ? { schema: ds.schema } : {}),
      ...(ds.profile !== undefined ? { profile: ds.profile } : {}),
    },
    tags: (d.tags ?? []).map((t) => ({ key: t.key ?? '', value: t.value ?? '' })),
  };
}

function toRunInputs(i: z.output<typeof runInputsSchema> | undefined): RunInputs | undefined {
  const datasetInputs = (i?.dataset_inputs ?? []).map(toDatasetInput);
  const modelInputs = (i?.model_inputs ?? []).map((m) => ({ modelId: m.model_id ?? '' }));
  return datasetInputs.length + modelInputs.length > 0 ? { datasetInputs, modelInputs } : undefined;
}

function toRunOutputs(o: z.output<typeof runOutputsSchema> | undefined): RunOutputs | undefined {
  const modelOutputs = (o?.model_outputs ?? []).map((m) => ({ modelId: m.model_id ?? '', step: m.step ?? 0 }));
  return modelOutputs.length > 0 ? { modelOutputs } : undefined;
}

export const loggedModelSchema = z.object({
  info: z.object({
    model_id: z.string(),
    experiment_id: z.string(),
    name: z.string().optional(),
    creation_timestamp_ms: int64.optional(),
    last_updated_timestamp_ms: int64.optional(),
    artifact_uri: z.string().optional(),
    status: z.union([z.enum(LOGGED_MODEL_STATUSES as [string, ...string[]]), z.literal('LOGGED_MODEL_STATUS_UNSPECIFIED')]).optional(),
    model_type: z.string().optional(),
    source_run_id: z.string().optional(),
    status_message: z.string().optional(),
    tags,
  }),
  data: z.object({ params: tags, metrics: z.array(metricSchema).optional() }).optional(),
});

export const loggedModelResponse = z.object({ model: loggedModelSchema });
export const searchLoggedModelsResponse = z.object({
  models: z.array(loggedModelSchema).optional(),
  next_page_token: z.string().optional(),
});

/**
 * MLflow's LoggedModel. MLflow lists a deleted model only to `allow_deleted` reads and does not
 * say it is deleted; `deleted` is what the caller knows about the read.
 */
export function toLoggedModel(m: z.output<typeof loggedModelSchema>, deleted = false): LoggedModel {
  const i = m.info;
  return {
    modelId: i.model_id,
    experimentId: i.experiment_id,
    name: i.name ?? '',
    artifactLocation: i.artifact_uri ?? '',
    creationTimestamp: i.creation_timestamp_ms ?? 0,
    lastUpdatedTimestamp: i.last_updated_timestamp_ms ?? 0,
    status: i.status === undefined || i.status === 'LOGGED_MODEL_STATUS_UNSPECIFIED' ? 'LOGGED_MODEL_PENDING' : (i.status as LoggedModel['status']),
    modelType: i.model_type ?? '',
    sourceRunId: i.source_run_id ?? '',
    ...(i.status_message !== undefined ? { statusMessage: i.status_message } : {}),
    lifecycleStage: deleted ? 'deleted' : 'active',
    tags: toMap(i.tags),
    params: toMap(m.data?.params),
    metrics: (m.data?.metrics ?? []).map(
      (p): LoggedModelMetric => ({
        ...toMetric(p),
        ...(p.dataset_name !== undefined ? { datasetName: p.dataset_name } : {}),
        ...(p.dataset_digest !== undefined ? { datasetDigest: p.dataset_digest } : {}),
        modelId: p.model_id ?? i.model_id,
        runId: p.run_id ?? '',
      }),
    ),
  };
}

/** A log-batch metric as MLflow takes it, with the MLflow 3 model and data set fields when set. */
export function encodeMetric(m: Metric): Record<string, unknown> {
  return {
    key: m.key,
    value: encodeDouble(m.value),
    timestamp: m.timestamp,
    step: m.step,
    ...(m.datasetName !== undefined ? { dataset_name: m.datasetName } : {}),
    ...(m.datasetDigest !== undefined ? { dataset_digest: m.datasetDigest } : {}),
    ...(m.modelId !== undefined ? { model_id: m.modelId } : {}),
  };
}

/** A double as protobuf JSON takes it: JSON.stringify would turn NaN and ±Infinity into null. */
export function encodeDouble(value: number): number | string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return 'Infinity';
  if (value === -Infinity) return '-Infinity';
  return value;
}

/** A tag or param list in MLflow's `[{key, value}]` form. */
export function encodeTags(map: StringMap | undefined): { key: string; value: string }[] {
  return Object.entries(map ?? {}).map(([key, value]) => ({ key, value }));
}

/** Drops a next_page_token that is empty: MLflow uses both "absent" and "" for the last page. */
export function pageToken(token: string | undefined): { nextPageToken?: string } {
  return token ? { nextPageToken: token } : {};
}

/** A SearchLoggedModels request; unset fields are left out, as the Python client leaves them. */
export function encodeSearchLoggedModels(input: SearchLoggedModelsInput): Record<string, unknown> {
  return {
    experiment_ids: input.experimentIds,
    ...(input.filter ? { filter: input.filter } : {}),
    ...(input.datasets && input.datasets.length > 0
      ? { datasets: input.datasets.map((d) => ({ dataset_name: d.datasetName, ...(d.datasetDigest ? { dataset_digest: d.datasetDigest } : {}) })) }
      : {}),
    ...(input.maxResults !== undefined ? { max_results: input.maxResults } : {}),
    ...(input.orderBy && input.orderBy.length > 0
      ? {
          order_by: input.orderBy.map((o) => ({
            field_name: o.fieldName,
            ascending: o.ascending ?? true,
            ...(o.datasetName ? { dataset_name: o.datasetName } : {}),
            ...(o.datasetDigest ? { dataset_digest: o.datasetDigest } : {}),
          })),
        }
      : {}),
    ...(input.pageToken ? { page_token: input.pageToken } : {}),
  };
}

/** A LogInputs request: data sets with their input tags, and model ids. */
export function encodeLogInputs(runId: string, inputs: LogInputsInput): Record<string, unknown> {
  return {
    run_id: runId,
    datasets: (inputs.datasets ?? []).map((d) => ({
      tags: d.tags,
      dataset: {
        name: d.dataset.name,
        digest: d.dataset.digest,
        source_type: d.dataset.sourceType,
        source: d.dataset.source,
        ...(d.dataset.schema !== undefined ? { schema: d.dataset.schema } : {}),
        ...(d.dataset.profile !== undefined ? { profile: d.dataset.profile } : {}),
      },
    })),
    models: (inputs.models ?? []).map((m) => ({ model_id: m.modelId })),
  };
}
