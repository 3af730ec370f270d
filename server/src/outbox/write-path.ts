/**
 * The path of one buffered write: send it now, or store it and acknowledge. Writes to one run (or
 * experiment) take turns, so the decision is made with the lane's real state and a later write can
 * never overtake an earlier one. A write goes to the server only when its lane has nothing queued
 * and the server is not known to be failing; a retryable failure, or no answer within the direct
 * budget, stores it instead.
 */

import type { TrackingBackend } from '../tracking/backend.ts';
import { TrackingError } from '../tracking/errors.ts';
import type { Flusher, OutboxEvent } from './flusher.ts';
import { LaneLocks } from './lane-locks.ts';
import { alreadyApplied, applyOperation, decodeOperation, encodeOperation, experimentLane, laneOf } from './operations.ts';
import type { OutboxOperation } from './operations.ts';
import { classifyFailure } from './retry-policy.ts';
import type { Spool } from './spool.ts';

export interface WritePathOptions {
  /** How long a caller waits for a direct attempt before the write is stored and acknowledged. */
  directTimeoutMs: number;
  onEvent?: ((event: OutboxEvent) => void) | undefined;
}

type Settled = { status: 'fulfilled' } | { status: 'rejected'; reason: unknown } | { status: 'timeout' };

/** Sends or stores buffered writes, one lane at a time. */
export class WritePath {
  readonly #inner: TrackingBackend;
  readonly #spool: Spool;
  readonly #flusher: Flusher;
  readonly #options: WritePathOptions;
  readonly #locks = new LaneLocks();
  #stopped = false;

  constructor(inner: TrackingBackend, spool: Spool, flusher: Flusher, options: WritePathOptions) {
    this.#inner = inner;
    this.#spool = spool;
    this.#flusher = flusher;
    this.#options = options;
  }

  /**
   * Performs or stores a write; resolves with the server's answer when it went direct (the
   * RunInfo of an update), or undefined when it was stored. Throws what the server said when it
   * refused the write outright, and REQUEST_LIMIT_EXCEEDED when it had to be stored but could not.
   */
  submit(op: OutboxOperation): Promise<unknown> {
    const lane = laneOf(op);
    return this.#locks.run(lane, () => this.#writeInLane(op, lane));
  }

