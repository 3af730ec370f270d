/**
 * A TrackingBackend over a remote MLflow tracking server's REST API (`/api/2.0/mlflow`). Inputs
 * are checked with the shared MLflow rules before anything is sent, so a bad request fails the
 * same way as on the embedded store and never costs a round trip; MLflow's own answers, errors
 * included, are passed through with their codes. Experiments and runs are here; MLflow 3's logged
 * models and run inputs/outputs are in `logged-models.ts`, log-batch splitting in
 * `batch-split.ts`, and every request goes through the one transport in `http.ts`.
 */

import type { TrackingBackend } from '../backend.ts';
import { TrackingError, runNotFound } from '../errors.ts';
import { type MetricColumns, type MetricRangeInput, columnsFromMetrics, validateMetricRange } from '../metric-range.ts';
import type {
  CreateLoggedModelInput,
  KeyValue,
  LogInputsInput,
  LogOutputsInput,
  LoggedModel,
  LoggedModelStatus,
  ModelsBackend,
  SearchLoggedModelsInput,
} from '../models-backend.ts';
import type {
  CreateExperimentInput,
  CreateRunInput,
  Experiment,
  LogBatchInput,
  Metric,
  MetricHistoryInput,
  Page,
  Run,
  RunInfo,
  SearchExperimentsInput,
  SearchRunsInput,
  UpdateRunInput,
} from '../types.ts';
import {
  validateArtifactLocation,
  validateExperimentId,
  validateExperimentName,
  validateExperimentTag,
  validateKey,
  validateLogBatch,
  validateMaxResults,
  validateRunId,
  validateRunName,
  validateRunStatus,
  validateRunTag,
  validateText,
  validateTimestamp,
  validateViewType,
} from '../validation.ts';
import { checkSplitBatchRun, encodeChunk, splitLogBatch, validateSplittableBatch } from './batch-split.ts';
import { MlflowHttp } from './http.ts';
import type { MlflowAuth } from './http.ts';
import { MlflowModels } from './logged-models.ts';
import { z } from 'zod';
import {
  createExperimentResponse,
  metricSchema,
  emptySchema,
  encodeTags,
  getExperimentResponse,
  metricHistoryResponse,
  pageToken,
  runResponse,
  searchExperimentsResponse,
  searchRunsResponse,
  toExperiment,
  toMetric,
  toRun,
  toRunInfo,
  updateRunResponse,
} from './wire.ts';

export type { MlflowAuth } from './http.ts';

/** How to reach the MLflow server. */
export interface MlflowBackendOptions {
  /** Base URL of the tracking server, e.g. `http://127.0.0.1:5000`; a path prefix is kept. */
  uri: string;
  /** Basic (`username`/`password`) or bearer (`token`) credentials, as MLflow clients send them. */
  auth?: MlflowAuth;
  /** An MLflow workspace (≥ 3.10, `--enable-workspaces`), sent as `X-MLFLOW-WORKSPACE`. */
  workspace?: string;
  /** Concurrent connections; default 8. */
  connections?: number;
  /** Request timeout in ms; default 120 000. */
  timeoutMs?: number;
  /**
   * Default true: a log-batch over MLflow's per-request limits is sent as several requests (see
   * {@link MlflowBackend.logBatch}). False: such a batch is refused with INVALID_PARAMETER_VALUE,
   * exactly as MLflow and the embedded store refuse it, keeping every batch one atomic request.
   */
  splitLargeBatches?: boolean;
}

// The embedded store reads the Default experiment for an empty id, as MLflow's store does.
const DEFAULT_EXPERIMENT_ID = '0';
const RUN_NAME_TAG = 'mlflow.runName';
// get-history's max_results is an int32 in MLflow's proto; a larger value would be refused.
const INT32_MAX = 2_147_483_647;
const INT32_MIN = -2_147_483_648;
/** get-history-bulk-interval's limits (MLflow's handler refuses more). */
export const BULK_INTERVAL_MAX_RUNS = 100;
export const BULK_INTERVAL_MAX_RESULTS = 2500;
// Points per get-history request when reading a whole history (MLflow's own client asks for 25 000).
const HISTORY_PAGE = 100_000;

