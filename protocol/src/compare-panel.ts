/**
 * Messages between the extension and the Compare Runs webview (issue 6). As for every panel
 * (`webview.ts`), both directions are validated on arrival with these strict, bounded schemas:
 * a malformed or oversized message is dropped by `safeParse` and logged, never thrown on.
 *
 * The flow: the page says `ready`; the extension answers `compare` (runs, params side by side,
 * metric keys with their remembered directions); the page asks `series` for the metrics it shows,
 * at its charts' plot width (and again for a zoomed range); the extension answers with curves
 * the daemon reduced (`Inspect.series`), so the page never holds a full history. The runs a panel
 * compares are the extension's: the page names metric keys, never runs or tenants to read.
 */
import { z } from 'zod';
import { SERIES_MAX_RUNS, SERIES_MAX_WIDTH, SERIES_MIN_WIDTH, SeriesXAxis } from './inspect.ts';
import { RunStatusNameSchema } from './params.ts';
import { TenantIdSchema as TenantId } from './settings.ts';

/** The `viewType` of Compare Runs panels (also their serializer's key). */
export const COMPARE_PANEL_VIEW_TYPE = 'matih.compareRuns';
/** Runs one Compare Runs panel shows at most (one series request's limit). */
export const COMPARE_PANEL_MAX_RUNS = SERIES_MAX_RUNS;
/** Metric keys one `series` message of the page asks for at most. */
export const COMPARE_SERIES_MAX_KEYS = 20;
/** Points one curve carries at most: the daemon keeps at most four per pixel bucket. */
export const COMPARE_SERIES_MAX_POINTS = 4 * SERIES_MAX_WIDTH + 4;
/** Params and metrics a `compare` message lists at most. */
export const COMPARE_MAX_PARAMS = 5000;
export const COMPARE_MAX_METRICS = 2000;
/** An exported CSV is at most 20 MB; a PNG data URL at most 30 MB. */
export const COMPARE_MAX_CSV_CHARS = 20_000_000;
export const COMPARE_MAX_PNG_CHARS = 30_000_000;

const RunId = z.string().min(1).max(256);
const MetricKey = z.string().min(1).max(250);
const EpochMs = z.number().min(0).max(8.64e15);
const Direction = z.enum(['min', 'max']);
export type CompareDirection = z.infer<typeof Direction>;
/** A metric value: finite, or null (NaN, or no value). */
const Value = z.number().nullable();
/** `[step, value, timestamp epoch ms]` as `SeriesPoint`. */
const Point = z.tuple([z.number(), Value, z.number()]);
export type ComparePoint = z.infer<typeof Point>;

function isPoint(p: unknown): boolean {
  return (
    Array.isArray(p) &&
    p.length === 3 &&
    Number.isFinite(p[0]) &&
    (p[1] === null || Number.isFinite(p[1])) &&
    Number.isFinite(p[2])
  );
}

/**
 * A curve's points: the same rule as an array of `Point` with a maximum, checked in one loop —
 * a schema object per point made validating a 64 000-point answer the slowest step of a paint.
 */
const Points = z.custom<ComparePoint[]>(
  (v) => Array.isArray(v) && v.length <= COMPARE_SERIES_MAX_POINTS && v.every(isPoint),
  `must be at most ${COMPARE_SERIES_MAX_POINTS} points [step, value or null, timestamp], all finite`,
);
const Range = z.strictObject({ min: z.number(), max: z.number() }).refine((r) => r.max > r.min, 'max must be above min');

/** One compared run. Name and experiment name are user data (shown as text). */
export const CompareRun = z.strictObject({
  runId: RunId,
  name: z.string().max(1000),
  status: RunStatusNameSchema,
  startTime: EpochMs,
  endTime: EpochMs.nullable(),
  experimentId: z.string().max(64),
});
export type CompareRun = z.infer<typeof CompareRun>;

/** One param side by side: `values[i]` belongs to `runs[i]` (null: the run lacks it). */
export const CompareParam = z.strictObject({
  key: z.string().min(1).max(250),
  values: z.array(z.string().max(6000).nullable()).max(COMPARE_PANEL_MAX_RUNS),
  differs: z.boolean(),
});
export type CompareParam = z.infer<typeof CompareParam>;

/** One metric key: its better direction (remembered or guessed) and each run's latest value. */
export const CompareMetric = z.strictObject({
  key: MetricKey,
  direction: Direction,
  /** `latest[i]` belongs to `runs[i]`. */
  latest: z.array(Value).max(COMPARE_PANEL_MAX_RUNS),
});
export type CompareMetric = z.infer<typeof CompareMetric>;