  /**
   * Runs a write that is not buffered (rename, delete, restore of an experiment) only when the
   * experiment has no buffered writes waiting, so it cannot overtake them; else it is refused
   * with TEMPORARILY_UNAVAILABLE, which MLflow clients retry.
   */
  guardExperiment(experimentId: string, fn: () => Promise<void>): Promise<void> {
    const lane = experimentLane(experimentId);
    return this.#locks.run(lane, async () => {
      this.#assertOpen();
      const waiting = this.#spool.depth(lane);
      if (waiting > 0) {
        throw new TrackingError(
          'TEMPORARILY_UNAVAILABLE',
          `${waiting} earlier write(s) to experiment ${experimentId} are still waiting in the outbox for the MLflow ` +
            'server; retry once they are delivered',
        );
      }
      await fn();
    });
  }

  /** Refuses new writes and resolves once those in progress are sent or stored. */
  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#locks.idle();
  }

  async #writeInLane(op: OutboxOperation, lane: string): Promise<unknown> {
    this.#assertOpen();
    if (this.#spool.depth(lane) > 0) {
      this.#enqueue(op, lane, 'earlier writes to this run are still queued');
      return undefined;
    }
    if (!this.#flusher.acceptsDirect) {
      this.#enqueue(op, lane, 'the MLflow server is unavailable (backing off)');
      return undefined;
    }
    let answer: unknown;
    const attempt = applyWithAnswer(this.#inner, op, (value) => {
      answer = value;
    });
    const settled = await settleWithin(attempt, this.#options.directTimeoutMs);
    if (settled.status === 'fulfilled') {
      this.#flusher.noteReachable();
      return answer;
    }
    if (settled.status === 'rejected') {
      const verdict = classifyFailure(settled.reason);
      if (!verdict.retry) {
        this.#flusher.noteReachable();
        throw settled.reason;
      }
      this.#flusher.noteFailure(verdict);
      this.#spool.noteError(verdict, Date.now());
      this.#enqueue(op, lane, `${verdict.code}: ${verdict.message}`);
      return undefined;
    }
    return this.#queueSlowAttempt(op, lane, attempt);
  }

  /**
   * The direct attempt is still running after its budget: store a copy and acknowledge, and keep
   * the flusher off the lane until the attempt ends — then drop the copy if it succeeded.
   */
  async #queueSlowAttempt(op: OutboxOperation, lane: string, attempt: Promise<void>): Promise<unknown> {
    const verdict = {
      retryAfterMs: undefined,
      httpStatus: undefined,
      code: 'TEMPORARILY_UNAVAILABLE',
      message: `The MLflow server did not answer within ${this.#options.directTimeoutMs} ms`,
    };
    this.#flusher.noteFailure(verdict);
    this.#spool.noteError({ ...verdict, retry: true }, Date.now());
    let seq: number;
    try {
      seq = this.#enqueue(op, lane, verdict.message);
    } catch (err) {
      // No room for a copy: the caller waits for the attempt itself.
      await attempt.catch((failure: unknown) => {
        throw classifyFailure(failure).retry ? err : failure;
      });
      this.#flusher.noteReachable();
      return undefined;
    }
    this.#flusher.hold(lane, attempt.then(
      () => this.#settleHeld(lane, seq, undefined),
      (failure: unknown) => this.#settleHeld(lane, seq, failure),
    ));
    return undefined;
  }

  async #settleHeld(lane: string, seq: number, failure: unknown): Promise<void> {
    const record = this.#spool.head(lane);
    if (record === undefined || record.seq !== seq) return;
    if (failure === undefined) {
      this.#spool.delivered(record, Date.now());
      this.#flusher.noteReachable();
      this.#emit({ type: 'delivered', lane, kind: record.kind, seq, attempts: 1 });
      return;
    }
    const verdict = classifyFailure(failure);
    if (verdict.retry) {
      this.#flusher.noteFailure(verdict);
      this.#spool.noteError(verdict, Date.now());
      return;
    }
    this.#flusher.noteReachable();
    if (await alreadyApplied(this.#inner, decodeOperation(record.payload), failure)) {
      this.#spool.delivered(record, Date.now());
      this.#emit({ type: 'delivered', lane, kind: record.kind, seq, attempts: 1 });
      return;
    }
    this.#spool.deadLetter(record, verdict, Date.now());
    this.#emit({
      type: 'dead-lettered', lane, kind: record.kind, seq,
      code: verdict.code, httpStatus: verdict.httpStatus ?? null, message: verdict.message,
    });
  }

  #enqueue(op: OutboxOperation, lane: string, reason: string): number {
    const seq = this.#spool.enqueue(lane, op.kind, encodeOperation(op), Date.now());
    this.#flusher.wake();
    this.#emit({ type: 'queued', lane, kind: op.kind, seq, reason });
    return seq;
  }

  #emit(event: OutboxEvent): void {
    try {
      this.#options.onEvent?.(event);
    } catch {
      // A faulty listener must not fail an acknowledged write.
    }
  }

  #assertOpen(): void {
    if (this.#stopped) {
      throw new TrackingError('TEMPORARILY_UNAVAILABLE', 'The tracking daemon is shutting down; retry the request');
    }
  }
}

/** Runs the operation, handing the answer of `updateRun` (a RunInfo) to `onAnswer`. */
async function applyWithAnswer(inner: TrackingBackend, op: OutboxOperation, onAnswer: (value: unknown) => void): Promise<void> {
  if (op.kind === 'updateRun') onAnswer(await inner.updateRun(op.runId, op.input));
  else await applyOperation(inner, op);
}

/** How the promise ended within `timeoutMs`, or that it had not yet. */
function settleWithin(promise: Promise<void>, timeoutMs: number): Promise<Settled> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ status: 'timeout' }), timeoutMs);
    promise.then(
      () => {
        clearTimeout(timer);
        resolve({ status: 'fulfilled' });
      },
      (reason: unknown) => {
        clearTimeout(timer);
        resolve({ status: 'rejected', reason });
      },
    );
  });
}
