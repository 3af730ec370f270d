/**
 * The live metrics stream (DESIGN §9): frames of metric points and run status changes, pushed by
 * the daemon's MetricHub to the extension over LSP (`Live.*`) and to any other subscriber over
 * the WebSocket `/api/v1/stream`. Both carry the same {@link LiveFrame}; docs/protocol.md
 * ("Live metrics") describes the delivery guarantees and limits.
 */
import { z } from 'zod';
import { TenantIdSchema as TenantId } from './settings.ts';
import { notification, request } from './rpc.ts';

/** One logged metric point. */
export interface LivePoint {
  key: string;
  step: number;
  /** NaN is null (JSON has no NaN); ±Infinity is clamped to ±1.7976931348623157e308, as MLflow stores it. */
  value: number | null;
  /** Epoch milliseconds, as logged. */
  timestamp: number;
}

/** A run's status as it changed: the latest one when several changes fall into one frame. */
export interface LiveStatus {
  status: 'RUNNING' | 'SCHEDULED' | 'FINISHED' | 'FAILED' | 'KILLED';
  /** Epoch milliseconds, or null while the run has not ended. */
  endTime: number | null;
}

/**
 * What arrived for one run since the subscriber's previous frame. Points are in the order they
 * were written (so in order per key), each exactly once; `status`, when present, happened after
 * the points of this frame and of every earlier one.
 */
export interface LiveFrame {
  runId: string;
  tenant: string;
  points: LivePoint[];
  status?: LiveStatus;
}

/** Why the daemon stopped a subscription on its own. */
export type LiveEndReason =
  /** The subscriber fell too far behind; nothing was dropped silently, but nothing more comes. Re-read the history, then subscribe again. */
  | 'overflow';

/** Run ids per subscribe request, and per subscriber in total (LSP session or WebSocket connection). */
export const LIVE_MAX_RUNS = 100;
/** Metric keys one subscribe may name. */
export const LIVE_MAX_KEYS = 100;

const RunIds = z
  .array(z.string().min(1).max(64))
  .min(1)
  .max(LIVE_MAX_RUNS)
  .describe('Run ids of the tenant');

/** `Live.subscribe`: the runs (optionally only some keys) whose frames the daemon should send. */
export const LiveSubscribeParams = z.strictObject({
  tenant: TenantId,
  runIds: RunIds,
  /** Only these metric keys; every key when omitted. Subscribing a run again replaces its keys. */
  keys: z.array(z.string().min(1).max(250)).min(1).max(LIVE_MAX_KEYS).optional(),
});
export type LiveSubscribeParams = z.input<typeof LiveSubscribeParams>;

export const LiveUnsubscribeParams = z.strictObject({ tenant: TenantId, runIds: RunIds });
export type LiveUnsubscribeParams = z.input<typeof LiveUnsubscribeParams>;

/** Daemon → extension: all frames of one coalescing window (at most about 20 per second). */
export interface LiveFramesParams {
  frames: LiveFrame[];
}

/** Daemon → extension: the subscription ended (see {@link LiveEndReason}). */
export interface LiveEndedParams {
  reason: LiveEndReason;
}

/**
 * Something in a tenant's tree changed through the daemon: an experiment or run was created,
 * renamed, archived or restored (by a script, a notebook, another client or a command).
 */
export interface TreeChange {
  tenant: string;
  /** `experiments`: the tenant's experiment list; `runs`: an experiment's run list. */
  kind: 'experiments' | 'runs';
  /** The experiment concerned, when known (always for a created run). */
  experimentId?: string;
  /** The run concerned, for `runs` changes. */
  runId?: string;
  /** True when the item is new (a client already showing it has nothing to reload). */
  created: boolean;
}

/** Daemon → extension: tree changes of one coalescing window (at most about 3 per second). */
export interface TreeChangedParams {
  changes: TreeChange[];
}

/** LSP messages of the live stream. */
export const Live = {
  /**
   * Starts (or widens) the extension's subscription. Every run must be the tenant's: another
   * tenant's run fails with `not_found` exactly like a missing one, and then nothing is subscribed.
   */
  subscribe: request<typeof LiveSubscribeParams, { runIds: string[] }>('matih/live/subscribe', LiveSubscribeParams),
  /** Stops frames for these runs; unknown ones are ignored. */
  unsubscribe: request<typeof LiveUnsubscribeParams, null>('matih/live/unsubscribe', LiveUnsubscribeParams),
  /** Frames for the subscribed runs. */
  frame: notification<LiveFramesParams>('matih/live/frame'),
  /** The daemon ended the subscription (all runs); subscribe again after reloading the history. */
  ended: notification<LiveEndedParams>('matih/live/ended'),
  /** Experiments or runs were created or changed; sent to every session without subscribing. */
  treeChanged: notification<TreeChangedParams>('matih/live/treeChanged'),
} as const;

/** WebSocket `/api/v1/stream`, client → daemon. */
export const StreamClientMessage = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('subscribe'),
    tenant: TenantId,
    runIds: RunIds,
    keys: z.array(z.string().min(1).max(250)).min(1).max(LIVE_MAX_KEYS).optional(),
  }),
  z.strictObject({ type: z.literal('unsubscribe'), tenant: TenantId, runIds: RunIds }),
]);
export type StreamClientMessage = z.input<typeof StreamClientMessage>;

/** WebSocket `/api/v1/stream`, daemon → client. */
export type StreamServerMessage =
  | { type: 'subscribed'; tenant: string; runIds: string[] }
  | { type: 'unsubscribed'; tenant: string; runIds: string[] }
  | { type: 'frames'; frames: LiveFrame[] }
  /** A refused message; the connection stays open. `code` as in the v1 API (`validation_error`, `not_found`, `forbidden`, `rate_limited`). */
  | { type: 'error'; code: string; message: string; field?: string };
