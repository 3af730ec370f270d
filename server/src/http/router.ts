/**
 * Method + path routing for the HTTP layer, with no dependencies. Paths are compared segment by
 * segment after percent-decoding each segment on its own, so an encoded `/` (`%2F`) stays inside
 * one parameter instead of creating a new segment.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import { HttpError } from './errors.ts';

/** What a handler sees of one request. */
export interface RequestContext {
  method: string;
  /** The path without query, percent-decoded per segment. */
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** Reads and parses the JSON body once (cached), enforcing the size limit; throws HttpError. An empty body reads as undefined. */
  json(): Promise<unknown>;
  /**
   * The raw body as a stream, on routes registered with `rawBody` only (elsewhere it throws). It
   * fails with a 413 HttpError the moment more bytes than the route's limit have arrived.
   */
  stream(): Readable;
  /** Aborted when the client goes away. */
  signal: AbortSignal;
}

/** What a handler answers. `body` is sent as JSON unless it is a Uint8Array or a Readable; 204 sends no body. */
export interface HandlerResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type Handler = (ctx: RequestContext) => Promise<HandlerResult>;

export type RouteMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** How a route takes its body, when not as JSON under the server's limit. */
export interface RouteOptions {
  /**
   * The route streams its body (`ctx.stream()`) of any content type, up to `limitBytes()` instead
   * of the JSON limit (a function, so a setting can change it). Only for PUT: a browser must send a
   * CORS preflight for a PUT whatever its type, so dropping the JSON content-type rule there opens
   * no "simple request" door; Host, Origin and token checks still apply.
   */
  rawBody?: { limitBytes: () => number };
}

const METHODS: ReadonlySet<string> = new Set<RouteMethod>(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);

/** `rest` is a trailing `*name`: one or more remaining segments (a catch-all under a prefix). */
type Segment = { kind: 'literal'; value: string } | { kind: 'param'; name: string } | { kind: 'rest'; name: string };

interface Route {
  method: RouteMethod;
  pattern: string;
  segments: Segment[];
  handler: Handler;
  options: RouteOptions;
}

/** The outcome of looking up one request. */
export type RouteMatch =
  | { kind: 'found'; handler: Handler; params: Record<string, string>; pattern: string; options: RouteOptions }
  | { kind: 'method_not_allowed'; allow: string[] }
  | { kind: 'not_found' };

/** A request target split into what routing and handlers need. */
export interface ParsedTarget {
  /** The path as received (still percent-encoded), safe to log: the HTTP parser refuses CR/LF. */
  rawPath: string;
  /** Decoded segments; `/` is `[]`, and a trailing slash leaves an empty last segment. */
  segments: string[];
  /** `/` + the decoded segments joined by `/`. */
  path: string;
  query: URLSearchParams;
}

/**
 * Splits a request target (`req.url`) into decoded path segments and query. Throws a 400
 * `invalid_path` for anything but origin-form, bad percent-encoding, NUL, or `.`/`..` segments:
 * no id or name this API serves is a dot segment, and refusing them here means no handler can
 * be tricked into joining one onto a file path.
 */
export function parseTarget(url: string): ParsedTarget {
  if (!url.startsWith('/')) throw new HttpError(400, 'invalid_path', 'Request target must be an absolute path');
  const q = url.indexOf('?');
  const rawPath = q === -1 ? url : url.slice(0, q);
  const query = new URLSearchParams(q === -1 ? '' : url.slice(q + 1));
  const segments = splitSegments(rawPath).map((raw) => {
    let decoded: string;
    try {
      decoded = decodeURIComponent(raw);
    } catch {
      throw new HttpError(400, 'invalid_path', 'Path has malformed percent-encoding');
    }
    if (decoded === '.' || decoded === '..') throw new HttpError(400, 'invalid_path', 'Path must not contain dot segments');
    if (decoded.includes('\0')) throw new HttpError(400, 'invalid_path', 'Path must not contain NUL');
    return decoded;
  });
  return { rawPath, segments, path: '/' + segments.join('/'), query };
}

function splitSegments(path: string): string[] {
  const rest = path.slice(1);
  return rest === '' ? [] : rest.split('/');
}

