/**
 * The checks every request passes before it reaches a route, in the order the server applies
 * them: Host, Origin, bearer token, then (for writes) a JSON content type. Each returns the
 * {@link HttpError} to answer with, or undefined. They are separate functions so a WebSocket
 * upgrade handler can run the same Host/Origin/token checks on the upgrade request.
 *
 * Why each exists (see docs on loopback daemons): the Host allow-list defeats DNS rebinding, the
 * Origin check stops any web page from calling us, the token stops other local users and
 * processes, and requiring `application/json` makes a browser send a CORS preflight instead of
 * a "simple request" (form or text/plain CSRF).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { HttpError } from './errors.ts';

export interface SecurityOptions {
  /** Host names (no port) accepted in the Host header besides 127.0.0.1, localhost and [::1]. */
  extraHosts?: string[];
  /** Exact origins (scheme://host:port) allowed to call; by default any request carrying an Origin header is refused. */
  allowedOrigins?: string[];
  /** When set, every request must carry `Authorization: Bearer <token>` (constant-time compare). */
  token?: string;
  /** Paths that need no token (e.g. '/health'); Host and Origin checks still apply. */
  publicPaths?: string[];
}

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];

/**
 * The one header value of `name`, '' when present but empty, undefined when absent; a header
 * sent twice is refused outright, since two proxies or parsers could each pick a different one.
 */
function singleHeader(req: IncomingMessage, name: string): string | undefined | 'duplicate' {
  const values = req.headersDistinct[name];
  if (values === undefined) return undefined;
  return values.length === 1 ? (values[0] as string) : 'duplicate';
}

/**
 * Host must be exactly one of the loopback names (or an extra host) with the server's actual
 * port. No suffix or prefix matching: `localhost.evil.example` and `localhost6` are other hosts.
 */
export function checkHost(req: IncomingMessage, port: number, extraHosts: readonly string[] = []): HttpError | undefined {
  const host = singleHeader(req, 'host');
  const refuse = (why: string) => new HttpError(403, 'forbidden_host', `Host header ${why}; use 127.0.0.1:${port} or localhost:${port}`);
  if (host === undefined || host === '') return refuse('is missing');
  if (host === 'duplicate') return refuse('is sent more than once');
  const allowed = [...LOOPBACK_NAMES, ...extraHosts].map((name) => `${name.toLowerCase()}:${port}`);
  // Host names are case-insensitive (RFC 9110 §4.2.3), so `LOCALHOST:<port>` is the same host.
  if (!allowed.includes(host.toLowerCase())) return refuse('is not an allowed host');
  return undefined;
}

/**
 * Browsers attach Origin to cross-origin requests and to every POST, and non-browser clients
 * (curl, the MLflow SDKs) send none; so any Origin not listed exactly is a web page calling
 * us, including the opaque `null` origin of sandboxed frames and file: pages.
 */
export function checkOrigin(req: IncomingMessage, allowedOrigins: readonly string[] = []): HttpError | undefined {
  const origin = singleHeader(req, 'origin');
  if (origin === undefined) return undefined;
  if (origin !== 'duplicate' && allowedOrigins.includes(origin)) return undefined;
  return new HttpError(403, 'forbidden_origin', 'Requests from this origin are not allowed');
}

/** SHA-256 both sides so timingSafeEqual always compares equal lengths and the length does not leak. */
function sameSecret(provided: string, expected: string): boolean {
  const a = createHash('sha256').update(provided, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

/** Requires `Authorization: Bearer <token>` when a token is configured and the path is not public. */
export function checkToken(req: IncomingMessage, path: string, options: SecurityOptions): HttpError | undefined {
  const { token } = options;
  if (token === undefined || options.publicPaths?.includes(path)) return undefined;
  const header = singleHeader(req, 'authorization');
  const refuse = (why: string) => new HttpError(401, 'unauthorized', why);
  if (header === undefined) return refuse('Missing bearer token');
  if (header === 'duplicate') return refuse('Authorization header sent more than once');
  // The scheme is case-insensitive (RFC 9110 §11.1); the token itself is compared exactly.
  const m = /^Bearer +(\S+) *$/i.exec(header);
  if (!m) return refuse('Expected an Authorization header of the form "Bearer <token>"');
  if (!sameSecret(m[1] as string, token)) return refuse('Invalid bearer token');
  return undefined;
}

/**
 * True when the request carries a body. Only a body needs a declared type: a bodiless POST
 * (`curl -X POST .../archive`) has nothing to smuggle, and a browser sending one cross-site
 * still attaches an Origin, which checkOrigin refuses.
 */
export function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/**
 * A request with a body must declare `application/json` (parameters allowed, but a charset other
 * than UTF-8 is refused since the body is always decoded as UTF-8); a missing type is refused
 * too. This forces browsers into a CORS preflight instead of a form-style "simple request".
 * Raw-body PUT routes (artifact uploads, router.ts `RouteOptions`) skip it: a browser must send
 * a preflight for any PUT anyway.
 */
export function checkContentType(req: IncomingMessage): HttpError | undefined {
  if (!hasBody(req)) return undefined;
  const received = req.headers['content-type'];
  const refuse = () =>
    new HttpError(
      415,
      'unsupported_media_type',
      received === undefined
        ? 'Content-Type must be application/json, but none was sent'
        : `Content-Type must be application/json, not ${JSON.stringify(received)}`,
    );
  if (received === undefined) return refuse();
  const [type, ...params] = received.split(';');
  if (type?.trim().toLowerCase() !== 'application/json') return refuse();
  for (const param of params) {
    const [name, value] = param.split('=').map((s) => s.trim().toLowerCase());
    if (name === 'charset' && value?.replace(/^"|"$/g, '') !== 'utf-8') return refuse();
  }
  return undefined;
}

/**
 * Host, Origin and token checks in order, for any request including a WebSocket upgrade.
 * `path` is the decoded path, used only to look up public paths.
 */
export function checkAccess(req: IncomingMessage, port: number, path: string, options: SecurityOptions): HttpError | undefined {
  return checkHost(req, port, options.extraHosts) ?? checkOrigin(req, options.allowedOrigins) ?? checkToken(req, path, options);
}