const bulkIntervalResponse = z.object({
  metrics: z.array(metricSchema.extend({ run_id: z.string() })).optional(),
});

/** A point of {@link MlflowBackend.getMetricHistoryInterval}, with the run it belongs to. */
export interface MetricWithRunId extends Metric {
  runId: string;
}

/** The step range and sample size of a bulk-interval read. */
export interface MetricIntervalInput {
  /** Both or neither; int32, start ≤ end. */
  startStep?: number;
  endStep?: number;
  /** 1–2500; default 2500. */
  maxResults?: number;
}

/**
 * The TrackingBackend contract over MLflow's REST API; passes the shared contract suite against a
 * real `mlflow server` 3.x. Where MLflow and the interface disagree the interface wins, at the cost
 * of an extra read: a history read of an unknown run is a 404 (MLflow answers an empty page), and
 * exact repeats of a param in one batch are folded (MLflow refuses them). By default a log-batch
 * over MLflow's limits is split rather than refused (`splitLargeBatches`).
 */
export class MlflowBackend implements TrackingBackend, ModelsBackend {
  readonly #http: MlflowHttp;
  readonly #models: MlflowModels;
  readonly #splitLargeBatches: boolean;

  constructor(options: MlflowBackendOptions) {
    this.#http = new MlflowHttp(options);
    this.#models = new MlflowModels(this.#http);
    this.#splitLargeBatches = options.splitLargeBatches ?? true;
  }

  /** The server's origin (no credentials), for logs and diagnostics. */
  get origin(): string {
    return this.#http.origin;
  }