function parsePattern(pattern: string): Segment[] {
  if (!pattern.startsWith('/')) throw new Error(`Route pattern must start with '/': ${pattern}`);
  const seen = new Set<string>();
  const parts = splitSegments(pattern);
  return parts.map((s, i): Segment => {
    if (s.startsWith('*')) {
      if (i !== parts.length - 1) throw new Error(`A catch-all must be the last segment of route ${pattern}`);
      const name = s.slice(1);
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`Bad parameter name '${s}' in route ${pattern}`);
      if (seen.has(name)) throw new Error(`Duplicate parameter '${name}' in route ${pattern}`);
      return { kind: 'rest', name };
    }
    if (!s.startsWith(':')) return { kind: 'literal', value: s };
    const name = s.slice(1);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`Bad parameter name '${s}' in route ${pattern}`);
    if (seen.has(name)) throw new Error(`Duplicate parameter '${name}' in route ${pattern}`);
    seen.add(name);
    return { kind: 'param', name };
  });
}

/** Two patterns with the same shape would be ambiguous, whatever their parameter names. */
function shapeOf(segments: Segment[]): string {
  return segments.map((s) => (s.kind === 'literal' ? `=${s.value}` : s.kind === 'param' ? ':' : '*')).join('/');
}

function isCatchAll(route: Route): boolean {
  return route.segments[route.segments.length - 1]?.kind === 'rest';
}

function matches(route: Route, segments: string[]): boolean {
  const catchAll = isCatchAll(route);
  if (catchAll ? segments.length < route.segments.length : route.segments.length !== segments.length) return false;
  return route.segments.every((s, i) => {
    const actual = segments[i] as string;
    if (s.kind === 'literal') return s.value === actual;
    return s.kind === 'rest' || actual !== '';
  });
}

const RANK: Record<Segment['kind'], number> = { literal: 0, param: 1, rest: 2 };

/** Negative when `a` is more specific: at the first segment where they differ, `a` has the literal (or the parameter). */
function compareSpecificity(a: Route, b: Route): number {
  for (let i = 0; i < a.segments.length; i++) {
    const ka = a.segments[i]?.kind;
    const kb = b.segments[i]?.kind;
    if (ka !== kb) return RANK[ka ?? 'rest'] - RANK[kb ?? 'rest'];
  }
  return 0;
}

/**
 * A table of routes. Literal segments win over parameters at the first segment where two
 * matching routes differ, so `/api/v1/experiments/runs` beats `/api/v1/experiments/:id`
 * whatever the order of registration. A pattern ending in `*name` is a catch-all: it answers only
 * paths no other route matches with any method, so a known path with the wrong method is still a
 * 405, and `params.name` holds the rest of the path.
 */
export class Router {
  readonly #routes: Route[] = [];

  /** Registers a handler; throws on a malformed pattern or one that duplicates an existing route. */
  add(method: RouteMethod, pattern: string, handler: Handler, options: RouteOptions = {}): this {
    if (!METHODS.has(method)) throw new Error(`Unsupported method ${String(method)}`);
    if (options.rawBody && method !== 'PUT') throw new Error(`Only PUT routes may take a raw body: ${method} ${pattern}`);
    const segments = parsePattern(pattern);
    const shape = shapeOf(segments);
    const clash = this.#routes.find((r) => r.method === method && shapeOf(r.segments) === shape);
    if (clash) throw new Error(`Route ${method} ${pattern} duplicates ${clash.method} ${clash.pattern}`);
    this.#routes.push({ method, pattern, segments, handler, options });
    return this;
  }

  /** Every registered route, in registration order (for docs and "every route has a policy" tests). */
  routes(): { method: string; pattern: string }[] {
    return this.#routes.map((r) => ({ method: r.method, pattern: r.pattern }));
  }

  /**
   * Looks up decoded path segments. HEAD is served by the GET route. When routes match the path
   * but none the method, the answer lists the allowed methods for the `Allow` header.
   */
  match(method: string, segments: string[]): RouteMatch {
    let candidates = this.#routes.filter((r) => matches(r, segments));
    if (candidates.some((r) => !isCatchAll(r))) candidates = candidates.filter((r) => !isCatchAll(r));
    if (candidates.length === 0) return { kind: 'not_found' };
    const wanted = method === 'HEAD' ? 'GET' : method;
    const best = candidates.filter((r) => r.method === wanted).sort(compareSpecificity)[0];
    if (!best) {
      const allow: string[] = [...new Set(candidates.map((r) => r.method))];
      if (allow.includes('GET')) allow.splice(allow.indexOf('GET') + 1, 0, 'HEAD');
      return { kind: 'method_not_allowed', allow };
    }
    const params: Record<string, string> = {};
    best.segments.forEach((s, i) => {
      if (s.kind === 'param') params[s.name] = segments[i] as string;
      else if (s.kind === 'rest') params[s.name] = segments.slice(i).join('/');
    });
    return { kind: 'found', handler: best.handler, params, pattern: best.pattern, options: best.options };
  }
}
