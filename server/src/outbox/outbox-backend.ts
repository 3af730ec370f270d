/**
 * "No point lost": a TrackingBackend in front of the MLflow backend that acknowledges writes the
 * server cannot take right now (down, restarting, overloaded) after storing them durably in a
 * spool, and delivers them later in order. With a healthy server it is invisible: writes go
 * straight through and the server's answers, 4xx errors included, come back unchanged.
 *
 * What is buffered: log-batch, run update, run-tag delete, run delete and restore, log-inputs and
 * log-outputs of a run, experiment tag set and delete. What is not: creating experiments, runs and
 * logged models (the caller needs the id the server assigns, so these fail with
 * TEMPORARILY_UNAVAILABLE while it is down, as MLflow clients expect and retry), renaming,
 * deleting and restoring experiments, every write to a logged model, and every read. Reads show
 * what the server has: writes still in the outbox are not visible until delivered.
 *
 * MLflow 3's logged models and run inputs/outputs ({@link ModelsBackend}) are forwarded to the
 * wrapped backend; when it has none, each call answers {@link ModelsNotSupportedError} (the MLflow
 * API's 501), as it would without the outbox. The choices, write by write:
 * - log-batch keeps its metrics' `modelId`, `datasetName` and `datasetDigest` in the spool, so a
 *   buffered batch of autolog's training metrics still lands in the logged model's metrics too.
 * - log-inputs and log-outputs are run writes like log-batch: their answer is empty, autolog sends
 *   them in the middle of a run (the training data set, the link to the model it logs), and in
 *   the run's lane they keep their order with its other writes: a log-outputs queued behind a
 *   log-batch is not delivered before it, nor after a run delete queued behind it.
 * - logged-model writes (finalize, tags, params, delete) pass straight through. A model exists
 *   only once the server created it, moments earlier; finalize answers the model as the server
 *   has it, which a queued write could only guess; params are write-once and checked against what
 *   the server holds; and keeping them ordered would need a lane per model. While the server is
 *   down they fail with TEMPORARILY_UNAVAILABLE, which MLflow's client retries.
 *
 * When full, the spool refuses new writes (REQUEST_LIMIT_EXCEEDED, HTTP 429) rather than drop the
 * oldest. What the oldest entries hold is the start of a run: its params, its first steps, the
 * tag that names it; losing those silently leaves a run that cannot be compared with anything,
 * while a refusal is seen where it can be acted on: MLflow's client retries a 429 with backoff and
 * then raises in the training script. Every queued run stays a gap-free prefix of what was sent.
 *
 * Delivery is at least once: a crash between "the server accepted it" and "removed from the
 * spool" sends a record again. On a real MLflow server that is harmless (checked by the tests):
 * a repeated log-batch changes nothing (exact duplicate metric points are dropped, an unchanged
 * param is accepted, tags are last-write-wins), and so do a repeated run update, delete or
 * restore, and a repeated log-inputs (data sets are kept once per experiment and linked to a run
 * once). A repeated tag delete is answered RESOURCE_DOES_NOT_EXIST; the outbox then checks that
 * the run or experiment exists and counts it as delivered. A repeated log-outputs fails on the
 * primary key of MLflow's `inputs` table; the outbox then checks that the run lists those models
 * as outputs and counts it as delivered.
 */

