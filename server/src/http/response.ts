/**
 * Writing responses: the headers every answer carries, JSON encoding, and the mapping from any
 * thrown value to an error answer that never leaks internals.
 */
import type { ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { HttpError, errorBody } from './errors.ts';
import type { HandlerResult } from './router.ts';

const JSON_TYPE = 'application/json; charset=utf-8';

/** The result for an HttpError; any other value becomes a generic 500 (the caller logs the detail). */
export function errorResult(err: unknown): HandlerResult {
  if (err instanceof HttpError) return { status: err.status, body: errorBody(err.code, err.message, err.field) };
  return { status: 500, body: errorBody('internal_error', 'Internal server error') };
}

function hasNoBody(status: number): boolean {
  return status === 204 || status === 304 || (status >= 100 && status < 200);
}

/**
 * Encodes the body first, so a body JSON cannot encode (a BigInt, a cycle) throws before any
 * header is written and the caller can still answer 500. Handler headers may override the
 * defaults, except that `nosniff` always holds and no `Access-Control-*` header ever goes out:
 * we never grant a web page CORS access.
 */
export function sendResult(res: ServerResponse, result: HandlerResult, closeConnection: boolean): void {
  const { status, body } = result;
  let payload: Buffer | Readable | undefined;
  let contentType: string | undefined;
  if (hasNoBody(status) || body === undefined) {
    payload = undefined;
  } else if (body instanceof Readable) {
    payload = body;
    contentType = 'application/octet-stream';
  } else if (body instanceof Uint8Array) {
    payload = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    contentType = 'application/octet-stream';
  } else {
    payload = Buffer.from(JSON.stringify(body), 'utf8');
    contentType = JSON_TYPE;
  }

  // Keyed by lower-case name so a handler's `content-type` replaces our `Content-Type`
  // instead of both going out.
  const headers = new Map<string, [string, string | number]>();
  const set = (name: string, value: string | number) => headers.set(name.toLowerCase(), [name, value]);
  set('Cache-Control', 'no-store');
  if (contentType !== undefined) set('Content-Type', contentType);
  for (const [name, value] of Object.entries(result.headers ?? {})) {
    if (!name.toLowerCase().startsWith('access-control-')) set(name, value);
  }
  set('X-Content-Type-Options', 'nosniff');
  if (payload instanceof Buffer) set('Content-Length', payload.length);
  else if (payload === undefined && !hasNoBody(status)) set('Content-Length', 0);
  if (closeConnection) set('Connection', 'close');

  res.writeHead(status, Object.fromEntries(headers.values()));
  if (payload instanceof Readable) {
    // A failing source cannot turn into an error answer any more (the status is sent), so the
    // only honest signal left is cutting the response short.
    payload.on('error', () => res.destroy());
    res.on('close', () => payload.destroy());
    payload.pipe(res);
  } else {
    res.end(payload);
  }
}
