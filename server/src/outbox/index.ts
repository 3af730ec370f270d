/** The durable outbox in front of a remote MLflow backend: {@link OutboxBackend} and its parts. */
export { OutboxBackend } from './outbox-backend.ts';
export type { OutboxEvent, OutboxOptions, OutboxStats } from './outbox-backend.ts';
export { DEFAULT_BACKOFF, RETRYABLE_STATUSES, backoffDelay, classifyFailure, isRetryableStatus, retryDelay } from './retry-policy.ts';
export type { BackoffOptions, FailureVerdict } from './retry-policy.ts';
export { DEFAULT_SPOOL_LIMITS, SPOOL_FILE } from './spool.ts';
export type { DeadLetter, LastError, SpoolLimits } from './spool.ts';
