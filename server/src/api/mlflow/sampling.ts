/**
 * The sampling behind `metrics/get-history-bulk-interval`, as MLflow's AbstractStore does it
 * (mlflow/store/tracking/abstract_store.py, 3.17): pick at most `max_results` evenly spaced
 * steps from the distinct steps of all requested runs, always keep each run's first and last
 * step, then return each run's points at those steps, thinned evenly to a bounded count so
 * thousands of values logged at one step cannot blow up the answer (mlflow/mlflow#24169).
 *
 * One deliberate difference: without a step range MLflow's AbstractStore starts the range at
 * step 0 and so drops negative steps; MLflow's SQL store (what a real server runs) does not
 * filter at all, and neither do we.
 */
import type { Metric } from '../../tracking/types.ts';

export interface RunHistory {
  runId: string;
  /** Every point of the metric for this run, in any order. */
  points: Metric[];
}

export interface SampledPoint {
  runId: string;
  metric: Metric;
}

/** Inclusive step range; both ends are given or neither is. */
export interface StepRange {
  start: number;
  end: number;
}

/** First index whose value is >= `x` in a sorted array (Python's bisect_left). */
function bisectLeft(sorted: number[], x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as number) < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index whose value is > `x` in a sorted array (Python's bisect_right). */
function bisectRight(sorted: number[], x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (x < (sorted[mid] as number)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Python's `round` for non-negative numbers: halves go to the even neighbour. */
export function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const fraction = x - floor;
  if (fraction > 0.5) return floor + 1;
  if (fraction < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** At most `max` evenly spaced indices into `total` items, always with the first and last. */
export function evenlySpacedIndices(total: number, max: number): number[] {
  if (total <= 0) return [];
  if (total <= max) return Array.from({ length: total }, (_, i) => i);
  if (max === 1) return [total - 1];
  const step = (total - 1) / (max - 1);
  const picked = new Set<number>();
  for (let i = 0; i < max; i++) picked.add(roundHalfEven(i * step));
  return [...picked].sort((a, b) => a - b);
}

/** The steps to return: evenly spaced over the distinct steps in range, plus every run's min and max. */
export function sampleSteps(histories: RunHistory[], maxResults: number, range?: StepRange): number[] {
  const minsAndMaxes = new Set<number>();
  const distinct = new Set<number>();
  for (const { points } of histories) {
    if (points.length === 0) continue;
    let min = Infinity;
    let max = -Infinity;
    for (const p of points) {
      distinct.add(p.step);
      if (p.step < min) min = p.step;
      if (p.step > max) max = p.step;
    }
    minsAndMaxes.add(min).add(max);
  }
  const allSteps = [...distinct].sort((a, b) => a - b);
  const start = range?.start ?? -Infinity;
  const end = range?.end ?? Infinity;

  const startIdx = bisectLeft(allSteps, start);
  const endIdx = bisectRight(allSteps, end);
  const sampled = new Set<number>();
  const inRange = endIdx - startIdx;
  if (inRange <= maxResults) {
    for (let i = startIdx; i < endIdx; i++) sampled.add(allSteps[i] as number);
  } else {
    const interval = inRange / maxResults;
    for (let i = 0; i < maxResults; i++) {
      const idx = startIdx + Math.floor(i * interval);
      if (idx < endIdx) sampled.add(allSteps[idx] as number);
    }
    sampled.add(allSteps[endIdx - 1] as number);
  }
  for (const s of minsAndMaxes) if (s >= start && s <= end) sampled.add(s);
  return [...sampled].sort((a, b) => a - b);
}

/**
 * The sampled points of every run, run by run in the order given, each run's points ordered by
 * step then timestamp. Each run returns at most max(max_results, number of sampled steps) points.
 */
export function sampleBulkInterval(histories: RunHistory[], maxResults: number, range?: StepRange): SampledPoint[] {
  const limit = Math.max(1, maxResults);
  const steps = sampleSteps(histories, limit, range);
  const stepSet = new Set(steps);
  const perRun = Math.max(limit, steps.length);
  const out: SampledPoint[] = [];
  for (const { runId, points } of histories) {
    // Array.prototype.sort is stable, so points on the same step and timestamp keep the store's order.
    const rows = points.filter((p) => stepSet.has(p.step)).sort((a, b) => a.step - b.step || a.timestamp - b.timestamp);
    for (const i of evenlySpacedIndices(rows.length, perRun)) out.push({ runId, metric: rows[i] as Metric });
  }
  return out;
}
