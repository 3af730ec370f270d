/**
 * What the sidebar and panels show: the daemon's answers in display-ready shapes. They follow
 * the seed's models (ExperimentResponse, RunResponse) so every surface speaks one language.
 */

/** An experiment as the seed's ExperimentResponse. */
export interface ExperimentView {
  id: string;
  /** The name without the tenant prefix. */
  name: string;
  description: string;
  artifactLocation: string;
  lifecycleStage: 'active' | 'deleted';
  /** ISO-8601 UTC. */
  createdAt: string;
  /** ISO-8601 UTC. */
  lastUpdated: string;
  /** The user's tags; the daemon's own (`matih.*`, the description tag) are not shown. */
  tags: Record<string, string>;
}

export type RunStatusName = 'running' | 'scheduled' | 'finished' | 'failed' | 'killed';

/** A run as the seed's RunResponse, plus its lifecycle stage (archived runs can be shown). */
export interface RunView {
  id: string;
  experimentId: string;
  name: string | null;
  status: RunStatusName;
  lifecycleStage: 'active' | 'deleted';
  /** ISO-8601 UTC. */
  startTime: string;
  endTime: string | null;
  durationSeconds: number | null;
  tags: Record<string, string>;
  params: Record<string, string>;
  /** Latest value per key; NaN is null. */
  metrics: Record<string, number | null>;
  /** Relative paths of the run's files (local artifact stores only; empty otherwise). */
  artifacts: string[];
}

/** A page of items; `nextPageToken` is absent on the last page. */
export interface PageView<T> {
  items: T[];
  nextPageToken?: string;
}

/** One logged point of a metric. */
export interface MetricPointView {
  step: number;
  /** NaN is null. */
  value: number | null;
  /** ISO-8601 UTC. */
  timestamp: string;
}

/** A page of one metric's history, oldest first. */
export interface MetricHistoryView {
  runId: string;
  key: string;
  points: MetricPointView[];
  nextPageToken?: string;
}

/** Runs side by side, as the v1 API's compare answer. */
export interface CompareView {
  runs: RunView[];
  metrics: {
    key: string;
    /** Which way is better: given by the caller, else guessed from the name (`loss` → min). */
    direction: 'min' | 'max';
    /** Latest value per run id; null when the run lacks the metric or it is NaN. */
    values: Record<string, number | null>;
    bestRunId: string | null;
  }[];
  params: { key: string; values: Record<string, string | null>; differs: boolean }[];
}

/** The answer of `Tenants.list`. */
export interface TenantListView {
  /** Configured ∪ found in the backend, sorted. */
  tenants: string[];
  /** Why the backend's tenants could not all be listed (unreachable, or too many experiments to scan). */
  problem?: string;
}

/** The daemon's state, for the status bar and the "Show Daemon Status" command. */
export interface DaemonStatus {
  version: string;
  /** `embedded`, or `mlflow <origin>` (never credentials). */
  backend: string;
  /** The MLflow server's web UI base URL when the backend is MLflow, for "Open in MLflow". */
  mlflowUiUrl?: string;
  dataDir: string;
  /** The tenant scripts and notebooks log to. */
  activeTenant: string;
  /** The daemon's process id (its discovery file is `<dataDir>/daemon-<pid>.json`). */
  pid: number;
  /**
   * The loopback HTTP listener for scripts and notebooks (its token is in the discovery file).
   * Absent while the daemon cannot serve (bad settings, a store that failed to open): see `problem`.
   */
  httpUrl?: string;
  /** Path of the discovery file (mode 0600); absent when `httpUrl` is. */
  discoveryFile?: string;
  healthy: boolean;
  /** Why the daemon is unhealthy, readable, when it is. */
  problem?: string;
}
