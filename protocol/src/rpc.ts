/**
 * Typed message definitions: the extension wraps them for `vscode-languageclient`, the daemon for
 * `vscode-languageserver`, and each side gets the parameter and result types from the same object.
 * A request also carries the zod schema of its parameters, so the daemon validates exactly what
 * the type promises (and the extension may check input with it before sending).
 */
import type { z } from 'zod';

/**
 * A request: `method`, the schema of its parameters, and the types of its parameters (`P`, what
 * the caller sends) and result (`R`), carried in the type only. `S` is the schema's own type, so
 * the daemon's handler receives the parsed output (defaults filled in).
 */
export interface RequestDef<P, R, S extends z.ZodType = z.ZodType> {
  readonly method: string;
  /** Validates the parameters; the daemon answers a `validation_error` naming the field when it fails. */
  readonly params: S;
  /** Never set; keeps P and R in the type so `sendRequest(def, params)` is checked. */
  readonly __types?: (params: P) => R;
}

/** A notification: `method` plus the type of its parameters. */
export interface NotificationDef<P> {
  readonly method: string;
  readonly __types?: (params: P) => void;
}

/**
 * Defines a request. Both type arguments are given: `request<typeof Params, Result>(method, Params)`,
 * since TypeScript cannot infer one and take the other.
 */
export function request<S extends z.ZodType, R>(method: string, params: S): RequestDef<z.input<S>, R, S> {
  return { method, params };
}

export function notification<P>(method: string): NotificationDef<P> {
  return { method };
}

/** Parameters of a request or notification definition (what the caller sends). */
// `any` in the other positions: a function type's parameter is contravariant, so `unknown` there would match nothing.
export type ParamsOf<D> = D extends RequestDef<infer P, any, any> ? P : D extends NotificationDef<infer P> ? P : never;
/** Result of a request definition. */
export type ResultOf<D> = D extends RequestDef<any, infer R, any> ? R : never;

/**
 * The `data` of every error the daemon answers a request with (a JSON-RPC `ResponseError`): a
 * stable `code` (the v1 API's codes: `validation_error`, `not_found`, `already_exists`,
 * `invalid_state`, `forbidden`, `unauthorized`, `rate_limited`, `backend_unavailable`,
 * `internal_error`, plus `daemon_unavailable` while the daemon cannot serve), and the field at
 * fault when there is one. The error's `message` is readable and never a stack trace; show it.
 */
export interface DaemonErrorData {
  code: DaemonErrorCode;
  field?: string;
}

/** Every `DaemonErrorData.code`; see docs/protocol.md for when each is answered. */
export type DaemonErrorCode =
  | 'validation_error'
  | 'not_found'
  | 'already_exists'
  | 'invalid_state'
  | 'forbidden'
  | 'unauthorized'
  | 'rate_limited'
  | 'backend_unavailable'
  | 'internal_error'
  | 'daemon_unavailable';

/**
 * JSON-RPC error codes the daemon uses: `InvalidParams` for a `validation_error`, LSP's
 * `RequestFailed` for every other answer of the tracking services, `InternalError` for a bug.
 * Branch on `data.code`, not on these.
 */
export const RPC_ERROR = {
  InvalidParams: -32602,
  InternalError: -32603,
  RequestFailed: -32803,
} as const;
