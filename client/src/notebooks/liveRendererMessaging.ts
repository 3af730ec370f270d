/**
 * The extension's side of the notebook renderer `matih.live-renderer`: a rendered
 * `matih.live()` output asks (`watch`) for a run; this answers with the run's metric history and
 * then forwards the daemon's live frames (`Live.frame`) while any output shows the run. The run's
 * subscription is one hold of the shared {@link DaemonLiveSubscriptions} (counted with the Live
 * Metrics panel's), taken by the first output of the run and given up by the last.
 *
 * The messages are those of `protocol/src/notebook-renderer.ts`; what the renderer sends is
 * validated on arrival.
 */
import { notebooks } from 'vscode';
import type { Disposable, LogOutputChannel, NotebookEditor } from 'vscode';
import { LIVE_RENDERER_ID, LIVE_RENDERER_MAX_KEYS, LIVE_RENDERER_MAX_POINTS, Live, LiveRendererToExtension, Runs } from '../../../protocol/src/index.ts';
import type { LiveExtensionToRenderer, LiveFrame, LiveRendererPoint, LiveRendererSeries } from '../../../protocol/src/index.ts';
import type { DaemonApi } from '../daemon/daemonClient.ts';
import { type DaemonLiveSubscriptions, LiveHolds } from '../daemon/liveSubscriptions.ts';
import { readableError } from '../util/errors.ts';
import { pointsMessage } from './rendererMessages.ts';

export const RENDERER_ID = LIVE_RENDERER_ID;
/** Points per history page, and pages of one metric read for a chart (beyond, the chart starts late). */
const HISTORY_PAGE = 10_000;
const MAX_HISTORY_PAGES = LIVE_RENDERER_MAX_POINTS / HISTORY_PAGE;

type PointTuple = LiveRendererPoint;
type SeriesMessage = LiveRendererSeries;
type ToRenderer = LiveExtensionToRenderer;

interface Watch {
  runId: string;
  tenant: string;
  editor: NotebookEditor;
}

const runKey = (tenant: string, runId: string): string => `${tenant}\u0000${runId}`;

export class LiveRendererMessaging implements Disposable {
  readonly #daemon: DaemonApi;
  readonly #log: LogOutputChannel;
  readonly #messaging = notebooks.createRendererMessaging(RENDERER_ID);
  readonly #watches = new Map<string, Watch>();
  /** Run → outputs showing it; the run is held while its set is not empty. */
  readonly #runs = new Map<string, Set<string>>();
  /** Run → this messaging's one hold of its live subscription. */
  readonly #holds: LiveHolds;
  readonly #disposables: Disposable[] = [];

  constructor(daemon: DaemonApi, subscriptions: DaemonLiveSubscriptions, log: LogOutputChannel) {
    this.#daemon = daemon;
    this.#holds = new LiveHolds(subscriptions);
    this.#log = log;
    this.#disposables.push(
      this.#messaging.onDidReceiveMessage(({ editor, message }) => {
        const parsed = LiveRendererToExtension.safeParse(message);
        if (parsed.success) void this.#onMessage(editor, parsed.data);
        else this.#log.warn(`Notebook live chart: ignored a malformed renderer message (${parsed.error.issues[0]?.message ?? 'invalid'})`);
      }),
      daemon.onNotification(Live.frame, ({ frames }) => this.#onFrames(frames)),
      // The daemon dropped the subscription (overflow) or restarted: the shared subscriptions
      // subscribed the held runs again; read the histories again (the holds stay as they are).
      subscriptions.onDidResubscribe(() => void this.#reloadAll()),
    );
  }

  dispose(): void {
    for (const d of this.#disposables.splice(0)) d.dispose();
    this.#holds.releaseAll();
    this.#runs.clear();
    this.#watches.clear();
  }

  async #onMessage(editor: NotebookEditor, message: LiveRendererToExtension): Promise<void> {
    if (message.type === 'watch') {
      this.#unwatch(message.outputId);
      const watch = { runId: message.runId, tenant: message.tenant, editor };
      this.#watches.set(message.outputId, watch);
      const key = runKey(watch.tenant, watch.runId);
      let outputs = this.#runs.get(key);
      if (outputs === undefined) this.#runs.set(key, (outputs = new Set()));
      outputs.add(message.outputId);
      await this.#load(message.outputId, watch);
    } else {
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
      this.#holds.release(watch.tenant, watch.runId);
    }
  }

  /** Holds the run first (so nothing logged meanwhile is missed; the renderer drops duplicates), then sends the history. */
  async #load(outputId: string, watch: Watch): Promise<void> {
    try {
      // Held once for all the run's outputs; a failed hold is retried by the next load.
      await this.#holds.hold(watch.tenant, watch.runId);
      const run = await this.#daemon.request(Runs.get, { tenant: watch.tenant, runId: watch.runId });
      const series: SeriesMessage = [];
      for (const key of Object.keys(run.metrics).sort().slice(0, LIVE_RENDERER_MAX_KEYS)) {
        const points: PointTuple[] = [];
        let pageToken: string | undefined;
        for (let page = 0; page < MAX_HISTORY_PAGES; page++) {
          const history = await this.#daemon.request(Runs.metricHistory, {
            tenant: watch.tenant,
            runId: watch.runId,
            key,
            maxResults: HISTORY_PAGE,
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
      await this.#post({ type: 'error', outputId, message: `Cannot show run ${watch.runId}: ${readableError(error)}`.slice(0, 2000) }, watch.editor);
    }
  }

  async #reloadAll(): Promise<void> {
    for (const [outputId, watch] of [...this.#watches]) {
      if (this.#watches.get(outputId) === watch) await this.#load(outputId, watch);
    }
  }

  #onFrames(frames: LiveFrame[]): void {
    for (const frame of frames) {
      const outputs = this.#runs.get(runKey(frame.tenant, frame.runId));
      if (outputs === undefined) continue;
      const message = pointsMessage(frame);
      const editors = new Set([...outputs].map((id) => this.#watches.get(id)?.editor));
      for (const editor of editors) if (editor !== undefined) void this.#post(message, editor);
    }
  }

  async #post(message: ToRenderer, editor: NotebookEditor): Promise<void> {
    await Promise.resolve(this.#messaging.postMessage(message, editor)).catch(() => undefined);
  }
}
