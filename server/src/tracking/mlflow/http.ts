/**
 * The transport to a remote MLflow tracking server: one keep-alive connection pool, the headers
 * MLflow's own clients send (auth, workspace), and the translation of every failure — an MLflow
 * error body, a bare HTTP status, a refused connection — into a {@link TrackingError}.
 */

import type { Readable } from 'node:stream';
import { Pool, errors as undiciErrors } from 'undici';
import type { Dispatcher } from 'undici';
import type { z } from 'zod';
import { TrackingError } from '../errors.ts';
import type { TrackingErrorCode } from '../errors.ts';

/** Credentials as MLflow clients take them (MLFLOW_TRACKING_USERNAME/PASSWORD or MLFLOW_TRACKING_TOKEN). */
export type MlflowAuth = { username: string; password: string } | { token: string };

export interface MlflowHttpOptions {
  /** The tracking server, e.g. `http://127.0.0.1:5000` or `https://host/prefix`. */
  uri: string;
  auth?: MlflowAuth;
  /** Sent as `X-MLFLOW-WORKSPACE` on every request (MLflow ≥ 3.10 with `--enable-workspaces`). */
  workspace?: string;
  /** Concurrent connections to the server; default 8. */
  connections?: number;
  /** Per-request limit for headers and for gaps in the body, in ms; default 120 s as MLflow's client. */
  timeoutMs?: number;
}

/** A query string value; arrays become repeated keys, as MLflow's GET endpoints expect. */
export type QueryValue = string | number | boolean | readonly string[] | undefined;

const KNOWN_CODES: ReadonlySet<string> = new Set<TrackingErrorCode>([
  'INVALID_PARAMETER_VALUE',
  'RESOURCE_ALREADY_EXISTS',
  'RESOURCE_DOES_NOT_EXIST',
  'INVALID_STATE',
  'PERMISSION_DENIED',
  'UNAUTHENTICATED',
  'REQUEST_LIMIT_EXCEEDED',
  'TEMPORARILY_UNAVAILABLE',
  'INTERNAL_ERROR',
]);

// MLflow's ErrorCode enum has synonyms (databricks_pb2) that mean the same to a caller; folding them
// keeps "not found" a 404 and "bad request" a 400 instead of degrading them to INTERNAL_ERROR.
const CODE_ALIASES: Readonly<Record<string, TrackingErrorCode>> = {
  BAD_REQUEST: 'INVALID_PARAMETER_VALUE',
  MALFORMED_REQUEST: 'INVALID_PARAMETER_VALUE',
  INVALID_PARAMETER: 'INVALID_PARAMETER_VALUE',
  NOT_FOUND: 'RESOURCE_DOES_NOT_EXIST',
  ALREADY_EXISTS: 'RESOURCE_ALREADY_EXISTS',
  CUSTOMER_UNAUTHORIZED: 'UNAUTHENTICATED',
  RESOURCE_EXHAUSTED: 'REQUEST_LIMIT_EXCEEDED',
  DEADLINE_EXCEEDED: 'TEMPORARILY_UNAVAILABLE',
};

/** The code a response gets when its body carries none (plain-text 403s, proxies, 503 switches). */
function codeForStatus(status: number): TrackingErrorCode {
  switch (status) {
    case 400:
      return 'INVALID_PARAMETER_VALUE';
    case 401:
      return 'UNAUTHENTICATED';
    case 403:
      return 'PERMISSION_DENIED';
    case 429:
      return 'REQUEST_LIMIT_EXCEEDED';
    case 502:
    case 503:
    case 504:
      return 'TEMPORARILY_UNAVAILABLE';
    default:
      // A bare 404 means the endpoint is missing (an old or non-MLflow server), not the resource.
      return 'INTERNAL_ERROR';
  }
}

/**
 * A TrackingError from an answer of the MLflow server, keeping what a caller that retries needs:
 * the HTTP status (the code alone cannot tell a 500 from a 503 that carried an error body) and the
 * server's `Retry-After`.
 */
export class MlflowRequestError extends TrackingError {
  /** The HTTP status the server answered with. */
  readonly httpStatus: number;
  /** The server's `Retry-After`, in ms from when the answer arrived, if it sent a valid one. */
  readonly retryAfterMs: number | undefined;

  constructor(code: TrackingErrorCode, message: string, httpStatus: number, retryAfterMs?: number) {
    super(code, message);
    this.httpStatus = httpStatus;
    this.retryAfterMs = retryAfterMs;
  }
}

/**
 * A `Retry-After` header value (delay-seconds or an HTTP-date, RFC 9110 §10.2.3) as ms from `now`;
 * undefined when absent or malformed. A date in the past means "now" (0).
 */
