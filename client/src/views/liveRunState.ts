/**
 * How a live frame changes a run the tree shows, and how often the tree is told: pure (no
 * `vscode`), so both are tested in Node.
 *
 * A frame carries points (key, step, value, timestamp) and, when the run's status changed, the
 * new status and end time. The tree shows the latest value per key as MLflow defines it: the
 * point with the highest step, ties broken by the later timestamp. The run view the tree holds
 * does not say which step its value came from, so the first streamed point of a key replaces it
 * (a point streamed after the run was read is, in a training loop, a later one); after that a
 * point only replaces the shown one when it is at least as late. Whatever this guesses is
 * corrected when the run ends: the tree then re-reads the run from the daemon.
 */
import type { LiveFrame, LiveStatus, RunStatusName, RunView } from '../../../protocol/src/index.ts';

/** Runs in these states can still change: the tree follows them live and offers "Mark as …". */
export function isLiveStatus(status: RunStatusName): boolean {
  return status === 'running' || status === 'scheduled';
}

/** Where the shown value of one key came from: its step and timestamp. */
export interface MetricCursor {
  step: number;
  timestamp: number;
}

/** A cursor per metric key of one run, kept between frames. */
export type MetricCursors = Map<string, MetricCursor>;

function later(a: MetricCursor, b: MetricCursor): boolean {
  return a.step > b.step || (a.step === b.step && a.timestamp >= b.timestamp);
}

/** The run view with a live status applied: lower-case status, ISO end time, duration. */
export function withStatus(run: RunView, status: LiveStatus): RunView {
  const endTime = status.endTime === null ? null : new Date(status.endTime).toISOString();
  const start = Date.parse(run.startTime);
  const durationSeconds = status.endTime === null || !Number.isFinite(start) ? null : Math.max(0, status.endTime - start) / 1000;
  return { ...run, status: status.status.toLowerCase() as RunStatusName, endTime, durationSeconds };
}

/**
 * The run as it is after `frame` (same object when nothing shown changed). `cursors` is updated
 * in place with the keys whose shown value the frame replaced.
 */
export function applyFrame(run: RunView, frame: LiveFrame, cursors: MetricCursors): RunView {
  let metrics: Record<string, number | null> | undefined;
  for (const p of frame.points) {
    const at = { step: p.step, timestamp: p.timestamp };
    const cursor = cursors.get(p.key);
    if (cursor !== undefined && !later(at, cursor)) continue;
    cursors.set(p.key, at);
    const current = metrics ?? run.metrics;
    if (Object.hasOwn(current, p.key) && Object.is(current[p.key], p.value)) continue;
    metrics ??= { ...run.metrics };
    metrics[p.key] = p.value;
  }
  let next = metrics === undefined ? run : { ...run, metrics };
  const status = frame.status;
  if (status !== undefined) {
    const endTime = status.endTime === null ? null : new Date(status.endTime).toISOString();
    if (status.status.toLowerCase() !== run.status || endTime !== run.endTime) next = withStatus(next, status);
  }
  return next;
}

/** Schedules a callback once after `ms` (setTimeout in the product, a fake clock in tests). */
export type Schedule = (callback: () => void, ms: number) => { cancel(): void };

export const realSchedule: Schedule = (callback, ms) => {
  const timer = setTimeout(callback, ms);
  return { cancel: () => clearTimeout(timer) };
};

/**
 * Collects the nodes that changed and hands them over at most once per `intervalMs`: the first
 * change after a quiet spell goes out at once, later ones wait for the interval to end, and a
 * node that changed ten times in between is handed over once.
 */
export class Coalescer<T> {
  readonly #flush: (items: T[]) => void;
  readonly #intervalMs: number;
  readonly #schedule: Schedule;
  readonly #now: () => number;
  readonly #pending = new Set<T>();
  #timer: { cancel(): void } | undefined;
  #last = -Infinity;

  constructor(flush: (items: T[]) => void, intervalMs: number, schedule: Schedule = realSchedule, now: () => number = () => performance.now()) {
    this.#flush = flush;
    this.#intervalMs = intervalMs;
    this.#schedule = schedule;
    this.#now = now;
  }

  get pending(): number {
    return this.#pending.size;
  }

  add(item: T): void {
    this.#pending.add(item);
    if (this.#timer !== undefined) return;
    const wait = Math.max(0, this.#last + this.#intervalMs - this.#now());
    this.#timer = this.#schedule(() => this.#run(), wait);
  }

  /** Forgets a pending item (its node left the tree). */
  delete(item: T): void {
    this.#pending.delete(item);
  }

  dispose(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
    this.#pending.clear();
  }

  #run(): void {
    this.#timer = undefined;
    if (this.#pending.size === 0) return;
    const items = [...this.#pending];
    this.#pending.clear();
    this.#last = this.#now();
    this.#flush(items);
  }
}
