/**
 * The Compare Runs page's data, without the DOM: which params the table shows, per-run min / max /
 * last of a metric and the best run by its direction, the CSV export, and the bookkeeping of
 * series requests (the newest request per chart wins; answers for another axis are stale).
 * Tested in `test/webviews/compare-model.test.ts`.
 */
import type { CompareCurve, CompareDirection, CompareMetric, CompareParam, CompareRun } from '../../../protocol/src/compare-panel.ts';

/** What the `compare` message brought. */
export interface CompareData {
  tenant: string;
  runs: CompareRun[];
  params: CompareParam[];
  metrics: CompareMetric[];
}

/** A run's name as shown: its name, or "Run" and the start of its id when it has none. */
export function runTitle(run: Pick<CompareRun, 'runId' | 'name'>): string {
  return run.name.trim() !== '' ? run.name : `Run ${run.runId.slice(0, 8)}`;
}

/** The params the table shows: those whose values differ, or all. */
export function visibleParams(params: readonly CompareParam[], onlyDiffers: boolean): CompareParam[] {
  return onlyDiffers ? params.filter((p) => p.differs) : params.slice();
}

/** One run's figures for one metric. `last` is the value at the highest step. */
export interface RunStats {
  runId: string;
  min: number | null;
  max: number | null;
  last: number | null;
  /** Points logged (before the daemon reduced them); 0 when the run lacks the metric. */
  totalPoints: number;
}

/**
 * Per-run figures for a metric, in run order: from the unzoomed curves when they have arrived,
 * else from the latest values `compare` brought (min and max unknown yet).
 */
export function metricStats(runs: readonly CompareRun[], metric: CompareMetric, curves: ReadonlyMap<string, CompareCurve> | undefined): RunStats[] {
  return runs.map((run, i) => {
    const curve = curves?.get(run.runId);
    if (curve !== undefined) {
      return { runId: run.runId, min: curve.min, max: curve.max, last: curve.last?.[1] ?? null, totalPoints: curve.totalPoints };
    }
    const latest = metric.latest[i] ?? null;
    return { runId: run.runId, min: null, max: null, last: latest, totalPoints: latest === null ? 0 : 1 };
  });
}

/**
 * The best run for a metric: the lowest (`min`) or highest (`max`) last value; ties go to the
 * earlier run. As the daemon's `Runs.compare` decides, by the latest value. Null when no run has one.
 */
export function bestRun(stats: readonly RunStats[], direction: CompareDirection): string | null {
  let best: RunStats | undefined;
  for (const s of stats) {
    if (s.last === null || !Number.isFinite(s.last)) continue;
    if (best === undefined || (direction === 'min' ? s.last < best.last! : s.last > best.last!)) best = s;
  }
  return best?.runId ?? null;
}

// --- CSV -----------------------------------------------------------------------------------------

/**
 * One CSV cell (RFC 4180): quoted when it holds a comma, quote or line break. Text that a
 * spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR first) gets a leading `'`
 * unless it is a plain number, so an exported param like `=HYPERLINK(...)` stays text.
 */
export function csvCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  let text = typeof value === 'number' ? (Number.isFinite(value) ? String(value) : '') : value;
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text) && !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * The params and metrics table as CSV: a column per run (headed by its name, then a `run_id`
 * row), a row per param (`params.<key>`), and per metric rows for last, min and max
 * (`metrics.<key>.last` …) and which run is best (`metrics.<key>.best`, `x` under it). Every
 * param is exported, whatever the "only what differs" switch shows.
 */
export function compareCsv(
  data: CompareData,
  stats: (metric: CompareMetric) => RunStats[],
  direction: (metric: CompareMetric) => CompareDirection,
): string {
  const rows: (string | number | null)[][] = [];
  rows.push(['', ...data.runs.map((r) => runTitle(r))]);
  rows.push(['run_id', ...data.runs.map((r) => r.runId)]);
  for (const p of data.params) rows.push([`params.${p.key}`, ...data.runs.map((_, i) => p.values[i] ?? null)]);
  for (const metric of data.metrics) {
    const s = stats(metric);
    const dir = direction(metric);
    const best = bestRun(s, dir);
    rows.push([`metrics.${metric.key}.last`, ...s.map((x) => x.last)]);
    rows.push([`metrics.${metric.key}.min`, ...s.map((x) => x.min)]);
    rows.push([`metrics.${metric.key}.max`, ...s.map((x) => x.max)]);
    rows.push([`metrics.${metric.key}.best (${dir})`, ...s.map((x) => (x.runId === best ? 'x' : null))]);
  }
  return `${rows.map((row) => row.map(csvCell).join(',')).join('\r\n')}\r\n`;
}

/** A file name from user data: letters, digits, `-_.` only, never empty. */
export function safeFileName(base: string, extension: string): string {
  const cleaned = base.replace(/[^\w.-]+/g, '-').replace(/^[-.]+|[-.]+$/g, '').slice(0, 80);
  return `${cleaned === '' ? 'compare' : cleaned}.${extension}`;
}

// --- Series requests ---------------------------------------------------------------------------

/** What one chart asked for last; an answer to an older request is ignored. */
export interface ChartRequest {
  requestId: number;
  xAxis: string;
  width: number;
  range: { min: number; max: number } | undefined;
}

/**
 * Hands out request ids and remembers, per metric key, the newest request that covers it, so
 * an answer that arrives after a newer request (a zoom, an axis change) is dropped.
 */
export class SeriesRequests {
  #next = 1;
  readonly #newest = new Map<string, ChartRequest>();

  /** Registers a request for `keys` and answers its id. */
  start(keys: readonly string[], xAxis: string, width: number, range?: { min: number; max: number }): number {
    const requestId = this.#next++;
    for (const key of keys) this.#newest.set(key, { requestId, xAxis, width, range });
    return requestId;
  }

  /** The newest request for a key, if any. */
  newest(key: string): ChartRequest | undefined {
    return this.#newest.get(key);
  }

  /** Whether an answer with this id is still what `key`'s chart waits for. */
  isCurrent(key: string, requestId: number): boolean {
    return this.#newest.get(key)?.requestId === requestId;
  }

  /** Forgets every key (e.g. the axis changed, so everything is asked again). */
  clear(): void {
    this.#newest.clear();
  }
}

/** Splits keys into chunks one `series` message may carry. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
