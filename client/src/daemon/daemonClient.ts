/**
 * The daemon's owner: starts `dist/server/lsp.cjs` as a Node module over IPC (on the editor's own
 * Node unless `matih.daemon.nodePath` names another), hands it settings and credentials, keeps
 * it informed of changes, and is the only way the rest of the extension talks to it.
 *
 * - Requests go through `request()`, which logs each one with its duration to the output channel
 *   (the line people paste into bug reports) and never logs parameters, which can hold secrets.
 * - The restart-after-crash policy is `vscode-languageclient`'s own (4 restarts, then stop after 5
 *   crashes in 3 minutes); the error handler here only wraps it to log and to mark the daemon
 *   failed when the policy gives up.
 */
import { existsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { EventEmitter, window } from 'vscode';
import type { CancellationToken, Disposable, Event, ExtensionContext, LogOutputChannel } from 'vscode';
import {
  CloseAction,
  DidChangeConfigurationNotification,
  ErrorAction,
  LanguageClient,
  RevealOutputChannelOn,
  State,
  TransportKind,
  WorkDoneProgress,
} from 'vscode-languageclient/node';
import type { WorkDoneProgressBegin, WorkDoneProgressEnd, WorkDoneProgressReport } from 'vscode-languageclient/node';
import type { ErrorHandler, LanguageClientOptions, NodeModule, ServerOptions } from 'vscode-languageclient/node';
import { Daemon } from '../../../protocol/src/index.ts';
import type {
  BackendCredentials,
  DaemonStatus,
  InitializationOptions,
  NotificationDef,
  RequestDef,
} from '../../../protocol/src/index.ts';
import type { CredentialStore } from '../config/credentials.ts';
import { s3CredentialKey, s3CredentialScope } from '../config/s3Credentials.ts';
import type { Settings, SettingsChange } from '../config/settings.ts';
import { sameDaemonSettings, toDaemonSettings } from '../config/settingsModel.ts';
import { readableError } from '../util/errors.ts';
import { TraceChannel } from './traceChannel.ts';

export type DaemonState = 'starting' | 'running' | 'stopped' | 'failed';

/** Where the daemon bundle lives inside the extension. */
export const DAEMON_MODULE = 'dist/server/lsp.cjs';
/** The inspector port of the daemon when the extension runs under the debugger. */
const DEBUG_PORT = 6010;
/** How long a request waits for a (re)starting daemon before it gives up. */
const START_WAIT_MS = 30_000;

function elapsed(started: number): string {
  const ms = performance.now() - started;
  return ms < 10 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`;
}

/** What views and commands need from the daemon. */
export interface DaemonApi {
  readonly state: DaemonState;
  readonly status: DaemonStatus | undefined;
  readonly onDidChangeState: Event<DaemonState>;
  readonly onDidChangeStatus: Event<DaemonStatus | undefined>;
  request<P, R>(def: RequestDef<P, R>, params: P, token?: CancellationToken): Promise<R>;
  onNotification<P>(def: NotificationDef<P>, handler: (params: P) => void): Disposable;
  refreshStatus(): Promise<DaemonStatus | undefined>;
  restart(): Promise<void>;
}

export class DaemonClient implements DaemonApi, Disposable {
  readonly #context: ExtensionContext;
  readonly #settings: Settings;
  readonly #credentials: CredentialStore;
  readonly #log: LogOutputChannel;
  readonly #trace: TraceChannel;
  readonly #onDidChangeState = new EventEmitter<DaemonState>();
  readonly onDidChangeState: Event<DaemonState> = this.#onDidChangeState.event;
  readonly #onDidChangeStatus = new EventEmitter<DaemonStatus | undefined>();
  readonly onDidChangeStatus: Event<DaemonStatus | undefined> = this.#onDidChangeStatus.event;
  /**
   * Notification handlers by method, re-attached to every new client so they survive a restart.
   * The language client keeps one handler per method (the last one registered wins), so each
   * method gets one dispatcher that hands the notification to every handler here.
   */
  readonly #handlers = new Map<string, Set<(params: unknown) => void>>();
  /** The dispatchers attached to the current client, by method. */
  #dispatchers = new Map<string, Disposable>();
  readonly #disposables: Disposable[] = [];
  #client: LanguageClient | undefined;
  #clientDisposables: Disposable[] = [];
  #starting: Promise<void> | undefined;
  #state: DaemonState = 'stopped';
  #status: DaemonStatus | undefined;
  /** Set when the crash policy gave up, so the final Stopped reads as "failed". */
  #gaveUp = false;
  /** What the daemon was (or will be) started with; kept current so a crash-restart gets the latest. */
  #init: InitializationOptions;

  constructor(context: ExtensionContext, settings: Settings, credentials: CredentialStore, log: LogOutputChannel) {
    this.#context = context;
    this.#settings = settings;
    this.#credentials = credentials;
    this.#log = log;
    this.#trace = new TraceChannel('MATIH Daemon Trace', settings.current.traceServer);
    this.#init = { settings: toDaemonSettings(settings.current), credentials: {} };
    this.#disposables.push(
      this.#trace,
      settings.onDidChange((change) => void this.#onSettingsChanged(change)),
      credentials.onDidChange(() => void this.#syncCredentials()),
    );
  }

  get state(): DaemonState {
    return this.#state;
  }

  get status(): DaemonStatus | undefined {
    return this.#status;
  }

  /** Starts the daemon; resolves when it runs or has failed (failures are shown, not thrown). */
  start(): Promise<void> {
    if (this.#starting !== undefined) return this.#starting;
    if (this.#client !== undefined && this.#state === 'running') return Promise.resolve();
    this.#starting = this.#start().finally(() => {
      this.#starting = undefined;
    });
    return this.#starting;
  }

  async stop(): Promise<void> {
    const client = this.#client;
    this.#client = undefined;
    for (const d of this.#clientDisposables.splice(0)) d.dispose();
    if (client !== undefined) {
      try {
        await client.stop(2000);
      } catch (error) {
        this.#log.warn(`Stopping the daemon: ${readableError(error)}`);
      }
      await client.dispose().catch(() => undefined);
    }
    this.#setStatus(undefined);
    this.#setState('stopped');
  }

  /** Stops and starts a fresh daemon (and a fresh crash budget). */
  async restart(): Promise<void> {
    this.#log.info('Restarting the daemon');
    await this.stop();
    await this.start();
  }

  async request<P, R>(def: RequestDef<P, R>, params: P, token?: CancellationToken): Promise<R> {
    const client = await this.#whenRunning();
    const started = performance.now();
    try {
      const result = await client.sendRequest<R>(def.method, params, token);
      this.#log.info(`→ ${def.method}: ${elapsed(started)}`);
      return result;
    } catch (error) {
      this.#log.warn(`→ ${def.method}: failed after ${elapsed(started)}: ${readableError(error)}`);
      throw error;
    }
  }

  onNotification<P>(def: NotificationDef<P>, handler: (params: P) => void): Disposable {
    const entry = handler as (params: unknown) => void;
    let handlers = this.#handlers.get(def.method);
    if (!handlers) this.#handlers.set(def.method, (handlers = new Set()));
    handlers.add(entry);
    if (this.#client) this.#attachDispatcher(this.#client, def.method);
    return {
      dispose: () => {
        handlers.delete(entry);
      },
    };
  }

  /**
   * Follows the `$/progress` the daemon sends under `token` (a request's `workDoneToken`) until
   * disposed. A daemon that is not running reports nothing.
   */
  onWorkDoneProgress(
    token: string,
    handler: (value: WorkDoneProgressBegin | WorkDoneProgressReport | WorkDoneProgressEnd) => void,
  ): Disposable {
    return this.#client?.onProgress(WorkDoneProgress.type, token, handler) ?? { dispose: () => undefined };
  }

  /** One dispatcher per method and client; later handlers join the set it reads. */
  #attachDispatcher(client: LanguageClient, method: string): void {
    if (this.#dispatchers.has(method)) return;
    const dispatcher = client.onNotification(method, (params: unknown) => {
      for (const handler of [...(this.#handlers.get(method) ?? [])]) {
        try {
          handler(params);
        } catch (error) {
          this.#log.error(`Handling ${method}: ${readableError(error)}`);
        }
      }
    });
    this.#dispatchers.set(method, dispatcher);
  }

  async refreshStatus(): Promise<DaemonStatus | undefined> {
    try {
      this.#setStatus(await this.request(Daemon.status, {}));
    } catch (error) {
      this.#log.warn(`Reading the daemon status: ${readableError(error)}`);
    }
    return this.#status;
  }

  showOutput(): void {
    this.#log.show(true);
  }

  dispose(): void {
    void this.stop();
    for (const d of this.#disposables.splice(0)) d.dispose();
    this.#onDidChangeState.dispose();
    this.#onDidChangeStatus.dispose();
  }

  async #start(): Promise<void> {
    const module = this.#context.asAbsolutePath(DAEMON_MODULE);
    if (!existsSync(module)) {
      this.#fail(`The daemon bundle ${DAEMON_MODULE} is missing from the extension; rebuild it with "npm run build".`);
      return;
    }
    this.#gaveUp = false;
    this.#setState('starting');
    const settings = this.#settings.current;
    this.#init = {
      settings: toDaemonSettings(settings),
      credentials: await this.#credentials.forDaemon(settings),
    };
    let owner: LanguageClient | undefined;
    const options = this.#clientOptions(() => owner);
    const client = new LanguageClient('matih', 'MATIH Experiments daemon', this.#serverOptions(module), options);
    owner = client;
    this.#client = client;
    const dispatchers = new Map<string, Disposable>();
    this.#dispatchers = dispatchers;
    for (const method of this.#handlers.keys()) this.#attachDispatcher(client, method);
    this.#clientDisposables = [
      client.onDidChangeState((e) => this.#onClientState(e.newState)),
      client.onNotification(Daemon.statusChanged.method, (status: DaemonStatus) => this.#setStatus(status)),
      { dispose: () => dispatchers.forEach((d) => d.dispose()) },
    ];
    const started = performance.now();
    try {
      await client.start();
      this.#log.info(`Daemon started in ${elapsed(started)} (${settings.daemonNodePath || 'editor Node'})`);
    } catch (error) {
      if (this.#client === client) this.#fail(`The MATIH daemon could not start: ${readableError(error)}`);
    }
  }

  #serverOptions(module: string): ServerOptions {
    const nodePath = this.#settings.current.daemonNodePath;
    const runtime = nodePath === '' ? {} : { runtime: nodePath };
    const run: NodeModule = { module, transport: TransportKind.ipc, ...runtime };
    const debug: NodeModule = {
      ...run,
      options: { execArgv: ['--nolazy', `--inspect=${DEBUG_PORT}`] },
    };
    return { run, debug };
  }

  #clientOptions(owner: () => LanguageClient | undefined): LanguageClientOptions {
    return {
      outputChannel: this.#log,
      traceOutputChannel: this.#trace,
      revealOutputChannelOn: RevealOutputChannelOn.Never,
      // Python files and notebook cells reach the daemon for the inline metric lenses and hovers.
      documentSelector: [{ language: 'python' }, { notebook: '*', language: 'python' }],
      // A function, so the library's restart after a crash sends the latest settings and credentials.
      initializationOptions: () => this.#init,
      errorHandler: this.#errorHandler(owner),
    };
  }

  /** The library's default policy, wrapped to log each decision and to notice when it gives up. */
  #errorHandler(owner: () => LanguageClient | undefined): ErrorHandler {
    let policy: ErrorHandler | undefined;
    const inner = (): ErrorHandler => {
      if (policy === undefined) {
        const client = owner();
        if (client === undefined) throw new Error('the daemon client is not set up yet');
        policy = client.createDefaultErrorHandler();
      }
      return policy;
    };
    return {
      error: async (error, message, count) => {
        const result = await inner().error(error, message, count);
        const next = result.action === ErrorAction.Continue ? 'continuing' : 'shutting the connection down';
        this.#log.error(`Daemon connection error (${count ?? 1} in a row): ${readableError(error)}; ${next}`);
        return result;
      },
      closed: async () => {
        const result = await inner().closed();
        if (result.action === CloseAction.Restart) {
          this.#log.warn('The daemon exited unexpectedly; restarting it.');
        } else {
          this.#gaveUp = true;
          this.#log.error(result.message ?? 'The daemon exited and will not be restarted.');
        }
        return result;
      },
    };
  }

  #onClientState(state: State): void {
    switch (state) {
      case State.Starting:
        this.#setState('starting');
        break;
      case State.Running:
        this.#setState('running');
        // Also after the library restarted a crashed daemon: the new process may differ (e.g. unhealthy).
        void this.refreshStatus();
        break;
      case State.StartFailed:
        this.#setState('failed');
        break;
      case State.Stopped:
        this.#setStatus(undefined);
        this.#setState(this.#gaveUp ? 'failed' : 'stopped');
        break;
    }
  }

  async #whenRunning(): Promise<LanguageClient> {
    if (this.#state === 'starting') {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, START_WAIT_MS);
        const listener = this.onDidChangeState((s) => {
          if (s !== 'starting') done();
        });
        function done(): void {
          clearTimeout(timer);
          listener.dispose();
          resolve();
        }
      });
    }
    if (this.#state !== 'running' || this.#client === undefined) {
      throw new Error('The MATIH daemon is not running. Restart it from the status bar.');
    }
    return this.#client;
  }

  async #onSettingsChanged({ previous, current }: SettingsChange): Promise<void> {
    this.#trace.setSetting(current.traceServer);
    if (previous.daemonNodePath !== current.daemonNodePath && this.#client !== undefined) {
      const choice = await window.showInformationMessage(
        'The daemon runs on another Node.js after a restart.',
        'Restart Daemon',
      );
      if (choice === 'Restart Daemon') await this.restart();
      return;
    }
    const next = toDaemonSettings(current);
    if (sameDaemonSettings(next, this.#init.settings)) return;
    // Credentials first: a switch to another server must never reach it without its login.
    // S3 keys are kept per endpoint and bucket, so a new artifact destination may bring other keys.
    if (previous.mlflowUri !== current.mlflowUri || s3CredentialKey(s3CredentialScope(previous)) !== s3CredentialKey(s3CredentialScope(current))) {
      await this.#syncCredentials();
    }
    this.#init = { ...this.#init, settings: next };
    if (this.#state !== 'running' || this.#client === undefined) return;
    try {
      await this.#client.sendNotification(DidChangeConfigurationNotification.type, { settings: next });
      this.#log.info('workspace/didChangeConfiguration sent');
    } catch (error) {
      this.#log.warn(`Sending settings to the daemon: ${readableError(error)}`);
    }
    await this.refreshStatus();
  }

  /** Sends the current server's credentials (and S3 keys) when they differ from what the daemon has. */
  async #syncCredentials(): Promise<void> {
    const credentials: BackendCredentials = await this.#credentials.forDaemon(this.#settings.current);
    if (JSON.stringify(credentials) === JSON.stringify(this.#init.credentials)) return;
    this.#init = { ...this.#init, credentials };
    if (this.#state !== 'running') return;
    try {
      await this.request(Daemon.setCredentials, { credentials });
    } catch (error) {
      this.#log.warn(`Sending credentials to the daemon: ${readableError(error)}`);
    }
  }

  #fail(message: string): void {
    this.#log.error(message);
    this.#setState('failed');
    void window.showErrorMessage(message, 'Show Output', 'Retry').then((choice) => {
      if (choice === 'Show Output') this.showOutput();
      if (choice === 'Retry') void this.restart();
    });
  }

  #setState(state: DaemonState): void {
    if (state === this.#state) return;
    this.#state = state;
    this.#onDidChangeState.fire(state);
  }

  #setStatus(status: DaemonStatus | undefined): void {
    this.#status = status;
    this.#onDidChangeStatus.fire(status);
  }
}
