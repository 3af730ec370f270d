/**
 * The Run details panel (issue 6): one webview per run with its overview, params, metrics (with
 * small charts whose curves the daemon reduces for the chart's width), tags and a way to its
 * artifacts in the sidebar. What the page sends is validated before anything acts on it; panels
 * survive a reload through their serializer.
 */
import { env, Uri, ViewColumn, window } from 'vscode';
import type { Disposable, ExtensionContext, LogOutputChannel, WebviewPanel } from 'vscode';
import {
  Experiments,
  RUN_DETAILS_VIEW_TYPE,
  RunDetailsFromWebview,
  RunDetailsPanelState,
  Runs,
} from '../../../protocol/src/index.ts';
import type { RunDetailsToWebview } from '../../../protocol/src/index.ts';
import { Inspect } from '../../../protocol/src/inspect.ts';
import type { DaemonApi } from '../daemon/daemonClient.ts';
import { readableError } from '../util/errors.ts';
import { buildPanelHtml, newNonce } from './html.ts';
import { toDetailsSeries, toRunDetails } from './runDetailsData.ts';
import { webviewOptions } from './runsTable.ts';

export interface RunRef {
  tenant: string;
  runId: string;
}

/** Reveals a run's artifacts in the sidebar; answers false when the run is not in the tree. */
export type ShowArtifacts = (ref: RunRef, experimentId: string) => Promise<boolean>;

export class RunDetailsPanel implements Disposable {
  readonly ref: RunRef;
  readonly #ext: ExtensionContext;
  readonly #daemon: DaemonApi;
  readonly #log: LogOutputChannel;
  readonly #panel: WebviewPanel;
  readonly #showArtifacts: ShowArtifacts;
  readonly #disposables: Disposable[];
  readonly #onDispose: () => void;
  #ready = false;
  #experimentId: string | undefined;
  /** Bumped on every (re)load, so answers of an older load are dropped. */
  #generation = 0;

  constructor(
    ext: ExtensionContext,
    daemon: DaemonApi,
    log: LogOutputChannel,
    panel: WebviewPanel,
    ref: RunRef,
    showArtifacts: ShowArtifacts,
    onDispose: () => void,
  ) {
    this.#ext = ext;
    this.#daemon = daemon;
    this.#log = log;
    this.#panel = panel;
    this.ref = ref;
    this.#showArtifacts = showArtifacts;
    this.#onDispose = onDispose;
    panel.webview.options = webviewOptions(ext);
    this.#disposables = [
      panel.webview.onDidReceiveMessage((message: unknown) => this.#onMessage(message)),
      panel.onDidChangeViewState(() => {
        if (!panel.visible) this.#ready = false;
      }),
      panel.onDidDispose(() => this.dispose()),
    ];
    this.#render();
  }

  reveal(): void {
    this.#panel.reveal();
  }

  dispose(): void {
    this.#generation++;
    this.#ready = false;
    for (const d of this.#disposables.splice(0)) d.dispose();
    this.#panel.dispose();
    this.#onDispose();
  }

  #render(): void {
    const webview = this.#panel.webview;
    const root = Uri.joinPath(this.#ext.extensionUri, 'dist', 'webviews');
    const file = (name: string): string => webview.asWebviewUri(Uri.joinPath(root, name)).toString();
    webview.html = buildPanelHtml({
      cspSource: webview.cspSource,
      scriptUri: file('run-details.js'),
      styleUris: [file('run-details.css')],
      nonce: newNonce(),
      title: 'Run details',
    });
  }

  #post(message: RunDetailsToWebview): void {
    if (this.#ready) void this.#panel.webview.postMessage(message);
  }

  #onMessage(raw: unknown): void {
    const parsed = RunDetailsFromWebview.safeParse(raw);
    if (!parsed.success) {
      this.#log.warn(`Run details: ignored a malformed message from the panel (${parsed.error.issues[0]?.message ?? 'invalid'})`);
      return;
    }
    const message = parsed.data;
    switch (message.type) {
      case 'ready':
        this.#ready = true;
        void this.#load();
        break;
      case 'refresh':
        void this.#load();
        break;
      case 'loadSeries':
        void this.#series(message.keys, message.width);
        break;
      case 'copyRunId':
        void env.clipboard.writeText(this.ref.runId).then(() => window.setStatusBarMessage(`Copied run ID ${this.ref.runId}`, 3000));
        break;
      case 'showArtifacts':
        void this.#artifacts();
        break;
    }
  }

