/**
 * The tracking domain as MLflow models it. Every backend (embedded SQLite, a remote MLflow
 * server) speaks these shapes, so the MLflow-compatible API can pass them through unchanged
 * and the v1 API can reshape them into the seed's models.
 */

/** Soft-delete state, separate from a run's status (as in MLflow). */
export type LifecycleStage = 'active' | 'deleted';

/** MLflow's RunStatus names. */
export type RunStatus = 'RUNNING' | 'SCHEDULED' | 'FINISHED' | 'FAILED' | 'KILLED';
export const RUN_STATUSES: readonly RunStatus[] = ['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'];

/** MLflow's ViewType: which lifecycle stages a search returns. */
export type ViewType = 'ACTIVE_ONLY' | 'DELETED_ONLY' | 'ALL';

/** Tags and params are plain string maps; keys are unique per owner. */
export type StringMap = Record<string, string>;

export interface Experiment {
  experimentId: string;
  /** The stored name; under a TenantScope this is `tenant/name`. */
  name: string;
  artifactLocation: string;
  lifecycleStage: LifecycleStage;
  /** Epoch milliseconds. */
  creationTime: number;
  /** Epoch milliseconds. */
  lastUpdateTime: number;
  tags: StringMap;
}

/** One metric point. `value` may be NaN or ±Infinity, as MLflow allows. */
export interface Metric {
  key: string;
  value: number;
  /** Epoch milliseconds. */
  timestamp: number;
  step: number;
  /**
   * MLflow 3: the logged model this point also belongs to (autolog sends its training metrics
   * this way), and the data set it was computed on. Only log-batch reads these; run reads
   * never carry them, as in MLflow.
   */
  modelId?: string;
  datasetName?: string;
  datasetDigest?: string;
}

export interface RunInfo {
  runId: string;
  experimentId: string;
  runName: string;
  userId: string;
  status: RunStatus;
  /** Epoch milliseconds. */
  startTime: number;
  /** Epoch milliseconds, or null while the run has not ended. */
  endTime: number | null;
  artifactUri: string;
  lifecycleStage: LifecycleStage;
}

export interface RunData {
  /** The latest point per key (max of step, then timestamp, then value, as MLflow's SQL store). */
  metrics: Metric[];
  params: StringMap;
  tags: StringMap;
}

export interface Run {
  info: RunInfo;
  data: RunData;
  /** Data sets and logged models the run used; absent when it has none. */
  inputs?: RunInputs;
  /** Logged models the run produced; absent when it has none. */
  outputs?: RunOutputs;
}

/** MLflow's Dataset: what a run trained or evaluated on, deduplicated per experiment by (name, digest). */
export interface Dataset {
  name: string;
  digest: string;
  sourceType: string;
  source: string;
  schema?: string;
  profile?: string;
}

/** A data set as one run used it; `mlflow.data.context` (train, eval, ...) is one of its tags. */
export interface DatasetInput {
  dataset: Dataset;
  tags: { key: string; value: string }[];
}

/** MLflow's RunInputs. Run search lists only data sets, as MLflow's does. */
export interface RunInputs {
  datasetInputs: DatasetInput[];
  modelInputs: { modelId: string }[];
}

/** MLflow's RunOutputs: the logged models a run produced, with the step they were logged at. */
export interface RunOutputs {
  modelOutputs: { modelId: string; step: number }[];
}

/** A page of results; `nextPageToken` is absent on the last page. */
export interface Page<T> {
  items: T[];
  nextPageToken?: string;
}

export interface CreateExperimentInput {
  name: string;
  artifactLocation?: string;
  tags?: StringMap;
}

export interface CreateRunInput {
  experimentId: string;
  runName?: string;
  /** Epoch milliseconds; defaults to now. */
  startTime?: number;
  userId?: string;
  tags?: StringMap;
}

export interface UpdateRunInput {
  status?: RunStatus;
  endTime?: number;
  runName?: string;
}

/** A log-batch: metrics are appended, params are write-once, tags last-write-wins. */
export interface LogBatchInput {
  metrics?: Metric[];
  params?: { key: string; value: string }[];
  tags?: { key: string; value: string }[];
}

export interface SearchExperimentsInput {
  /** MLflow experiment filter grammar, e.g. `name LIKE 'churn%' AND tags.team = 'ds'`. */
  filter?: string;
  orderBy?: string[];
  maxResults: number;
  pageToken?: string;
  viewType?: ViewType;
}

export interface SearchRunsInput {
  experimentIds: string[];
  /** MLflow run filter grammar, e.g. `metrics.accuracy > 0.9 and params.model = 'xgboost'`. */
  filter?: string;
  orderBy?: string[];
  maxResults: number;
  pageToken?: string;
  viewType?: ViewType;
}

export interface MetricHistoryInput {
  maxResults: number;
  pageToken?: string;
}
