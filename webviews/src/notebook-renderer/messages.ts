/**
 * Messages between the notebook renderer (in the notebook's webview) and the extension
 * (`client/src/notebooks/liveRendererMessaging.ts`, which keeps a structural copy: the two
 * projects cannot import each other). Tokens never cross this channel.
 */

/** The cell output `matih.live()` produces (MIME type {@link LIVE_MIME_TYPE}). */
export interface LiveOutput {
  run_id: string;
  tenant: string;
  /** The daemon's base URL, for telling the user which daemon the run belongs to. */
  url: string;
}

export const LIVE_MIME_TYPE = 'application/vnd.matih.live+json';
export const RENDERER_ID = 'matih.live-renderer';

/** One point: [step, value (null for NaN), epoch ms]. */
export type PointTuple = [number, number | null, number];

export type RendererToExtension =
  | { type: 'watch'; outputId: string; runId: string; tenant: string }
  | { type: 'unwatch'; outputId: string };

export type ExtensionToRenderer =
  /** The whole history of a watched run (also after the daemon restarted the subscription). */
  | { type: 'history'; outputId: string; runId: string; series: { key: string; points: PointTuple[] }[]; status: string }
  /** New points of a run, for every output that shows it. */
  | { type: 'points'; runId: string; tenant: string; series: { key: string; points: PointTuple[] }[]; status?: string }
  | { type: 'error'; outputId: string; message: string };
