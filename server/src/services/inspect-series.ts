/**
 * `Inspect.series`: metric curves of several runs, reduced for a chart `width` pixels wide so a
 * webview never receives a million points. Every run is checked against the tenant before any
 * history is read; then each (run, key) is read as columns over the requested range
 * (TrackingBackend.getMetricRange) and reduced along the chosen x axis (series/downsample.ts).
 * Legends stay exact: min, max and last come from the whole range, not from the reduction.
 */
import {
  type RunsSeriesParams,
  type RunsSeriesView,
  SERIES_MAX_BUCKETS,
  type SeriesPoint,
  type SeriesView,
  type SeriesXAxis,
} from '../../../protocol/src/index.ts';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { z } from 'zod';
import type { TrackingBackend } from '../tracking/backend.ts';
import { invalid } from '../tracking/errors.ts';
import type { MetricColumns, MetricRangeInput } from '../tracking/metric-range.ts';
import { downsample } from './series/downsample.ts';
import { jsonNumber } from './views.ts';

/** The request as the protocol's schema hands it over (defaults filled in). */
export type SeriesRequest = z.output<typeof RunsSeriesParams>;

/** Curves read at once: a remote backend answers several requests in parallel, the embedded store one by one anyway. */
const READ_CONCURRENCY = 8;

/** Stops work between curves when the caller no longer wants the answer. */
export interface Cancellation {
  readonly isCancellationRequested: boolean;
}

export async function series(scope: TrackingBackend, p: SeriesRequest, cancel?: Cancellation): Promise<RunsSeriesView> {
  checkLimits(p);
  // Ownership first: a foreign or missing run fails the request before anything is read.
  const runs = await Promise.all(p.runIds.map((id) => scope.getRun(id)));
  const startTimes: Record<string, number> = {};
  for (const r of runs) startTimes[r.info.runId] = r.info.startTime;

  const pairs = p.runIds.flatMap((runId) => p.keys.map((key) => ({ runId, key })));
  const out: SeriesView[] = new Array(pairs.length);
  let next = 0;
  let failed = false;
  const worker = async () => {
    for (;;) {
      // The embedded store reads synchronously: without a turn of the event loop between curves
      // a request over millions of points would hold up ingestion, and never see its cancellation.
      await nextTurn();
      if (failed || next >= pairs.length) return;
      if (cancel?.isCancellationRequested) throw new Error('series request cancelled');
      const i = next++;
      const { runId, key } = pairs[i]!;
      const offset = p.xAxis === 'relative' ? startTimes[runId]! : 0;
      try {
        const columns = await scope.getMetricRange(runId, key, rangeInput(p, offset));
        out[i] = curve(runId, key, columns, p, offset);
      } catch (err) {
        // One failure answers the request; the other readers stop rather than read for nobody.
        failed = true;
        throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, pairs.length) }, worker));
  return { xAxis: p.xAxis, series: out, startTimes };
}

function checkLimits(p: SeriesRequest): void {
  const duplicate = (list: string[]) => list.find((v, i) => list.indexOf(v) !== i);
  const run = duplicate(p.runIds);
  if (run !== undefined) throw invalid(`run ${run} is listed twice`, 'runIds');
  const key = duplicate(p.keys);
  if (key !== undefined) throw invalid(`metric key '${key}' is listed twice`, 'keys');
  const buckets = p.runIds.length * p.keys.length * p.width;
  if (buckets > SERIES_MAX_BUCKETS) {
    throw invalid(
      `${p.runIds.length} runs × ${p.keys.length} keys × ${p.width} px is ${buckets} buckets, more than ${SERIES_MAX_BUCKETS}; ask for fewer keys at a time`,
      'keys',
    );
  }
  if (p.range && p.range.min > p.range.max) throw invalid(`range.min (${p.range.min}) is greater than range.max (${p.range.max})`, 'range');
}

/** The backend range for the x axis: `relative` is a timestamp range shifted by the run's start. */
function rangeInput(p: SeriesRequest, offset: number): MetricRangeInput {
  const axis = p.xAxis === 'step' ? 'step' : 'timestamp';
  return p.range ? { axis, min: p.range.min + offset, max: p.range.max + offset } : { axis };
}

function curve(runId: string, key: string, c: MetricColumns, p: SeriesRequest, offset: number): SeriesView {
  const n = c.steps.length;
  const xs = xColumn(c, p.xAxis);
  const span = p.range ? { min: p.range.min + offset, max: p.range.max + offset } : undefined;
  const { indices, reduced } = downsample(p.method, xs, c.values, p.width, span);
  const points: SeriesPoint[] = new Array(indices.length);
  for (let i = 0; i < indices.length; i++) points[i] = point(c, indices[i]!);

  let min = Infinity;
  let max = -Infinity;
  let last = -1;
  for (let i = 0; i < n; i++) {
    const v = c.values[i]!;
    if (v < min) min = v;
    if (v > max) max = v;
    if (last < 0 || isLater(c, i, last)) last = i;
  }
  return {
    runId,
    key,
    totalPoints: n,
    reduced,
    points,
    min: min <= max ? jsonNumber(min) : null,
    max: min <= max ? jsonNumber(max) : null,
    last: last < 0 ? null : point(c, last),
  };
}

/** Bucketing along `relative` is bucketing along time: the offset moves every x alike. */
function xColumn(c: MetricColumns, axis: SeriesXAxis): Float64Array {
  return axis === 'step' ? c.steps : c.timestamps;
}

function point(c: MetricColumns, i: number): SeriesPoint {
  return [c.steps[i]!, jsonNumber(c.values[i]!), c.timestamps[i]!];
}

/** MLflow's latest-point rule: higher step, then later timestamp, then larger value (NaN as 0, as stored). */
function isLater(c: MetricColumns, a: number, b: number): boolean {
  if (c.steps[a] !== c.steps[b]) return c.steps[a]! > c.steps[b]!;
  if (c.timestamps[a] !== c.timestamps[b]) return c.timestamps[a]! > c.timestamps[b]!;
  const va = Number.isNaN(c.values[a]!) ? 0 : c.values[a]!;
  const vb = Number.isNaN(c.values[b]!) ? 0 : c.values[b]!;
  return va > vb;
}
