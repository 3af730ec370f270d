/**
 * MLflow's artifact endpoints over the artifact service (services/artifacts.ts: tenancy, path
 * safety, limits), so `mlflow.log_artifact(s)`, `log_figure`, `log_dict`, `log_text`,
 * `mlflow.artifacts.download_artifacts`, `list_artifacts` and every `log_model` work through the
 * daemon on every store:
 *  - the artifact proxy, `/api/2.0/mlflow-artifacts/artifacts/<path>` (GET download, PUT upload,
 *    DELETE) and `/api/2.0/mlflow-artifacts/artifacts?path=` (list), where `<path>` is what an
 *    `mlflow-artifacts:` URI of artifact-uris.ts names: a run's or a logged model's files;
 *  - the tracking API's `artifacts/list?run_id=&path=`;
 *  - `/get-artifact?run_id=&path=` (MLflow's UI route);
 *  - `/api/3.0/mlflow/server-info`, which the artifact client asks about multipart support.
 * The proxy's multipart and presigned routes answer NOT_IMPLEMENTED, which makes the client fall
 * back to one streamed PUT / GET, as it does with any store that has no multipart support.
 */
import type { ArtifactEntry } from '../../artifacts/store.ts';
import { declaredLength } from '../../http/body.ts';
import { HttpError } from '../../http/errors.ts';
import type { Handler, HandlerResult, RequestContext, Router } from '../../http/router.ts';
import { downloadHeaders } from '../../services/artifact-content-type.ts';
import { type ArtifactFile, type ArtifactOwner, type ArtifactService, ArtifactTooLargeError } from '../../services/artifacts.ts';
import type { TenantRegistry } from '../../tenancy/tenant-registry.ts';
import type { TrackingBackend } from '../../tracking/backend.ts';
import { parseProxyPath, runArtifactUri } from './artifact-uris.ts';
import type { DefaultExperiments, ExperimentIds } from './default-experiment.ts';
import type { MlflowRoute } from './route.ts';
import { MlflowApiError, errorAnswer } from './wire.ts';

/** What the artifact handlers need from the MLflow API around them. */
export interface ArtifactApiDeps {
  tenants: TenantRegistry;
  artifacts: ArtifactService | undefined;
  defaults: DefaultExperiments;
  /** The request's tenant from its `/tenants/{tenant}` prefix (or the default / bound one). */
  tenantOf(pathTenant: string | undefined): string;
}

type Json = Record<string, unknown>;

function service(artifacts: ArtifactService | undefined): ArtifactService {
  if (!artifacts) throw new MlflowApiError('NOT_IMPLEMENTED', 'This server does not serve artifacts', 501);
  return artifacts;
}

/** MLflow's FileInfo; `file_size` only for files, as protobuf leaves unset fields out. */
function fileInfo(entry: ArtifactEntry, path: string): Json {
  return { path, is_dir: entry.isDir, ...(!entry.isDir && entry.size !== undefined ? { file_size: entry.size } : {}) };
}

/** A file as MLflow's server sends one: streamed, always an attachment, never sniffed or rendered. */
function fileAnswer(file: ArtifactFile): HandlerResult {
  return {
    status: 200,
    body: file.body,
    headers: downloadHeaders(file),
  };
}

/** `GET artifacts/list`: the direct children of `path` in a run, paths relative to the run's root. */
export const artifactListRoute: MlflowRoute = {
  method: 'GET',
  path: 'artifacts/list',
  fields: { run_id: { kind: 'string', required: true }, path: { kind: 'string' }, page_token: { kind: 'string' } },
  async handle({ scope, ids, req, artifacts }) {
    const runId = req.text('run_id');
    const run = await scope.getRun(runId);
    const entries = await service(artifacts).list(scope, runId, req.string('path') ?? '');
    const out: Json = { root_uri: runArtifactUri(ids.show(run.info.experimentId), runId) };
    if (entries.length > 0) out.files = entries.map((e) => fileInfo(e, e.path));
    return out;
  },
};

/** Where a proxy path leads, checked against the caller's tenant; a 404 for anything it does not name. */
function ownerOf(proxyPath: string, ids: ExperimentIds): { owner: ArtifactOwner; path: string } {
  const target = parseProxyPath(proxyPath);
  if (!target) {
    throw new MlflowApiError('RESOURCE_DOES_NOT_EXIST', `No run or logged model keeps artifacts at '${proxyPath.slice(0, 300)}'`, 404);
  }
  return { owner: { ...target.owner, experimentId: ids.toStored(target.experimentId) }, path: target.path };
}

