/**
 * The Live Metrics panel (issue 5): one webview showing every metric of one or more runs, growing
 * as the daemon streams frames. Opening it on another run adds that run. The page is told what to
 * draw by typed messages (`protocol/src/webview.ts`) after it says `ready`; what the page sends
 * is validated before anything acts on it. The panel survives a reload through its serializer.
 */
import { Commands } from '../commands/ids.ts';
import { commands, QuickPickItemKind, ViewColumn, window } from 'vscode';
import type { Disposable, ExtensionContext, LogOutputChannel, QuickPickItem, WebviewPanel } from 'vscode';
import {
  Experiments,
  Live,
  LIVE_PANEL_MAX_POINTS,
  LIVE_PANEL_MAX_RUNS,
  LIVE_PANEL_VIEW_TYPE,
  LiveFromWebview,
  LivePanelState,
  Runs,
} from '../../../protocol/src/index.ts';
import type { LiveFrame, LivePanelPoint, LivePanelRun, LiveToWebview, RunView } from '../../../protocol/src/index.ts';
import type { DaemonApi } from '../daemon/daemonClient.ts';
import { type DaemonLiveSubscriptions, LiveHolds } from '../daemon/liveSubscriptions.ts';
import type { Settings } from '../config/settings.ts';
import { readableError } from '../util/errors.ts';
import { runLabel } from '../util/format.ts';
import { RunNode } from '../views/nodes/runNode.ts';
import { panelWebviewOptions, parsePanelMessage, renderPanel, watchPanel } from './panelHost.ts';
import { frameToMessages, toPanelRun } from './liveData.ts';

export const OPEN_LIVE_METRICS = Commands.openLiveMetrics;
/** Metric histories read at once per run. */
const HISTORY_CONCURRENCY = 4;

interface RunRef {
  tenant: string;
  runId: string;
}

async function inParallel<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

export class LiveMetricsPanel implements Disposable {
  readonly #context: ExtensionContext;
  readonly #daemon: DaemonApi;
  readonly #log: LogOutputChannel;
  readonly #disposables: Disposable[] = [];
  /** The panel's hold of each run's live subscription (shared with other users, counted). */
  readonly #holds: LiveHolds;
  #panel: WebviewPanel | undefined;
  #panelDisposables: Disposable[] = [];
  /** The panel's runs by run id, in the order they were added. */
  readonly #runs = new Map<string, RunRef>();
  #ready = false;
  /** Bumped on every (re)load, so answers of an older load are dropped. */
  #generation = 0;

