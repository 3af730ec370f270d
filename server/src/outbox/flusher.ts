/**
 * The outbox's background sender: replays each lane's queued writes, oldest first, one at a time
 * per lane and a few lanes at once. A retryable failure pauses all lanes (they share one server)
 * for a backoff with jitter, or the server's `Retry-After`; any other answer moves that one record
 * to the dead letters after a single try and the lane carries on behind it.
 */

import type { TrackingBackend } from '../tracking/backend.ts';
import { alreadyApplied, applyOperation, decodeOperation } from './operations.ts';
import type { OutboxOperationKind } from './operations.ts';
import { backoffDelay, classifyFailure, retryAfterWait } from './retry-policy.ts';
import type { BackoffOptions, FailureVerdict } from './retry-policy.ts';
import type { Spool, SpoolRecord } from './spool.ts';

/** What the outbox reports as it works, for logs and the extension's status. */
export type OutboxEvent =
  | { type: 'queued'; lane: string; kind: OutboxOperationKind; seq: number; reason: string }
  | { type: 'delivered'; lane: string; kind: string; seq: number; attempts: number }
  | { type: 'retrying'; lane: string; kind: string; seq: number; code: string; httpStatus: number | null; delayMs: number }
  | { type: 'dead-lettered'; lane: string; kind: string; seq: number; code: string; httpStatus: number | null; message: string }
  | { type: 'error'; message: string };

export interface FlusherOptions {
  backoff: BackoffOptions;
  /** Lanes sent at once; default 4. Within a lane, strictly one at a time. */
  concurrency: number;
  onEvent?: ((event: OutboxEvent) => void) | undefined;
  random?: () => number;
}

// A lane with a steady stream of writes yields after this many, so other runs are not starved.
const MAX_PER_LANE_PER_ROUND = 50;

type Outcome = 'delivered' | 'retry' | 'dead';

/** Replays the spool against the wrapped backend until stopped. */
export class Flusher {
  readonly #spool: Spool;
  readonly #inner: TrackingBackend;
  readonly #options: FlusherOptions;
  #failures = 0;
  // Two clocks: our own backoff, which an explicit flush may cut short, and the server's
  // Retry-After, which nothing on our side overrides.
  #backoffUntil = 0;
  #serverSaysUntil = 0;
  readonly #held = new Map<string, Promise<void>>();
  #wakePending = false;
  #wakeResolve: (() => void) | undefined;
  #stopping = false;
  #loop: Promise<void> | undefined;
  readonly #idleWaiters = new Set<() => void>();

  constructor(spool: Spool, inner: TrackingBackend, options: FlusherOptions) {
    this.#spool = spool;
    this.#inner = inner;
    this.#options = options;
  }

  /** Starts replaying; whatever an earlier process left in the spool goes first. */
  start(): void {
    this.#loop ??= this.#run();
  }

