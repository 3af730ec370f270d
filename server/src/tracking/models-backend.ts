/**
 * MLflow 3's logged models and run inputs/outputs, as an interface beside {@link TrackingBackend}
 * (which stays as it is): a backend that has them implements {@link ModelsBackend} too, and
 * callers find out with {@link supportsModels}. `mlflow.<flavor>.log_model` and every autolog
 * with its defaults need them: a model is created as a LoggedModel (PENDING), its files are
 * written to the model's artifact location, then it is finalized (READY); training metrics are
 * logged with the model's id, and the run records its data set as an input and the model as an
 * output.
 *
 * Semantics are MLflow's SQL store's (mlflow/store/tracking/sqlalchemy_store.py); where that store
 * only fails by accident of a database constraint (re-logging an identical param, a repeated
 * model metric point) the interface is lenient, as it is for runs. The checks here are shared by
 * every backend, so a bad input fails the same way everywhere and costs no round trip.
 */

import type { TrackingBackend } from './backend.ts';
import { TrackingError, invalid } from './errors.ts';
import type { DatasetInput, LifecycleStage, Metric, Page, StringMap } from './types.ts';
import { validateText } from './validation.ts';

/** MLflow's LoggedModelStatus names, in proto order (1, 2, 3). */
export type LoggedModelStatus = 'LOGGED_MODEL_PENDING' | 'LOGGED_MODEL_READY' | 'LOGGED_MODEL_UPLOAD_FAILED';
export const LOGGED_MODEL_STATUSES: readonly LoggedModelStatus[] = [
  'LOGGED_MODEL_PENDING',
  'LOGGED_MODEL_READY',
  'LOGGED_MODEL_UPLOAD_FAILED',
];

/** One metric point of a logged model: which run logged it, on which data set. */
export interface LoggedModelMetric extends Metric {
  runId: string;
  modelId: string;
}

export interface LoggedModel {
  /** `m-` and 32 hex digits. */
  modelId: string;
  experimentId: string;
  name: string;
  /** `<experiment artifact location>/models/<model id>/artifacts`; the client writes the model files there. */
  artifactLocation: string;
  /** Epoch milliseconds. */
  creationTimestamp: number;
  /** Epoch milliseconds; moved by finalize and delete. */
  lastUpdatedTimestamp: number;
  status: LoggedModelStatus;
  /** "" when none was given (MLflow's server stores "" for an absent field). */
  modelType: string;
  /** "" when none was given; MLflow does not check that the run exists. */
  sourceRunId: string;
  statusMessage?: string;
  lifecycleStage: LifecycleStage;
  tags: StringMap;
  params: StringMap;
  /** Every point logged for the model, in the order logged. */
  metrics: LoggedModelMetric[];
}

export type KeyValue = { key: string; value: string };

export interface CreateLoggedModelInput {
  experimentId: string;
  /** A random `adjective-noun-N` name when absent or empty. */
  name?: string;
  modelType?: string;
  sourceRunId?: string;
  params?: KeyValue[];
  tags?: KeyValue[];
}

/** Metric filters and metric ordering can be restricted to points logged on these data sets. */
export interface DatasetFilter {
  datasetName: string;
  datasetDigest?: string;
}

export interface LoggedModelOrderBy {
  /** An attribute (`name`, `creation_timestamp`, ...) or `metrics.<key>`. */
  fieldName: string;
  /** Default true. */
  ascending?: boolean;
  datasetName?: string;
  datasetDigest?: string;
}

export interface SearchLoggedModelsInput {
  experimentIds: string[];
  /** MLflow's logged-model filter: `metrics.acc > 0.9 AND params.C = '1.0' AND name LIKE 'm%'`. */
  filter?: string;
  datasets?: DatasetFilter[];
  orderBy?: LoggedModelOrderBy[];
  /** Default 100, as MLflow's store. */
  maxResults?: number;
  pageToken?: string;
}

export interface LogInputsInput {
  datasets?: DatasetInput[];
  models?: { modelId: string }[];
}

export interface LogOutputsInput {
  models: { modelId: string; step: number }[];
}

/** Logged models, MLflow's semantics. Deleted models are hidden from get (unless asked) and search only. */
export interface LoggedModelsBackend {
  /** A PENDING model in an active experiment. */
  createLoggedModel(input: CreateLoggedModelInput): Promise<LoggedModel>;
  getLoggedModel(modelId: string, options?: { allowDeleted?: boolean }): Promise<LoggedModel>;
  finalizeLoggedModel(modelId: string, status: LoggedModelStatus): Promise<LoggedModel>;
  /** Soft delete; deleting again is not an error. */
  deleteLoggedModel(modelId: string): Promise<void>;
  /** Last write wins, per key. */
  setLoggedModelTags(modelId: string, tags: KeyValue[]): Promise<void>;
  /** RESOURCE_DOES_NOT_EXIST when the model has no such tag. */
  deleteLoggedModelTag(modelId: string, key: string): Promise<void>;
  /** Write-once, like run params: the same value again is accepted, another value is refused. */
  logLoggedModelParams(modelId: string, params: KeyValue[]): Promise<void>;
  /** Active models of the given experiments; default order newest first, then model id. */
  searchLoggedModels(input: SearchLoggedModelsInput): Promise<Page<LoggedModel>>;
}

