/**
 * The one error shape of the HTTP layer. Routes throw {@link HttpError}; the server turns it into
 * a JSON body, so clients can branch on a stable `code` instead of parsing messages.
 */

/** An error with an HTTP status and a stable snake_case code; `field` names the input at fault. */
export class HttpError extends Error {
  readonly status: number;
  readonly code: string;
  readonly field: string | undefined;

  constructor(status: number, code: string, message: string, field?: string) {
    super(message);
    this.name = 'HttpError';
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

/** The JSON error body every route and the security layer send: {"error":{"code","message","field"?}} */
export function errorBody(
  code: string,
  message: string,
  field?: string,
): { error: { code: string; message: string; field?: string } } {
  // Leave `field` out rather than sending null, so the body stays the same shape as the docs show.
  return field === undefined ? { error: { code, message } } : { error: { code, message, field } };
}
