/**
 * Messages between the extension and its webview panels (DESIGN §6). Both directions are
 * validated with these schemas on arrival: a webview is a separate page whose messages are
 * untrusted, and the extension's messages carry user data (run names, metric keys, error texts)
 * that the page renders as text only. Every schema is strict (extra keys fail) and bounded
 * (strings, arrays), so a malformed or huge message is refused by `safeParse`, never thrown on.
 */
import { z } from 'zod';
import { TenantIdSchema as TenantId } from './settings.ts';

/** The `viewType` of the Live Metrics panel (also its serializer's key). */
export const LIVE_PANEL_VIEW_TYPE = 'matih.liveMetrics';
/** Runs one Live Metrics panel shows at once. */
export const LIVE_PANEL_MAX_RUNS = 20;
/** Points per `points` message; longer histories arrive in several. */
export const LIVE_PANEL_MAX_POINTS = 25_000;

const RunId = z.string().min(1).max(64);
const MetricKey = z.string().min(1).max(250);
const Status = z.enum(['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED']);
export type LivePanelStatus = z.infer<typeof Status>;
const EpochMs = z.number().min(0).max(8.64e15);

/** One point: `[step, value (null for NaN), timestamp in epoch ms]`, compact since histories are long. */
const Point = z.tuple([z.number().int().min(-(2 ** 63)).max(2 ** 63), z.number().nullable(), EpochMs]);
export type LivePanelPoint = z.infer<typeof Point>;

export const LivePanelRun = z.strictObject({
  tenant: TenantId,
  runId: RunId,
  /** The run's display name (user data: shown as text). */
  name: z.string().max(1000),
  status: Status,
  /** Epoch ms. */
  startTime: EpochMs,
});
export type LivePanelRun = z.infer<typeof LivePanelRun>;

/** Extension → Live Metrics webview. */
export const LiveToWebview = z.discriminatedUnion('type', [
  /** Adds a run (or updates its name and status); `reset` drops its points before history is re-read. */
  z.strictObject({ type: z.literal('run'), run: LivePanelRun, reset: z.boolean() }),
  /** Points of one metric of one run: history pages and live frames alike, merged by step. */
  z.strictObject({
    type: z.literal('points'),
    runId: RunId,
    key: MetricKey,
    points: z.array(Point).max(LIVE_PANEL_MAX_POINTS),
  }),
  z.strictObject({ type: z.literal('status'), runId: RunId, status: Status }),
  z.strictObject({ type: z.literal('removed'), runId: RunId }),
  /** Something went wrong for a run (or the panel when `runId` is absent); shown as text. */
  z.strictObject({ type: z.literal('error'), runId: RunId.optional(), message: z.string().max(2000) }),
]);
export type LiveToWebview = z.infer<typeof LiveToWebview>;

/** Live Metrics webview → extension. */
export const LiveFromWebview = z.discriminatedUnion('type', [
  /** The page's script runs and listens: the extension sends the runs and their data now. */
  z.strictObject({ type: z.literal('ready') }),
  /** The user closed a run's chip. */
  z.strictObject({ type: z.literal('removeRun'), runId: RunId }),
]);
export type LiveFromWebview = z.infer<typeof LiveFromWebview>;

/** What the page keeps with `setState`, and what the serializer gets back after a reload. */
export const LivePanelState = z.object({
  runs: z.array(z.strictObject({ tenant: TenantId, runId: RunId })).max(LIVE_PANEL_MAX_RUNS),
  /** EMA weight, 0 (none) to 0.99. */
  smoothing: z.number().min(0).max(0.99),
  xAxis: z.enum(['step', 'time']),
});
export type LivePanelState = z.infer<typeof LivePanelState>;
