/**
 * Reading a JSON request body with a hard size limit. The declared Content-Length is checked
 * before a byte is read; a chunked body is counted as it streams and abandoned the moment it
 * passes the limit, so a client cannot make the daemon buffer more than the limit.
 */
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { HttpError } from './errors.ts';

/** 8 MiB: far above any MLflow batch (1000 metrics), far below what would hurt the daemon. */
export const DEFAULT_BODY_LIMIT_BYTES = 8 * 1024 * 1024;

function tooLarge(limitBytes: number): HttpError {
  return new HttpError(413, 'payload_too_large', `Request body exceeds the limit of ${limitBytes} bytes`);
}

/** The declared Content-Length, when there is one (Node's parser has already refused a non-numeric or conflicting one). */
export function declaredLength(headers: IncomingHttpHeaders): number | undefined {
  const declared = headers['content-length'];
  return typeof declared === 'string' && declared !== '' ? Number(declared) : undefined;
}

/** A 413 when the declared Content-Length is above the limit, so the body is never read. */
export function checkDeclaredLength(req: IncomingMessage, limitBytes: number): HttpError | undefined {
  const declared = declaredLength(req.headers);
  if (declared !== undefined && declared > limitBytes) return tooLarge(limitBytes);
  return undefined;
}

/**
 * Reads one request's body at most once, on demand. When it gives up midway the rest of the body
 * is left on the socket; the server sees `req.complete === false` and closes the connection.
 */
export class BodyReader {
  readonly #req: IncomingMessage;
  readonly #limitBytes: number;
  #result: Promise<unknown> | undefined;

  constructor(req: IncomingMessage, limitBytes: number) {
    this.#req = req;
    this.#limitBytes = limitBytes;
  }

  /** The parsed body, or undefined for an empty one; throws 413 `payload_too_large` or 400 `invalid_json`. */
  json(): Promise<unknown> {
    this.#result ??= this.#read().then((bytes) => parse(bytes));
    return this.#result;
  }

  #read(): Promise<Buffer> {
    const req = this.#req;
    const declared = checkDeclaredLength(req, this.#limitBytes);
    if (declared) return Promise.reject(declared);
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const cleanup = () => {
        req.off('data', onData);
        req.off('end', onEnd);
        req.off('error', onGone);
        req.off('close', onGone);
      };
      const onData = (chunk: Buffer) => {
        size += chunk.length;
        if (size > this.#limitBytes) {
          cleanup();
          req.pause();
          reject(tooLarge(this.#limitBytes));
          return;
        }
        chunks.push(chunk);
      };
      const onEnd = () => {
        cleanup();
        resolve(Buffer.concat(chunks, size));
      };
      // 'close' before 'end' means the client went away mid-body; nobody will see this answer,
      // but the handler must still stop waiting.
      const onGone = () => {
        cleanup();
        reject(new HttpError(400, 'request_aborted', 'The client closed the connection before sending the whole body'));
      };
      req.on('data', onData);
      req.on('end', onEnd);
      req.on('error', onGone);
      req.on('close', onGone);
    });
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function parse(bytes: Buffer): unknown {
  if (bytes.length === 0) return undefined;
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new HttpError(400, 'invalid_json', 'Request body is not valid UTF-8');
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    const detail = err instanceof SyntaxError ? err.message : 'parse error';
    throw new HttpError(400, 'invalid_json', `Request body is not valid JSON: ${detail}`);
  }
}

/**
 * The request body as a stream that fails with a 413 the moment more than `limitBytes` have
 * arrived (a chunked body has no Content-Length to refuse up front), and with a 400
 * `request_aborted` when the client goes away before the end. Nothing is read until the consumer
 * reads (a handler may check the run first), and nothing is buffered beyond the stream's
 * high-water mark: the socket goes at the consumer's pace.
 */
export function limitedBodyStream(req: IncomingMessage, limitBytes: number): Readable {
  let size = 0;
  let started = false;
  const onData = (chunk: Buffer) => {
    size += chunk.length;
    if (size > limitBytes) {
      stop();
      req.pause();
      out.destroy(tooLarge(limitBytes));
      return;
    }
    if (!out.push(chunk)) req.pause();
  };
  const onEnd = () => {
    stop();
    out.push(null);
  };
  const onGone = () => {
    stop();
    out.destroy(new HttpError(400, 'request_aborted', 'The client closed the connection before sending the whole body'));
  };
  const stop = () => {
    req.off('data', onData);
    req.off('end', onEnd);
    req.off('error', onGone);
    req.off('close', onGone);
  };
  const out = new Readable({
    read() {
      if (started) {
        req.resume();
        return;
      }
      started = true;
      req.on('data', onData);
      req.on('end', onEnd);
      req.on('error', onGone);
      req.on('close', onGone);
    },
    destroy(err, callback) {
      stop();
      callback(err);
    },
  });
  return out;
}
