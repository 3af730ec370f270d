/**
 * Messages between the extension and the Run details panel (issue 6): one run's overview,
 * params, metrics with small charts, tags and a way to its artifacts. Both directions are
 * validated on arrival with these strict, bounded schemas; every string in them that came from
 * the run (names, params, tags, metric keys, sources, errors) is rendered as text only.
 */
import { z } from 'zod';
import { RunStatusNameSchema } from './params.ts';
import { TenantIdSchema as TenantId } from './settings.ts';

/** The `viewType` of the Run details panel (also its serializer's key). */
export const RUN_DETAILS_VIEW_TYPE = 'matih.runDetails';
/** Params, metrics or tags one run message carries at most. */
export const RUN_DETAILS_MAX_KEYS = 5000;
/** Artifact paths listed in the panel (the rest are counted). */
export const RUN_DETAILS_MAX_ARTIFACTS = 200;
/** Metric keys one `loadSeries` asks for (the daemon's per-request limit). */
export const RUN_DETAILS_MAX_SERIES_KEYS = 100;
/** Points one chart gets at most: about 4 per pixel of the widest chart the daemon reduces for. */
export const RUN_DETAILS_MAX_POINTS = 4 * 4096 + 4;

const RunId = z.string().regex(/^[a-zA-Z0-9][\w-]{0,255}$/, 'must be a run id');
const ExperimentId = z.string().regex(/^\d{1,19}$/, 'must be a numeric experiment id');
const Key = z.string().min(1).max(250);
const EpochMs = z.number().min(0).max(8.64e15);
/** MLflow keeps param values up to 6000 characters and tag values up to 8000; allow some room. */
const Value = z.string().max(10_000);

function boundedRecord<T extends z.ZodType>(value: T) {
  return z.record(Key, value).refine((r) => Object.keys(r).length <= RUN_DETAILS_MAX_KEYS, {
    message: `at most ${RUN_DETAILS_MAX_KEYS} keys`,
  });
}

/** One run as the panel shows it. */
export const RunDetails = z.strictObject({
  tenant: TenantId,
  id: RunId,
  experimentId: ExperimentId,
  /** The experiment's display name, when it could be read. */
  experimentName: z.string().max(1000).nullable(),
  name: z.string().max(1000).nullable(),
  status: RunStatusNameSchema,
  archived: z.boolean(),
  startTime: EpochMs,
  endTime: EpochMs.nullable(),
  /** `mlflow.user`, when set. */
  user: z.string().max(1000).nullable(),
  /** `mlflow.source.name` (a script path, notebook or git URL) and its type, when set. */
  source: z.string().max(10_000).nullable(),
  sourceType: z.string().max(100).nullable(),
  /** `mlflow.source.git.commit`, when set. */
  gitCommit: z.string().max(100).nullable(),
  params: boundedRecord(Value),
  /** Latest value per key; null for NaN. */
  metrics: boundedRecord(z.number().nullable()),
  tags: boundedRecord(Value),
  /** The first `RUN_DETAILS_MAX_ARTIFACTS` artifact paths, and how many there are. */
  artifacts: z.strictObject({ paths: z.array(z.string().max(4000)).max(RUN_DETAILS_MAX_ARTIFACTS), count: z.number().int().min(0) }),
});
export type RunDetails = z.infer<typeof RunDetails>;

/** A point of a small chart: `[step, value (null for NaN)]`. */
const Point = z.tuple([z.number(), z.number().nullable()]);

/** One metric's curve, reduced by the daemon for the chart's width, with exact extremes. */
export const RunDetailsSeries = z.strictObject({
  key: Key,
  points: z.array(Point).max(RUN_DETAILS_MAX_POINTS),
  /** Points logged before reduction. */
  totalPoints: z.number().int().min(0),
  reduced: z.boolean(),
  min: z.number().nullable(),
  max: z.number().nullable(),
  /** The last logged point: `[step, value]`. */
  last: Point.nullable(),
});
export type RunDetailsSeries = z.infer<typeof RunDetailsSeries>;

/** Extension → Run details webview. */
export const RunDetailsToWebview = z.discriminatedUnion('type', [
  /** The run (first after `ready`, and again after a refresh). */
  z.strictObject({ type: z.literal('run'), run: RunDetails }),
  /** Curves for metric keys the page asked for; one message per request. */
  z.strictObject({ type: z.literal('series'), series: z.array(RunDetailsSeries).max(RUN_DETAILS_MAX_SERIES_KEYS) }),
  /** Loading the run (or, with `keys`, those keys' curves) failed; shown as text. */
  z.strictObject({
    type: z.literal('error'),
    message: z.string().max(2000),
    keys: z.array(Key).max(RUN_DETAILS_MAX_SERIES_KEYS).optional(),
  }),
]);
export type RunDetailsToWebview = z.infer<typeof RunDetailsToWebview>;

/** Run details webview → extension. */
export const RunDetailsFromWebview = z.discriminatedUnion('type', [
  /** The page's script runs and listens: the extension sends the run now. */
  z.strictObject({ type: z.literal('ready') }),
  /** Curves of these metrics (the charts scrolled into view), reduced for `width` pixels. */
  z.strictObject({
    type: z.literal('loadSeries'),
    keys: z.array(Key).min(1).max(RUN_DETAILS_MAX_SERIES_KEYS),
    width: z.number().int().min(16).max(4096),
  }),
  /** Read the run again. */
  z.strictObject({ type: z.literal('refresh') }),
  /** Copy the run id to the clipboard. */
  z.strictObject({ type: z.literal('copyRunId') }),
  /** Show the run's artifacts in the sidebar. */
  z.strictObject({ type: z.literal('showArtifacts') }),
]);
export type RunDetailsFromWebview = z.infer<typeof RunDetailsFromWebview>;

/** What the page keeps with `setState`, and what the serializer gets back after a reload. */
export const RunDetailsPanelState = z.object({
  tenant: TenantId,
  runId: RunId,
});
export type RunDetailsPanelState = z.infer<typeof RunDetailsPanelState>;
