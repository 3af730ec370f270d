/**
 * Requests behind the inspect panels (Compare Runs, Runs table, Run details): metric curves
 * reduced in the daemon to what a chart of a given width can show, and compact rows for a
 * runs table of many thousand runs. Both answer data only; the panels' own messages live in
 * their webview protocol files.
 */
import { z } from 'zod';
import { request } from './rpc.ts';
import { TenantIdSchema } from './settings.ts';

const RunId = z.string().regex(/^[a-zA-Z0-9][\w-]{0,255}$/, 'must be a run id');
const ExperimentId = z.string().regex(/^\d{1,19}$/, 'must be a numeric experiment id');
const MetricKey = z.string().min(1).max(250);

/** Runs one series request (and one Compare Runs panel) takes at most. */
export const SERIES_MAX_RUNS = 100;
/** Metric keys one series request takes at most. */
export const SERIES_MAX_KEYS = 100;
/**
 * Buckets one series request may ask for: runs × keys × width. Each bucket answers up to four
 * points, so this bounds a response at about 8 million points; ask for fewer keys at a time
 * beyond it.
 */
export const SERIES_MAX_BUCKETS = 2_000_000;
/** Chart widths in pixels that a series request accepts. */
export const SERIES_MIN_WIDTH = 16;
export const SERIES_MAX_WIDTH = 4096;

/** What the x axis of a chart shows; the daemon buckets points along it. */
export const SeriesXAxis = z.enum(['step', 'time', 'relative']);
export type SeriesXAxis = z.infer<typeof SeriesXAxis>;

export const RunsSeriesParams = z.strictObject({
  tenant: TenantIdSchema,
  runIds: z.array(RunId).min(1).max(SERIES_MAX_RUNS),
  keys: z.array(MetricKey).min(1).max(SERIES_MAX_KEYS),
  /**
   * `step`: the logged step; `time`: wall-clock epoch ms; `relative`: ms since the run started.
   * Points are bucketed along this axis. Default `step`.
   */
  xAxis: SeriesXAxis.default('step'),
  /** The visible x range (inclusive, in the axis' unit) when the user has zoomed; absent: all. */
  range: z.strictObject({ min: z.number(), max: z.number() }).optional(),
  /** The chart's plot width in CSS pixels: the number of buckets. */
  width: z.number().int().min(SERIES_MIN_WIDTH).max(SERIES_MAX_WIDTH),
  /**
   * `minmax`: per bucket the first, min, max and last point (extremes always kept);
   * `lttb`: largest-triangle-three-buckets to about `width` points (extremes kept too).
   * Default `minmax`.
   */
  method: z.enum(['minmax', 'lttb']).default('minmax'),
});
export type RunsSeriesParams = z.input<typeof RunsSeriesParams>;

/** One point: `[step, value (null for NaN; ±Infinity as ±1e308), timestamp epoch ms]`. */
export type SeriesPoint = [step: number, value: number | null, timestamp: number];

/** One curve: one metric of one run, reduced for the requested width and range. */
export interface SeriesView {
  runId: string;
  key: string;
  /** Points the run has for this key in the requested range before reduction. */
  totalPoints: number;
  /** True when `points` is a reduction of `totalPoints` (fewer points than were logged). */
  reduced: boolean;
  /** In x order; at most about 4 × width. Empty when the run never logged the key. */
  points: SeriesPoint[];
  /** Extremes of the whole (unreduced) range, so a legend is exact even when points are reduced. */
  min: number | null;
  max: number | null;
  /** The last logged point of the range (the highest step, then latest timestamp). */
  last: SeriesPoint | null;
}

/** The answer of `Inspect.series`: one entry per (run, key) pair requested, runs outer, keys inner. */
export interface RunsSeriesView {
  xAxis: SeriesXAxis;
  series: SeriesView[];
  /** Run start times (epoch ms) by run id, for `relative` axes and tooltips. */
  startTimes: Record<string, number>;
}

export const RunsTableParams = z.strictObject({
  tenant: TenantIdSchema,
  experimentIds: z.array(ExperimentId).min(1).max(20),
  /** MLflow run filter syntax (as `Runs.list`). */
  filter: z.string().max(4000).optional(),
  /** e.g. `['metrics.accuracy DESC']`; default newest first. */
  orderBy: z.array(z.string().min(1).max(500)).max(10).optional(),
  showArchived: z.boolean().default(false),
  pageToken: z.string().min(1).max(200).optional(),
  /** Rows per page, default 1000, at most 5000. */
  maxResults: z.number().int().min(1).max(5000).default(1000),
});
export type RunsTableParams = z.input<typeof RunsTableParams>;

/** One run as a table row: compact (epoch ms times, no artifact listing). */
export interface RunRowView {
  id: string;
  experimentId: string;
  name: string | null;
  status: 'running' | 'scheduled' | 'finished' | 'failed' | 'killed';
  lifecycleStage: 'active' | 'deleted';
  /** Epoch ms. */
  startTime: number;
  endTime: number | null;
  /** `mlflow.user` or the run's user id; null when unknown. */
  user: string | null;
  params: Record<string, string>;
  /** Latest value per metric (null for NaN). */
  metrics: Record<string, number | null>;
  tags: Record<string, string>;
}

/** A page of runs-table rows, with the union of column keys this page holds. */
export interface RunsTableView {
  rows: RunRowView[];
  columns: { params: string[]; metrics: string[]; tags: string[] };
  nextPageToken?: string;
}

/** The inspect panels' data. */
export const Inspect = {
  /** Metric curves of several runs, reduced in the daemon for a chart `width` pixels wide. */
  series: request<typeof RunsSeriesParams, RunsSeriesView>('matih/inspect/series', RunsSeriesParams),
  /** Runs of one or more experiments as compact rows for the runs table. */
  table: request<typeof RunsTableParams, RunsTableView>('matih/inspect/table', RunsTableParams),
} as const;
