/**
 * Pieces every store shares when bytes move: counting them with throttled progress reports, and
 * checking that a body of a declared size really had that many bytes (a short body is a broken
 * upload, not a small file).
 */
import { Transform } from 'node:stream';
import type { TransformCallback } from 'node:stream';

/** Progress is reported at most this often, plus once at the end. */
const PROGRESS_INTERVAL_MS = 250;

/**
 * A pass-through that counts bytes, calls `onProgress` at most every 250 ms, and at the end
 * fails when `expected` was given and the count differs.
 */
export class ByteCounter extends Transform {
  bytes = 0;
  readonly #progress: ProgressReporter;
  readonly #expected: number | undefined;

  constructor(onProgress?: (bytes: number) => void, expected?: number) {
    super();
    this.#progress = progressReporter(onProgress);
    this.#expected = expected;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.#expected !== undefined && this.bytes > this.#expected) {
      callback(new Error(`body is longer than the declared ${this.#expected} bytes`));
      return;
    }
    this.#progress.report(this.bytes);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    if (this.#expected !== undefined && this.bytes !== this.#expected) {
      callback(new Error(`body ended after ${this.bytes} of the declared ${this.#expected} bytes`));
      return;
    }
    this.#progress.finish(this.bytes);
    callback();
  }
}

/** Checks a declared size up front, so a bad one is refused before any byte moves. */
export function checkDeclaredSize(size: number | undefined): void {
  if (size === undefined) return;
  if (!Number.isSafeInteger(size) || size < 0) {
    throw new RangeError(`size must be a non-negative integer number of bytes (got ${String(size)})`);
  }
}

/** A throttled progress callback: see progressReporter. */
export interface ProgressReporter {
  report(bytes: number): void;
  finish(bytes: number): void;
}

/**
 * Throttles progress reports, for ByteCounter and for transfers that learn their progress in steps
 * (parts sent, bytes acknowledged): `report` passes at most one call every 250 ms, `finish` always passes.
 */
export function progressReporter(onProgress: ((bytes: number) => void) | undefined): ProgressReporter {
  let last = 0;
  return {
    report(bytes) {
      const now = Date.now();
      if (onProgress && now - last >= PROGRESS_INTERVAL_MS) {
        last = now;
        onProgress(bytes);
      }
    },
    finish(bytes) {
      onProgress?.(bytes);
    },
  };
}
