/**
 * The Live Metrics panel's data, without the DOM: points merged per run and metric (sorted by
 * step, one point per step), the smoothed, aligned tables uPlot draws (`shared/chartData.ts`), and
 * the throttle that keeps redraws to about ten a second however fast frames arrive. Tested in `test/webviews/`.
 */
import type { LivePanelPoint, LivePanelRun, LivePanelStatus, LiveToWebview } from '../../../protocol/src/index.ts';
import { align, ema } from '../shared/chartData.ts';
import type { Table } from '../shared/chartData.ts';
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

export type XAxis = 'step' | 'time';

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
