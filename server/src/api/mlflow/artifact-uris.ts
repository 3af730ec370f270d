/**
 * The artifact URIs MLflow clients are shown, and the way back. Like `mlflow server
 * --serve-artifacts` (MLflow's default), every run and logged model is presented with an
 * `mlflow-artifacts:` URI, so the Python client sends its uploads and downloads THROUGH the
 * daemon (`<tracking URI>/api/2.0/mlflow-artifacts/artifacts/<path>`, the tracking URI's
 * `/tenants/<t>` prefix kept) whatever store really holds them: a local folder, S3 or an MLflow
 * server's proxy. A client never needs S3 credentials or a path on the daemon's disk.
 *
 * The URI names only what the client already knows (the experiment id as it sees it, the run or
 * model id); the daemon maps a proxy path back to that run or model through the caller's tenant
 * scope, and from there to its real artifact URI. Another tenant's run maps to nothing.
 */

/** `mlflow-artifacts:/<experiment id>/<run id>/artifacts`, as MLflow's server lays runs out. */
export function runArtifactUri(shownExperimentId: string, runId: string): string {
  return `mlflow-artifacts:/${shownExperimentId}/${runId}/artifacts`;
}

/** `mlflow-artifacts:/<experiment id>/models/<model id>/artifacts`, as MLflow 3 lays logged models out. */
export function modelArtifactUri(shownExperimentId: string, modelId: string): string {
  return `mlflow-artifacts:/${shownExperimentId}/models/${modelId}/artifacts`;
}

/** What a proxy path names: a run's or a model's file (or folder), relative to its artifact root. */
export interface ProxyTarget {
  /** As the client sees it ("0" for the tenant's Default). */
  experimentId: string;
  owner: { runId: string } | { modelId: string };
  /** Relative to the owner's artifact root; '' for the root. Not yet checked for safety. */
  path: string;
}

/**
 * Splits `<exp>/<run>/artifacts[/<path>]` or `<exp>/models/<model>/artifacts[/<path>]`;
 * undefined for anything else (which no run or model of any tenant is presented under).
 */
export function parseProxyPath(proxyPath: string): ProxyTarget | undefined {
  const segments = proxyPath.split('/');
  while (segments[0] === '') segments.shift();
  const [experimentId, second, third, fourth] = segments;
  if (!experimentId || !second) return undefined;
  if (second === 'models' && third?.startsWith('m-') && fourth === 'artifacts') {
    return { experimentId, owner: { modelId: third }, path: segments.slice(4).join('/') };
  }
  if (third === 'artifacts') return { experimentId, owner: { runId: second }, path: segments.slice(3).join('/') };
  return undefined;
}