  constructor(context: ExtensionContext, daemon: DaemonApi, subscriptions: DaemonLiveSubscriptions, log: LogOutputChannel) {
    this.#context = context;
    this.#daemon = daemon;
    this.#holds = new LiveHolds(subscriptions);
    this.#log = log;
    this.#disposables.push(
      daemon.onNotification(Live.frame, (params) => this.#onFrames(params.frames)),
      // Overflow (`Live.ended`) or a restarted daemon: the shared subscriptions subscribed the
      // held runs again; re-read the histories (the holds stay as they are).
      subscriptions.onDidResubscribe(() => this.#reloadAll()),
    );
  }

  /** Shows the panel (creating it when needed) and adds the runs not in it yet. */
  open(refs: readonly RunRef[]): void {
    if (this.#panel === undefined) {
      const panel = window.createWebviewPanel(LIVE_PANEL_VIEW_TYPE, 'Live Metrics', ViewColumn.Active, panelWebviewOptions(this.#context.extensionUri));
      this.#adopt(panel);
    } else {
      this.#panel.reveal();
    }
    for (const ref of refs) this.#add(ref);
  }

  /** Takes over a panel VS Code restored after a reload, with the runs the page had. */
  restore(panel: WebviewPanel, state: unknown): void {
    if (this.#panel !== undefined) {
      // One Live Metrics panel at a time; a second restored one is closed.
      panel.dispose();
      return;
    }
    this.#adopt(panel);
    const parsed = LivePanelState.safeParse(state);
    if (parsed.success) for (const ref of parsed.data.runs) this.#add(ref);
  }

  dispose(): void {
    this.#panel?.dispose();
    for (const d of this.#disposables.splice(0)) d.dispose();
  }

  #adopt(panel: WebviewPanel): void {
    this.#panel = panel;
    this.#ready = false;
    panel.webview.options = panelWebviewOptions(this.#context.extensionUri);
    this.#panelDisposables = watchPanel(panel, {
      onMessage: (message) => this.#onMessage(message),
      onHidden: () => {
        this.#ready = false;
      },
      onDisposed: () => this.#onDisposed(),
    });
    renderPanel(panel, this.#context.extensionUri, 'live', 'Live Metrics');
  }

  #post(message: LiveToWebview): void {
    if (this.#panel === undefined || !this.#ready) return;
    void this.#panel.webview.postMessage(message);
  }

  #onMessage(raw: unknown): void {
    const message = parsePanelMessage(LiveFromWebview, raw, this.#log, 'Live Metrics');
    if (message === undefined) return;
    switch (message.type) {
      case 'ready':
        this.#ready = true;
        this.#reloadAll();
        break;
      case 'removeRun': {
        const ref = this.#runs.get(message.runId);
        if (ref === undefined) return;
        this.#runs.delete(message.runId);
        this.#post({ type: 'removed', runId: message.runId });
        this.#holds.release(ref.tenant, ref.runId);
        break;
      }
    }
  }

  #add(ref: RunRef): void {
    if (this.#runs.has(ref.runId)) return;
    if (this.#runs.size >= LIVE_PANEL_MAX_RUNS) {
      void window.showWarningMessage(`The Live Metrics panel shows at most ${LIVE_PANEL_MAX_RUNS} runs; remove one first.`);
      return;
    }
    this.#runs.set(ref.runId, { tenant: ref.tenant, runId: ref.runId });
    if (this.#ready) void this.#load(ref, this.#generation);
  }

  #reloadAll(): void {
    if (!this.#ready) return;
    const generation = ++this.#generation;
    for (const ref of this.#runs.values()) void this.#load(ref, generation);
  }

  /** Subscribes first, then reads the run and its histories; overlapping points merge by step in the page. */
  async #load(ref: RunRef, generation: number): Promise<void> {
    const current = (): boolean => generation === this.#generation && this.#runs.has(ref.runId) && this.#ready;
    try {
      // Held once however often the run is (re)loaded; a failed hold is retried by the next load.
      await this.#holds.hold(ref.tenant, ref.runId);
      const run = await this.#daemon.request(Runs.get, { tenant: ref.tenant, runId: ref.runId });
      if (!current()) return;
      this.#post({ type: 'run', run: toPanelRun(ref.tenant, run), reset: true });
      await inParallel(Object.keys(run.metrics), HISTORY_CONCURRENCY, async (key) => {
        let pageToken: string | undefined;
        do {
          const page = await this.#daemon.request(Runs.metricHistory, {
            tenant: ref.tenant,
            runId: ref.runId,
            key,
            maxResults: LIVE_PANEL_MAX_POINTS,
            ...(pageToken === undefined ? {} : { pageToken }),
          });
          if (!current()) return;
          const points: LivePanelPoint[] = page.points.map((p) => {
            const t = Date.parse(p.timestamp);
            return [p.step, p.value, Number.isFinite(t) && t >= 0 ? t : 0];
          });
          this.#post({ type: 'points', runId: ref.runId, key, points });
          pageToken = page.nextPageToken;
        } while (pageToken !== undefined);
      });
    } catch (error) {
      if (!current()) return;
      const message = readableError(error);
      this.#log.warn(`Live Metrics: loading run ${ref.runId}: ${message}`);
      // The page shows errors per run; a run it does not know yet gets a placeholder entry.
      this.#post({
        type: 'run',
        run: { tenant: ref.tenant, runId: ref.runId, name: '', status: 'FAILED', startTime: 0 },
        reset: false,
      });
      this.#post({ type: 'error', runId: ref.runId, message: message.slice(0, 2000) });
    }
  }

  #onFrames(frames: readonly LiveFrame[]): void {
    if (!this.#ready) return;
    for (const frame of frames) {
      const ref = this.#runs.get(frame.runId);
      if (ref === undefined || ref.tenant !== frame.tenant) continue;
      for (const message of frameToMessages(frame)) this.#post(message);
    }
  }



  #onDisposed(): void {
    this.#holds.releaseAll();
    this.#runs.clear();
    this.#generation++;
    this.#ready = false;
    this.#panel = undefined;
    for (const d of this.#panelDisposables.splice(0)) d.dispose();
  }
}