/** What a run used and produced. Both need an active run; model ids are not checked, as in MLflow. */
export interface RunInputsBackend {
  /** Data sets are kept once per experiment and (name, digest); a run lists each once, first tags win. */
  logInputs(runId: string, inputs: LogInputsInput): Promise<void>;
  logOutputs(runId: string, outputs: LogOutputsInput): Promise<void>;
}

export type ModelsBackend = LoggedModelsBackend & RunInputsBackend;

const MODEL_METHODS = [
  'createLoggedModel',
  'getLoggedModel',
  'finalizeLoggedModel',
  'deleteLoggedModel',
  'setLoggedModelTags',
  'deleteLoggedModelTag',
  'logLoggedModelParams',
  'searchLoggedModels',
  'logInputs',
  'logOutputs',
] as const;

/** Whether `backend` also offers logged models and run inputs (wrappers may not). */
export function supportsModels(backend: TrackingBackend): backend is TrackingBackend & ModelsBackend {
  const b = backend as unknown as Record<string, unknown>;
  return MODEL_METHODS.every((m) => typeof b[m] === 'function');
}

/**
 * Thrown when the backend in use has no logged models; the MLflow API answers it as MLflow's
 * NOT_IMPLEMENTED (501), so clients warn instead of retrying.
 */
export class ModelsNotSupportedError extends TrackingError {
  constructor() {
    super('INTERNAL_ERROR', 'Logged models and run inputs are not supported by the tracking backend in use');
    this.name = 'ModelsNotSupportedError';
  }
}

/** MLflow's wording for a missing (or, under a tenant, foreign) model. */
export function loggedModelNotFound(modelId: string): TrackingError {
  return new TrackingError('RESOURCE_DOES_NOT_EXIST', `Logged model with ID '${modelId}' not found.`);
}

/** A metric of a log-batch names a model that does not exist (MLflow: a 400 from the foreign key). */
export function unknownMetricModel(modelId: string, field: string): TrackingError {
  return invalid(`Logged model with ID '${modelId}' not found.`, field);
}

// mlflow/utils/validation.py
const MODEL_NAME_BAD_CHARS = ['/', ':', '.', '%', '"', "'"];
export const MAX_DATASET_NAME_SIZE = 500;
export const MAX_DATASET_DIGEST_SIZE = 36;
export const MAX_DATASET_SOURCE_SIZE = 65535;
export const MAX_DATASET_SCHEMA_SIZE = 1048575;
export const MAX_DATASET_PROFILE_SIZE = 16777215;
export const MAX_INPUT_TAG_KEY_SIZE = 255;
export const MAX_INPUT_TAG_VALUE_SIZE = 500;
/** The Python client sends params in batches of this size; the MLflow backend does too. */
export const LOGGED_MODEL_PARAMS_BATCH = 100;

