/**
 * A TrackingBackend over a remote MLflow tracking server's REST API (`/api/2.0/mlflow`). Inputs
 * are checked with the shared MLflow rules before anything is sent, so a bad request fails the
 * same way as on the embedded store and never costs a round trip; MLflow's own answers, errors
 * included, are passed through with their codes.
 */

import { Pool } from 'undici';
import type { z } from 'zod';
import type { TrackingBackend } from '../backend.ts';
import { TrackingError, runNotFound } from '../errors.ts';
import {
  LOGGED_MODEL_PARAMS_BATCH,
  changedModelParam,
  normalizeModelParams,
  normalizeModelTags,
  validateDatasetInputs,
  validateLoggedModelName,
  validateLoggedModelStatus,
  validateModelId,
  validateModelRefs,
} from '../models-backend.ts';
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
import { splitLogBatch, validateSplittableBatch } from './batch-split.ts';
import type { BatchChunk } from './batch-split.ts';
import { MlflowHttp, errorFromResponse, errorFromTransport } from './http.ts';
import type { MlflowAuth } from './http.ts';
import {
  createExperimentResponse,
  emptySchema,
  encodeLogInputs,
  encodeMetric,
  encodeSearchLoggedModels,
  encodeTags,
  loggedModelResponse,
  getExperimentResponse,
  metricHistoryResponse,
  pageToken,
  runResponse,
  searchExperimentsResponse,
  searchLoggedModelsResponse,
  searchRunsResponse,
  toExperiment,
  toLoggedModel,
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

/**
 * The TrackingBackend contract over MLflow's REST API; passes the shared contract suite against a
 * real `mlflow server` 3.x. Where MLflow and the interface disagree the interface wins, at the cost
 * of an extra read: a history read of an unknown run is a 404 (MLflow answers an empty page), and
 * exact repeats of a param in one batch are folded (MLflow refuses them). By default a log-batch
 * over MLflow's limits is split rather than refused (`splitLargeBatches`).
 */
export class MlflowBackend implements TrackingBackend, ModelsBackend {
  readonly #http: MlflowHttp;
  readonly #patchDelete: PatchDeleteSender;
  readonly #splitLargeBatches: boolean;

  constructor(options: MlflowBackendOptions) {
    this.#http = new MlflowHttp(options);
    this.#patchDelete = new PatchDeleteSender(options);
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
    if (chunks.length > 1) await this.#precheckSplitBatch(id, params);
    // An empty batch still goes out once, so a missing or deleted run is reported as MLflow would.
    for (const chunk of chunks.length > 0 ? chunks : [{ metrics: [], params: [], tags: [] }]) {
      await this.#http.post('runs/log-batch', encodeChunk(id, chunk), emptySchema);
    }
  }

  async #precheckSplitBatch(runId: string, params: { key: string; value: string }[]): Promise<void> {
    const run = await this.getRun(runId);
    if (run.info.lifecycleStage !== 'active') {
      throw new TrackingError(
        'INVALID_PARAMETER_VALUE',
        `The run ${runId} must be in the 'active' state. Current state is ${run.info.lifecycleStage}.`,
      );
    }
    params.forEach((p, i) => {
      const stored = Object.hasOwn(run.data.params, p.key) ? run.data.params[p.key] : undefined;
      if (stored !== undefined && stored !== p.value) {
        throw new TrackingError(
          'INVALID_PARAMETER_VALUE',
          `Changing param values is not allowed. Param with key='${p.key}' was already logged with value='${stored}' ` +
            `for run ID='${runId}'. Attempted logging new value '${p.value}'.`,
          `params[${i}].value`,
        );
      }
    });
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
    if (items.length === 0 && !input.pageToken) {
      try {
        await this.getRun(id);
      } catch (err) {
        if (err instanceof TrackingError && err.code === 'RESOURCE_DOES_NOT_EXIST') throw runNotFound(id);
        throw err;
      }
    }
    return { items, ...pageToken(res.next_page_token) };
  }

  // MLflow 3's logged models and run inputs (ModelsBackend): checked with the shared rules, then
  // passed through. Where MLflow only fails by accident of a constraint, a read first keeps the
  // interface's promise (params are write-once, not write-exactly-once).

  async createLoggedModel(input: CreateLoggedModelInput): Promise<LoggedModel> {
    const experimentId = validateExperimentId(input.experimentId);
    const name = validateLoggedModelName(input.name === '' ? undefined : input.name);
    const params = normalizeModelParams(input.params);
    const tags = normalizeModelTags(input.tags);
    // Like MLflow's client: the first batch of params with the model, the rest afterwards.
    const res = await this.#http.post(
      'logged-models',
      {
        experiment_id: experimentId,
        ...(name !== undefined ? { name } : {}),
        ...(input.modelType !== undefined ? { model_type: input.modelType } : {}),
        ...(input.sourceRunId !== undefined ? { source_run_id: input.sourceRunId } : {}),
        params: params.slice(0, LOGGED_MODEL_PARAMS_BATCH),
        tags,
      },
      loggedModelResponse,
    );
    const model = toLoggedModel(res.model);
    if (params.length <= LOGGED_MODEL_PARAMS_BATCH) return model;
    await this.#sendModelParams(model.modelId, params.slice(LOGGED_MODEL_PARAMS_BATCH));
    return this.getLoggedModel(model.modelId);
  }

  /** A deleted model reads as a 404 first; only then is it asked for again, as deleted. */
  async getLoggedModel(modelId: string, options: { allowDeleted?: boolean } = {}): Promise<LoggedModel> {
    const id = validateModelId(modelId);
    try {
      return toLoggedModel((await this.#http.get(`logged-models/${encodeURIComponent(id)}`, {}, loggedModelResponse)).model);
    } catch (err) {
      if (!options.allowDeleted || !(err instanceof TrackingError && err.code === 'RESOURCE_DOES_NOT_EXIST')) throw err;
    }
    const res = await this.#http.get(`logged-models/${encodeURIComponent(id)}`, { allow_deleted: 'true' }, loggedModelResponse);
    return toLoggedModel(res.model, true);
  }

  async finalizeLoggedModel(modelId: string, status: LoggedModelStatus): Promise<LoggedModel> {
    const id = validateModelId(modelId);
    const s = validateLoggedModelStatus(status);
    // MLflow reads the id from the body, not from the path.
    const res = await this.#patchDelete.send('PATCH', `logged-models/${encodeURIComponent(id)}`, { model_id: id, status: s }, loggedModelResponse);
    return toLoggedModel(res.model);
  }

  async deleteLoggedModel(modelId: string): Promise<void> {
    const id = validateModelId(modelId);
    await this.#patchDelete.send('DELETE', `logged-models/${encodeURIComponent(id)}`, { model_id: id }, emptySchema);
  }

  async setLoggedModelTags(modelId: string, tags: KeyValue[]): Promise<void> {
    const id = validateModelId(modelId);
    const list = normalizeModelTags(tags);
    await this.#patchDelete.send('PATCH', `logged-models/${encodeURIComponent(id)}/tags`, { model_id: id, tags: list }, emptySchema);
  }

  async deleteLoggedModelTag(modelId: string, key: string): Promise<void> {
    const id = validateModelId(modelId);
    validateText(key, 'tag key', 'tag_key');
    if (key === '' || key.includes('/')) throw new TrackingError('INVALID_PARAMETER_VALUE', `Invalid tag key '${key}'`, 'tag_key');
    await this.#patchDelete.send('DELETE', `logged-models/${encodeURIComponent(id)}/tags/${encodeURIComponent(key)}`, undefined, emptySchema);
  }

  /** MLflow refuses any key it already has, even with the same value; those are dropped here first. */
  async logLoggedModelParams(modelId: string, params: KeyValue[]): Promise<void> {
    const id = validateModelId(modelId);
    const list = normalizeModelParams(params);
    const stored = (await this.getLoggedModel(id, { allowDeleted: true })).params;
    const fresh = list.filter((p, i) => {
      const old = Object.hasOwn(stored, p.key) ? stored[p.key] : undefined;
      if (old !== undefined && old !== p.value) throw changedModelParam(id, p.key, old, p.value, `params[${i}].value`);
      return old === undefined;
    });
    await this.#sendModelParams(id, fresh);
  }

  async #sendModelParams(modelId: string, params: KeyValue[]): Promise<void> {
    for (let i = 0; i < params.length; i += LOGGED_MODEL_PARAMS_BATCH) {
      const batch = params.slice(i, i + LOGGED_MODEL_PARAMS_BATCH);
      await this.#http.post(`logged-models/${encodeURIComponent(modelId)}/params`, { model_id: modelId, params: batch }, emptySchema);
    }
  }

  async searchLoggedModels(input: SearchLoggedModelsInput): Promise<Page<LoggedModel>> {
    const experimentIds = input.experimentIds.map((e, i) => validateExperimentId(e, `experiment_ids[${i}]`));
    const res = await this.#http.post(
      'logged-models/search',
      encodeSearchLoggedModels({ ...input, experimentIds }),
      searchLoggedModelsResponse,
    );
    return { items: (res.models ?? []).map((m) => toLoggedModel(m)), ...pageToken(res.next_page_token) };
  }

  async logInputs(runId: string, inputs: LogInputsInput): Promise<void> {
    const id = validateRunId(runId);
    validateDatasetInputs(inputs.datasets);
    validateModelRefs(inputs.models, 'models');
    await this.#http.post('runs/log-inputs', encodeLogInputs(id, inputs), emptySchema);
  }

  async logOutputs(runId: string, outputs: LogOutputsInput): Promise<void> {
    const id = validateRunId(runId);
    validateModelRefs(outputs.models, 'models');
    await this.#http.post('runs/outputs', { run_id: id, models: outputs.models.map((m) => ({ model_id: m.modelId, step: m.step })) }, emptySchema);
  }

  /** Waits for requests in flight, then closes the connection pools; later calls fail. */
  async close(): Promise<void> {
    await Promise.all([this.#http.close(), this.#patchDelete.close()]);
  }
}

function encodeChunk(runId: string, chunk: BatchChunk): unknown {
  return {
    run_id: runId,
    metrics: chunk.metrics.map(encodeMetric),
    params: chunk.params,
    tags: chunk.tags,
  };
}

/**
 * PATCH and DELETE for the logged-model endpoints, which MlflowHttp (GET and POST only) does not
 * send: the same origin, path prefix, credentials and workspace header, and the same error
 * mapping, on a small pool of its own. To be folded into MlflowHttp by its owner.
 */
class PatchDeleteSender {
  readonly #pool: Pool;
  readonly #basePath: string;
  readonly #origin: string;
  readonly #headers: Record<string, string> = { accept: 'application/json' };

  constructor(options: MlflowBackendOptions) {
    // MlflowHttp has checked the URI already.
    const url = new URL(options.uri);
    this.#origin = url.origin;
    this.#basePath = url.pathname.replace(/\/+$/, '');
    const auth =
      options.auth ??
      (url.username !== '' || url.password !== ''
        ? { username: decodeURIComponent(url.username), password: decodeURIComponent(url.password) }
        : undefined);
    if (auth !== undefined) {
      this.#headers['authorization'] =
        'token' in auth ? `Bearer ${auth.token}` : `Basic ${Buffer.from(`${auth.username}:${auth.password}`, 'utf8').toString('base64')}`;
    }
    if (options.workspace !== undefined) this.#headers['x-mlflow-workspace'] = options.workspace;
    const timeout = options.timeoutMs ?? 120_000;
    this.#pool = new Pool(url.origin, { connections: 2, keepAliveTimeout: 2_000, headersTimeout: timeout, bodyTimeout: timeout });
  }

  async send<S extends z.ZodType>(method: 'PATCH' | 'DELETE', endpoint: string, body: unknown, schema: S): Promise<z.output<S>> {
    const headers = body === undefined ? this.#headers : { ...this.#headers, 'content-type': 'application/json' };
    let status: number;
    let text: string;
    let retryAfter: string | string[] | undefined;
    try {
      const res = await this.#pool.request({
        method,
        path: `${this.#basePath}/api/2.0/mlflow/${endpoint}`,
        headers,
        body: body === undefined ? null : JSON.stringify(body),
      });
      status = res.statusCode;
      retryAfter = res.headers['retry-after'];
      text = await res.body.text();
    } catch (err) {
      throw errorFromTransport(err, this.#origin);
    }
    if (status < 200 || status >= 300) throw errorFromResponse(status, text, retryAfter);
    let json: unknown;
    try {
      json = text.trim() === '' ? {} : JSON.parse(text);
    } catch {
      json = undefined;
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) throw new TrackingError('INTERNAL_ERROR', `Unexpected response from MLflow server for ${method} ${endpoint}`);
    return parsed.data;
  }

  async close(): Promise<void> {
    if (!this.#pool.closed) await this.#pool.close();
  }
}
