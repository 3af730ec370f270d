/**
 * The Runs table panel (issue 6): one webview per experiment listing its runs, loaded page by
 * page in the background through `Inspect.table`. The page asks for a query (filter and sort);
 * this side checks the filter with the daemon, loads, and keeps the loaded pages so a page that
 * was hidden and shown again (a new document) gets them back at once. What the page sends is
 * validated before anything acts on it. Panels survive a reload through their serializer.
 */
import { commands, window } from 'vscode';
import type { Disposable, ExtensionContext, LogOutputChannel, WebviewPanel } from 'vscode';
import {
  RUNS_TABLE_VIEW_TYPE,
  RunsTableFromWebview,
  RunsTablePanelState,
  Validate,
} from '../../../protocol/src/index.ts';
import type { RunsTableContext, RunsTableQuery, RunsTableToWebview } from '../../../protocol/src/index.ts';
import { Inspect } from '../../../protocol/src/inspect.ts';
import { Commands } from '../commands/ids.ts';
import type { DaemonApi } from '../daemon/daemonClient.ts';
import { readableError } from '../util/errors.ts';
import { PanelChannel, PanelSet } from './panelHost.ts';
import { FIRST_PAGE_ROWS, MAX_TABLE_ROWS, PAGE_ROWS, orderByOf, sameLoad, toRowsMessages } from './runsTableData.ts';

type RowsMessage = Extract<RunsTableToWebview, { type: 'rows' }>;

interface Load {
  generation: number;
  query: RunsTableQuery;
  pages: RowsMessage[];
  done: boolean;
  error?: string;
}

const DEFAULT_QUERY: RunsTableQuery = { filter: '', sort: null };

export class RunsTablePanel implements Disposable {
  readonly context: RunsTableContext;
  readonly #daemon: DaemonApi;
  readonly #log: LogOutputChannel;
  readonly #channel: PanelChannel<RunsTableFromWebview, RunsTableToWebview>;
  readonly #onDispose: () => void;
  readonly #showArchived: () => boolean;
  /** The query the user asked for last (a refused filter leaves the loaded rows as they were). */
  #query: RunsTableQuery;
  #load: Load | undefined;
  #generation = 0;

  constructor(
    ext: ExtensionContext,
    daemon: DaemonApi,
    log: LogOutputChannel,
    panel: WebviewPanel,
    context: RunsTableContext,
    query: RunsTableQuery,
    showArchived: () => boolean,
    onDispose: () => void,
  ) {
    this.#showArchived = showArchived;
    this.#daemon = daemon;
    this.#log = log;
    this.context = context;
    this.#query = query;
    this.#onDispose = onDispose;
    panel.title = `Runs: ${context.experimentName}`;
    this.#channel = new PanelChannel(panel, {
      extensionUri: ext.extensionUri,
      bundle: 'runs-table',
      name: 'Runs table',
      log,
      schema: RunsTableFromWebview,
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

  #post(message: RunsTableToWebview): void {
    this.#channel.post(message);
  }

