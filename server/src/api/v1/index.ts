import type { Router } from '../../http/router.ts';
import { artifactRoutes } from './artifacts-routes.ts';
import { experimentRoutes } from './experiments-routes.ts';
import { buildOpenApi } from './openapi.ts';
import { type ApiRoute, type V1Deps, mountRoutes, route } from './route-kit.ts';
import { runRoutes } from './runs-routes.ts';

/** Paths that answer without a token: liveness and the API description. */
export const V1_PUBLIC_PATHS = ['/health', '/api/v1/health', '/api/v1/openapi.json'];

/** Mounts the seed's REST API (`/api/v1`) on the router. */
export function mountV1(router: Router, deps: V1Deps): ApiRoute[] {
  const routes = [...experimentRoutes, ...runRoutes, ...artifactRoutes];
  const health = async () => {
    const outbox = deps.outboxHealth?.();
    return { status: 'ok', backend: deps.info.backend, version: deps.info.version, ...(outbox ? { outbox } : {}) };
  };
  const meta = [
    route({ method: 'GET', path: '/health', summary: 'Liveness', tenant: false, status: 200, handle: health }),
    route({ method: 'GET', path: '/api/v1/health', summary: 'Liveness and backend', tenant: false, status: 200, handle: health }),
  ];
  let openapi: Record<string, unknown> | undefined;
  const docs: ApiRoute = route({
    method: 'GET',
    path: '/api/v1/openapi.json',
    summary: 'This API as OpenAPI 3.1',
    tenant: false,
    status: 200,
    handle: async (): Promise<unknown> => (openapi ??= buildOpenApi([...meta, ...routes, docs], deps.info.version)),
  });
  const all = [...meta, docs, ...routes];
  mountRoutes(router, all, deps);
  return all;
}
