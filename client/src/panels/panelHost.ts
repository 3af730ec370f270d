/**
 * What every webview panel host does the same way: the locked-down webview options, the HTML
 * shell with a fresh nonce per render, validating what the page sends before anything acts on
 * it, the panel's event wiring, and the set of open panels keyed by what they show (so opening
 * the same thing again reveals its panel, and a restored duplicate is closed).
 */
import { Uri, ViewColumn, window } from 'vscode';
import type { Disposable, LogOutputChannel, WebviewOptions, WebviewPanel } from 'vscode';
import type { ZodType } from 'zod';
import { buildPanelHtml, newNonce } from './html.ts';

/** Scripts and nothing else: no command URIs, no forms, files only from dist/webviews. */
export function panelWebviewOptions(extensionUri: Uri): WebviewOptions {
  return {
    enableScripts: true,
    enableCommandUris: false,
    enableForms: false,
    localResourceRoots: [Uri.joinPath(extensionUri, 'dist', 'webviews')],
  };
}

/** Renders the panel's shell loading `dist/webviews/<bundle>.js` and `<bundle>.css`. */
export function renderPanel(panel: WebviewPanel, extensionUri: Uri, bundle: string, title: string): void {
  const webview = panel.webview;
  const root = Uri.joinPath(extensionUri, 'dist', 'webviews');
  const file = (name: string): string => webview.asWebviewUri(Uri.joinPath(root, name)).toString();
  webview.html = buildPanelHtml({
    cspSource: webview.cspSource,
    scriptUri: file(`${bundle}.js`),
    styleUris: [file(`${bundle}.css`)],
    nonce: newNonce(),
    title,
  });
}

/** The page's message when `schema` accepts it; otherwise undefined, with a warning naming the panel. */
export function parsePanelMessage<T>(schema: ZodType<T>, raw: unknown, log: LogOutputChannel, panelName: string): T | undefined {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const type =
    typeof raw === 'object' && raw !== null && typeof (raw as { type?: unknown }).type === 'string'
      ? (raw as { type: string }).type.slice(0, 40)
      : '?';
  log.warn(`${panelName}: ignored a malformed message from the panel ("${type}": ${parsed.error.issues[0]?.message ?? 'invalid'})`);
  return undefined;
}

export interface PanelEvents {
  onMessage(raw: unknown): void;
  /** A hidden webview is torn down; when shown again its page says `ready` anew. */
  onHidden(): void;
  onDisposed(): void;
}

/** Wires the panel's message, visibility and disposal events; dispose what it answers when done. */
export function watchPanel(panel: WebviewPanel, events: PanelEvents): Disposable[] {
  return [
    panel.webview.onDidReceiveMessage((message: unknown) => events.onMessage(message)),
    panel.onDidChangeViewState(() => {
      if (!panel.visible) events.onHidden();
    }),
    panel.onDidDispose(() => events.onDisposed()),
  ];
}

export interface PanelChannelOptions<In extends { type: string }> {
  readonly extensionUri: Uri;
  /** The page's bundle in dist/webviews (`<bundle>.js`, `<bundle>.css`). */
  readonly bundle: string;
  /** The panel's name, for the shell's title and the log. */
  readonly name: string;
  readonly log: LogOutputChannel;
  /** What the page may send. */
  readonly schema: ZodType<In>;
  /** Every valid message, `ready` included (the channel has already marked the page ready). */
  onMessage(message: In): void;
  /** After the page was torn down by hiding; it says `ready` again when shown. */
  onHidden?(): void;
  /** After the user (or VS Code) closed the panel. */
  onDisposed(): void;
}

/**
 * One panel's side of the channel to its page: sets it up (options, shell, listeners), validates
 * what the page sends, and posts to the page only while it listens — from its `ready` until it is
 * hidden (a hidden webview is torn down) or closed.
 */
export class PanelChannel<In extends { type: string }, Out> implements Disposable {
  readonly panel: WebviewPanel;
  readonly #disposables: Disposable[];
  #ready = false;
  #closed = false;

  constructor(panel: WebviewPanel, options: PanelChannelOptions<In>) {
    this.panel = panel;
    panel.webview.options = panelWebviewOptions(options.extensionUri);
    this.#disposables = watchPanel(panel, {
      onMessage: (raw) => {
        const message = parsePanelMessage(options.schema, raw, options.log, options.name);
        if (message === undefined) return;
        if (message.type === 'ready') this.#ready = true;
        options.onMessage(message);
      },
      onHidden: () => {
        this.#ready = false;
        options.onHidden?.();
      },
      onDisposed: () => {
        this.#close();
        options.onDisposed();
      },
    });
    renderPanel(panel, options.extensionUri, options.bundle, options.name);
  }

  /** Posts `message` when the page listens; drops it otherwise (the page asks again after `ready`). */
  post(message: Out): void {
    if (this.#ready && !this.#closed) void this.panel.webview.postMessage(message);
  }

  reveal(): void {
    this.panel.reveal();
  }

  /** Stops listening and closes the panel (once). */
  dispose(): void {
    if (this.#closed) return;
    this.#close();
    this.panel.dispose();
  }

  #close(): void {
    this.#closed = true;
    this.#ready = false;
    for (const d of this.#disposables.splice(0)) d.dispose();
  }
}

export interface HostedPanel {
  reveal(): void;
  dispose(): void;
}

/** The open panels by key; a panel leaves the set when it is disposed. */
export class PanelSet<P extends HostedPanel> implements Disposable {
  readonly #panels = new Map<string, P>();

  has(key: string): boolean {
    return this.#panels.has(key);
  }

  /** Reveals the panel of `key`; false when there is none. */
  reveal(key: string): boolean {
    const existing = this.#panels.get(key);
    existing?.reveal();
    return existing !== undefined;
  }

  /**
   * Reveals the panel of `key`, or opens a new webview panel (in the active column, with the
   * locked-down options) and adds what `create` makes of it.
   */
  open(key: string, viewType: string, title: string, extensionUri: Uri, create: (panel: WebviewPanel, forget: () => void) => P): void {
    if (this.reveal(key)) return;
    const panel = window.createWebviewPanel(viewType, title, ViewColumn.Active, panelWebviewOptions(extensionUri));
    this.add(key, (forget) => create(panel, forget));
  }

  /**
   * Takes over a panel VS Code restored after a reload; one whose state `schema` refuses, or
   * whose key already has a panel, is closed.
   */
  restore<S>(panel: WebviewPanel, state: unknown, schema: ZodType<S>, keyOf: (state: S) => string, create: (state: S, forget: () => void) => P): void {
    const parsed = schema.safeParse(state);
    if (!parsed.success || this.has(keyOf(parsed.data))) {
      panel.dispose();
      return;
    }
    const restored = parsed.data;
    this.add(keyOf(restored), (forget) => create(restored, forget));
  }

  /** Adds the panel `create` makes; it calls `forget` when it is disposed. */
  add(key: string, create: (forget: () => void) => P): void {
    const panel = create(() => {
      if (this.#panels.get(key) === panel) this.#panels.delete(key);
    });
    this.#panels.set(key, panel);
  }

  dispose(): void {
    for (const panel of [...this.#panels.values()]) panel.dispose();
  }
}