export function parseRetryAfter(value: string | string[] | undefined, now: number = Date.now()): number | undefined {
  const text = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!text) return undefined;
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // Every HTTP-date form starts with a day name; Date.parse alone would read "-1" as a year.
  if (!/^[A-Za-z]{3}/.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * Maps an MLflow error response (status, raw body and `Retry-After` header) to a TrackingError
 * with MLflow's code; the status and header stay on it ({@link MlflowRequestError}).
 */
export function errorFromResponse(status: number, text: string, retryAfter?: string | string[]): MlflowRequestError {
  const retryAfterMs = parseRetryAfter(retryAfter);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const e = typeof body === 'object' && body !== null ? (body as { error_code?: unknown; message?: unknown }) : {};
  const snippet = text.trim().slice(0, 300);
  if (typeof e.error_code === 'string') {
    const message = typeof e.message === 'string' ? e.message : snippet;
    // An overloaded server answers 503 whatever code its handler chose; the status is what says "retry".
    if (status === 503) return new MlflowRequestError('TEMPORARILY_UNAVAILABLE', message, status, retryAfterMs);
    const code = KNOWN_CODES.has(e.error_code)
      ? (e.error_code as TrackingErrorCode)
      : (CODE_ALIASES[e.error_code] ?? 'INTERNAL_ERROR');
    return new MlflowRequestError(code, message, status, retryAfterMs);
  }
  const code = codeForStatus(status);
  return new MlflowRequestError(code, `MLflow server answered HTTP ${status}${snippet ? `: ${snippet}` : ''}`, status, retryAfterMs);
}

// Failures where the request may never have reached a healthy server: worth a retry by the caller.
const UNAVAILABLE_SYSCALL_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
  'UND_ERR_DESTROYED',
]);

function errorCodeOf(err: unknown): string | undefined {
  // Connection failures arrive as AggregateError (one per address family) or with a `cause`.
  let current: unknown = err;
  for (let depth = 0; depth < 4 && current; depth++) {
    const c = current as { code?: unknown; errors?: unknown[]; cause?: unknown };
    if (typeof c.code === 'string') return c.code;
    current = Array.isArray(c.errors) && c.errors.length > 0 ? c.errors[0] : c.cause;
  }
  return undefined;
}

/** Maps a transport failure to TEMPORARILY_UNAVAILABLE (server down or unreachable) or INTERNAL_ERROR. */
export function errorFromTransport(err: unknown, origin: string): TrackingError {
  if (err instanceof TrackingError) return err;
  const code = errorCodeOf(err);
  if (code !== undefined && UNAVAILABLE_SYSCALL_CODES.has(code)) {
    return new TrackingError('TEMPORARILY_UNAVAILABLE', `MLflow server at ${origin} is unavailable (${code})`);
  }
  const message = err instanceof Error ? err.message : String(err);
  return new TrackingError('INTERNAL_ERROR', `Request to MLflow server at ${origin} failed: ${message}`);
}

function isRetryableOnReusedSocket(err: unknown): boolean {
  const code = errorCodeOf(err);
  return code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET';
}

function authorizationHeader(auth: MlflowAuth | undefined): string | undefined {
  if (auth === undefined) return undefined;
  if ('token' in auth) {
    if (auth.token === '') throw new TypeError('MlflowBackend: auth.token must not be empty');
    return `Bearer ${auth.token}`;
  }
  return `Basic ${Buffer.from(`${auth.username}:${auth.password}`, 'utf8').toString('base64')}`;
}

