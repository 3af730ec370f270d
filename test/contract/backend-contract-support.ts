/**
 * Shared pieces of the TrackingBackend contract: the per-suite context and assertion helpers.
 */

import assert from 'node:assert/strict';
import type { TrackingBackend } from '../../server/src/tracking/backend.ts';
import { TrackingError } from '../../server/src/tracking/errors.ts';
import type { TrackingErrorCode } from '../../server/src/tracking/errors.ts';
import type { CreateRunInput, Metric, Run } from '../../server/src/tracking/types.ts';

/** MLflow stores ±Infinity as the largest finite double and returns that. */
export const MAX_DOUBLE = 1.7976931348623157e308;
/** An experiment id that no test server will have reached. */
export const MISSING_EXPERIMENT_ID = '987654321';
export const MISSING_RUN_ID = '0123456789abcdef0123456789abcdef';

/** What every contract section gets: the backend (set once the suite's `before` ran) and naming helpers. */
export interface ContractContext {
  backend: TrackingBackend;
  /** The random prefix of every name this suite creates. */
  prefix: string;
  /** A fresh name under the suite prefix. */
  unique(label: string): string;
  newExperiment(label: string, tags?: Record<string, string>): Promise<string>;
  newRun(experimentId: string, extra?: Partial<CreateRunInput>): Promise<Run>;
}

/** Asserts that `promise` rejects with a TrackingError of `code`. */
export async function expectCode(promise: Promise<unknown>, code: TrackingErrorCode): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof TrackingError, `expected a TrackingError, got ${String(err)}`);
    assert.equal(err.code, code, `expected ${code}, got ${err.code}: ${err.message}`);
    return true;
  });
}

/** Asserts a rejection where MLflow's code depends on its database engine. */
export async function expectTrackingError(promise: Promise<unknown>): Promise<void> {
  await assert.rejects(promise, (err: unknown) => err instanceof TrackingError);
}

export const metric = (key: string, value: number, timestamp: number, step: number): Metric => ({ key, value, timestamp, step });
export const many = <T>(n: number, make: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => make(i));
