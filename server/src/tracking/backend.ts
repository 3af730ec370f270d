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
} from './types.ts';
import type { MetricColumns, MetricRangeInput } from './metric-range.ts';

/**
 * What every tracking store offers, with MLflow's semantics: soft delete, write-once params,
 * append-only metrics, latest metric per key on reads, offset page tokens, and
 * {@link TrackingError}s named after MLflow's error codes. Reads of deleted objects succeed
 * (their lifecycleStage says so); writes to them fail with INVALID_PARAMETER_VALUE.
 */
export interface TrackingBackend {
  /** Creates an active experiment and returns its id (a numeric string). */
  createExperiment(input: CreateExperimentInput): Promise<string>;
  getExperiment(experimentId: string): Promise<Experiment>;
  /** The active experiment of that name if any, else a deleted one, else undefined. */
  getExperimentByName(name: string): Promise<Experiment | undefined>;
  searchExperiments(input: SearchExperimentsInput): Promise<Page<Experiment>>;
  renameExperiment(experimentId: string, newName: string): Promise<void>;
  /** Soft-deletes the experiment and all of its runs. */
  deleteExperiment(experimentId: string): Promise<void>;
  /** Re-activates the experiment and all of its runs. */
  restoreExperiment(experimentId: string): Promise<void>;
  setExperimentTag(experimentId: string, key: string, value: string): Promise<void>;
  deleteExperimentTag(experimentId: string, key: string): Promise<void>;

  /** Creates a RUNNING run in an active experiment. */
  createRun(input: CreateRunInput): Promise<Run>;
  getRun(runId: string): Promise<Run>;
  updateRun(runId: string, input: UpdateRunInput): Promise<RunInfo>;
  deleteRun(runId: string): Promise<void>;
  restoreRun(runId: string): Promise<void>;
  /** All or nothing: on any invalid entry nothing of the batch is stored. */
  logBatch(runId: string, batch: LogBatchInput): Promise<void>;
  deleteRunTag(runId: string, key: string): Promise<void>;
  searchRuns(input: SearchRunsInput): Promise<Page<Run>>;
  /** Every point of one metric, ordered by timestamp, then step, then value. */
  getMetricHistory(runId: string, key: string, input: MetricHistoryInput): Promise<Page<Metric>>;
  /**
   * The points of one metric whose step (or timestamp) lies in a range, as columns ordered by
   * that axis: what a chart of a long curve reads. Empty for a key the run never logged;
   * RESOURCE_DOES_NOT_EXIST for an unknown run.
   */
  getMetricRange(runId: string, key: string, input: MetricRangeInput): Promise<MetricColumns>;

  /** Releases connections and files; pending writes are finished first. */
  close(): Promise<void>;
}
