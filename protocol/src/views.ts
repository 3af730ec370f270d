/**
 * What the sidebar and panels show: the daemon's answers in display-ready shapes. They follow
 * the seed's models (ExperimentResponse, RunResponse) so every surface speaks one language.
 */

/** An experiment as the seed's ExperimentResponse, plus its run count when known. */
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
  artifacts: string[];
}

/** A page of items; `nextPageToken` is absent on the last page. */
export interface PageView<T> {
  items: T[];
  nextPageToken?: string;
}

/** The daemon's state, for the status bar and the "Show Daemon Status" command. */
export interface DaemonStatus {
  version: string;
  /** `embedded`, or `mlflow <origin>`. */
  backend: string;
  /** The MLflow server's web UI base URL when the backend is MLflow, for "Open in MLflow". */
  mlflowUiUrl?: string;
  dataDir: string;
  /** The loopback HTTP listener for scripts and notebooks (its token is in the discovery file). */
  httpUrl: string;
  /** Path of the discovery file (mode 0600). */
  discoveryFile: string;
  healthy: boolean;
  /** Why the backend is unhealthy, when it is. */
  problem?: string;
}
