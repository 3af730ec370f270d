/**
 * `Daemon.testConnection`: one cheap search against an MLflow server with a short timeout,
 * answered as a sentence the user can act on ("refused the credentials", "nothing is listening")
 * rather than a transport error code. It never switches the daemon's backend and never throws.
 */
import type { BackendCredentials } from '../../../protocol/src/index.ts';
import { TrackingError } from '../tracking/errors.ts';
import { MlflowBackend, MlflowRequestError } from '../tracking/mlflow/index.ts';
import { toMlflowAuth } from './listener.ts';

export interface ConnectionTestResult {
  ok: boolean;
  message: string;
}

export async function testMlflowConnection(uri: string, credentials: BackendCredentials, timeoutMs: number): Promise<ConnectionTestResult> {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return { ok: false, message: 'The MLflow URI must be an http(s) URL such as http://localhost:5000' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { ok: false, message: `The MLflow URI must be an http(s) URL, not ${url.protocol}` };
  }
  if (url.username !== '' || url.password !== '') {
    return { ok: false, message: 'The MLflow URI must not contain a user name or password; store them as credentials instead' };
  }
  const where = `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
  const auth = toMlflowAuth(credentials);
  const backend = new MlflowBackend({ uri, ...(auth ? { auth } : {}), timeoutMs, connections: 1 });
  let timer: NodeJS.Timeout | undefined;
  // The pool's own timeouts cover headers and connect; this also bounds DNS and slow bodies.
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(TIMED_OUT), timeoutMs + 250);
  });
  try {
    await Promise.race([backend.searchExperiments({ maxResults: 1 }), deadline]);
    return { ok: true, message: `Connected to MLflow at ${where}` };
  } catch (err) {
    return { ok: false, message: explain(err, where, auth !== undefined, timeoutMs) };
  } finally {
    clearTimeout(timer);
    // Not awaited: closing waits for a request that may still hang until its own timeout.
    backend.close().catch(() => {});
  }
}

const TIMED_OUT = Symbol('timed out');

function explain(err: unknown, where: string, withCredentials: boolean, timeoutMs: number): string {
  const late = `MLflow at ${where} did not answer within ${timeoutMs / 1000} s: check the URI, the network or a proxy`;
  if (err === TIMED_OUT) return late;
  if (!(err instanceof TrackingError)) return `Could not reach MLflow at ${where}: ${err instanceof Error ? err.message : String(err)}`;
  const status = err instanceof MlflowRequestError ? err.httpStatus : undefined;
  switch (err.code) {
    case 'UNAUTHENTICATED':
      return withCredentials
        ? `MLflow at ${where} refused the credentials (HTTP 401): check the user name and password, or the token`
        : `MLflow at ${where} needs credentials (HTTP 401): set them with the credentials command`;
    case 'PERMISSION_DENIED':
      return `MLflow at ${where} denied access (HTTP 403): the credentials are valid but may not read experiments`;
    case 'TEMPORARILY_UNAVAILABLE': {
      if (status !== undefined) return `MLflow at ${where} is unavailable (HTTP ${status}); try again shortly`;
      const code = /\(([A-Z_]+)\)$/.exec(err.message)?.[1] ?? '';
      if (code === 'ECONNREFUSED') return `Nothing is listening at ${where} (connection refused): is the MLflow server running?`;
      if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `The host of ${where} could not be resolved: check the URI`;
      if (code.includes('TIMEOUT')) return late;
      return `Could not reach MLflow at ${where}${code ? ` (${code})` : ''}`;
    }
    default:
      if (status === 404 || /non-JSON|Unexpected response/.test(err.message)) {
        return `${where} does not answer like an MLflow tracking server${status ? ` (HTTP ${status})` : ''}: check that the URI is the tracking server's base URL`;
      }
      return `MLflow at ${where} answered with an error: ${err.message}`;
  }
}