interface RunPick extends QuickPickItem {
  ref?: RunRef;
}

/** Asks for a run of the active tenant: running ones, or the latest ones when none runs. */
async function pickRun(daemon: DaemonApi, tenant: string): Promise<RunRef | undefined> {
  const quickPick = window.createQuickPick<RunPick>();
  quickPick.title = 'Open Live Metrics';
  quickPick.placeholder = `Looking for running runs in tenant "${tenant}"…`;
  quickPick.busy = true;
  quickPick.matchOnDescription = true;
  quickPick.show();
  const find = async (filter: string | undefined, perExperiment: number): Promise<RunPick[]> => {
    const experiments = await daemon.request(Experiments.list, { tenant, maxResults: 100 });
    const groups: RunPick[][] = experiments.items.map(() => []);
    await inParallel(experiments.items.map((experiment, index) => ({ experiment, index })), 8, async ({ experiment, index }) => {
      const items = groups[index]!;
      const page = await daemon.request(Runs.list, {
        tenant,
        experimentId: experiment.id,
        maxResults: perExperiment,
        ...(filter === undefined ? {} : { filter }),
      });
      if (page.items.length === 0) return;
      items.push({ label: experiment.name, kind: QuickPickItemKind.Separator });
      for (const run of page.items) {
        items.push({
          label: runLabel(run),
          description: `${run.status} · started ${new Date(run.startTime).toLocaleString()}`,
          detail: run.id,
          ref: { tenant, runId: run.id },
        });
      }
    });
    return groups.flat();
  };
  try {
    const chosen = new Promise<RunRef | undefined>((resolve) => {
      quickPick.onDidAccept(() => resolve(quickPick.selectedItems[0]?.ref));
      quickPick.onDidHide(() => resolve(undefined));
    });
    let items = await find("status = 'RUNNING'", 50);
    if (items.length > 0) {
      quickPick.placeholder = 'Pick a running run';
    } else {
      items = await find(undefined, 5);
      quickPick.placeholder = items.length > 0 ? 'No run is running; pick a recent run' : `Tenant "${tenant}" has no runs yet`;
    }
    quickPick.items = items;
    quickPick.busy = false;
    return await chosen;
  } finally {
    quickPick.dispose();
  }
}

export interface LiveMetricsDeps {
  readonly context: ExtensionContext;
  readonly daemon: DaemonApi;
  /** The one shared instance (see extension.ts). */
  readonly liveSubscriptions: DaemonLiveSubscriptions;
  readonly settings: Settings;
  readonly log: LogOutputChannel;
}

/** The Live Metrics command (palette and run nodes) and the panel's serializer. */
export function registerLiveMetrics(deps: LiveMetricsDeps): Disposable {
  const panel = new LiveMetricsPanel(deps.context, deps.daemon, deps.liveSubscriptions, deps.log);
  // Called with tree nodes (menus), with `(runId, tenant)` (code lens, Run with Tracking), or bare.
  const open = async (node?: unknown, selected?: unknown): Promise<void> => {
    try {
      if (typeof node === 'string' && typeof selected === 'string') {
        panel.open([{ runId: node, tenant: selected }]);
        return;
      }
      const nodes = (Array.isArray(selected) && selected.length > 0 ? selected : [node]).filter(
        (n): n is RunNode => n instanceof RunNode,
      );
      if (nodes.length > 0) {
        panel.open(nodes.map((n) => ({ tenant: n.tenant, runId: n.run.id })));
        return;
      }
      const ref = await pickRun(deps.daemon, deps.settings.current.activeTenant);
      if (ref !== undefined) panel.open([ref]);
    } catch (error) {
      const message = readableError(error);
      deps.log.warn(`${OPEN_LIVE_METRICS}: ${message}`);
      void window.showErrorMessage(message);
    }
  };
  const disposables: Disposable[] = [
    panel,
    commands.registerCommand(OPEN_LIVE_METRICS, open),
    window.registerWebviewPanelSerializer(LIVE_PANEL_VIEW_TYPE, {
      deserializeWebviewPanel: async (webviewPanel, state) => panel.restore(webviewPanel, state),
    }),
  ];
  return { dispose: () => disposables.forEach((d) => d.dispose()) };
}
