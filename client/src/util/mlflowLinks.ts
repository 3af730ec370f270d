/**
 * Deep links into the MLflow web UI, for "Open in MLflow" when the backend is an MLflow server.
 * The UI routes with a hash (`#/experiments/<id>/runs/<id>`) in MLflow 2.x and 3.x alike.
 */

function base(uiUrl: string): string {
  return uiUrl.trim().replace(/\/+$/, '');
}

export function mlflowExperimentUrl(uiUrl: string, experimentId: string): string {
  return `${base(uiUrl)}/#/experiments/${encodeURIComponent(experimentId)}`;
}

export function mlflowRunUrl(uiUrl: string, experimentId: string, runId: string): string {
  return `${mlflowExperimentUrl(uiUrl, experimentId)}/runs/${encodeURIComponent(runId)}`;
}
