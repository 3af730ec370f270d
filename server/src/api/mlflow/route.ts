/**
 * The shape of one MLflow endpoint, so the endpoint files only declare their fields and logic
 * and index.ts mounts each of them under every prefix.
 */
import type { TrackingBackend } from '../../tracking/backend.ts';
import type { ExperimentIds } from './default-experiment.ts';
import type { Fields, Parsed } from './wire.ts';

/** What a handler gets: the caller's tenant view of the store and the checked request. */
export interface MlflowCall {
  tenant: string;
  scope: TrackingBackend;
  ids: ExperimentIds;
  req: Parsed;
}

export interface MlflowRoute {
  method: 'GET' | 'POST';
  /** The path after `2.0/mlflow/`, e.g. `runs/log-metric`. */
  path: string;
  /** Served only under `/ajax-api/` (MLflow's legacy UI endpoints). */
  ajaxOnly?: boolean;
  fields: Fields;
  /** Answers the response body; MLflow answers `{}` for most writes. */
  handle(call: MlflowCall): Promise<Record<string, unknown>>;
}

