/**
 * The Live Metrics panel's data, without the DOM: points merged per run and metric (sorted by
 * step, one point per step), EMA smoothing, the aligned tables uPlot draws, and the throttle that
 * keeps redraws to about ten a second however fast frames arrive. Tested in `test/webviews/`.
 */
import type { LivePanelPoint, LivePanelRun, LivePanelStatus, LiveToWebview } from '../../../protocol/src/index.ts';
import { lowerBound } from '../shared/sorted.ts';

/** One metric of one run, sorted by step; parallel arrays because uPlot wants columns. */
export interface Series {
  steps: number[];
  values: (number | null)[];
  /** Epoch ms. */
  times: number[];
}

export function emptySeries(): Series {
  return { steps: [], values: [], times: [] };
}


/**
 * Merges points into a series: kept sorted by step, one point per step (a point at a step already
 * present replaces it unless it is older, so a history page overlapping live frames changes
 * nothing). Appending in order — the live case — costs O(1) per point. Returns whether anything changed.
 */
export function mergePoints(series: Series, points: readonly LivePanelPoint[]): boolean {
  let changed = false;
  for (const [step, value, time] of points) {
    const n = series.steps.length;
    if (n === 0 || step > series.steps[n - 1]!) {
      series.steps.push(step);
      series.values.push(value);
      series.times.push(time);
      changed = true;
      continue;
    }
    const i = lowerBound(series.steps, step);
    if (series.steps[i] === step) {
      if (time < series.times[i]!) continue;
      if (series.values[i] === value && series.times[i] === time) continue;
      series.values[i] = value;
      series.times[i] = time;
    } else {
      series.steps.splice(i, 0, step);
      series.values.splice(i, 0, value);
      series.times.splice(i, 0, time);
    }
    changed = true;
  }
  return changed;
}

/**
 * Exponential moving average with TensorBoard's debiasing (the first points are not dragged
 * towards zero). `weight` 0 returns the values as they are; missing values stay missing and do
 * not disturb the average.
 */
export function ema(values: readonly (number | null)[], weight: number): (number | null)[] {
  if (!(weight > 0)) return values.slice();
  const w = Math.min(weight, 0.999);
  const out: (number | null)[] = new Array(values.length);
  let last = 0;
  let count = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined || !Number.isFinite(v)) {
      out[i] = null;
      continue;
    }
    last = last * w + (1 - w) * v;
    count++;
    out[i] = last / (1 - w ** count);
  }
  return out;
}

export type XAxis = 'step' | 'time';

/** A uPlot table: one x column, then one y column per series (null where a series has no point). */
export type Table = [number[], ...(number | null)[][]];

/**
 * Aligns several (x, y) columns on the union of their x values, sorted; for one series already
 * sorted by x it is returned as it is. Duplicate x within a series: the last one wins.
 */
export function align(columns: readonly { xs: readonly number[]; ys: readonly (number | null)[] }[]): Table {
  if (columns.length === 1) {
    const { xs, ys } = columns[0]!;
    let sorted = true;
    for (let i = 1; i < xs.length && sorted; i++) sorted = xs[i - 1]! < xs[i]!;
    if (sorted) return [xs.slice(), ys.slice()];
  }
  const all = new Set<number>();
  for (const c of columns) for (const x of c.xs) all.add(x);
  const xs = [...all].sort((a, b) => a - b);
  const index = new Map<number, number>();
  xs.forEach((x, i) => index.set(x, i));
  const table: Table = [xs];
  for (const c of columns) {
    const ys: (number | null)[] = new Array(xs.length).fill(null);
    for (let i = 0; i < c.xs.length; i++) ys[index.get(c.xs[i]!)!] = c.ys[i] ?? null;
    table.push(ys);
  }
  return table;
}

export interface RunData {
  run: LivePanelRun;
  metrics: Map<string, Series>;
  error: string | undefined;
}

/** Everything the panel shows, fed by the extension's messages. */
export class LiveStore {
  readonly runs = new Map<string, RunData>();
  /** A message for the whole panel (e.g. the daemon is not running). */
  error: string | undefined;

