/**
 * What the user reads when something fails: the daemon's own message (a `ResponseError`'s
 * `message`, which names the field at fault), never a stack trace or an `[object Object]`.
 * Pure, so it works on any thrown value and is unit-tested.
 */

/** Messages of `vscode-languageclient` that mean "the daemon is gone", in the user's words. */
const CONNECTION_MESSAGES: ReadonlyArray<[RegExp, string]> = [
  [/^Client is not running/i, 'The MATIH daemon is not running. Restart it from the status bar.'],
  [/connection got disposed|connection is disposed|Connection is closed/i, 'The MATIH daemon stopped before it answered.'],
  [/^Request got cancelled|^Request cancelled/i, 'Cancelled.'],
];

/** A thrown string, or a thrown object's string `message`, as it is; undefined for anything else. */
export function errorMessage(error: unknown): string | undefined {
  if (typeof error === 'string') return error;
  if (typeof error === 'object' && error !== null && typeof (error as { message?: unknown }).message === 'string') {
    return (error as { message: string }).message;
  }
  return undefined;
}

export function readableError(error: unknown): string {
  let message = errorMessage(error) ?? String(error);
  // A message never carries a stack, but some libraries fold one in after a newline.
  message = message.split(/\n\s+at\s/)[0]?.trim() ?? '';
  for (const [pattern, friendly] of CONNECTION_MESSAGES) {
    if (pattern.test(message)) return friendly;
  }
  return message === '' ? 'Something went wrong; see the MATIH Experiments output for details.' : message;
}

/** The daemon's error code (`validation_error`, `not_found`, …) from a ResponseError's data, if any. */
export function daemonErrorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const data = (error as { data?: unknown }).data;
  if (typeof data !== 'object' || data === null) return undefined;
  const code = (data as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}