  /**
   * Whether a new write to an empty lane should try the server directly. Not while backing off:
   * the server just failed, and hitting it with every new write would ignore its `Retry-After`
   * and make callers wait on a dead or hung server; the flusher's next attempt finds out.
   */
  get acceptsDirect(): boolean {
    if (this.#failures === 0) return true;
    // With nothing queued the flusher has nothing to probe with, so a direct write does it.
    return this.#spool.entries === 0 && Date.now() >= this.#resumeAt();
  }

  /** Consecutive retryable failures, and when the next attempt is due (null when not waiting). */
  get retryState(): { failures: number; nextAttemptAt: number | null } {
    const resumeAt = this.#resumeAt();
    return { failures: this.#failures, nextAttemptAt: resumeAt > Date.now() ? resumeAt : null };
  }

  /** New work, or a reason to look again. */
  wake(): void {
    if (this.#wakeResolve) this.#wakeResolve();
    else this.#wakePending = true;
  }

  /** Tries again now instead of at the end of the current backoff (a server's Retry-After still holds). */
  retryNow(): void {
    this.#backoffUntil = 0;
    this.wake();
  }

  /** The server answered (a success, or a verdict on one record): it is reachable again. */
  noteReachable(): void {
    if (this.#failures === 0 && this.#resumeAt() === 0) return;
    this.#failures = 0;
    this.#backoffUntil = 0;
    this.#serverSaysUntil = 0;
    this.wake();
  }

  /**
   * A retryable failure: starts or extends the pause. Failures that land while a pause is already
   * running (other lanes of the same round) extend it for `Retry-After` but do not count again.
   * Returns the wait in ms.
   */
  noteFailure(verdict: Pick<FailureVerdict, 'retryAfterMs'>): number {
    const now = Date.now();
    if (this.#resumeAt() <= now) {
      this.#failures++;
      this.#backoffUntil = now + backoffDelay(this.#failures, this.#options.backoff, this.#options.random);
    }
    this.#serverSaysUntil = Math.max(this.#serverSaysUntil, now + retryAfterWait(verdict, this.#options.backoff));
    return this.#resumeAt() - now;
  }

  #resumeAt(): number {
    return Math.max(this.#backoffUntil, this.#serverSaysUntil);
  }

  /**
   * Keeps the flusher off a lane until `settled` resolves: a direct attempt that outlived its
   * time budget may still reach the server, and replaying its copy meanwhile could reorder it.
   */
  hold(lane: string, settled: Promise<void>): void {
    const done = settled.finally(() => {
      this.#held.delete(lane);
      this.wake();
      this.#notifyIdle();
    });
    this.#held.set(lane, done);
  }

  /** Resolves once nothing is queued or held, or after `timeoutMs` with false. */
  whenIdle(timeoutMs: number): Promise<boolean> {
    if (this.#idle()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const finish = (idle: boolean): void => {
        clearTimeout(timer);
        this.#idleWaiters.delete(check);
        resolve(idle);
      };
      const check = (): void => {
        if (this.#idle()) finish(true);
      };
      const timer = setTimeout(() => finish(false), timeoutMs);
      this.#idleWaiters.add(check);
    });
  }

  /** Stops after the requests in flight (and held direct attempts) have finished. */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.wake();
    await this.#loop;
    await Promise.allSettled([...this.#held.values()]);
  }

  #idle(): boolean {
    return this.#spool.entries === 0 && this.#held.size === 0;
  }

  #notifyIdle(): void {
    for (const check of [...this.#idleWaiters]) check();
  }

  async #run(): Promise<void> {
    while (!this.#stopping) {
      const wait = this.#resumeAt() - Date.now();
      if (wait > 0) {
        await this.#sleep(wait);
        continue;
      }
      const lanes = this.#spool.lanes().filter((lane) => !this.#held.has(lane));
      if (lanes.length === 0) {
        await this.#sleep(undefined);
        continue;
      }
      try {
        await this.#round(lanes);
      } catch (err) {
        // A spool that cannot be written (disk full…) must not kill the sender for good: report,
        // pause as for an unavailable server, and try again.
        const message = `outbox flusher: ${err instanceof Error ? err.message : String(err)}`;
        this.#emit({ type: 'error', message });
        this.noteFailure({ retryAfterMs: undefined });
      }
    }
  }

  async #round(lanes: string[]): Promise<void> {
    let blocked = false;
    let next = 0;
    const worker = async (): Promise<void> => {
      for (let lane = lanes[next++]; lane !== undefined && !blocked; lane = lanes[next++]) {
        for (let sent = 0; sent < MAX_PER_LANE_PER_ROUND && !blocked && !this.#stopping && !this.#held.has(lane); sent++) {
          const record = this.#spool.head(lane);
          if (record === undefined) break;
          try {
            if ((await this.#deliver(record)) === 'retry') blocked = true;
          } catch (err) {
            blocked = true;
            throw err;
          }
        }
      }
    };
    const workers = Math.max(1, Math.min(this.#options.concurrency, lanes.length));
    // allSettled, not all: a round is over only when every worker is, or a new round could start
    // a second sender on a lane that is still being sent.
    const results = await Promise.allSettled(Array.from({ length: workers }, worker));
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  async #deliver(record: SpoolRecord): Promise<Outcome> {
    let failure: unknown;
    let ok = false;
    try {
      await applyOperation(this.#inner, decodeOperation(record.payload));
      ok = true;
    } catch (err) {
      failure = err;
    }
    if (!ok) {
      const verdict = classifyFailure(failure);
      if (verdict.retry) {
        this.#spool.failedAttempt(record, verdict, Date.now());
        const delayMs = this.noteFailure(verdict);
        this.#emit({ type: 'retrying', lane: record.lane, kind: record.kind, seq: record.seq, code: verdict.code, httpStatus: verdict.httpStatus ?? null, delayMs });
        return 'retry';
      }
      ok = await this.#appliedBefore(record, failure);
      if (!ok) {
        this.#spool.deadLetter(record, verdict, Date.now());
        this.noteReachable();
        this.#emit({
          type: 'dead-lettered', lane: record.lane, kind: record.kind, seq: record.seq,
          code: verdict.code, httpStatus: verdict.httpStatus ?? null, message: verdict.message,
        });
        this.#notifyIdle();
        return 'dead';
      }
    }
    this.#spool.delivered(record, Date.now());
    this.noteReachable();
    this.#emit({ type: 'delivered', lane: record.lane, kind: record.kind, seq: record.seq, attempts: record.attempts + 1 });
    this.#notifyIdle();
    return 'delivered';
  }

  async #appliedBefore(record: SpoolRecord, failure: unknown): Promise<boolean> {
    try {
      return await alreadyApplied(this.#inner, decodeOperation(record.payload), failure);
    } catch {
      return false;
    }
  }

  #sleep(ms: number | undefined): Promise<void> {
    if (this.#wakePending || this.#stopping) {
      this.#wakePending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = ms === undefined ? undefined : setTimeout(() => done(), ms);
      const done = (): void => {
        if (timer !== undefined) clearTimeout(timer);
        this.#wakeResolve = undefined;
        resolve();
      };
      this.#wakeResolve = done;
    });
  }

  #emit(event: OutboxEvent): void {
    try {
      this.#options.onEvent?.(event);
    } catch {
      // A faulty listener must not stop delivery.
    }
  }
}
