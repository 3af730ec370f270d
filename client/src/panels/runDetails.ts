/**
 * The Run details panel (issue 6): one webview per run with its overview, params, metrics (with
 * small charts whose curves the daemon reduces for the chart's width), tags and a way to its
 * artifacts in the sidebar. What the page sends is validated before anything acts on it; panels
 * survive a reload through their serializer.
 */
import { env, window } from 'vscode';
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
import { PanelChannel, PanelSet } from './panelHost.ts';
import { toDetailsSeries, toRunDetails } from './runDetailsData.ts';

export interface RunRef {
  tenant: string;
  runId: string;
}

/** Reveals a run's artifacts in the sidebar; answers false when the run is not in the tree. */
export type ShowArtifacts = (ref: RunRef, experimentId: string) => Promise<boolean>;

export class RunDetailsPanel implements Disposable {
  readonly ref: RunRef;
  readonly #daemon: DaemonApi;
  readonly #log: LogOutputChannel;
  readonly #channel: PanelChannel<RunDetailsFromWebview, RunDetailsToWebview>;
  readonly #showArtifacts: ShowArtifacts;
  readonly #onDispose: () => void;
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
    this.#daemon = daemon;
    this.#log = log;
    this.ref = ref;
    this.#showArtifacts = showArtifacts;
    this.#onDispose = onDispose;
    this.#channel = new PanelChannel(panel, {
      extensionUri: ext.extensionUri,
      bundle: 'run-details',
      name: 'Run details',
      log,
      schema: RunDetailsFromWebview,
      onMessage: (message) => this.#onMessage(message),
      onDisposed: () => this.dispose(),
    });
  }

  reveal(): void {
    this.#channel.reveal();
  }

  dispose(): void {
    this.#generation++;
    this.#channel.dispose();
    this.#onDispose();
  }

  #post(message: RunDetailsToWebview): void {
    this.#channel.post(message);
  }

  #onMessage(message: RunDetailsFromWebview): void {
    switch (message.type) {
      case 'ready':
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
      this.#channel.panel.title = `Run: ${details.name ?? run.id.slice(0, 8)}`;
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
  readonly #panels = new PanelSet<RunDetailsPanel>();

  constructor(ext: ExtensionContext, daemon: DaemonApi, log: LogOutputChannel, showArtifacts: ShowArtifacts) {
    this.#ext = ext;
    this.#daemon = daemon;
    this.#log = log;
    this.#showArtifacts = showArtifacts;
  }

  open(ref: RunRef): void {
    this.#panels.open(`${ref.tenant}/${ref.runId}`, RUN_DETAILS_VIEW_TYPE, 'Run details', this.#ext.extensionUri, (panel, forget) => this.#create(panel, ref, forget));
  }

  restore(panel: WebviewPanel, state: unknown): void {
    this.#panels.restore(panel, state, RunDetailsPanelState, (s) => `${s.tenant}/${s.runId}`, (s, forget) =>
      this.#create(panel, { tenant: s.tenant, runId: s.runId }, forget),
    );
  }

  #create(panel: WebviewPanel, ref: RunRef, forget: () => void): RunDetailsPanel {
    return new RunDetailsPanel(this.#ext, this.#daemon, this.#log, panel, ref, this.#showArtifacts, forget);
  }

  dispose(): void {
    this.#panels.dispose();
  }
}
