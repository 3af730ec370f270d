/**
 * The notebook renderer `matih.live-renderer` (the output of `matih.live()`) and its messages with
 * the extension (`client/src/notebooks/liveRendererMessaging.ts`). Both sides validate what they
 * receive with these schemas: the output's JSON comes from a kernel, the renderer's messages from
 * a webview, and the extension's carry user data (metric keys, error texts) shown as text only.
 * Strict and bounded, like the Live panel's (webview.ts). Tokens never cross this channel.
 *
 * Built with `zod/mini` and imported by the renderer directly (not through index.ts), so the
 * renderer's bundle holds these schemas and little else of zod.
 */
import * as z from 'zod/mini';
import { TENANT_ID_PATTERN } from './tenancy.ts';

export const LIVE_RENDERER_ID = 'matih.live-renderer';
/** The MIME type of `matih.live()` outputs (python/matih). */
export const LIVE_OUTPUT_MIME = 'application/vnd.matih.live+json';
/** Points of one metric in one message: a history is read up to this many, the rest left out. */
export const LIVE_RENDERER_MAX_POINTS = 100_000;
/** Metrics in one message. */
export const LIVE_RENDERER_MAX_KEYS = 5_000;

const text = (min: number, max: number) => z.string().check(z.minLength(min), z.maxLength(max));
const RunId = text(1, 64);
const TenantId = z.string().check(z.regex(TENANT_ID_PATTERN, "must be 1-63 characters of lowercase letters, digits and '-'"));
const MetricKey = text(1, 250);
/** VS Code's id of one output item. */
const OutputId = text(1, 200);
const RunStatus = z.enum(['running', 'scheduled', 'finished', 'failed', 'killed']);
const EpochMs = z.number().check(z.minimum(0), z.maximum(8.64e15));

/** The cell output `matih.live()` produces. Not strict: a newer helper may add fields. */
export const LiveOutput = z.object({
  run_id: RunId,
  tenant: TenantId,
  /** The daemon's base URL, for telling the user which daemon the run belongs to. */
  url: text(0, 2000),
});
export type LiveOutput = z.infer<typeof LiveOutput>;

/** One point: `[step, value (null for NaN), timestamp in epoch ms]`. */
const Point = z.tuple([z.number().check(z.minimum(-(2 ** 63)), z.maximum(2 ** 63), z.refine(Number.isInteger, 'must be an integer')), z.nullable(z.number()), EpochMs]);
export type LiveRendererPoint = z.infer<typeof Point>;

const Series = z
  .array(z.strictObject({ key: MetricKey, points: z.array(Point).check(z.maxLength(LIVE_RENDERER_MAX_POINTS)) }))
  .check(z.maxLength(LIVE_RENDERER_MAX_KEYS));
export type LiveRendererSeries = z.infer<typeof Series>;

/** Renderer → extension. */
export const LiveRendererToExtension = z.discriminatedUnion('type', [
  /** An output shows this run: send its history, then its live points. */
  z.strictObject({ type: z.literal('watch'), outputId: OutputId, runId: RunId, tenant: TenantId }),
  /** The output is gone (cleared, re-rendered, cell deleted). */
  z.strictObject({ type: z.literal('unwatch'), outputId: OutputId }),
]);
export type LiveRendererToExtension = z.infer<typeof LiveRendererToExtension>;

/** Extension → renderer. */
export const LiveExtensionToRenderer = z.discriminatedUnion('type', [
  /** The history of a watched run, for one output (also after the daemon restarted the subscription). */
  z.strictObject({ type: z.literal('history'), outputId: OutputId, runId: RunId, series: Series, status: RunStatus }),
  /** New points (and maybe a new status) of a run, for every output that shows it. */
  z.strictObject({ type: z.literal('points'), runId: RunId, tenant: TenantId, series: Series, status: z.optional(RunStatus) }),
  /** The run cannot be shown; the text is shown in the output. */
  z.strictObject({ type: z.literal('error'), outputId: OutputId, message: text(0, 2000) }),
]);
export type LiveExtensionToRenderer = z.infer<typeof LiveExtensionToRenderer>;