  async createExperiment(input: CreateExperimentInput): Promise<string> {
    const name = validateExperimentName(input.name);
    const location =
      input.artifactLocation === undefined || input.artifactLocation === ''
        ? undefined
        : validateArtifactLocation(input.artifactLocation);
    const tags = encodeTags(input.tags);
    tags.forEach((t, i) => validateExperimentTag(t.key, t.value, `tags[${i}]`));
    const res = await this.#http.post(
      'experiments/create',
      { name, ...(location !== undefined ? { artifact_location: location } : {}), tags },
      createExperimentResponse,
    );
    return res.experiment_id;
  }

  async getExperiment(experimentId: string): Promise<Experiment> {
    const id = validateExperimentId(experimentId);
    const res = await this.#http.get('experiments/get', { experiment_id: id }, getExperimentResponse);
    return toExperiment(res.experiment);
  }

  async getExperimentByName(name: string): Promise<Experiment | undefined> {
    const n = validateExperimentName(name, 'experiment_name');
    try {
      const res = await this.#http.get('experiments/get-by-name', { experiment_name: n }, getExperimentResponse);
      return toExperiment(res.experiment);
    } catch (err) {
      if (err instanceof TrackingError && err.code === 'RESOURCE_DOES_NOT_EXIST') return undefined;
      throw err;
    }
  }

  async searchExperiments(input: SearchExperimentsInput): Promise<Page<Experiment>> {
    // MLflow applies no default page size here, so it is always sent.
    const maxResults = validateMaxResults(input.maxResults);
    const viewType = input.viewType === undefined ? undefined : validateViewType(input.viewType);
    const res = await this.#http.post(
      'experiments/search',
      {
        max_results: maxResults,
        ...(input.filter ? { filter: input.filter } : {}),
        ...(input.orderBy && input.orderBy.length > 0 ? { order_by: input.orderBy } : {}),
        ...(input.pageToken ? { page_token: input.pageToken } : {}),
        ...(viewType !== undefined ? { view_type: viewType } : {}),
      },
      searchExperimentsResponse,
    );
    return { items: (res.experiments ?? []).map(toExperiment), ...pageToken(res.next_page_token) };
  }

  async renameExperiment(experimentId: string, newName: string): Promise<void> {
    const id = validateExperimentId(experimentId);
    const name = validateExperimentName(newName, 'new_name');
    await this.#http.post('experiments/update', { experiment_id: id, new_name: name }, emptySchema);
  }

  async deleteExperiment(experimentId: string): Promise<void> {
    const id = validateExperimentId(experimentId);
    await this.#http.post('experiments/delete', { experiment_id: id }, emptySchema);
  }

  async restoreExperiment(experimentId: string): Promise<void> {
    const id = validateExperimentId(experimentId);
    await this.#http.post('experiments/restore', { experiment_id: id }, emptySchema);
  }

  async setExperimentTag(experimentId: string, key: string, value: string): Promise<void> {
    const id = validateExperimentId(experimentId);
    validateExperimentTag(key, value, 'tag');
    await this.#http.post('experiments/set-experiment-tag', { experiment_id: id, key, value }, emptySchema);
  }

  async deleteExperimentTag(experimentId: string, key: string): Promise<void> {
    const id = validateExperimentId(experimentId);
    validateKey('experiment tag', key, 'key');
    await this.#http.post('experiments/delete-experiment-tag', { experiment_id: id, key }, emptySchema);
  }

  async createRun(input: CreateRunInput): Promise<Run> {
    const experimentId =
      input.experimentId === '' ? DEFAULT_EXPERIMENT_ID : validateExperimentId(input.experimentId);
    const runName = input.runName === undefined || input.runName === '' ? undefined : validateRunName(input.runName);
    // MLflow stores start_time as sent and has no default of its own; its Python client sends "now" too.
    const startTime =
      input.startTime === undefined ? Date.now() : validateTimestamp(input.startTime, 'start_time', 'start_time');
    if (input.userId !== undefined) validateText(input.userId, 'user id', 'user_id');
    const tags = encodeTags(input.tags);
    tags.forEach((t, i) => validateRunTag(t.key, t.value, `tags[${i}]`));
    const res = await this.#http.post(
      'runs/create',
      {
        experiment_id: experimentId,
        start_time: startTime,
        ...(runName !== undefined ? { run_name: runName } : {}),
        ...(input.userId !== undefined ? { user_id: input.userId } : {}),
        tags,
      },
      runResponse,
    );
    return toRun(res.run);
  }

  async getRun(runId: string): Promise<Run> {
    const id = validateRunId(runId);
    const res = await this.#http.get('runs/get', { run_id: id }, runResponse);
    return toRun(res.run);
  }

  async updateRun(runId: string, input: UpdateRunInput): Promise<RunInfo> {
    const id = validateRunId(runId);
    const status = input.status === undefined ? undefined : validateRunStatus(input.status);
    const endTime = input.endTime === undefined ? undefined : validateTimestamp(input.endTime, 'end_time', 'end_time');
    const runName = input.runName === undefined || input.runName === '' ? undefined : validateRunName(input.runName);
    const res = await this.#http.post(
      'runs/update',
      {
        run_id: id,
        ...(status !== undefined ? { status } : {}),
        ...(endTime !== undefined ? { end_time: endTime } : {}),
        ...(runName !== undefined ? { run_name: runName } : {}),
      },
      updateRunResponse,
    );
    return toRunInfo(res.run_info);
  }

  async deleteRun(runId: string): Promise<void> {
    const id = validateRunId(runId);
    await this.#http.post('runs/delete', { run_id: id }, emptySchema);
  }

  async restoreRun(runId: string): Promise<void> {
    const id = validateRunId(runId);
    await this.#http.post('runs/restore', { run_id: id }, emptySchema);
  }

  /**
   * Sends the batch in as many requests as MLflow's limits need, in order. Everything is
   * validated first; when more than one request is needed, the run's state and stored params are
   * checked up front too, so the failures MLflow would report half-way (deleted run, changed
   * param) are reported before anything is written. Only a concurrent writer or a connection
   * lost between requests can still leave part of a split batch stored.
   */
  async logBatch(runId: string, batch: LogBatchInput): Promise<void> {
    const id = validateRunId(runId);
    if (!this.#splitLargeBatches) validateLogBatch(batch);
    const params = validateSplittableBatch(batch);
    // Setting this tag renames the run, so it must also fit a run name.
    (batch.tags ?? []).forEach((t, i) => {
      if (t.key === RUN_NAME_TAG) validateRunName(t.value, `tags[${i}].value`);
    });
    const chunks = splitLogBatch({ metrics: batch.metrics ?? [], params, tags: batch.tags ?? [] });
    if (chunks.length > 1) checkSplitBatchRun(await this.getRun(id), params);
    // An empty batch still goes out once, so a missing or deleted run is reported as MLflow would.
    for (const chunk of chunks.length > 0 ? chunks : [{ metrics: [], params: [], tags: [] }]) {
      await this.#http.post('runs/log-batch', encodeChunk(id, chunk), emptySchema);
    }
  }

  async deleteRunTag(runId: string, key: string): Promise<void> {
    const id = validateRunId(runId);
    validateKey('tag', key, 'key');
    await this.#http.post('runs/delete-tag', { run_id: id, key }, emptySchema);
  }

  async searchRuns(input: SearchRunsInput): Promise<Page<Run>> {
    const experimentIds = input.experimentIds.map((e, i) => validateExperimentId(e, `experiment_ids[${i}]`));
    const maxResults = validateMaxResults(input.maxResults);
    const viewType = input.viewType === undefined ? undefined : validateViewType(input.viewType, 'run_view_type');
    const res = await this.#http.post(
      'runs/search',
      {
        experiment_ids: experimentIds,
        max_results: maxResults,
        ...(input.filter ? { filter: input.filter } : {}),
        ...(input.orderBy && input.orderBy.length > 0 ? { order_by: input.orderBy } : {}),
        ...(input.pageToken ? { page_token: input.pageToken } : {}),
        ...(viewType !== undefined ? { run_view_type: viewType } : {}),
      },
      searchRunsResponse,
    );
    return { items: (res.runs ?? []).map(toRun), ...pageToken(res.next_page_token) };
  }

  async getMetricHistory(runId: string, key: string, input: MetricHistoryInput): Promise<Page<Metric>> {
    const id = validateRunId(runId);
    const k = validateKey('metric', key, 'metric_key');
    // MLflow sets no upper bound here (its client pages by 25000); neither does the embedded store.
    const maxResults = validateMaxResults(input.maxResults, 'max_results', Number.MAX_SAFE_INTEGER - 1);
    const res = await this.#http.get(
      'metrics/get-history',
      { run_id: id, metric_key: k, max_results: Math.min(maxResults, INT32_MAX), page_token: input.pageToken || undefined },
      metricHistoryResponse,
    );
    const items = (res.metrics ?? []).map(toMetric);
    // MLflow answers an unknown run with an empty history; the interface says 404, so an empty
    // first page costs one look-up to tell "no points yet" from "no such run".
    if (items.length === 0 && !input.pageToken) await this.#requireRun(id);
    return { items, ...pageToken(res.next_page_token) };
  }

  /** RESOURCE_DOES_NOT_EXIST (as the interface words it) unless the run exists. */
  async #requireRun(id: string): Promise<void> {
    try {
      await this.getRun(id);
    } catch (err) {
      if (err instanceof TrackingError && err.code === 'RESOURCE_DOES_NOT_EXIST') throw runNotFound(id);
      throw err;
    }
  }

  /**
   * A step range that MLflow's bulk-interval endpoint answers whole (fewer points than it would
   * sample to) takes one request; anything else pages through get-history and keeps the range.
   */
  async getMetricRange(runId: string, key: string, input: MetricRangeInput): Promise<MetricColumns> {
    const id = validateRunId(runId);
    const k = validateKey('metric', key, 'metric_key');
    const range = validateMetricRange(input);
    if (range.axis === 'step' && range.min !== undefined && range.max !== undefined) {
      const startStep = Math.ceil(range.min);
      const endStep = Math.floor(range.max);
      if (startStep >= INT32_MIN && endStep <= INT32_MAX && startStep <= endStep) {
        const sample = await this.getMetricHistoryInterval([id], k, { startStep, endStep, maxResults: BULK_INTERVAL_MAX_RESULTS });
        if (sample.length === 0) await this.#requireRun(id);
        if (sample.length < BULK_INTERVAL_MAX_RESULTS) return columnsFromMetrics(sample, range);
      }
    }
    const points: Metric[] = [];
    let pageToken: string | undefined;
    do {
      const page = await this.getMetricHistory(id, k, { maxResults: HISTORY_PAGE, ...(pageToken ? { pageToken } : {}) });
      for (const p of page.items) points.push(p);
      pageToken = page.nextPageToken;
    } while (pageToken);
    return columnsFromMetrics(points, range);
  }

  /**
   * MLflow's `metrics/get-history-bulk-interval` (since 2.11): the points of one key of up to 100
   * runs whose step lies in [startStep, endStep], ordered by run, step, timestamp, value. It
   * samples: MLflow 3.17 returns every row when the range holds at most `maxResults` per run,
   * else exactly `maxResults` evenly spread rows (older servers sample by distinct step). So an
   * answer with fewer than `maxResults` points of a run is that run's whole range. Not part of
   * TrackingBackend: the live poller (live/poller.ts) is its only user. An unknown run is
   * RESOURCE_DOES_NOT_EXIST, as MLflow reports it.
   */
  async getMetricHistoryInterval(runIds: readonly string[], key: string, input: MetricIntervalInput = {}): Promise<MetricWithRunId[]> {
    if (runIds.length === 0 || runIds.length > BULK_INTERVAL_MAX_RUNS) {
      throw new TrackingError('INVALID_PARAMETER_VALUE', `run_ids must name 1 to ${BULK_INTERVAL_MAX_RUNS} runs`);
    }
    const ids = runIds.map((r, i) => validateRunId(r, `run_ids[${i}]`));
    const k = validateKey('metric', key, 'metric_key');
    const maxResults = input.maxResults ?? BULK_INTERVAL_MAX_RESULTS;
    if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > BULK_INTERVAL_MAX_RESULTS) {
      throw new TrackingError('INVALID_PARAMETER_VALUE', `max_results must be 1 to ${BULK_INTERVAL_MAX_RESULTS}`);
    }
    const { startStep, endStep } = input;
    if ((startStep === undefined) !== (endStep === undefined)) {
      throw new TrackingError('INVALID_PARAMETER_VALUE', 'start_step and end_step go together');
    }
    if (startStep !== undefined && endStep !== undefined) {
      const int32 = (n: number) => Number.isInteger(n) && n >= INT32_MIN && n <= INT32_MAX;
      if (!int32(startStep) || !int32(endStep) || startStep > endStep) {
        throw new TrackingError('INVALID_PARAMETER_VALUE', 'start_step and end_step must be int32 with start_step <= end_step');
      }
    }
    const res = await this.#http.get(
      'metrics/get-history-bulk-interval',
      { run_ids: ids, metric_key: k, max_results: maxResults, start_step: startStep, end_step: endStep },
      bulkIntervalResponse,
    );
    return (res.metrics ?? []).map((m) => ({ ...toMetric(m), runId: m.run_id }));
  }

  // MLflow 3's logged models and run inputs/outputs (ModelsBackend), in ./logged-models.ts.

  createLoggedModel(input: CreateLoggedModelInput): Promise<LoggedModel> {
    return this.#models.createLoggedModel(input);
  }

  getLoggedModel(modelId: string, options?: { allowDeleted?: boolean }): Promise<LoggedModel> {
    return this.#models.getLoggedModel(modelId, options);
  }

  finalizeLoggedModel(modelId: string, status: LoggedModelStatus): Promise<LoggedModel> {
    return this.#models.finalizeLoggedModel(modelId, status);
  }

  deleteLoggedModel(modelId: string): Promise<void> {
    return this.#models.deleteLoggedModel(modelId);
  }

  setLoggedModelTags(modelId: string, tags: KeyValue[]): Promise<void> {
    return this.#models.setLoggedModelTags(modelId, tags);
  }

  deleteLoggedModelTag(modelId: string, key: string): Promise<void> {
    return this.#models.deleteLoggedModelTag(modelId, key);
  }

  logLoggedModelParams(modelId: string, params: KeyValue[]): Promise<void> {
    return this.#models.logLoggedModelParams(modelId, params);
  }

  searchLoggedModels(input: SearchLoggedModelsInput): Promise<Page<LoggedModel>> {
    return this.#models.searchLoggedModels(input);
  }

  logInputs(runId: string, inputs: LogInputsInput): Promise<void> {
    return this.#models.logInputs(runId, inputs);
  }

  logOutputs(runId: string, outputs: LogOutputsInput): Promise<void> {
    return this.#models.logOutputs(runId, outputs);
  }

  /** Waits for requests in flight, then closes the connection pool; later calls fail. */
  async close(): Promise<void> {
    await this.#http.close();
  }
}
