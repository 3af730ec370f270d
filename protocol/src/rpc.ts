/**
 * Typed message definitions without a runtime dependency: the extension wraps them for
 * `vscode-languageclient`, the daemon for `vscode-languageserver`, and each side gets the
 * parameter and result types from the same object.
 */

/** A request: `method` plus the types of its parameters and result (carried in the type only). */
export interface RequestDef<P, R> {
  readonly method: string;
  /** Never set; keeps P and R in the type so `sendRequest(def, params)` is checked. */
  readonly __types?: (params: P) => R;
}

/** A notification: `method` plus the type of its parameters. */
export interface NotificationDef<P> {
  readonly method: string;
  readonly __types?: (params: P) => void;
}

export function request<P, R>(method: string): RequestDef<P, R> {
  return { method };
}

export function notification<P>(method: string): NotificationDef<P> {
  return { method };
}

/** Parameters of a request or notification definition. */
export type ParamsOf<D> = D extends RequestDef<infer P, unknown> ? P : D extends NotificationDef<infer P> ? P : never;
/** Result of a request definition. */
export type ResultOf<D> = D extends RequestDef<unknown, infer R> ? R : never;

/**
 * An error the daemon answers a request with: a stable `code` (the v1 API's codes, e.g.
 * `validation_error`, `not_found`), a readable message and the field at fault. The extension
 * shows `message`, never a stack trace.
 */
export interface DaemonErrorData {
  code: string;
  field?: string;
}