import { join } from 'node:path';
import type { TrackingBackend } from '../tracking/backend.ts';
import type { MetricColumns, MetricRangeInput } from '../tracking/metric-range.ts';
import { invalid } from '../tracking/errors.ts';
import { validateSplittableBatch } from '../tracking/mlflow/batch-split.ts';
import { validateDatasetInputs, validateModelRefs } from '../tracking/models-backend.ts';
import type {
  CreateLoggedModelInput,
  KeyValue,
  LogInputsInput,
  LogOutputsInput,
  LoggedModel,
  LoggedModelStatus,
  ModelsBackend,
  SearchLoggedModelsInput,
} from '../tracking/models-backend.ts';
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
} from '../tracking/types.ts';
import {
  validateExperimentId,
  validateExperimentTag,
  validateKey,
  validateLogBatch,
  validateRunId,
  validateRunName,
  validateRunStatus,
  validateText,
  validateTimestamp,
} from '../tracking/validation.ts';
import { Flusher } from './flusher.ts';
import type { OutboxEvent } from './flusher.ts';
import { copyLogBatch, copyLogInputs, copyLogOutputs, modelsOf, parseLane } from './operations.ts';
import { DEFAULT_BACKOFF } from './retry-policy.ts';
import type { BackoffOptions } from './retry-policy.ts';
import { DEFAULT_SPOOL_LIMITS, SPOOL_FILE, Spool } from './spool.ts';
import type { DeadLetter, LastError, SpoolLimits } from './spool.ts';
import { RunInfoCache, queuedRunInfo } from './run-info-cache.ts';
import { WritePath } from './write-path.ts';

export type { OutboxEvent } from './flusher.ts';

/** Where the spool lives and how the outbox behaves. */
export interface OutboxOptions {
  /** The daemon's data directory; the spool is `<dataDir>/<fileName>`. */
  dataDir: string;
  /** Default `outbox.db`; one file per wrapped backend (e.g. per MLflow workspace). */
  fileName?: string;
  /** Bounds of the spool; see {@link DEFAULT_SPOOL_LIMITS}. */
  limits?: Partial<SpoolLimits>;
  /** Retry timing; see {@link DEFAULT_BACKOFF}. */
  backoff?: Partial<BackoffOptions>;
  /** Runs (lanes) replayed at once; default 4. */
  concurrency?: number;
  /**
   * How long a caller waits for a direct attempt before its write is stored and acknowledged
   * anyway (a slow server); default 10 000 ms. The attempt is not abandoned: if it then succeeds
   * the stored copy is removed, if it fails the copy is delivered or dead-lettered as usual.
   */
  directTimeoutMs?: number;
  /** fsync every commit (SQLite `synchronous = FULL`); default true. False survives process crashes only. */
  fsync?: boolean;
  /**
   * Mirror of MlflowBackend's option (default true): log-batches over MLflow's per-request limits
   * are accepted and split by the wrapped backend. False refuses them up front.
   */
  splitLargeBatches?: boolean;
  /** Progress and failures, e.g. for the daemon's log. */
  onEvent?: (event: OutboxEvent) => void;
}

/** What the extension shows about the outbox. */
export interface OutboxStats {
  queued: {
    /** Writes waiting for the server. */
    entries: number;
    /** Their stored size. */
    bytes: number;
    /** Waiting writes per run id. */
    byRun: Record<string, number>;
    /** Waiting experiment-tag writes per experiment id. */
    byExperiment: Record<string, number>;
  };
  /** Writes the server refused, kept aside (see {@link OutboxBackend.deadLetters}). */
  deadLetters: number;
  /** Writes refused because they could not be stored, and dead letters discarded past the cap. */
  dropped: { spoolFull: number; spoolError: number; deadLettersDiscarded: number };
  /** Queued writes delivered since the spool was created. */
  delivered: number;
  lastError: LastError | null;
  /** When a queued write was last accepted by the server (epoch ms). */
  lastSuccessfulFlush: number | null;
  retry: { failures: number; nextAttemptAt: number | null };
  limits: SpoolLimits;
  spoolPath: string;
}

const DEFAULT_DIRECT_TIMEOUT_MS = 10_000;
const RUN_NAME_TAG = 'mlflow.runName';

/**
 * The outbox. Writes are validated first (the shared MLflow rules), so bad input is refused and
 * never queued. A write to a run with nothing queued goes to the server and answers with its
 * result; when that fails with a retryable failure (429/502/503/504, connection refused, reset or
 * timed out) the write is stored, in one transaction, and acknowledged. A write to a run that has
 * writes queued is appended behind them and never overtakes them. While the server is known to
 * be failing (between a retryable failure and the next successful answer) new writes are stored
 * without trying it, so callers do not each wait on a dead server and its `Retry-After` is kept.
 * When the spool is full a write that would need it is refused with REQUEST_LIMIT_EXCEEDED.
 */
