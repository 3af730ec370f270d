/**
 * WebSocket `/api/v1/stream` (DESIGN §3): live frames for subscribers other than the extension
 * (dashboards, remote webviews, tests). It rides on the daemon's HTTP server through its
 * `onUpgrade` hook and is guarded like every HTTP request:
 *
 *  - the upgrade request passes the same Host / Origin / bearer-token checks (`checkAccess`), and
 *    is refused with the same HTTP status and JSON body an HTTP request would get;
 *  - client messages are small JSON objects validated with zod (`StreamClientMessage`); a bad one
 *    is answered with an `error` message and the connection stays usable;
 *  - a tenant bound to the token is the only one a connection may name; a run must be the
 *    tenant's, and another tenant's run is refused with the same `not_found` as a missing one;
 *  - limits: `maxPayload` on incoming messages, runs per connection, connections in total, and
 *    a bound on what may wait unsent in one socket. A reader slower than the stream is closed
 *    with 1013 ("try again later") and counted; the hub keeps serving every other subscriber,
 *    since a socket's backlog is only ever looked at, never waited on.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { LIVE_MAX_RUNS, StreamClientMessage, type StreamServerMessage } from '../../../protocol/src/index.ts';
import { checkAccess, type SecurityOptions } from '../http/security.ts';
import { HttpError, errorBody } from '../http/errors.ts';
import type { TenantRegistry } from '../tenancy/tenant-registry.ts';
import type { MetricHub } from './metric-hub.ts';

export const STREAM_PATH = '/api/v1/stream';

export interface StreamLimits {
  /** Largest client message, bytes (default 16 KiB: a subscribe of 100 run ids fits easily). */
  maxPayload: number;
  /** Open connections at once (default 64); more are refused with 503 on upgrade. */
  maxConnections: number;
  /** Runs one connection may watch (default LIVE_MAX_RUNS = 100). */
  maxRunsPerConnection: number;
  /** Unsent bytes a socket may hold before its reader counts as too slow (default 4 MiB). */
  maxBufferedBytes: number;
}

export const DEFAULT_STREAM_LIMITS: StreamLimits = {
  maxPayload: 16 * 1024,
  maxConnections: 64,
  maxRunsPerConnection: LIVE_MAX_RUNS,
  maxBufferedBytes: 4 * 1024 * 1024,
};

/** Close codes (RFC 6455 §7.4.1): 1013 try again later, 1008 policy violation, 1003 unsupported data, 1001 going away. */
const CLOSE_SLOW = 1013;
const CLOSE_UNSUPPORTED = 1003;
const CLOSE_GOING_AWAY = 1001;

export interface StreamOptions {
  hub: MetricHub;
  tenants: TenantRegistry;
  security: SecurityOptions;
  /** When set, the only tenant a connection may name (the daemon's token is bound to it). */
  boundTenant?: string;
  limits?: Partial<StreamLimits>;
  log?: (line: string) => void;
}

export interface StreamStats {
  connections: number;
  /** Connections closed because their reader fell behind (1013) or the hub's buffer overflowed. */
  slowClosed: number;
  refusedUpgrades: number;
}

export interface LiveStream {
  /** For `startHttpServer({ onUpgrade })`. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, port: number): void;
  stats(): StreamStats;
  /** Closes every connection (1001) before the HTTP server shuts down. */
  close(): void;
}

