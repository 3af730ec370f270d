/**
 * A daemon-like server for the MLflow API tests: the embedded store in a fresh directory, the
 * tenant registry, and only the MLflow routes on a loopback port.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mountMlflowApi } from '../../server/src/api/mlflow/index.ts';
import { Router } from '../../server/src/http/router.ts';
import { startHttpServer } from '../../server/src/http/server.ts';
import { TenantRegistry } from '../../server/src/tenancy/tenant-registry.ts';
import { EmbeddedBackend } from '../../server/src/tracking/embedded/embedded-backend.ts';

export const DEFAULT_TENANT = 'default';

export interface CallOptions {
  /** Sends the request under `/tenants/{tenant}`; without it the default tenant answers. */
  tenant?: string;
  /** Uses the `/ajax-api/` alias instead of `/api/`. */
  ajax?: boolean;
  /** Query parameters; an array repeats the key. */
  query?: Record<string, string | number | (string | number)[]>;
  body?: unknown;
  /** Sent as is instead of JSON-encoding `body`. */
  raw?: string;
  headers?: Record<string, string>;
}

export interface Answer {
  status: number;
  /** The parsed JSON body (undefined for an empty one). */
  body: any;
  /** The body as sent, for checks on number spelling. */
  text: string;
}

export interface MlflowServer {
  url: string;
  backend: EmbeddedBackend;
  call(method: string, endpoint: string, options?: CallOptions): Promise<Answer>;
  get(endpoint: string, query?: CallOptions['query'], options?: CallOptions): Promise<Answer>;
  post(endpoint: string, body?: unknown, options?: CallOptions): Promise<Answer>;
  stop(): Promise<void>;
}

/** The path of an MLflow endpoint, e.g. `runs/get`, with the options' prefix and alias. */
export function endpointPath(endpoint: string, options: CallOptions = {}): string {
  const tenant = options.tenant === undefined ? '' : `/tenants/${options.tenant}`;
  const root = options.ajax ? 'ajax-api' : 'api';
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(options.query ?? {})) {
    for (const item of Array.isArray(v) ? v : [v]) params.append(k, String(item));
  }
  const qs = params.size > 0 ? `?${params}` : '';
  return `${tenant}/${root}/2.0/mlflow/${endpoint}${qs}`;
}

export async function startMlflowServer(): Promise<MlflowServer> {
  const dataDir = await mkdtemp(join(tmpdir(), 'matih-mlflow-api-'));
  const backend = EmbeddedBackend.open({ dataDir });
  const router = new Router();
  mountMlflowApi(router, { tenants: new TenantRegistry(() => backend), defaultTenant: DEFAULT_TENANT });
  const http = await startHttpServer({ host: '127.0.0.1', port: 0, router, security: {} });
  const call = async (method: string, endpoint: string, options: CallOptions = {}): Promise<Answer> => {
    const headers: Record<string, string> = { ...options.headers };
    let body = options.raw;
    if (body === undefined && options.body !== undefined) body = JSON.stringify(options.body);
    if (method !== 'GET' && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
      headers['Content-Type'] = 'application/json';
    }
    const res = await fetch(http.url + endpointPath(endpoint, options), {
      method,
      headers,
      ...(body !== undefined ? { body } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined, text };
  };
  return {
    url: http.url,
    backend,
    call,
    get: (endpoint, query, options) => call('GET', endpoint, { ...options, ...(query ? { query } : {}) }),
    post: (endpoint, body, options) => call('POST', endpoint, { ...options, body: body ?? {} }),
    async stop() {
      await http.close();
      await backend.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** MLflow's wording for a missing required field. */
export function missing(field: string): { error_code: string; message: string } {
  return {
    error_code: 'INVALID_PARAMETER_VALUE',
    message: `Missing value for required parameter '${field}'. See the API docs for more information about request parameters.`,
  };
}