  #onMessage(message: RunsTableFromWebview): void {
    switch (message.type) {
      case 'ready':
        this.#post({ type: 'init', context: this.context, query: this.#query });
        if (this.#load !== undefined && sameLoad(this.#load.query, this.#query)) this.#replay(this.#load);
        else void this.#start(this.#query);
        break;
      case 'query':
        void this.#apply(message.query);
        break;
      case 'validateFilter':
        void this.#validate(message.filter).then((problem) => {
          this.#post({ type: 'filterStatus', filter: message.filter, ok: problem === undefined, ...(problem === undefined ? {} : { message: problem }) });
        });
        break;
      case 'reload':
        void this.#start(this.#load?.query ?? this.#query);
        break;
      case 'openRun':
        void commands.executeCommand(Commands.openRunDetails, { tenant: this.context.tenant, runId: message.runId });
        break;
      case 'compare':
        void Promise.resolve(commands.executeCommand(Commands.compareRuns, { tenant: this.context.tenant, runIds: message.runIds })).catch((error: unknown) => {
          const text = readableError(error);
          this.#log.warn(`Runs table: compare: ${text}`);
          void window.showErrorMessage(`Could not open Compare Runs: ${text}`);
        });
        break;
    }
  }

  /** The daemon's message when `filter` is not valid MLflow run filter syntax; undefined when it is. */
  async #validate(filter: string): Promise<string | undefined> {
    if (filter.trim() === '') return undefined;
    try {
      const answer = await this.#daemon.request(Validate.runFilter, { filter });
      return answer.ok ? undefined : answer.message.slice(0, 2000);
    } catch (error) {
      return readableError(error).slice(0, 2000);
    }
  }

  async #apply(query: RunsTableQuery): Promise<void> {
    const previous = this.#load?.query;
    this.#query = query;
    if (previous !== undefined && sameLoad(previous, query)) {
      // Same rows in the same daemon order: the page re-sorts what it holds.
      this.#load!.query = query;
      return;
    }
    const problem = await this.#validate(query.filter);
    if (problem !== undefined) {
      this.#post({ type: 'filterStatus', filter: query.filter.trim(), ok: false, message: problem });
      return;
    }
    this.#post({ type: 'filterStatus', filter: query.filter.trim(), ok: true });
    await this.#start(query);
  }

  #replay(load: Load): void {
    this.#post({ type: 'reset', generation: load.generation, query: this.#query });
    for (const page of load.pages) this.#post(page);
    if (load.error !== undefined) this.#post({ type: 'loadError', generation: load.generation, message: load.error });
  }

  /** Loads every page of `query` in the background; a newer load (or a closed panel) stops it. */
  async #start(query: RunsTableQuery): Promise<void> {
    const generation = ++this.#generation;
    const load: Load = { generation, query, pages: [], done: false };
    this.#load = load;
    this.#post({ type: 'reset', generation, query });
    const current = (): boolean => generation === this.#generation;
    const filter = query.filter.trim();
    const orderBy = orderByOf(query);
    let pageToken: string | undefined;
    let rows = 0;
    try {
      do {
        const maxResults = load.pages.length === 0 ? FIRST_PAGE_ROWS : Math.min(PAGE_ROWS, MAX_TABLE_ROWS - rows);
        const page = await this.#daemon.request(Inspect.table, {
          tenant: this.context.tenant,
          experimentIds: [this.context.experimentId],
          showArchived: this.#showArchived(),
          maxResults,
          ...(filter === '' ? {} : { filter }),
          ...(orderBy === undefined ? {} : { orderBy }),
          ...(pageToken === undefined ? {} : { pageToken }),
        });
        if (!current()) return;
        rows += page.rows.length;
        pageToken = page.nextPageToken;
        const capped = pageToken !== undefined && rows >= MAX_TABLE_ROWS;
        for (const message of toRowsMessages(generation, page, pageToken === undefined || capped)) {
          load.pages.push(message);
          this.#post(message);
        }
        if (capped) {
          load.error = `Showing the first ${MAX_TABLE_ROWS.toLocaleString('en-US')} runs; a filter narrows them down.`;
          this.#post({ type: 'loadError', generation, message: load.error });
          break;
        }
      } while (pageToken !== undefined);
      load.done = true;
    } catch (error) {
      if (!current()) return;
      const text = readableError(error).slice(0, 2000);
      this.#log.warn(`Runs table: loading runs of experiment ${this.context.experimentId}: ${text}`);
      load.error = text;
      this.#post({ type: 'loadError', generation, message: text });
    }
  }
}

/** A Runs table panel's key: one panel per experiment. */
function keyOf(context: RunsTableContext): string {
  return `${context.tenant}/${context.experimentId}`;
}

/** Every Runs table panel, one per experiment. */
export class RunsTablePanels implements Disposable {
  readonly #ext: ExtensionContext;
  readonly #daemon: DaemonApi;
  readonly #log: LogOutputChannel;
  readonly #panels = new PanelSet<RunsTablePanel>();
  readonly #showArchived: () => boolean;

  constructor(ext: ExtensionContext, daemon: DaemonApi, log: LogOutputChannel, showArchived: () => boolean) {
    this.#ext = ext;
    this.#showArchived = showArchived;
    this.#daemon = daemon;
    this.#log = log;
  }

  open(context: RunsTableContext): void {
    this.#panels.open(keyOf(context), RUNS_TABLE_VIEW_TYPE, `Runs: ${context.experimentName}`, this.#ext.extensionUri, (panel, forget) =>
      this.#create(panel, context, DEFAULT_QUERY, forget),
    );
  }

  /** Takes over a panel VS Code restored after a reload; one whose state is unreadable is closed. */
  restore(panel: WebviewPanel, state: unknown): void {
    this.#panels.restore(panel, state, RunsTablePanelState, (s) => keyOf(s.context), (s, forget) => this.#create(panel, s.context, s.query, forget));
  }

  #create(panel: WebviewPanel, context: RunsTableContext, query: RunsTableQuery, forget: () => void): RunsTablePanel {
    return new RunsTablePanel(this.#ext, this.#daemon, this.#log, panel, context, query, this.#showArchived, forget);
  }

  dispose(): void {
    this.#panels.dispose();
  }
}
