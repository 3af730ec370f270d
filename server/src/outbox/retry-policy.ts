/**
 * When the outbox tries a write again and how long it waits first. The rule is the OTLP one (and
 * Prometheus remote-write's, minus its blanket 5xx): retry HTTP 429, 502, 503 and 504 and failures
 * where no answer came at all (refused, reset, timed out); everything else the server said is a
 * verdict on the record itself, so trying it again would only block the records behind it.
 */

import { MLFLOW_HTTP_STATUS, TrackingError } from '../tracking/errors.ts';
import { MlflowRequestError } from '../tracking/mlflow/index.ts';

/** The only HTTP statuses worth another try: rate limited, or a gateway/server that is not there yet. */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([429, 502, 503, 504]);

/** True for exactly 429, 502, 503 and 504. */
export function isRetryableStatus(status: number): boolean {
  return RETRYABLE_STATUSES.has(status);
}

/** What one failed attempt means for the record. */
export interface FailureVerdict {
  /** Try the same record again later (true), or set it aside as a dead letter (false). */
  retry: boolean;
  /** The status the server answered, when one came back. */
  httpStatus: number | undefined;
  /** The server's `Retry-After` in ms, when it sent one. */
  retryAfterMs: number | undefined;
  code: string;
  message: string;
}

/**
 * Classifies a failure of the wrapped backend. An answer from an MLflow server is judged by its
 * status alone (a 500 whose body says TEMPORARILY_UNAVAILABLE is still a 500). A TrackingError
 * without a status is judged by the status MLflow gives its code: that is how the MLflow client
 * reports connection failures (TEMPORARILY_UNAVAILABLE, so 503), and how another backend would say
 * "busy". Anything that is not a TrackingError is a bug, never retried.
 */
export function classifyFailure(err: unknown): FailureVerdict {
  if (err instanceof MlflowRequestError) {
    return {
      retry: isRetryableStatus(err.httpStatus),
      httpStatus: err.httpStatus,
      retryAfterMs: err.retryAfterMs,
      code: err.code,
      message: err.message,
    };
  }
  if (err instanceof TrackingError) {
    return {
      retry: isRetryableStatus(MLFLOW_HTTP_STATUS[err.code]),
      httpStatus: undefined,
      retryAfterMs: undefined,
      code: err.code,
      message: err.message,
    };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { retry: false, httpStatus: undefined, retryAfterMs: undefined, code: 'INTERNAL_ERROR', message };
}

/** Exponential backoff with jitter and a ceiling. */
export interface BackoffOptions {
  /** Wait after the first failure, in ms; default 250. */
  initialIntervalMs: number;
  /** Ceiling of any wait, in ms; default 10 000. */
  maxIntervalMs: number;
  /** Growth per consecutive failure; default 2. */
  multiplier: number;
  /** Fraction of the wait that is random, 0..1; default 0.5 (the wait is 50–100 % of the nominal). */
  jitter: number;
  /**
   * Ceiling for a server's `Retry-After`, in ms; default 300 000. A proxy that says "come back
   * tomorrow" must not park acknowledged data for a day without anyone noticing.
   */
  maxRetryAfterMs: number;
}

/**
 * Defaults between Prometheus remote-write (max 5 s, raised from 100 ms so a struggling server is
 * not hammered) and the OTel collector (max 30 s): an MLflow restart takes seconds, and a
 * successful direct write ends the wait early anyway.
 */
export const DEFAULT_BACKOFF: Readonly<BackoffOptions> = {
  initialIntervalMs: 250,
  maxIntervalMs: 10_000,
  multiplier: 2,
  jitter: 0.5,
  maxRetryAfterMs: 300_000,
};

/**
 * The wait before attempt `failures + 1`, after `failures` (≥ 1) consecutive failures:
 * `min(max, initial × multiplier^(failures−1))`, less a random part of up to `jitter` of it so
 * that many daemons recovering at once do not retry in lock-step. Never above `maxIntervalMs`.
 */
export function backoffDelay(failures: number, options: BackoffOptions, random: () => number = Math.random): number {
  const exponent = Math.max(0, failures - 1);
  const nominal = Math.min(options.maxIntervalMs, options.initialIntervalMs * options.multiplier ** exponent);
  const jitter = Math.min(1, Math.max(0, options.jitter));
  return Math.round(nominal * (1 - jitter * random()));
}

/** The wait a server's `Retry-After` asks for, capped by `maxRetryAfterMs`; 0 without one. */
export function retryAfterWait(verdict: Pick<FailureVerdict, 'retryAfterMs'>, options: BackoffOptions): number {
  return verdict.retryAfterMs === undefined ? 0 : Math.min(verdict.retryAfterMs, options.maxRetryAfterMs);
}

/**
 * The wait after a retryable failure: the backoff, or the server's `Retry-After` when that is
 * longer (capped by `maxRetryAfterMs`), since the server knows better when it will be back.
 */
export function retryDelay(
  failures: number,
  verdict: Pick<FailureVerdict, 'retryAfterMs'>,
  options: BackoffOptions,
  random: () => number = Math.random,
): number {
  return Math.max(backoffDelay(failures, options, random), retryAfterWait(verdict, options));
}
