/**
 * The daemon's HTTP listener: runs every request through the security checks in a fixed order,
 * routes it, answers in JSON, logs one line per request, and shuts down without cutting off
 * requests that are still being served.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { BodyReader, DEFAULT_BODY_LIMIT_BYTES, checkDeclaredLength, limitedBodyStream } from './body.ts';
import { HttpError, errorBody } from './errors.ts';
import { errorResult, sendResult } from './response.ts';
import { parseTarget } from './router.ts';
import type { HandlerResult, RequestContext, Router } from './router.ts';
import { checkContentType, checkHost, checkOrigin, checkToken } from './security.ts';
import type { SecurityOptions } from './security.ts';

export interface HttpServerOptions {
  host: string;
  port: number;
  router: Router;
  security: SecurityOptions;
  /** Largest request body accepted, in bytes (default 8 MiB). */
  bodyLimitBytes?: number;
  /** One line per request (method, path, status, duration) and the detail of unexpected errors; never headers or bodies. */
  log?: (line: string) => void;
  /**
   * Takes WebSocket upgrade requests (`port` is the listening one, for the Host check); it must
   * run the security checks itself (security.ts `checkAccess`). Without it upgrades are refused.
   */
  onUpgrade?: (req: IncomingMessage, socket: Duplex, head: Buffer, port: number) => void;
}

export interface RunningHttpServer {
  readonly url: string;
  readonly port: number;
  /** Stops accepting, lets in-flight requests finish (bounded by timeoutMs, default 10 s), closes idle keep-alive sockets. */
  close(timeoutMs?: number): Promise<void>;
}

const DEFAULT_CLOSE_TIMEOUT_MS = 10_000;

/** Runs the checks and the handler; anything thrown becomes the error answer in the caller. */
async function handle(
  req: IncomingMessage,
  port: number,
  options: HttpServerOptions,
  body: BodyReader,
  signal: AbortSignal,
): Promise<HandlerResult> {
  const { security, router } = options;
  const limit = options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES;
  const method = req.method ?? '';

  const refused = checkHost(req, port, security.extraHosts) ?? checkOrigin(req, security.allowedOrigins);
  if (refused) throw refused;
  const target = parseTarget(req.url ?? '');
  const unauthorized = checkToken(req, target.path, security);
  if (unauthorized) return { ...errorResult(unauthorized), headers: { 'WWW-Authenticate': 'Bearer' } };

  const match = router.match(method, target.segments);
  if (match.kind === 'not_found') throw new HttpError(404, 'not_found', `No route for ${target.path}`);
  if (match.kind === 'method_not_allowed') {
    return {
      status: 405,
      body: errorBody('method_not_allowed', `Method ${method} is not allowed on ${target.path}`),
      headers: { Allow: match.allow.join(', ') },
    };
  }

  // A raw-body route (an artifact upload) takes any content type and has its own limit; its
  // declared length is still refused before a byte is read.
  const rawLimit = match.options.rawBody?.limitBytes();
  const badType = rawLimit !== undefined ? checkDeclaredLength(req, rawLimit) : (checkContentType(req) ?? checkDeclaredLength(req, limit));
  if (badType) throw badType;

  const ctx: RequestContext = {
    method,
    path: target.path,
    params: match.params,
    query: target.query,
    headers: req.headers,
    json: () => body.json(),
    stream: () => {
      if (rawLimit === undefined) throw new Error(`${match.pattern} was not registered with a raw body`);
      return limitedBodyStream(req, rawLimit);
    },
    signal,
  };
  return match.handler(ctx);
}

function formatUrl(address: AddressInfo): string {
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

/**
 * Listens on `host:port` (port 0 picks a free one) and resolves once it accepts connections.
 * Binding to a non-loopback host is the caller's decision; the Host allow-list still applies.
 */
export function startHttpServer(options: HttpServerOptions): Promise<RunningHttpServer> {
  if (options.security.token === '') throw new Error('The API token must not be empty');
  const limit = options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES;
  if (!Number.isSafeInteger(limit) || limit < 0) throw new Error(`bodyLimitBytes must be a non-negative integer, not ${limit}`);
  const log = options.log ?? (() => {});

  // Node would answer a missing Host with its own bare 400; the security layer answers it instead.
  const server = createServer({ requireHostHeader: false });
  let port = 0;
  let inFlight = 0;
  let closing: Promise<void> | undefined;
  // Set while closing: called each time a request ends, so close() can wait for the last one.
  let onRequestDone: (() => void) | undefined;

  const onRequest = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const started = performance.now();
    const method = req.method ?? '';
    // The encoded path is what we log: it cannot hold CR/LF, and the query (which could) is cut off.
    const url = req.url ?? '';
    const logPath = url.split('?', 1)[0] ?? '';
    const aborter = new AbortController();
    inFlight++;
    res.on('close', () => {
      inFlight--;
      const ms = Math.round(performance.now() - started);
      const finished = res.writableFinished;
      if (!finished) aborter.abort();
      log(`${method} ${logPath} ${res.statusCode} ${ms}ms${finished ? '' : ' (client gone)'}`);
      // During shutdown this keep-alive socket is idle now; do not leave it open until its timeout.
      if (closing) setImmediate(() => server.closeIdleConnections());
      onRequestDone?.();
    });

    const body = new BodyReader(req, limit);
    let result: HandlerResult;
    try {
      result = await handle(req, port, options, body, aborter.signal);
    } catch (err) {
      if (!(err instanceof HttpError)) log(`${method} ${logPath} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      result = errorResult(err);
    }
    if (res.headersSent || res.destroyed) return;
    // A body we did not read to the end is still on the socket, so this connection cannot carry
    // another request; saying so spares the client a keep-alive that Node would cut anyway.
    const closeConnection = closing !== undefined || !req.complete;
    try {
      sendResult(res, result, closeConnection);
    } catch (err) {
      log(`${method} ${logPath} could not send its response: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      if (res.headersSent) res.destroy();
      else sendResult(res, errorResult(err), closeConnection);
    }
  };
  server.on('request', (req: IncomingMessage, res: ServerResponse) => void onRequest(req, res));
  // Only when asked for: without a listener Node treats an upgrade as an ordinary request, as before.
  const onUpgrade = options.onUpgrade;
  if (onUpgrade) {
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (closing) socket.destroy();
      else onUpgrade(req, socket, head, port);
    });
  }

  const close = (timeoutMs = DEFAULT_CLOSE_TIMEOUT_MS): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      // Done when the last connection is gone (server.close's callback) and the last response
      // has closed: a destroyed socket can go before its response reports 'close'.
      let serverClosed = false;
      const maybeDone = () => {
        if (!serverClosed || inFlight > 0) return;
        clearTimeout(timer);
        onRequestDone = undefined;
        resolve();
      };
      const timer = setTimeout(() => {
        log(`shutdown timed out after ${timeoutMs}ms with ${inFlight} request(s) in flight; closing their connections`);
        server.closeAllConnections();
      }, timeoutMs);
      onRequestDone = maybeDone;
      // Stops listening at once; in-flight responses go out with Connection: close, so their
      // sockets end after answering and the callback can run.
      server.close(() => {
        serverClosed = true;
        maybeDone();
      });
      server.closeIdleConnections();
    });
    return closing;
  };

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: options.host, port: options.port }, () => {
      server.off('error', reject);
      server.on('error', (err) => log(`server error: ${err.message}`));
      const address = server.address() as AddressInfo;
      port = address.port;
      resolve({ url: formatUrl(address), port, close });
    });
  });
}
