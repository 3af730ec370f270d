/**
 * The embedded tracking store: MLflow's SQL-store semantics on one local SQLite file, so the
 * daemon works with no MLflow server at all. The work is synchronous (node:sqlite); the async
 * interface lets it stand in for remote backends.
 */

import { join, resolve } from 'node:path';
import type { TrackingBackend } from '../backend.ts';
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
import { BatchWriter } from './batch.ts';
import { Database } from './database.ts';
import { ExperimentTable } from './experiments.ts';
import { LoggedModelTable } from './logged-models.ts';
import { MetricRangeReader } from './metric-range.ts';
import type { MetricColumns, MetricRangeInput } from '../metric-range.ts';
import { RunInputsTable } from './run-inputs.ts';
import { RunTable } from './runs.ts';

/** Options for {@link EmbeddedBackend.open}. */
export interface EmbeddedBackendOptions {
  /** Directory holding `tracking.db`; created if missing. Default artifacts go under `<dataDir>/artifacts`. */
  dataDir: string;
}

export class EmbeddedBackend implements TrackingBackend, ModelsBackend {
  /** The directory the store lives in, as given (resolved to an absolute path). */
  readonly dataDir: string;
  private readonly db: Database;
  private readonly experiments: ExperimentTable;
  private readonly runs: RunTable;
  private readonly batches: BatchWriter;
  private readonly models: LoggedModelTable;
  private readonly runInputs: RunInputsTable;
  private readonly ranges: MetricRangeReader;

  private constructor(dataDir: string, db: Database) {
    this.dataDir = dataDir;
    this.db = db;
    this.experiments = new ExperimentTable(db, join(dataDir, 'artifacts'));
    this.runs = new RunTable(db, this.experiments);
    this.models = new LoggedModelTable(db, this.experiments);
    this.batches = new BatchWriter(db, this.runs, this.models);
    this.runInputs = new RunInputsTable(db, this.runs);
    this.ranges = new MetricRangeReader(db, this.runs);
  }

  /**
   * Opens `<dataDir>/tracking.db` (creating the directory and file if needed), migrates it to
   * the current schema and creates the "Default" experiment (id 0) in a new store.
   */
  static open(options: EmbeddedBackendOptions): EmbeddedBackend {
    const dataDir = resolve(options.dataDir);
    const db = Database.open(dataDir);
    const backend = new EmbeddedBackend(dataDir, db);
    try {
      backend.experiments.ensureDefault();
    } catch (err) {
      db.close();
      throw err;
    }
    return backend;
  }

  async createExperiment(input: CreateExperimentInput): Promise<string> {
    return this.experiments.create(input);
  }

  async getExperiment(experimentId: string): Promise<Experiment> {
    return this.experiments.get(experimentId);
  }

  async getExperimentByName(name: string): Promise<Experiment | undefined> {
    return this.experiments.getByName(name);
  }

  async searchExperiments(input: SearchExperimentsInput): Promise<Page<Experiment>> {
    return this.experiments.search(input);
  }

  async renameExperiment(experimentId: string, newName: string): Promise<void> {
    this.experiments.rename(experimentId, newName);
  }

  async deleteExperiment(experimentId: string): Promise<void> {
    this.experiments.delete(experimentId);
  }

  async restoreExperiment(experimentId: string): Promise<void> {
    this.experiments.restore(experimentId);
  }

  async setExperimentTag(experimentId: string, key: string, value: string): Promise<void> {
    this.experiments.setTag(experimentId, key, value);
  }

  async deleteExperimentTag(experimentId: string, key: string): Promise<void> {
    this.experiments.deleteTag(experimentId, key);
  }

  async createRun(input: CreateRunInput): Promise<Run> {
    return this.runs.create(input);
  }

  async getRun(runId: string): Promise<Run> {
    return this.runs.get(runId);
  }

  async updateRun(runId: string, input: UpdateRunInput): Promise<RunInfo> {
    return this.runs.update(runId, input);
  }

  async deleteRun(runId: string): Promise<void> {
    this.runs.delete(runId);
  }

  async restoreRun(runId: string): Promise<void> {
    this.runs.restore(runId);
  }

  async logBatch(runId: string, batch: LogBatchInput): Promise<void> {
    try {
      this.batches.logBatch(runId, batch);
    } finally {
      // Charts cache whole histories; new points make the run's entries stale.
      if (batch.metrics && batch.metrics.length > 0) this.ranges.invalidateRun(runId);
    }
  }

  async deleteRunTag(runId: string, key: string): Promise<void> {
    this.runs.deleteTag(runId, key);
  }

  async searchRuns(input: SearchRunsInput): Promise<Page<Run>> {
    return this.runs.search(input);
  }

  async getMetricHistory(runId: string, key: string, input: MetricHistoryInput): Promise<Page<Metric>> {
    return this.batches.metricHistory(runId, key, input);
  }

  async getMetricRange(runId: string, key: string, input: MetricRangeInput): Promise<MetricColumns> {
    return this.ranges.read(runId, key, input);
  }

  async createLoggedModel(input: CreateLoggedModelInput): Promise<LoggedModel> {
    return this.models.create(input);
  }

  async getLoggedModel(modelId: string, options: { allowDeleted?: boolean } = {}): Promise<LoggedModel> {
    return this.models.get(modelId, options.allowDeleted ?? false);
  }

  async finalizeLoggedModel(modelId: string, status: LoggedModelStatus): Promise<LoggedModel> {
    return this.models.finalize(modelId, status);
  }

  async deleteLoggedModel(modelId: string): Promise<void> {
    this.models.delete(modelId);
  }

  async setLoggedModelTags(modelId: string, tags: KeyValue[]): Promise<void> {
    this.models.setTags(modelId, tags);
  }

  async deleteLoggedModelTag(modelId: string, key: string): Promise<void> {
    this.models.deleteTag(modelId, key);
  }

  async logLoggedModelParams(modelId: string, params: KeyValue[]): Promise<void> {
    this.models.logParams(modelId, params);
  }

  async searchLoggedModels(input: SearchLoggedModelsInput): Promise<Page<LoggedModel>> {
    return this.models.search(input);
  }

  async logInputs(runId: string, inputs: LogInputsInput): Promise<void> {
    this.runInputs.logInputs(runId, inputs);
  }

  async logOutputs(runId: string, outputs: LogOutputsInput): Promise<void> {
    this.runInputs.logOutputs(runId, outputs);
  }

  /** Checkpoints the WAL and closes the database; idempotent. Later calls fail as unavailable. */
  async close(): Promise<void> {
    this.db.close();
  }
}
