import type { z } from 'zod';
import { TENANT_ID_PATTERN } from '../../../../protocol/src/index.ts';
import { HttpError } from '../../http/errors.ts';
import type { HandlerResult, RequestContext, Router } from '../../http/router.ts';
import type { ArtifactService } from '../../services/artifacts.ts';
import type { RunContext } from '../../services/runs.ts';
import type { TrackingBackend } from '../../tracking/backend.ts';
import type { TenantRegistry } from '../../tenancy/tenant-registry.ts';
import { toHttpError, validationError } from './api-errors.ts';

/** What every v1 handler may use. */
export interface V1Deps {
  tenants: TenantRegistry;
  /** Relative paths of a run's artifacts (empty when the store has none for it); `tenant` picks per-tenant connections. */
  listArtifacts(artifactUri: string, tenant?: string): Promise<string[]>;
  /** Runs' files on every store (the artifact routes); without it those routes answer 501. */
  artifacts?: ArtifactService;
  /** Facts for /api/v1/health. */
  info: { backend: string; version: string };
  /** Live totals of the outbox in front of an MLflow server, if there is one. */
  outboxHealth?: () => unknown;
  /** The tenant the daemon's token belongs to, if bound: X-Tenant-ID may name only that one. */
  boundTenant?: string;
}

export interface ApiCall<B, Q> {
  /** The caller's tenant view of the backend (only on routes that need a tenant). */
  scope: TrackingBackend;
  tenant: string;
  params: Record<string, string>;
  body: B;
  query: Q;
  /** The request itself, for the routes that stream (artifact up- and downloads). */
  request: RequestContext;
}

/**
 * What a handler returns to answer with its own status, headers or stream (an artifact
 * download) instead of the route's JSON answer.
 */
export class Reply {
  readonly result: HandlerResult;
  constructor(result: HandlerResult) {
    this.result = result;
  }
}

/**
 * One v1 endpoint: its OpenAPI description and its handler, in one place, so the router and
 * /api/v1/openapi.json are built from the same list.
 */
export interface ApiRoute<B extends z.ZodType = z.ZodType, Q extends z.ZodType = z.ZodType> {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** OpenAPI style, e.g. `/api/v1/experiments/{experiment_id}`. */
  path: string;
  summary: string;
  /** Whether the route needs X-Tenant-ID. */
  tenant: boolean;
  body?: B;
  query?: Q;
  response?: z.ZodType;
  status: number;
  /**
   * The route takes its body as a raw stream (`call.request.stream()`) of any type, up to this many
   * bytes, instead of JSON; only PUT (router.ts says why). `body` must be absent.
   */
  rawBody?: (deps: V1Deps) => number;
  /** The answer is a file (`application/octet-stream` in the OpenAPI document), sent as a {@link Reply}. */
  binaryResponse?: boolean;
  /** The last `{name}` of `path` takes the rest of the path, slashes included (an artifact path). */
  restParam?: string;
  handle(call: ApiCall<z.output<B>, z.output<Q>>, deps: V1Deps): Promise<unknown>;
}

/** Keeps each route's body and query types tied to its schemas. */
export function route<B extends z.ZodType = z.ZodUndefined, Q extends z.ZodType = z.ZodUndefined>(
  r: ApiRoute<B, Q>,
): ApiRoute {
  return r as unknown as ApiRoute;
}

/** What the run services need for one call: the caller's tenant scope and the daemon's artifact listing. */
export function runContext(call: ApiCall<unknown, unknown>, deps: V1Deps): RunContext {
  return { scope: call.scope, listArtifacts: (uri) => deps.listArtifacts(uri, call.tenant) };
}

export const TENANT_HEADER = 'x-tenant-id';

/** Registers every route on the router with tenant resolution, validation and error mapping. */
export function mountRoutes(router: Router, routes: ApiRoute[], deps: V1Deps): void {
  for (const r of routes) {
    const pattern = r.path.replace(/\{(\w+)\}/g, (_, name: string) => (name === r.restParam ? `*${name}` : `:${name}`));
    const rawBody = r.rawBody;
    const options = rawBody ? { rawBody: { limitBytes: () => rawBody(deps) } } : {};
    router.add(r.method, pattern, async (ctx) => {
      try {
        const call = await prepare(r, ctx, deps);
        const result = await r.handle(call, deps);
        if (result instanceof Reply) return result.result;
        return r.status === 204 ? { status: 204 } : { status: r.status, body: result };
      } catch (err) {
        throw toHttpError(err);
      }
    }, options);
  }
}

async function prepare(r: ApiRoute, ctx: RequestContext, deps: V1Deps): Promise<ApiCall<unknown, unknown>> {
  let tenant = '';
  let scope: TrackingBackend | undefined;
  if (r.tenant) {
    tenant = tenantOf(ctx, deps.boundTenant);
    scope = deps.tenants.scope(tenant);
  }
  let body: unknown;
  if (r.body) {
    const parsed = r.body.safeParse(await ctx.json());
    if (!parsed.success) throw validationError(parsed.error);
    body = parsed.data;
  }
  let query: unknown;
  if (r.query) {
    const parsed = r.query.safeParse(Object.fromEntries(ctx.query));
    if (!parsed.success) throw validationError(parsed.error, 'query');
    query = parsed.data;
  }
  return { scope: scope as TrackingBackend, tenant, params: ctx.params, body, query, request: ctx };
}

function tenantOf(ctx: RequestContext, bound: string | undefined): string {
  const raw = ctx.headers[TENANT_HEADER];
  if ((raw === undefined || raw === '') && bound !== undefined) return bound;
  if (raw === undefined || raw === '') {
    throw new HttpError(400, 'missing_tenant', 'the X-Tenant-ID header is required', 'X-Tenant-ID');
  }
  const value = Array.isArray(raw) ? raw : [raw];
  if (value.length !== 1 || value[0]!.includes(',')) {
    throw new HttpError(400, 'invalid_tenant', 'send exactly one X-Tenant-ID header', 'X-Tenant-ID');
  }
  const tenant = value[0]!;
  if (!TENANT_ID_PATTERN.test(tenant)) {
    throw new HttpError(
      400,
      'invalid_tenant',
      'X-Tenant-ID must be 1-63 characters of lowercase letters, digits and "-"',
      'X-Tenant-ID',
    );
  }
  if (bound !== undefined && tenant !== bound) {
    throw new HttpError(403, 'forbidden', `this token belongs to tenant '${bound}', not '${tenant}'`, 'X-Tenant-ID');
  }
  return tenant;
}
