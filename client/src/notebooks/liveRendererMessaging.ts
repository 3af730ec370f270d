/**
 * The extension's side of the notebook renderer `matih.live-renderer`: a rendered
 * `matih.live()` output asks (`watch`) for a run; this answers with the run's metric history and
 * then forwards the daemon's live frames (`Live.subscribe` / `Live.frame`) while any output shows
 * the run. Subscriptions are counted per run, so two outputs of one run share one subscription.
 *
 * The message shapes are a structural copy of `webviews/src/notebook-renderer/messages.ts`.
 */
import { notebooks } from 'vscode';
import type { Disposable, LogOutputChannel, NotebookEditor } from 'vscode';
import { Live, Runs } from '../../../protocol/src/index.ts';
import type { LiveFrame } from '../../../protocol/src/index.ts';
import type { DaemonApi } from '../daemon/daemonClient.ts';
import { readableError } from '../util/errors.ts';

export const RENDERER_ID = 'matih.live-renderer';
/** Pages of one metric's history read for a chart; beyond that the chart starts late. */
const MAX_HISTORY_PAGES = 10;

type PointTuple = [number, number | null, number];
type SeriesMessage = { key: string; points: PointTuple[] }[];

type FromRenderer =
  | { type: 'watch'; outputId: string; runId: string; tenant: string }
  | { type: 'unwatch'; outputId: string };

type ToRenderer =
  | { type: 'history'; outputId: string; runId: string; series: SeriesMessage; status: string }
  | { type: 'points'; runId: string; tenant: string; series: SeriesMessage; status?: string }
  | { type: 'error'; outputId: string; message: string };

interface Watch {
  runId: string;
  tenant: string;
  editor: NotebookEditor;
}

const runKey = (tenant: string, runId: string): string => `${tenant}\u0000${runId}`;

/** Groups a frame's points by metric key, in the renderer's tuple form. */
export function frameSeries(frame: LiveFrame): SeriesMessage {
  const byKey = new Map<string, PointTuple[]>();
  for (const p of frame.points) {
    let list = byKey.get(p.key);
    if (list === undefined) byKey.set(p.key, (list = []));
    list.push([p.step, p.value, p.timestamp]);
  }
  return [...byKey].map(([key, points]) => ({ key, points }));
}

export class LiveRendererMessaging implements Disposable {
  readonly #daemon: DaemonApi;
  readonly #log: LogOutputChannel;
  readonly #messaging = notebooks.createRendererMessaging(RENDERER_ID);
  readonly #watches = new Map<string, Watch>();
  /** Run → outputs showing it; a run is subscribed while its set is not empty. */
  readonly #runs = new Map<string, Set<string>>();
  readonly #disposables: Disposable[] = [];

  constructor(daemon: DaemonApi, log: LogOutputChannel) {
    this.#daemon = daemon;
    this.#log = log;
    this.#disposables.push(
      this.#messaging.onDidReceiveMessage(({ editor, message }) => void this.#onMessage(editor, message as FromRenderer)),
      daemon.onNotification(Live.frame, ({ frames }) => this.#onFrames(frames)),
      // The daemon dropped the subscription (overflow) or restarted: read the history again, then resubscribe.
      daemon.onNotification(Live.ended, () => void this.#reloadAll()),
      daemon.onDidChangeState((state) => {
        if (state === 'running') void this.#reloadAll();
      }),
    );
  }

  dispose(): void {
    for (const d of this.#disposables.splice(0)) d.dispose();
    for (const key of this.#runs.keys()) {
      const [tenant, runId] = key.split('\u0000') as [string, string];
      void this.#daemon.request(Live.unsubscribe, { tenant, runIds: [runId] }).catch(() => undefined);
    }
    this.#runs.clear();
    this.#watches.clear();
  }

  async #onMessage(editor: NotebookEditor, message: FromRenderer): Promise<void> {
    if (message?.type === 'watch' && typeof message.runId === 'string' && typeof message.tenant === 'string') {
      this.#unwatch(message.outputId);
      const watch = { runId: message.runId, tenant: message.tenant, editor };
      this.#watches.set(message.outputId, watch);
      const key = runKey(watch.tenant, watch.runId);
      let outputs = this.#runs.get(key);
      const first = outputs === undefined;
      if (outputs === undefined) this.#runs.set(key, (outputs = new Set()));
      outputs.add(message.outputId);
      await this.#load(message.outputId, watch, first);
    } else if (message?.type === 'unwatch') {
      this.#unwatch(message.outputId);
    }
  }

  #unwatch(outputId: string): void {
    const watch = this.#watches.get(outputId);
    if (watch === undefined) return;
    this.#watches.delete(outputId);
    const key = runKey(watch.tenant, watch.runId);
    const outputs = this.#runs.get(key);
    outputs?.delete(outputId);
    if (outputs !== undefined && outputs.size === 0) {
      this.#runs.delete(key);
      void this.#daemon.request(Live.unsubscribe, { tenant: watch.tenant, runIds: [watch.runId] }).catch(() => undefined);
    }
  }

  /** Subscribes first (so nothing logged meanwhile is missed; the renderer drops duplicates), then sends the history. */
  async #load(outputId: string, watch: Watch, subscribe: boolean): Promise<void> {
    try {
      if (subscribe) await this.#daemon.request(Live.subscribe, { tenant: watch.tenant, runIds: [watch.runId] });
      const run = await this.#daemon.request(Runs.get, { tenant: watch.tenant, runId: watch.runId });
      const series: SeriesMessage = [];
      for (const key of Object.keys(run.metrics).sort()) {
        const points: PointTuple[] = [];
        let pageToken: string | undefined;
        for (let page = 0; page < MAX_HISTORY_PAGES; page++) {
          const history = await this.#daemon.request(Runs.metricHistory, {
            tenant: watch.tenant,
            runId: watch.runId,
            key,
            ...(pageToken !== undefined ? { pageToken } : {}),
          });
          for (const p of history.points) points.push([p.step, p.value, Date.parse(p.timestamp)]);
          pageToken = history.nextPageToken;
          if (pageToken === undefined) break;
        }
        series.push({ key, points });
      }
      if (!this.#watches.has(outputId)) return;
      await this.#post({ type: 'history', outputId, runId: watch.runId, series, status: run.status }, watch.editor);
    } catch (error) {
      this.#log.warn(`Notebook live chart of run ${watch.runId}: ${readableError(error)}`);
      await this.#post({ type: 'error', outputId, message: `Cannot show run ${watch.runId}: ${readableError(error)}` }, watch.editor);
    }
  }

  async #reloadAll(): Promise<void> {
    const subscribed = new Set<string>();
    for (const [outputId, watch] of this.#watches) {
      const key = runKey(watch.tenant, watch.runId);
      await this.#load(outputId, watch, !subscribed.has(key));
      subscribed.add(key);
    }
  }

  #onFrames(frames: LiveFrame[]): void {
    for (const frame of frames) {
      const outputs = this.#runs.get(runKey(frame.tenant, frame.runId));
      if (outputs === undefined) continue;
      const message: ToRenderer = {
        type: 'points',
        runId: frame.runId,
        tenant: frame.tenant,
        series: frameSeries(frame),
        ...(frame.status !== undefined ? { status: frame.status.status } : {}),
      };
      const editors = new Set([...outputs].map((id) => this.#watches.get(id)?.editor));
      for (const editor of editors) if (editor !== undefined) void this.#post(message, editor);
    }
  }

  async #post(message: ToRenderer, editor: NotebookEditor): Promise<void> {
    await Promise.resolve(this.#messaging.postMessage(message, editor)).catch(() => undefined);
  }
}