/** Tenant, scope and Default-experiment ids of one request, then `fn`; errors in MLflow's shape. */
function proxyHandler(deps: ArtifactApiDeps, fn: (ctx: RequestContext, scope: TrackingBackend, ids: ExperimentIds, svc: ArtifactService) => Promise<HandlerResult>): Handler {
  return async (ctx) => {
    try {
      const tenant = deps.tenantOf(ctx.params.tenant);
      const svc = service(deps.artifacts);
      const scope = deps.tenants.scope(tenant);
      return await fn(ctx, scope, await deps.defaults.ids(scope), svc);
    } catch (err) {
      return mlflowError(err);
    }
  };
}

/** Answers after checking only the tenant, as every MLflow route does first. */
function tenantChecked(deps: ArtifactApiDeps, answer: (ctx: RequestContext) => HandlerResult): Handler {
  return async (ctx) => {
    try {
      deps.tenantOf(ctx.params.tenant);
      return answer(ctx);
    } catch (err) {
      return mlflowError(err);
    }
  };
}

function mlflowError(err: unknown): HandlerResult {
  if (err instanceof ArtifactTooLargeError) {
    return { status: 413, body: { error_code: 'INVALID_PARAMETER_VALUE', message: err.message } };
  }
  if (err instanceof HttpError) {
    // The body stream's own limit or a client that went away mid-upload.
    return { status: err.status, body: { error_code: err.status === 413 ? 'INVALID_PARAMETER_VALUE' : 'BAD_REQUEST', message: err.message } };
  }
  const answer = errorAnswer(err);
  if (answer) return answer;
  throw err;
}

/** Mounts the artifact proxy and `/get-artifact` under `/api`, `/ajax-api` and `/tenants/{tenant}`. */
export function mountArtifactRoutes(router: Router, deps: ArtifactApiDeps): void {
  const list = proxyHandler(deps, async (ctx, scope, ids, svc) => {
    const { owner, path } = ownerOf(ctx.query.get('path') ?? '', ids);
    const entries = await svc.listOf(scope, owner, path);
    // The proxy answers base names; the client joins them onto the folder it asked for.
    const files = entries.map((e) => fileInfo(e, e.path.slice(e.path.lastIndexOf('/') + 1)));
    return { status: 200, body: files.length > 0 ? { files } : {} };
  });
  const download = proxyHandler(deps, async (ctx, scope, ids, svc) => {
    const { owner, path } = ownerOf(ctx.params.path ?? '', ids);
    return fileAnswer(await svc.readOf(scope, owner, path, ctx.signal));
  });
  const upload = proxyHandler(deps, async (ctx, scope, ids, svc) => {
    const { owner, path } = ownerOf(ctx.params.path ?? '', ids);
    await svc.writeOf(scope, owner, path, ctx.stream(), { size: declaredLength(ctx.headers), signal: ctx.signal });
    return { status: 200, body: {} };
  });
  const remove = proxyHandler(deps, async (ctx, scope, ids, svc) => {
    const { owner, path } = ownerOf(ctx.params.path ?? '', ids);
    await svc.deleteOf(scope, owner, path);
    return { status: 200, body: {} };
  });
  const getArtifact = proxyHandler(deps, async (ctx, scope, _ids, svc) => {
    const runId = ctx.query.get('run_id') ?? ctx.query.get('run_uuid') ?? '';
    if (runId === '') throw new MlflowApiError('INVALID_PARAMETER_VALUE', "Missing value for required parameter 'run_id'.");
    return fileAnswer(await svc.read(scope, runId, ctx.query.get('path') ?? '', ctx.signal));
  });
  const notImplemented = tenantChecked(deps, (ctx) => ({
    status: 501,
    body: { error_code: 'NOT_IMPLEMENTED', message: `${ctx.method} ${ctx.path} is not implemented by this server.` },
  }));
  const rawBody = { rawBody: { limitBytes: () => deps.artifacts?.limits.maxUploadBytes ?? 0 } };
  // The artifact client asks this before every download (and large upload) whether the server
  // does multipart transfers; "no" makes it stream one PUT / GET, which is what the proxy serves.
  const serverInfo = tenantChecked(deps, () => ({
    status: 200,
    body: { workspaces_enabled: false, multipart_uploads_enabled: false, multipart_downloads_enabled: false },
  }));

  for (const prefix of ['', '/tenants/:tenant']) {
    router.add('GET', `${prefix}/get-artifact`, getArtifact);
    for (const root of ['api', 'ajax-api']) {
      router.add('GET', `${prefix}/${root}/3.0/mlflow/server-info`, serverInfo);
      const base = `${prefix}/${root}/2.0/mlflow-artifacts`;
      router.add('GET', `${base}/artifacts`, list);
      router.add('GET', `${base}/artifacts/*path`, download);
      router.add('PUT', `${base}/artifacts/*path`, upload, rawBody);
      router.add('DELETE', `${base}/artifacts/*path`, remove);
      for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const) router.add(method, `${base}/*rest`, notImplemented);
    }
  }
}