/** How Python's repr() quotes a string, so messages read as MLflow's do. */
function pythonRepr(s: string): string {
  if (s.includes("'") && !s.includes('"')) return `"${s.replaceAll('\\', '\\\\')}"`;
  return `'${s.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
}

/** `_validate_logged_model_name`: absent is fine (a name is generated), else no `/ : . % " '`. */
export function validateLoggedModelName(name: string | undefined): string | undefined {
  if (name === undefined) return undefined;
  if (typeof name !== 'string' || name === '' || MODEL_NAME_BAD_CHARS.some((c) => name.includes(c))) {
    throw invalid(
      `Invalid model name (${pythonRepr(String(name))}) provided. Model name must be a non-empty string and cannot ` +
        `contain the following characters: ('/', ':', '.', '%', '"', "'")`,
      'name',
    );
  }
  validateText(name, 'model name', 'name');
  return name;
}

/** A model id as a path segment: non-empty, no `/` (MLflow's ids are `m-<hex>`). */
export function validateModelId(modelId: unknown, field = 'model_id'): string {
  if (typeof modelId !== 'string' || modelId === '' || modelId.includes('/')) {
    throw invalid(`Invalid logged model ID ${JSON.stringify(String(modelId))}`, field);
  }
  validateText(modelId, 'model id', field);
  return modelId;
}

function checkKeyValues(list: KeyValue[], what: string, field: string): void {
  list.forEach((kv, i) => {
    if (typeof kv.key !== 'string' || typeof kv.value !== 'string') throw invalid(`${what} key and value must be strings`, `${field}[${i}]`);
    validateText(kv.key, `${what} key`, `${field}[${i}].key`);
    validateText(kv.value, `${what} value`, `${field}[${i}].value`);
  });
}

/** Tags of a model: strings; repeated keys keep the last value (MLflow's upsert). */
export function normalizeModelTags(tags: KeyValue[] | undefined, field = 'tags'): KeyValue[] {
  const list = tags ?? [];
  checkKeyValues(list, 'tag', field);
  return [...new Map(list.map((t) => [t.key, t.value] as const))].map(([key, value]) => ({ key, value }));
}

/** Params of a model: strings; an exact repeat is dropped, another value for a key is refused. */
export function normalizeModelParams(params: KeyValue[] | undefined, field = 'params'): KeyValue[] {
  const list = params ?? [];
  checkKeyValues(list, 'param', field);
  const seen = new Map<string, string>();
  list.forEach((p, i) => {
    const earlier = seen.get(p.key);
    if (earlier !== undefined && earlier !== p.value) {
      throw invalid(`duplicate param key '${p.key}' with different values in one request`, `${field}[${i}].key`);
    }
    seen.set(p.key, p.value);
  });
  return [...seen].map(([key, value]) => ({ key, value }));
}

/** A stored param whose value differs from the one being logged (MLflow's write-once rule). */
export function changedModelParam(modelId: string, key: string, stored: string, value: string, field: string): TrackingError {
  return invalid(
    `Changing param values is not allowed. Param with key='${key}' was already logged with value='${stored}' ` +
      `for logged model ID='${modelId}'. Attempted logging new value '${value}'.`,
    field,
  );
}

function maxLength(value: string | undefined, limit: number, name: string, field: string): void {
  if (value !== undefined && value.length > limit) {
    throw invalid(`'${name}' exceeds the maximum length of ${limit} characters`, field);
  }
}

/** `_validate_dataset_inputs`: strings within MLflow's column limits. */
export function validateDatasetInputs(inputs: DatasetInput[] | undefined, field = 'datasets'): void {
  (inputs ?? []).forEach((input, i) => {
    const d = input.dataset;
    const at = `${field}[${i}].dataset`;
    for (const [name, value] of [['name', d.name], ['digest', d.digest], ['source_type', d.sourceType], ['source', d.source]] as const) {
      if (typeof value !== 'string') throw invalid(`Dataset ${name} cannot be None`, `${at}.${name}`);
      validateText(value, `dataset ${name}`, `${at}.${name}`);
    }
    maxLength(d.name, MAX_DATASET_NAME_SIZE, 'name', `${at}.name`);
    maxLength(d.digest, MAX_DATASET_DIGEST_SIZE, 'digest', `${at}.digest`);
    maxLength(d.source, MAX_DATASET_SOURCE_SIZE, 'source', `${at}.source`);
    maxLength(d.schema, MAX_DATASET_SCHEMA_SIZE, 'schema', `${at}.schema`);
    maxLength(d.profile, MAX_DATASET_PROFILE_SIZE, 'profile', `${at}.profile`);
    input.tags.forEach((t, j) => {
      const tf = `${field}[${i}].tags[${j}]`;
      if (typeof t.key !== 'string' || typeof t.value !== 'string') throw invalid('InputTag key and value must be strings', tf);
      maxLength(t.key, MAX_INPUT_TAG_KEY_SIZE, 'key', `${tf}.key`);
      maxLength(t.value, MAX_INPUT_TAG_VALUE_SIZE, 'value', `${tf}.value`);
    });
  });
}

/** Model ids of inputs and outputs, and output steps: strings and integers. */
export function validateModelRefs(models: { modelId: string; step?: number }[] | undefined, field: string): void {
  (models ?? []).forEach((m, i) => {
    if (typeof m.modelId !== 'string') throw invalid('model_id must be a string', `${field}[${i}].model_id`);
    validateText(m.modelId, 'model id', `${field}[${i}].model_id`);
    if (m.step !== undefined && !Number.isSafeInteger(m.step)) throw invalid('step must be an integer', `${field}[${i}].step`);
  });
}

/** A finalize status by name; anything else (including UNSPECIFIED) is a 400. */
export function validateLoggedModelStatus(status: unknown, field = 'status'): LoggedModelStatus {
  if (typeof status === 'string' && (LOGGED_MODEL_STATUSES as readonly string[]).includes(status)) return status as LoggedModelStatus;
  throw invalid(`Invalid logged model status ${JSON.stringify(String(status))}; expected one of ${LOGGED_MODEL_STATUSES.join(', ')}`, field);
}