/** One reduced curve, as `SeriesView` without the run's tenant. */
export const CompareCurve = z.strictObject({
  runId: RunId,
  key: MetricKey,
  totalPoints: z.number().int().min(0),
  reduced: z.boolean(),
  points: Points,
  min: Value,
  max: Value,
  last: Point.nullable(),
});
export type CompareCurve = z.infer<typeof CompareCurve>;

/** Extension → Compare Runs webview. */
export const CompareToWebview = z.discriminatedUnion('type', [
  /** The runs and what they hold; sent after every `ready` (the page may have been reloaded). */
  z.strictObject({
    type: z.literal('compare'),
    tenant: TenantId,
    runs: z.array(CompareRun).min(1).max(COMPARE_PANEL_MAX_RUNS),
    params: z.array(CompareParam).max(COMPARE_MAX_PARAMS),
    metrics: z.array(CompareMetric).max(COMPARE_MAX_METRICS),
  }),
  /** The answer to the page's `series` request with the same `requestId`. */
  z.strictObject({
    type: z.literal('series'),
    requestId: z.number().int().min(0),
    xAxis: SeriesXAxis,
    range: Range.optional(),
    curves: z.array(CompareCurve).max(COMPARE_PANEL_MAX_RUNS * COMPARE_SERIES_MAX_KEYS),
    /** Run start times (epoch ms), for the time-since-start axis. */
    startTimes: z.record(RunId, EpochMs),
  }),
  /** A `series` request failed; its charts show the message (as text). */
  z.strictObject({ type: z.literal('seriesError'), requestId: z.number().int().min(0), message: z.string().max(2000) }),
  /** The panel could not load (e.g. the daemon is not running, or a run is gone); shown as text. */
  z.strictObject({ type: z.literal('error'), message: z.string().max(2000) }),
]);
export type CompareToWebview = z.infer<typeof CompareToWebview>;

/** Compare Runs webview → extension. */
export const CompareFromWebview = z.discriminatedUnion('type', [
  /** The page's script runs and listens: the extension sends `compare` now. */
  z.strictObject({ type: z.literal('ready') }),
  /** Curves of these metrics for the panel's runs, reduced for `width` plot pixels (and a zoomed `range`). */
  z.strictObject({
    type: z.literal('series'),
    requestId: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    keys: z.array(MetricKey).min(1).max(COMPARE_SERIES_MAX_KEYS),
    xAxis: SeriesXAxis,
    width: z.number().int().min(SERIES_MIN_WIDTH).max(SERIES_MAX_WIDTH),
    range: Range.optional(),
  }),
  /** The user chose which way is better for a metric; remembered for the workspace. */
  z.strictObject({ type: z.literal('direction'), key: MetricKey, direction: Direction }),
  /** Save this CSV text (the params and metrics table) where the user picks. */
  z.strictObject({
    type: z.literal('exportCsv'),
    csv: z.string().max(COMPARE_MAX_CSV_CHARS),
    /** Suggested file name, without folder. */
    fileName: z.string().min(1).max(200),
  }),
  /** Save a chart as PNG where the user picks. */
  z.strictObject({
    type: z.literal('exportPng'),
    dataUrl: z.string().max(COMPARE_MAX_PNG_CHARS).regex(/^data:image\/png;base64,[A-Za-z0-9+/]+={0,2}$/, 'must be a base64 PNG data URL'),
    fileName: z.string().min(1).max(200),
  }),
]);
export type CompareFromWebview = z.infer<typeof CompareFromWebview>;

/** What the page keeps with `setState`, and what the serializer gets back after a reload. */
export const ComparePanelState = z.object({
  tenant: TenantId,
  runIds: z.array(RunId).min(1).max(COMPARE_PANEL_MAX_RUNS),
  /** The params table shows only the params whose values differ. */
  onlyDiffers: z.boolean().default(true),
  xAxis: SeriesXAxis.default('step'),
  /** EMA weight, 0 (none) to 0.99. */
  smoothing: z.number().min(0).max(0.99).default(0),
  /** Metric keys drawn on a log scale. */
  logKeys: z.array(MetricKey).max(COMPARE_MAX_METRICS).default([]),
  /** Runs hidden from the charts (legend toggles). */
  hidden: z.array(RunId).max(COMPARE_PANEL_MAX_RUNS).default([]),
  /** Directions the user chose in this panel (over the remembered ones). */
  directions: z.record(MetricKey, Direction).default({}),
});
export type ComparePanelState = z.infer<typeof ComparePanelState>;
