import assert from 'node:assert/strict';
import { TrackingError, type TrackingErrorCode } from '../../server/src/tracking/errors.ts';

/** Asserts that `promise` rejects with a TrackingError of `code`, and returns that error. */
export async function expectCode(promise: Promise<unknown>, code: TrackingErrorCode): Promise<TrackingError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(err instanceof TrackingError, `expected a TrackingError, got ${String(err)}`);
  assert.equal(err.code, code, err.message);
  return err;
}