function buildQuery(query: Record<string, QueryValue>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value as readonly string[]) params.append(key, v);
    else params.append(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

/**
 * A JSON client for `/api/2.0/mlflow/*`: GET and POST, and the PATCH and DELETE of MLflow 3's
 * logged-model endpoints, all on one pool. Credentials live only in a private header value: they
 * never appear in errors, in `util.inspect` output or in the origin this exposes.
 */
export class MlflowHttp {
  /** Scheme, host and port, without credentials: safe for messages. */
  readonly origin: string;
  readonly #basePath: string;
  readonly #pool: Pool;
  readonly #headers: Record<string, string>;

  constructor(options: MlflowHttpOptions) {
    let url: URL;
    try {
      url = new URL(options.uri);
    } catch {
      throw new TypeError('MlflowBackend: uri must be an absolute http(s) URL');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new TypeError(`MlflowBackend: unsupported scheme ${url.protocol} (expected http or https)`);
    }
    let auth = options.auth;
    // `http://user:pass@host` is how requests-based clients accept basic auth; honour it, then forget it.
    if (auth === undefined && (url.username !== '' || url.password !== '')) {
      auth = { username: decodeURIComponent(url.username), password: decodeURIComponent(url.password) };
    }
    this.origin = url.origin;
    this.#basePath = url.pathname.replace(/\/+$/, '');
    this.#headers = { accept: 'application/json' };
    const authorization = authorizationHeader(auth);
    if (authorization !== undefined) this.#headers['authorization'] = authorization;
    if (options.workspace !== undefined) {
      if (options.workspace === '') throw new TypeError('MlflowBackend: workspace must not be empty');
      this.#headers['x-mlflow-workspace'] = options.workspace;
    }
    const timeout = options.timeoutMs ?? 120_000;
    this.#pool = new Pool(url.origin, {
      connections: options.connections ?? 8,
      // Below uvicorn's 5 s keep-alive so we drop idle sockets before the server does; that race
      // is what turns a POST into a spurious ECONNRESET.
      keepAliveTimeout: 2_000,
      headersTimeout: timeout,
      bodyTimeout: timeout,
      connectTimeout: Math.min(timeout, 10_000),
    });
  }

  /** GET `/api/2.0/mlflow/<endpoint>` and parse the JSON answer with `schema`. */
  get<S extends z.ZodType>(endpoint: string, query: Record<string, QueryValue>, schema: S): Promise<z.output<S>> {
    return this.#send('GET', `${endpoint}${buildQuery(query)}`, undefined, schema);
  }

  /** POST a JSON body to `/api/2.0/mlflow/<endpoint>` and parse the JSON answer with `schema`. */
  post<S extends z.ZodType>(endpoint: string, body: unknown, schema: S): Promise<z.output<S>> {
    return this.#send('POST', endpoint, JSON.stringify(body), schema);
  }

  /** PATCH a JSON body to `/api/2.0/mlflow/<endpoint>` (MLflow 3's logged-model updates). */
  patch<S extends z.ZodType>(endpoint: string, body: unknown, schema: S): Promise<z.output<S>> {
    return this.#send('PATCH', endpoint, JSON.stringify(body), schema);
  }

  /**
   * DELETE `/api/2.0/mlflow/<endpoint>`, with a JSON body when given (MLflow reads some ids from
   * the body, not the path) and none otherwise.
   */
  delete<S extends z.ZodType>(endpoint: string, body: unknown, schema: S): Promise<z.output<S>> {
    return this.#send('DELETE', endpoint, body === undefined ? undefined : JSON.stringify(body), schema);
  }

  /**
   * A request to `<base>/api/2.0/<path>` (path already percent-encoded, query added here) on the
   * same pool and with the same auth and workspace headers as the JSON calls, for endpoints
   * whose bodies stream (MLflow's artifact proxy). The answer comes back whatever its status;
   * the caller reads or dumps its body. Transport failures become TrackingErrors.
   */
  async raw(
    method: 'GET' | 'PUT' | 'POST' | 'DELETE',
    path: string,
    options: {
      query?: Record<string, QueryValue>;
      body?: Readable | string | null;
      headers?: Record<string, string>;
      signal?: AbortSignal;
    } = {},
  ): Promise<Dispatcher.ResponseData> {
    const headers = { ...this.#headers, ...options.headers };
    try {
      return await this.#pool.request({
        method,
        path: `${this.#basePath}/api/2.0/${path}${buildQuery(options.query ?? {})}`,
        headers,
        body: options.body ?? null,
        ...(options.signal ? { signal: options.signal } : {}),
      });
    } catch (err) {
      if (options.signal?.aborted) throw err;
      if (err instanceof undiciErrors.ClientClosedError || err instanceof undiciErrors.ClientDestroyedError) {
        throw new TrackingError('INTERNAL_ERROR', 'MlflowBackend is closed');
      }
      throw errorFromTransport(err, this.origin);
    }
  }

  /** Waits for requests in flight, then closes every connection. */
  async close(): Promise<void> {
    if (!this.#pool.closed) await this.#pool.close();
  }

  async #send<S extends z.ZodType>(
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    pathAndQuery: string,
    body: string | undefined,
    schema: S,
  ): Promise<z.output<S>> {
    const path = `${this.#basePath}/api/2.0/mlflow/${pathAndQuery}`;
    const headers = body === undefined ? this.#headers : { ...this.#headers, 'content-type': 'application/json' };
    let status: number;
    let text: string;
    let retryAfter: string | string[] | undefined;
    // Reads are idempotent, so one retry covers a keep-alive socket the server closed under us.
    // Writes are not retried here: MLflow answers some repeats differently (a second tag delete
    // is a 404), and whoever sends them (the outbox, the client) decides about retrying.
    for (let attempt = 0; ; attempt++) {
      try {
        const res = await this.#pool.request({ method, path, headers, body: body ?? null });
        status = res.statusCode;
        retryAfter = res.headers['retry-after'];
        text = await res.body.text();
        break;
      } catch (err) {
        if (method === 'GET' && attempt === 0 && isRetryableOnReusedSocket(err)) continue;
        if (err instanceof undiciErrors.ClientClosedError || err instanceof undiciErrors.ClientDestroyedError) {
          throw new TrackingError('INTERNAL_ERROR', 'MlflowBackend is closed');
        }
        throw errorFromTransport(err, this.origin);
      }
    }
    if (status < 200 || status >= 300) throw errorFromResponse(status, text, retryAfter);
    let json: unknown;
    try {
      json = text.trim() === '' ? {} : JSON.parse(text);
    } catch {
      throw new TrackingError('INTERNAL_ERROR', `MLflow server at ${this.origin} answered ${pathAndQuery.split('?')[0]} with non-JSON`);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'unknown shape';
      throw new TrackingError(
        'INTERNAL_ERROR',
        `Unexpected response from MLflow server for ${pathAndQuery.split('?')[0]} (${where})`,
      );
    }
    return parsed.data;
  }
}
