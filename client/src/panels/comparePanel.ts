/**
 * One Compare Runs panel (issue 6): a webview comparing a fixed set of runs of one tenant. After
 * the page says `ready` it gets the runs and params (`Runs.compare`); then it asks for curves of
 * the metrics it shows, at its charts' width, and this class fetches them reduced by the daemon
 * (`Inspect.series`). The page names metric keys only — the runs and tenant are this panel's —
 * and every message it sends is validated first. Exports are saved where the user picks.
 */
import { CancellationTokenSource, Uri, window, workspace } from 'vscode';
import type { Disposable, LogOutputChannel, WebviewPanel, WebviewOptions } from 'vscode';
import { CompareFromWebview, Runs } from '../../../protocol/src/index.ts';
import type { CompareToWebview } from '../../../protocol/src/index.ts';
import { Inspect } from '../../../protocol/src/inspect.ts';
import type { DaemonApi } from '../daemon/daemonClient.ts';
import { readableError } from '../util/errors.ts';
import type { CompareTarget, DirectionMemory } from './compareData.ts';
import { decodePngDataUrl, panelTitle, saveName, toCompareMessage, toSeriesMessage } from './compareData.ts';
import { buildPanelHtml, newNonce } from './html.ts';

export interface ComparePanelDeps {
  readonly extensionUri: Uri;
  readonly daemon: DaemonApi;
  readonly directions: DirectionMemory;
  readonly log: LogOutputChannel;
}

/** The webview options of every Compare panel: scripts, nothing else, files from dist/webviews only. */
export function compareWebviewOptions(extensionUri: Uri): WebviewOptions {
  return {
    enableScripts: true,
    enableCommandUris: false,
    enableForms: false,
    localResourceRoots: [Uri.joinPath(extensionUri, 'dist', 'webviews')],
  };
}

export class ComparePanel implements Disposable {
  readonly target: CompareTarget;
  readonly panel: WebviewPanel;
  readonly #deps: ComparePanelDeps;
  readonly #disposables: Disposable[];
  #ready = false;
  /** Metric keys the page may ask curves for (from the last compare answer). */
  #keys = new Set<string>();
  /** Bumped on every (re)load, so answers meant for an older page are dropped. */
  #generation = 0;
  /** The series request in flight per chart (its keys): a newer one (a zoom) cancels it in the daemon. */
  readonly #inFlight = new Map<string, CancellationTokenSource>();
  #disposed = false;

  constructor(deps: ComparePanelDeps, panel: WebviewPanel, target: CompareTarget, onDisposed: () => void) {
    this.#deps = deps;
    this.panel = panel;
    this.target = target;
    panel.webview.options = compareWebviewOptions(deps.extensionUri);
    this.#disposables = [
      panel.webview.onDidReceiveMessage((message: unknown) => this.#onMessage(message)),
      panel.onDidChangeViewState(() => {
        // A hidden webview is torn down (no retained context); shown again, its page says `ready` anew.
        if (!panel.visible) {
          this.#ready = false;
          this.#generation++;
          this.#cancelAll();
        }
      }),
      panel.onDidDispose(() => {
        this.#disposed = true;
        this.#generation++;
        this.#cancelAll();
        for (const d of this.#disposables.splice(0)) d.dispose();
        onDisposed();
      }),
    ];
    this.#render();
  }

  reveal(): void {
    this.panel.reveal();
  }

  dispose(): void {
    this.panel.dispose();
  }

  #render(): void {
    const webview = this.panel.webview;
    const root = Uri.joinPath(this.#deps.extensionUri, 'dist', 'webviews');
    const file = (name: string): string => webview.asWebviewUri(Uri.joinPath(root, name)).toString();
    webview.html = buildPanelHtml({
      cspSource: webview.cspSource,
      scriptUri: file('compare.js'),
      styleUris: [file('compare.css')],
      nonce: newNonce(),
      title: 'Compare Runs',
    });
  }

  #post(message: CompareToWebview, generation: number): void {
    if (this.#disposed || !this.#ready || generation !== this.#generation) return;
    void this.panel.webview.postMessage(message);
  }

  #onMessage(raw: unknown): void {
    const parsed = CompareFromWebview.safeParse(raw);
    if (!parsed.success) {
      const type = typeof raw === 'object' && raw !== null && typeof (raw as { type?: unknown }).type === 'string' ? (raw as { type: string }).type.slice(0, 40) : '?';
      this.#deps.log.warn(`Compare Runs: ignored a malformed "${type}" message from the panel: ${parsed.error.issues[0]?.message ?? ''}`);
      return;
    }
    const message = parsed.data;
    switch (message.type) {
      case 'ready':
        this.#ready = true;
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
      this.panel.title = panelTitle(message.runs);
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