  async #load(): Promise<void> {
    const generation = ++this.#generation;
    try {
      const run = await this.#daemon.request(Runs.get, { tenant: this.ref.tenant, runId: this.ref.runId });
      const experiment = await this.#daemon
        .request(Experiments.get, { tenant: this.ref.tenant, experimentId: run.experimentId })
        .catch(() => undefined);
      if (generation !== this.#generation) return;
      this.#experimentId = run.experimentId;
      const details = toRunDetails(this.ref.tenant, run, experiment?.name ?? null);
      this.#panel.title = `Run: ${details.name ?? run.id.slice(0, 8)}`;
      this.#post({ type: 'run', run: details });
    } catch (error) {
      if (generation !== this.#generation) return;
      const text = readableError(error).slice(0, 2000);
      this.#log.warn(`Run details: loading run ${this.ref.runId}: ${text}`);
      this.#post({ type: 'error', message: text });
    }
  }

  async #series(keys: string[], width: number): Promise<void> {
    const generation = this.#generation;
    try {
      const answer = await this.#daemon.request(Inspect.series, {
        tenant: this.ref.tenant,
        runIds: [this.ref.runId],
        keys,
        width,
        xAxis: 'step',
        method: 'minmax',
      });
      if (generation !== this.#generation) return;
      this.#post({ type: 'series', series: answer.series.map(toDetailsSeries) });
    } catch (error) {
      if (generation !== this.#generation) return;
      const text = readableError(error).slice(0, 2000);
      this.#log.warn(`Run details: curves of run ${this.ref.runId}: ${text}`);
      this.#post({ type: 'error', message: text, keys });
    }
  }

  async #artifacts(): Promise<void> {
    try {
      const shown = this.#experimentId !== undefined && (await this.#showArtifacts(this.ref, this.#experimentId));
      if (!shown) void window.showInformationMessage('This run is not in the sidebar\'s loaded runs; expand its experiment (or load more) and try again.');
    } catch (error) {
      void window.showErrorMessage(readableError(error));
    }
  }
}

/** Every Run details panel, one per run. */
export class RunDetailsPanels implements Disposable {
  readonly #ext: ExtensionContext;
  readonly #daemon: DaemonApi;
  readonly #log: LogOutputChannel;
  readonly #showArtifacts: ShowArtifacts;
  readonly #panels = new Map<string, RunDetailsPanel>();

  constructor(ext: ExtensionContext, daemon: DaemonApi, log: LogOutputChannel, showArtifacts: ShowArtifacts) {
    this.#ext = ext;
    this.#daemon = daemon;
    this.#log = log;
    this.#showArtifacts = showArtifacts;
  }

  open(ref: RunRef): void {
    const existing = this.#panels.get(`${ref.tenant}/${ref.runId}`);
    if (existing !== undefined) {
      existing.reveal();
      return;
    }
    const panel = window.createWebviewPanel(RUN_DETAILS_VIEW_TYPE, 'Run details', ViewColumn.Active, webviewOptions(this.#ext));
    this.#adopt(panel, ref);
  }

  restore(panel: WebviewPanel, state: unknown): void {
    const parsed = RunDetailsPanelState.safeParse(state);
    if (!parsed.success || this.#panels.has(`${parsed.data.tenant}/${parsed.data.runId}`)) {
      panel.dispose();
      return;
    }
    this.#adopt(panel, { tenant: parsed.data.tenant, runId: parsed.data.runId });
  }

  #adopt(panel: WebviewPanel, ref: RunRef): void {
    const key = `${ref.tenant}/${ref.runId}`;
    const details = new RunDetailsPanel(this.#ext, this.#daemon, this.#log, panel, ref, this.#showArtifacts, () => {
      if (this.#panels.get(key) === details) this.#panels.delete(key);
    });
    this.#panels.set(key, details);
  }

  dispose(): void {
    for (const panel of [...this.#panels.values()]) panel.dispose();
  }
}