export class OutboxBackend implements TrackingBackend, ModelsBackend {
  readonly #inner: TrackingBackend;
  readonly #spool: Spool;
  readonly #flusher: Flusher;
  readonly #writes: WritePath;
  readonly #runInfos = new RunInfoCache();
  readonly #splitLargeBatches: boolean;
  #closing: Promise<void> | undefined;

  private constructor(inner: TrackingBackend, spool: Spool, options: OutboxOptions) {
    this.#inner = inner;
    this.#spool = spool;
    this.#splitLargeBatches = options.splitLargeBatches ?? true;
    this.#flusher = new Flusher(spool, inner, {
      backoff: { ...DEFAULT_BACKOFF, ...options.backoff },
      concurrency: options.concurrency ?? 4,
      onEvent: options.onEvent,
    });
    this.#writes = new WritePath(inner, spool, this.#flusher, {
      directTimeoutMs: options.directTimeoutMs ?? DEFAULT_DIRECT_TIMEOUT_MS,
      onEvent: options.onEvent,
    });
  }

  /**
   * Opens (or creates) the spool and starts delivering what an earlier run of the daemon left in
   * it; new writes to those runs queue behind it. The outbox owns `inner` and closes it (once
   * open has succeeded: when the spool cannot be opened, e.g. another daemon holds it, this throws
   * and `inner` is still the caller's).
   */
  static open(inner: TrackingBackend, options: OutboxOptions): OutboxBackend {
    const limits = { ...DEFAULT_SPOOL_LIMITS, ...options.limits };
    const spool = Spool.open(join(options.dataDir, options.fileName ?? SPOOL_FILE), limits, options.fsync ?? true);
    const outbox = new OutboxBackend(inner, spool, options);
    outbox.#flusher.start();
    return outbox;
  }

  // ---- buffered writes ----

  async logBatch(runId: string, batch: LogBatchInput): Promise<void> {
    const id = validateRunId(runId);
    if (this.#splitLargeBatches) validateSplittableBatch(batch);
    else validateLogBatch(batch);
    (batch.tags ?? []).forEach((t, i) => {
      if (t.key === RUN_NAME_TAG) validateRunName(t.value, `tags[${i}].value`);
    });
    (batch.metrics ?? []).forEach(validateMetricRefs);
    // Only the fields a batch has are kept (MLflow 3's model and data set fields of metrics too).
    await this.#writes.submit({ kind: 'logBatch', runId: id, batch: copyLogBatch(batch) });
  }

  async logInputs(runId: string, inputs: LogInputsInput): Promise<void> {
    const id = validateRunId(runId);
    modelsOf(this.#inner);
    validateDatasetInputs(inputs.datasets);
    validateModelRefs(inputs.models, 'models');
    await this.#writes.submit({ kind: 'logInputs', runId: id, inputs: copyLogInputs(inputs) });
  }

  async logOutputs(runId: string, outputs: LogOutputsInput): Promise<void> {
    const id = validateRunId(runId);
    modelsOf(this.#inner);
    validateModelRefs(outputs.models, 'models');
    await this.#writes.submit({ kind: 'logOutputs', runId: id, outputs: copyLogOutputs(outputs) });
  }

  async updateRun(runId: string, input: UpdateRunInput): Promise<RunInfo> {
    const id = validateRunId(runId);
    const update: UpdateRunInput = {};
    if (input.status !== undefined) update.status = validateRunStatus(input.status);
    if (input.endTime !== undefined) update.endTime = validateTimestamp(input.endTime, 'end_time', 'end_time');
    if (input.runName !== undefined && input.runName !== '') update.runName = validateRunName(input.runName);
    const direct = await this.#writes.submit({ kind: 'updateRun', runId: id, input: update });
    if (direct !== undefined) {
      const info = direct as RunInfo;
      this.#runInfos.remember(info);
      return info;
    }
    // Queued: the answer is what the run will look like once the update is delivered.
    const info = queuedRunInfo(this.#runInfos.get(id), id, update);
    this.#runInfos.remember(info);
    return info;
  }

  async deleteRunTag(runId: string, key: string): Promise<void> {
    const id = validateRunId(runId);
    validateKey('tag', key, 'key');
    await this.#writes.submit({ kind: 'deleteRunTag', runId: id, key });
  }

  async deleteRun(runId: string): Promise<void> {
    await this.#writes.submit({ kind: 'deleteRun', runId: validateRunId(runId) });
  }

  async restoreRun(runId: string): Promise<void> {
    await this.#writes.submit({ kind: 'restoreRun', runId: validateRunId(runId) });
  }

  async setExperimentTag(experimentId: string, key: string, value: string): Promise<void> {
    const id = validateExperimentId(experimentId);
    validateExperimentTag(key, value, 'tag');
    await this.#writes.submit({ kind: 'setExperimentTag', experimentId: id, key, value });
  }

  async deleteExperimentTag(experimentId: string, key: string): Promise<void> {
    const id = validateExperimentId(experimentId);
    validateKey('experiment tag', key, 'key');
    await this.#writes.submit({ kind: 'deleteExperimentTag', experimentId: id, key });
  }

  // ---- pass-through writes that must not overtake queued experiment writes ----

  renameExperiment(experimentId: string, newName: string): Promise<void> {
    return this.#writes.guardExperiment(experimentId, () => this.#inner.renameExperiment(experimentId, newName));
  }

  deleteExperiment(experimentId: string): Promise<void> {
    return this.#writes.guardExperiment(experimentId, () => this.#inner.deleteExperiment(experimentId));
  }

  restoreExperiment(experimentId: string): Promise<void> {
    return this.#writes.guardExperiment(experimentId, () => this.#inner.restoreExperiment(experimentId));
  }

  // ---- pass-through ----

  createExperiment(input: CreateExperimentInput): Promise<string> {
    return this.#inner.createExperiment(input);
  }

  getExperiment(experimentId: string): Promise<Experiment> {
    return this.#inner.getExperiment(experimentId);
  }

  getExperimentByName(name: string): Promise<Experiment | undefined> {
    return this.#inner.getExperimentByName(name);
  }

  searchExperiments(input: SearchExperimentsInput): Promise<Page<Experiment>> {
    return this.#inner.searchExperiments(input);
  }

  async createRun(input: CreateRunInput): Promise<Run> {
    const run = await this.#inner.createRun(input);
    this.#runInfos.remember(run.info);
    return run;
  }

  async getRun(runId: string): Promise<Run> {
    const run = await this.#inner.getRun(runId);
    this.#runInfos.remember(run.info);
    return run;
  }

  async searchRuns(input: SearchRunsInput): Promise<Page<Run>> {
    const page = await this.#inner.searchRuns(input);
    for (const run of page.items) this.#runInfos.remember(run.info);
    return page;
  }

  getMetricHistory(runId: string, key: string, input: MetricHistoryInput): Promise<Page<Metric>> {
    return this.#inner.getMetricHistory(runId, key, input);
  }

  getMetricRange(runId: string, key: string, input: MetricRangeInput): Promise<MetricColumns> {
    return this.#inner.getMetricRange(runId, key, input);
  }

  // ---- logged models: pass-through (see the file comment) ----

  async createLoggedModel(input: CreateLoggedModelInput): Promise<LoggedModel> {
    return await modelsOf(this.#inner).createLoggedModel(input);
  }

  async getLoggedModel(modelId: string, options?: { allowDeleted?: boolean }): Promise<LoggedModel> {
    return await modelsOf(this.#inner).getLoggedModel(modelId, options);
  }

  async searchLoggedModels(input: SearchLoggedModelsInput): Promise<Page<LoggedModel>> {
    return await modelsOf(this.#inner).searchLoggedModels(input);
  }

  async finalizeLoggedModel(modelId: string, status: LoggedModelStatus): Promise<LoggedModel> {
    return await modelsOf(this.#inner).finalizeLoggedModel(modelId, status);
  }

  async deleteLoggedModel(modelId: string): Promise<void> {
    return await modelsOf(this.#inner).deleteLoggedModel(modelId);
  }

  async setLoggedModelTags(modelId: string, tags: KeyValue[]): Promise<void> {
    return await modelsOf(this.#inner).setLoggedModelTags(modelId, tags);
  }

  async deleteLoggedModelTag(modelId: string, key: string): Promise<void> {
    return await modelsOf(this.#inner).deleteLoggedModelTag(modelId, key);
  }

  async logLoggedModelParams(modelId: string, params: KeyValue[]): Promise<void> {
    return await modelsOf(this.#inner).logLoggedModelParams(modelId, params);
  }

  // ---- the outbox itself ----

  /** Queue sizes, dead letters, drops and the last failure, for the extension's status view. */
  stats(): OutboxStats {
    const byRun: Record<string, number> = {};
    const byExperiment: Record<string, number> = {};
    for (const lane of this.#spool.lanes()) {
      const { type, id } = parseLane(lane);
      (type === 'run' ? byRun : byExperiment)[id] = this.#spool.depth(lane);
    }
    return {
      queued: { entries: this.#spool.entries, bytes: this.#spool.bytes, byRun, byExperiment },
      deadLetters: this.#spool.deadLetterCount,
      dropped: {
        spoolFull: this.#spool.counters.droppedFull,
        spoolError: this.#spool.droppedStorageError,
        deadLettersDiscarded: this.#spool.counters.deadLettersDiscarded,
      },
      delivered: this.#spool.counters.delivered,
      lastError: this.#spool.lastError,
      lastSuccessfulFlush: this.#spool.lastDeliveryAt,
      retry: this.#flusher.retryState,
      limits: { ...this.#spool.limits },
      spoolPath: this.#spool.path,
    };
  }

  /** Dead letters, oldest first, with the server's reason. */
  deadLetters(limit = 100): DeadLetter[] {
    return this.#spool.listDeadLetters(limit);
  }

  /** Queues dead letters again (all, or by id), e.g. after the cause was fixed; returns how many. */
  requeueDeadLetters(ids?: readonly number[]): number {
    const moved = this.#spool.requeueDeadLetters(ids, Date.now());
    this.#flusher.wake();
    return moved;
  }

  /** Deletes dead letters (all, or by id); returns how many. */
  discardDeadLetters(ids?: readonly number[]): number {
    return this.#spool.discardDeadLetters(ids);
  }

  /**
   * Tries to deliver everything now, ignoring the current backoff, and resolves true once the
   * spool is empty, or false after `timeoutMs`.
   */
  flush(timeoutMs = 30_000): Promise<boolean> {
    this.#flusher.retryNow();
    return this.#flusher.whenIdle(timeoutMs);
  }

  /**
   * Stops accepting writes, lets writes in progress finish (a direct attempt, or storing it),
   * stops the flusher after the requests in flight, and closes the spool and the wrapped backend.
   * What is still queued stays in the spool for the next start.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.#writes.stop();
      await this.#flusher.stop();
      this.#spool.close();
      await this.#inner.close();
    })();
    return this.#closing;
  }
}

/** A metric's MLflow 3 references, when set, are text: checked here so a bad one is never queued. */
function validateMetricRefs(m: Metric, i: number): void {
  for (const [name, field] of [['modelId', 'model_id'], ['datasetName', 'dataset_name'], ['datasetDigest', 'dataset_digest']] as const) {
    const value: unknown = m[name];
    if (value === undefined) continue;
    if (typeof value !== 'string') throw invalid(`metric ${field} must be a string`, `metrics[${i}].${field}`);
    validateText(value, `metric ${field}`, `metrics[${i}].${field}`);
  }
}
