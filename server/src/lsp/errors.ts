/**
 * How anything a handler throws becomes the answer the extension sees: a JSON-RPC
 * `ResponseError` with a readable message and `data: { code, field }` (DaemonErrorData), using
 * the v1 API's codes so every surface reports a failure the same way. Never a stack trace.
 */
import { ResponseError } from 'vscode-languageserver/node';
import { z } from 'zod';
import { type DaemonErrorCode, type DaemonErrorData, RPC_ERROR } from '../../../protocol/src/index.ts';
import { toHttpError, validationError } from '../api/v1/api-errors.ts';
import { HttpError } from '../http/errors.ts';

/** Raised by the session while it cannot serve tracking requests (bad settings, store failed to open). */
export class DaemonUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DaemonUnavailableError';
  }
}

/** A failure as the protocol reports it; `internal` marks the ones that are bugs, for the log. */
export interface DescribedError {
  code: DaemonErrorCode;
  message: string;
  field?: string;
  internal: boolean;
}

// The v1 layer has a few codes of its own (e.g. `missing_tenant`) that the LSP params schemas
// rule out; should one arrive anyway, its HTTP status picks the nearest protocol code.
const KNOWN = new Set<string>([
  'validation_error',
  'not_found',
  'already_exists',
  'invalid_state',
  'forbidden',
  'unauthorized',
  'rate_limited',
  'backend_unavailable',
  'internal_error',
  'daemon_unavailable',
]);

const BY_STATUS: Record<number, DaemonErrorCode> = {
  400: 'validation_error',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  409: 'invalid_state',
  429: 'rate_limited',
  503: 'backend_unavailable',
};

/**
 * The stores name fields as the REST APIs spell them; the protocol spells them in camelCase, and
 * `field` should name what the extension sent.
 */
const PROTOCOL_FIELDS: Record<string, string> = {
  experiment_id: 'experimentId',
  run_id: 'runId',
  order_by: 'orderBy',
  page_token: 'pageToken',
  max_results: 'maxResults',
  tenant_id: 'tenant',
};

function protocolField(field: string | undefined): string | undefined {
  if (field === undefined) return undefined;
  const head = /^[a-z_]+/.exec(field)?.[0] ?? '';
  const renamed = PROTOCOL_FIELDS[head];
  return renamed === undefined ? field : renamed + field.slice(head.length);
}

/** zod reports an unknown key at the object holding it; name the key itself. */
function fromZod(error: z.ZodError): HttpError {
  const mapped = validationError(error);
  const first = error.issues[0];
  if (mapped.field === undefined && first?.code === 'unrecognized_keys' && first.keys[0] !== undefined) {
    const field = [...first.path.map(String), first.keys[0]].join('.');
    return new HttpError(mapped.status, mapped.code, mapped.message, field);
  }
  return mapped;
}

export function describeError(err: unknown): DescribedError {
  if (err instanceof z.ZodError) err = fromZod(err);
  if (err instanceof DaemonUnavailableError) return { code: 'daemon_unavailable', message: err.message, internal: false };
  const mapped = toHttpError(err);
  if (mapped instanceof HttpError) {
    const code = KNOWN.has(mapped.code) ? (mapped.code as DaemonErrorCode) : (BY_STATUS[mapped.status] ?? 'internal_error');
    return {
      code,
      message: mapped.message,
      ...(mapped.field !== undefined ? { field: protocolField(mapped.field)! } : {}),
      internal: code === 'internal_error',
    };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { code: 'internal_error', message: `Internal error in the daemon: ${message}`, internal: true };
}

/** The JSON-RPC error for `err`. */
export function toResponseError(err: unknown): ResponseError<DaemonErrorData> {
  const d = describeError(err);
  const rpc =
    d.code === 'validation_error' ? RPC_ERROR.InvalidParams : d.code === 'internal_error' ? RPC_ERROR.InternalError : RPC_ERROR.RequestFailed;
  return new ResponseError<DaemonErrorData>(rpc, d.message, { code: d.code, ...(d.field !== undefined ? { field: d.field } : {}) });
}