  /** Applies one (validated) message; answers what to redraw: metric keys, and whether the run list changed. */
  apply(message: LiveToWebview): { keys: Set<string>; runsChanged: boolean } {
    const keys = new Set<string>();
    let runsChanged = false;
    switch (message.type) {
      case 'run': {
        const existing = this.runs.get(message.run.runId);
        if (existing === undefined) {
          this.runs.set(message.run.runId, { run: message.run, metrics: new Map(), error: undefined });
        } else {
          existing.run = message.run;
          existing.error = undefined;
          if (message.reset) {
            for (const key of existing.metrics.keys()) keys.add(key);
            existing.metrics.clear();
          }
        }
        runsChanged = true;
        break;
      }
      case 'points': {
        const data = this.runs.get(message.runId);
        if (data === undefined) break;
        let series = data.metrics.get(message.key);
        if (series === undefined) {
          series = emptySeries();
          data.metrics.set(message.key, series);
        }
        if (mergePoints(series, message.points)) keys.add(message.key);
        break;
      }
      case 'status': {
        const data = this.runs.get(message.runId);
        if (data !== undefined && data.run.status !== message.status) {
          data.run = { ...data.run, status: message.status };
          runsChanged = true;
        }
        break;
      }
      case 'removed': {
        const data = this.runs.get(message.runId);
        if (data !== undefined) {
          for (const key of data.metrics.keys()) keys.add(key);
          this.runs.delete(message.runId);
          runsChanged = true;
        }
        break;
      }
      case 'error': {
        if (message.runId === undefined) this.error = message.message;
        else {
          const data = this.runs.get(message.runId);
          if (data !== undefined) data.error = message.message;
        }
        runsChanged = true;
        break;
      }
    }
    return { keys, runsChanged };
  }

  /** Every metric key of any run, sorted. */
  keys(): string[] {
    const all = new Set<string>();
    for (const data of this.runs.values()) for (const key of data.metrics.keys()) all.add(key);
    return [...all].sort((a, b) => a.localeCompare(b));
  }

  /** The chart table of one metric: one column per run that has it, x by step or wall time (seconds). */
  table(key: string, xAxis: XAxis, smoothing: number): { runIds: string[]; table: Table } {
    const runIds: string[] = [];
    const columns: { xs: readonly number[]; ys: readonly (number | null)[] }[] = [];
    for (const [runId, data] of this.runs) {
      const series = data.metrics.get(key);
      if (series === undefined || series.steps.length === 0) continue;
      runIds.push(runId);
      const xs = xAxis === 'step' ? series.steps : series.times.map((t) => t / 1000);
      columns.push({ xs, ys: ema(series.values, smoothing) });
    }
    return { runIds, table: columns.length === 0 ? [[]] : align(columns) };
  }
}

/** Latest value of a series, for the chart's caption. */
export function lastValue(series: Series | undefined): number | null {
  if (series === undefined) return null;
  for (let i = series.values.length - 1; i >= 0; i--) {
    const v = series.values[i];
    if (v !== null && v !== undefined) return v;
  }
  return null;
}

export function isEnded(status: LivePanelStatus): boolean {
  return status === 'FINISHED' || status === 'FAILED' || status === 'KILLED';
}

/**
 * Calls `fn` at most once per `intervalMs`: the first request runs after at most `intervalMs`,
 * requests meanwhile fold into that one call. Clock and timer are injectable for tests.
 */
export class Throttle {
  readonly #fn: () => void;
  readonly #intervalMs: number;
  readonly #now: () => number;
  readonly #setTimer: (fn: () => void, ms: number) => unknown;
  #pending = false;
  #last = -Infinity;

  constructor(
    fn: () => void,
    intervalMs: number,
    now: () => number = () => performance.now(),
    setTimer: (fn: () => void, ms: number) => unknown = (f, ms) => setTimeout(f, ms),
  ) {
    this.#fn = fn;
    this.#intervalMs = intervalMs;
    this.#now = now;
    this.#setTimer = setTimer;
  }

  request(): void {
    if (this.#pending) return;
    this.#pending = true;
    const wait = Math.max(0, this.#last + this.#intervalMs - this.#now());
    this.#setTimer(() => {
      this.#pending = false;
      this.#last = this.#now();
      this.#fn();
    }, wait);
  }
}