export function createLiveStream(options: StreamOptions): LiveStream {
  const limits: StreamLimits = { ...DEFAULT_STREAM_LIMITS, ...options.limits };
  const log = options.log ?? (() => {});
  const wss = new WebSocketServer({ noServer: true, maxPayload: limits.maxPayload, perMessageDeflate: false });
  let slowClosed = 0;
  let refusedUpgrades = 0;

  const refuse = (socket: Duplex, err: HttpError, extra: Record<string, string> = {}) => {
    refusedUpgrades++;
    const body = JSON.stringify(errorBody(err.code, err.message));
    const headers = {
      'Content-Type': 'application/json',
      'Content-Length': String(Buffer.byteLength(body)),
      Connection: 'close',
      ...extra,
    };
    const head = Object.entries(headers)
      .map(([k, v]) => `${k}: ${v}`)
      .join('\r\n');
    socket.end(`HTTP/1.1 ${err.status} ${statusText(err.status)}\r\n${head}\r\n\r\n${body}`);
  };

  const handleUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer, port: number) => {
    socket.on('error', () => {});
    const path = (req.url ?? '').split('?', 1)[0] ?? '';
    const denied = checkAccess(req, port, path, options.security);
    if (denied) return refuse(socket, denied, denied.status === 401 ? { 'WWW-Authenticate': 'Bearer' } : {});
    if (path !== STREAM_PATH) return refuse(socket, new HttpError(404, 'not_found', `No WebSocket endpoint at ${path}`));
    if (wss.clients.size >= limits.maxConnections) {
      return refuse(socket, new HttpError(503, 'rate_limited', `Too many stream connections (at most ${limits.maxConnections})`));
    }
    wss.handleUpgrade(req, socket, head, (ws) => serveConnection(ws));
  };

  const serveConnection = (ws: WebSocket) => {
    const send = (message: StreamServerMessage) => {
      if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(message));
    };
    let cut = false;
    const cutOff = (why: string) => {
      if (cut) return;
      cut = true;
      subscriber.close();
      slowClosed++;
      log(`stream: closed a slow reader (${why})`);
      ws.close(CLOSE_SLOW, 'reader too slow; resubscribe after reading the history');
      // A reader that stopped reading would also not read the close frame; do not wait for it.
      setTimeout(() => ws.terminate(), 1000).unref();
    };
    const subscriber = options.hub.subscribe({
      deliver(frames) {
        if (ws.readyState !== WebSocket.OPEN) return true;
        if (ws.bufferedAmount > limits.maxBufferedBytes) {
          cutOff(`${ws.bufferedAmount} bytes unsent`);
          return true; // already closed here; the hub must not count it twice
        }
        send({ type: 'frames', frames });
        return true;
      },
      ended: () => cutOff('hub buffer full'),
    });

    // Messages of one connection are handled one at a time, so a subscribe that is still checking
    // ownership cannot race an unsubscribe sent after it.
    let queue = Promise.resolve();
    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        ws.close(CLOSE_UNSUPPORTED, 'text messages only');
        return;
      }
      const text = Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.concat(data as Buffer[]).toString('utf8');
      queue = queue.then(() => handleMessage(text)).catch((err: unknown) => {
        log(`stream: message failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
        send({ type: 'error', code: 'internal_error', message: 'The message could not be handled' });
      });
    });
    ws.on('close', () => subscriber.close());
    ws.on('error', () => subscriber.close());

    const handleMessage = async (text: string) => {
      let raw: unknown;
      try {
        raw = JSON.parse(text);
      } catch {
        return send({ type: 'error', code: 'validation_error', message: 'Messages must be JSON objects' });
      }
      const parsed = StreamClientMessage.safeParse(raw);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const field = issue?.path.join('.') || undefined;
        return send({
          type: 'error',
          code: 'validation_error',
          message: `Invalid message${field ? ` at ${field}` : ''}: ${issue?.message ?? 'unknown problem'}`,
          ...(field ? { field } : {}),
        });
      }
      const msg = parsed.data;
      if (options.boundTenant !== undefined && msg.tenant !== options.boundTenant) {
        return send({ type: 'error', code: 'forbidden', message: `This token may only use tenant ${options.boundTenant}`, field: 'tenant' });
      }
      const runIds = [...new Set(msg.runIds)];
      if (msg.type === 'unsubscribe') {
        subscriber.unwatch(msg.tenant, runIds);
        return send({ type: 'unsubscribed', tenant: msg.tenant, runIds });
      }
      const scope = options.tenants.scope(msg.tenant);
      // All or nothing: every run is checked before any is watched.
      for (const runId of runIds) {
        try {
          await scope.getRun(runId);
        } catch (err) {
          const code = (err as { code?: unknown }).code;
          if (code === 'RESOURCE_DOES_NOT_EXIST') {
            return send({ type: 'error', code: 'not_found', message: `Run ${runId} not found`, field: 'runIds' });
          }
          throw err;
        }
      }
      if (subscriber.isClosed) return;
      const adding = runIds.filter((id) => !subscriber.isWatching(msg.tenant, id)).length;
      if (subscriber.runCount + adding > limits.maxRunsPerConnection) {
        return send({
          type: 'error',
          code: 'rate_limited',
          message: `A connection may watch at most ${limits.maxRunsPerConnection} runs; unsubscribe some first`,
          field: 'runIds',
        });
      }
      subscriber.watch(msg.tenant, runIds, msg.keys);
      send({ type: 'subscribed', tenant: msg.tenant, runIds });
    };
  };

  return {
    handleUpgrade,
    stats: () => ({ connections: wss.clients.size, slowClosed, refusedUpgrades }),
    close() {
      for (const ws of wss.clients) {
        ws.close(CLOSE_GOING_AWAY, 'daemon shutting down');
        // Upgraded sockets are not the HTTP server's to close; a peer that does not answer the
        // close frame would otherwise hold the shutdown until its timeout.
        setTimeout(() => ws.terminate(), 500).unref();
      }
      wss.close();
    },
  };
}

function statusText(status: number): string {
  return ({ 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 503: 'Service Unavailable' } as Record<number, string>)[status] ?? 'Error';
}
