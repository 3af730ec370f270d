/**
 * One Compare Runs panel (issue 6): a webview comparing a fixed set of runs of one tenant. After
 * the page says `ready` it gets the runs and params (`Runs.compare`); then it asks for curves of
 * the metrics it shows, at its charts' width, and this class fetches them reduced by the daemon
 * (`Inspect.series`). The page names metric keys only — the runs and tenant are this panel's —
 * and every message it sends is validated first. Exports are saved where the user picks.
 */
import { CancellationTokenSource, Uri, window, workspace } from 'vscode';
import type { Disposable, LogOutputChannel, WebviewPanel } from 'vscode';
import { CompareFromWebview, Runs } from '../../../protocol/src/index.ts';
import type { CompareToWebview } from '../../../protocol/src/index.ts';
import { Inspect } from '../../../protocol/src/inspect.ts';
import type { DaemonApi } from '../daemon/daemonClient.ts';
import { readableError } from '../util/errors.ts';
import type { CompareTarget, DirectionMemory } from './compareData.ts';
import { decodePngDataUrl, panelTitle, saveName, toCompareMessage, toSeriesMessage } from './compareData.ts';
import { PanelChannel } from './panelHost.ts';

export interface ComparePanelDeps {
  readonly extensionUri: Uri;
  readonly daemon: DaemonApi;
  readonly directions: DirectionMemory;
  readonly log: LogOutputChannel;
}

export class ComparePanel implements Disposable {
  readonly target: CompareTarget;
  readonly #channel: PanelChannel<CompareFromWebview, CompareToWebview>;
  readonly #deps: ComparePanelDeps;
  /** Metric keys the page may ask curves for (from the last compare answer). */
  #keys = new Set<string>();
  /** Bumped on every (re)load, so answers meant for an older page are dropped. */
  #generation = 0;
  /** The series request in flight per chart (its keys): a newer one (a zoom) cancels it in the daemon. */
  readonly #inFlight = new Map<string, CancellationTokenSource>();
  #disposed = false;

  constructor(deps: ComparePanelDeps, panel: WebviewPanel, target: CompareTarget, onDisposed: () => void) {
    this.#deps = deps;
    this.target = target;
    this.#channel = new PanelChannel(panel, {
      extensionUri: deps.extensionUri,
      bundle: 'compare',
      name: 'Compare Runs',
      log: deps.log,
      schema: CompareFromWebview,
      onMessage: (message) => this.#onMessage(message),
      onHidden: () => {
        this.#generation++;
        this.#cancelAll();
      },
      onDisposed: () => {
        this.#disposed = true;
        this.#generation++;
        this.#cancelAll();
        onDisposed();
      },
    });
  }

  reveal(): void {
    this.#channel.reveal();
  }

  dispose(): void {
    // Closing the panel runs `onDisposed` above, as when the user closes it.
    this.#channel.panel.dispose();
  }

  #post(message: CompareToWebview, generation: number): void {
    if (this.#disposed || generation !== this.#generation) return;
    this.#channel.post(message);
  }

  #onMessage(message: CompareFromWebview): void {
    switch (message.type) {
      case 'ready':
        void this.#load(++this.#generation);
        break;
      case 'series':
        void this.#series(message, this.#generation);
        break;
      case 'direction':
        void this.#deps.directions.remember(message.key, message.direction);
        break;
      case 'exportCsv':
        void this.#save('csv', message.fileName, new TextEncoder().encode(message.csv));
        break;
      case 'exportPng': {
        let bytes: Uint8Array;
        try {
          bytes = decodePngDataUrl(message.dataUrl);
        } catch (error) {
          this.#deps.log.warn(`Compare Runs: ${readableError(error)}`);
          return;
        }
        void this.#save('png', message.fileName, bytes);
        break;
      }
    }
  }

  async #load(generation: number): Promise<void> {
    const { tenant, runIds } = this.target;
    try {
      const view = await this.#deps.daemon.request(Runs.compare, { tenant, runIds, directions: this.#deps.directions.all() });
      const message = toCompareMessage(tenant, view, runIds, this.#deps.directions.all());
      this.#keys = new Set(message.metrics.map((m) => m.key));
      this.#channel.panel.title = panelTitle(message.runs);
      this.#post(message, generation);
    } catch (error) {
      const text = readableError(error);
      this.#deps.log.warn(`Compare Runs: comparing ${runIds.join(', ')} in tenant ${tenant}: ${text}`);
      this.#post({ type: 'error', message: `Could not compare these runs: ${text}`.slice(0, 2000) }, generation);
    }
  }

  async #series(message: Extract<CompareFromWebview, { type: 'series' }>, generation: number): Promise<void> {
    const keys = message.keys.filter((k) => this.#keys.has(k));
    if (keys.length === 0) return;
    const chart = keys.join('\n');
    this.#inFlight.get(chart)?.cancel();
    const cancel = new CancellationTokenSource();
    this.#inFlight.set(chart, cancel);
    try {
      const view = await this.#deps.daemon.request(Inspect.series, {
        tenant: this.target.tenant,
        runIds: this.target.runIds,
        keys,
        xAxis: message.xAxis,
        width: message.width,
        method: 'minmax',
        ...(message.range === undefined ? {} : { range: message.range }),
      }, cancel.token);
      this.#post(toSeriesMessage(message.requestId, view, message.range), generation);
    } catch (error) {
      // Superseded by a newer request for the same chart: the page no longer waits for this one.
      if (cancel.token.isCancellationRequested) return;
      const text = readableError(error);
      this.#deps.log.warn(`Compare Runs: curves of ${keys.join(', ')}: ${text}`);
      this.#post({ type: 'seriesError', requestId: message.requestId, message: `Could not load the curves: ${text}`.slice(0, 2000) }, generation);
    } finally {
      if (this.#inFlight.get(chart) === cancel) this.#inFlight.delete(chart);
      cancel.dispose();
    }
  }

  #cancelAll(): void {
    for (const source of this.#inFlight.values()) source.cancel();
    this.#inFlight.clear();
  }

  async #save(extension: 'csv' | 'png', fileName: string, bytes: Uint8Array): Promise<void> {
    try {
      const folder = workspace.workspaceFolders?.[0]?.uri;
      const name = saveName(fileName, extension);
      const uri = await window.showSaveDialog({
        title: extension === 'csv' ? 'Export the comparison as CSV' : 'Save the chart as PNG',
        saveLabel: 'Save',
        filters: extension === 'csv' ? { CSV: ['csv'] } : { 'PNG image': ['png'] },
        ...(folder === undefined ? {} : { defaultUri: Uri.joinPath(folder, name) }),
      });
      if (uri === undefined) return;
      await workspace.fs.writeFile(uri, bytes);
      void window.showInformationMessage(`Saved ${workspace.asRelativePath(uri)}.`);
    } catch (error) {
      const text = readableError(error);
      this.#deps.log.warn(`Compare Runs: saving the ${extension.toUpperCase()}: ${text}`);
      void window.showErrorMessage(`Could not save the ${extension.toUpperCase()}: ${text}`);
    }
  }
}
