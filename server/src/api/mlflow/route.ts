/**
 * The shape of one MLflow endpoint, so the endpoint files only declare their fields and logic
 * and index.ts mounts each of them under every prefix.
 */
import type { ArtifactService } from '../../services/artifacts.ts';
import type { TrackingBackend } from '../../tracking/backend.ts';
import type { ModelsBackend } from '../../tracking/models-backend.ts';
import type { ExperimentIds } from './default-experiment.ts';
import type { Fields, Parsed } from './wire.ts';

/** What a handler gets: the caller's tenant view of the store and the checked request. */
export interface MlflowCall {
  tenant: string;
  /** The tenant's scope; its logged-model methods answer NOT_IMPLEMENTED on a backend without them. */
  scope: TrackingBackend & ModelsBackend;
  ids: ExperimentIds;
  req: Parsed;
  /** Parameters of the path (`:model_id` in `logged-models/:model_id`), decoded. */
  params: Record<string, string>;
  /** Runs' files (artifacts/list); absent when the daemon serves none. */
  artifacts: ArtifactService | undefined;
}

export interface MlflowRoute {
  /** MLflow 3's logged-model endpoints use PATCH and DELETE too. */
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** The path after `2.0/mlflow/`, e.g. `runs/log-metric` or `logged-models/:model_id`. */
  path: string;
  /** Served only under `/ajax-api/` (MLflow's legacy UI endpoints). */
  ajaxOnly?: boolean;
  fields: Fields;
  /** Answers the response body; MLflow answers `{}` for most writes. */
  handle(call: MlflowCall): Promise<Record<string, unknown>>;
}
