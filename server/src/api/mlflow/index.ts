/**
 * The daemon's MLflow-compatible REST API, so an unmodified script with `MLFLOW_TRACKING_URI`
 * pointed at the daemon works. Every endpoint is served at `/api/2.0/mlflow/...` and at MLflow's
 * `/ajax-api/2.0/mlflow/...` alias, both for the default tenant and under
 * `/tenants/{tenant}/...`: MLflow clients keep the path of the tracking URI, so
 * `MLFLOW_TRACKING_URI=http://127.0.0.1:PORT/tenants/acme` selects tenant `acme` with no client
 * change. All data goes through the tenant's TenantScope; answers and errors use MLflow's wire
 * format (wire.ts, present.ts). Any other MLflow path (`/api/2.0/mlflow/...`, `/api/3.0/mlflow/...`
 * and their aliases) answers MLflow's NOT_IMPLEMENTED (501) rather than a bare 404.
 */
import type { Handler, Router } from '../../http/router.ts';
import type { ArtifactService } from '../../services/artifacts.ts';
import { checkTenantId } from '../../tenancy/tenant-id.ts';
import type { TenantRegistry } from '../../tenancy/tenant-registry.ts';
import { artifactListRoute, mountArtifactRoutes } from './artifacts.ts';
import { DefaultExperiments } from './default-experiment.ts';
import { experimentRoutes } from './experiments.ts';
import { metricRoutes } from './metrics.ts';
import { loggedModelRoutes } from './logged-models.ts';
import type { MlflowRoute } from './route.ts';
import { runIoRoutes } from './run-io.ts';
import { runRoutes } from './runs.ts';
import { MlflowApiError, errorAnswer, parseFields, readRaw } from './wire.ts';

export interface MlflowApiDeps {
  tenants: TenantRegistry;
  /** The tenant of requests without a `/tenants/{tenant}` prefix. */
  defaultTenant: string;
  /**
   * The tenant the daemon's token belongs to, if it is bound to one: it is every request's
   * tenant, and a `/tenants/{tenant}` prefix naming another is refused.
   */
  boundTenant?: string;
  /** Runs' and logged models' files; without it the artifact routes answer NOT_IMPLEMENTED. */
  artifacts?: ArtifactService;
}

/** Every MLflow endpoint this daemon serves. */
export const MLFLOW_ROUTES: readonly MlflowRoute[] = [
  ...experimentRoutes,
  ...runRoutes,
  ...runIoRoutes,
  ...metricRoutes,
  ...loggedModelRoutes,
  artifactListRoute,
];

/** Every method a catch-all answers; HEAD is served by GET. */
const ALL_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

function handlerFor(route: MlflowRoute, deps: MlflowApiDeps, defaults: DefaultExperiments): Handler {
  return async (ctx) => {
    try {
      const tenant = tenantOf(ctx.params.tenant, deps);
      // The request is checked before the tenant's Default experiment may be created for it.
      const req = parseFields(await readRaw(ctx, route.fields), route.fields);
      const scope = deps.tenants.scope(tenant);
      const ids = await defaults.ids(scope);
      const { tenant: _, ...params } = ctx.params;
      return { status: 200, body: await route.handle({ tenant, scope, ids, req, params, artifacts: deps.artifacts }) };
    } catch (err) {
      // Anything unexpected goes on to the HTTP layer, which logs it and answers a bare 500.
      const answer = errorAnswer(err);
      if (answer) return answer;
      throw err;
    }
  };
}

/**
 * Any other MLflow path (registered models, traces, artifacts, ...) answers as MLflow answers an
 * endpoint it does not serve, NOT_IMPLEMENTED (501) in its error shape, so a client reports
 * "not implemented" instead of a confusing 404. The tenant is checked first, as everywhere.
 */
function notImplementedHandler(deps: MlflowApiDeps): Handler {
  return async (ctx) => {
    try {
      tenantOf(ctx.params.tenant, deps);
    } catch (err) {
      const answer = errorAnswer(err);
      if (answer) return answer;
      throw err;
    }
    return {
      status: 501,
      body: { error_code: 'NOT_IMPLEMENTED', message: `${ctx.method} ${ctx.path} is not implemented by this server.` },
    };
  };
}

function tenantOf(pathTenant: string | undefined, deps: MlflowApiDeps): string {
  if (deps.boundTenant !== undefined) {
    if (pathTenant !== undefined && pathTenant !== deps.boundTenant) {
      throw new MlflowApiError('PERMISSION_DENIED', `This token belongs to tenant '${deps.boundTenant}', not '${pathTenant}'`, 403);
    }
    return deps.boundTenant;
  }
  return checkTenantId(pathTenant ?? deps.defaultTenant, 'tenant');
}

/** Mounts the MLflow-compatible API on the router. */
export function mountMlflowApi(router: Router, deps: MlflowApiDeps): void {
  checkTenantId(deps.defaultTenant, 'defaultTenant');
  if (deps.boundTenant !== undefined) checkTenantId(deps.boundTenant, 'boundTenant');
  const defaults = new DefaultExperiments();
  for (const route of MLFLOW_ROUTES) {
    const handler = handlerFor(route, deps, defaults);
    for (const root of route.ajaxOnly ? ['ajax-api'] : ['api', 'ajax-api']) {
      const path = `/${root}/2.0/mlflow/${route.path}`;
      router.add(route.method, path, handler);
      router.add(route.method, `/tenants/:tenant${path}`, handler);
    }
  }
  mountArtifactRoutes(router, {
    tenants: deps.tenants,
    artifacts: deps.artifacts,
    defaults,
    tenantOf: (pathTenant) => tenantOf(pathTenant, deps),
  });
  const notImplemented = notImplementedHandler(deps);
  for (const root of ['api', 'ajax-api']) {
    for (const version of ['2.0', '3.0']) {
      for (const method of ALL_METHODS) {
        router.add(method, `/${root}/${version}/mlflow/*rest`, notImplemented);
        router.add(method, `/tenants/:tenant/${root}/${version}/mlflow/*rest`, notImplemented);
      }
    }
  }
}
