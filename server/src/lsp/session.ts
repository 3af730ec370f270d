/**
 * The daemon's state behind the LSP connection: the settings and credentials it was given, the
 * HTTP listener they produced, the discovery file, and the health the status bar shows. Settings
 * changes that move the data (backend, MLflow URI or workspaces, data directory, active tenant)
 * replace the listener; anything else is taken as is. Requests wait while a switch is underway
 * (gate.ts), so none sees a half-closed store.
 */
import type { z } from 'zod';
import {
  type BackendCredentials,
  type DaemonDiscovery,
  type DaemonSettings,
  type DaemonStatus,
  DaemonSettingsSchema,
  InitializationOptionsSchema,
} from '../../../protocol/src/index.ts';
import { validationError } from '../api/v1/api-errors.ts';
import { resolveDataDir } from '../config/data-dir.ts';
import { generateToken } from '../config/token.ts';
import { TrackingError } from '../tracking/errors.ts';
import { VERSION } from '../version.ts';
import { type LspWorkspaceFolder, DiscoveryFile, discoveryFolders } from './discovery-file.ts';
import { DaemonUnavailableError } from './errors.ts';
import { Gate } from './gate.ts';
import { type Listener, startListener } from './listener.ts';
import type { Runtime } from './runtime.ts';
import type { MetricHub } from '../live/metric-hub.ts';

/** What the session needs from the process around it. */
export interface SessionHost {
  pid: number;
  env: NodeJS.ProcessEnv;
  log(line: string): void;
  /** Sends `Daemon.statusChanged`. */
  statusChanged(status: DaemonStatus): void;
  /** Loads the store and the MLflow client (runtime.ts); rejects with a readable reason when this Node cannot run them. */
  loadRuntime(): Promise<Runtime>;
  /** The live hub every listener publishes to (serve.ts); each listener makes its own when absent. */
  hub?: MetricHub;
}

/** How long a switch to MLflow waits for its first answer before publishing the status. */
const PROBE_WAIT_MS = 2000;

/** Backend answers that say the backend itself is in trouble, not the request. */
const BACKEND_TROUBLE = new Set(['TEMPORARILY_UNAVAILABLE', 'UNAUTHENTICATED']);

export class DaemonSession {
  private readonly host: SessionHost;
  private readonly gate = new Gate();
  private readonly discovery: DiscoveryFile;
  /** Fresh for this process; kept across switches so scripts holding it keep working. */
  private readonly token = generateToken();
  private settings: DaemonSettings | undefined;
  private credentials: BackendCredentials = {};
  private folders: LspWorkspaceFolder[] = [];
  private listener: Listener | undefined;
  private startedAt = '';
  private lastPort: number | undefined;
  /** The latest settings were invalid (the previous ones, if any, still apply). */
  private settingsProblem: string | undefined;
  /** The listener could not start. */
  private startProblem: string | undefined;
  /** A listener (re)start is under way; `status()` then names the backend it is starting. */
  private switching = false;
  /** The backend is unreachable or refuses the credentials. */
  private backendProblem: string | undefined;
  private ready = false;
  private closed = false;
  private stopping: Promise<void> | undefined;
  private lastPublished = '';
  /** Settings and credential changes, one at a time. */
  private changes: Promise<void> = Promise.resolve();

  constructor(host: SessionHost) {
    this.host = host;
    this.discovery = new DiscoveryFile(host.pid);
  }

  /** From the LSP `initialize` request: settings, credentials and workspace folders. Never throws. */
  async initialize(options: unknown, folders: readonly LspWorkspaceFolder[]): Promise<void> {
    this.folders = [...folders];
    // A client that sends no options gets the defaults (embedded store, tenant `default`).
    const parsed = InitializationOptionsSchema.safeParse(options ?? { settings: {} });
    if (!parsed.success) {
      this.settingsProblem = `Invalid settings: ${problemText(parsed.error)}`;
      this.host.log(this.settingsProblem);
      return;
    }
    this.credentials = parsed.data.credentials;
    await this.switchTo(parsed.data.settings);
  }

  /** After `initialized`: notifications may flow; the client gets the status once. */
  markReady(): void {
    this.ready = true;
    this.publish();
  }

  /** From `workspace/didChangeConfiguration`; changes apply one after another, in the order they came. */
  applySettings(raw: unknown): Promise<void> {
    return this.queue(() => this.applySettingsNow(raw));
  }

  /** From `Daemon.setCredentials`: an MLflow backend reconnects with them. Never logged. */
  setCredentials(credentials: BackendCredentials): Promise<void> {
    return this.queue(async () => {
      const changed = JSON.stringify(credentials) !== JSON.stringify(this.credentials);
      // S3 keys matter to any backend (an S3 artifact destination, s3: runs on an MLflow server).
      const s3Changed = JSON.stringify(credentials.s3) !== JSON.stringify(this.credentials.s3);
      this.credentials = credentials;
      if (changed && this.settings && (this.settings.backend === 'mlflow' || s3Changed) && !this.closed) await this.switchTo(this.settings);
    });
  }

  /** The store and MLflow client; `daemon_unavailable` with the reason when this Node cannot run them. */
  async runtime(): Promise<Runtime> {
    try {
      return await this.host.loadRuntime();
    } catch (err) {
      throw new DaemonUnavailableError(`The daemon cannot run on this Node: ${messageOf(err)}`);
    }
  }

  get currentCredentials(): BackendCredentials {
    return this.credentials;
  }

  get currentSettings(): DaemonSettings | undefined {
    return this.settings;
  }

  /** From `workspace/didChangeWorkspaceFolders`: the discovery file lists the new folders. */
  async setWorkspaceFolders(folders: readonly LspWorkspaceFolder[]): Promise<void> {
    this.folders = [...folders];
    await this.gate.shared(async () => {
      if (this.listener) await this.discovery.write(this.listener.dataDir, this.discoveryContents(this.listener));
    });
  }

  /**
   * Runs `fn` on the current listener, or fails with `daemon_unavailable` and the reason. Backend
   * trouble (unreachable, credentials refused) marks the daemon unhealthy until a request succeeds.
   */
  use<T>(fn: (listener: Listener) => Promise<T>): Promise<T> {
    return this.gate.shared(async () => {
      const listener = this.listener;
      if (!listener) throw new DaemonUnavailableError(this.problem() ?? 'The daemon is shutting down');
      try {
        const result = await fn(listener);
        this.noteBackend(undefined);
        return result;
      } catch (err) {
        this.noteBackend(err);
        throw err;
      }
    });
  }

  status(): DaemonStatus {
    const settings = this.listener?.settings ?? this.settings;
    const uiUrl = settings?.backend === 'mlflow' && settings.mlflowUri ? displayUrl(settings.mlflowUri) : undefined;
    const problem = this.problem();
    return {
      version: VERSION,
      // While a settings change restarts the listener the daemon is still there: say what it is
      // becoming rather than "not running", which reads like a crash in the status bar.
      backend: this.listener?.description ?? (this.switching && settings ? `${settings.backend} (starting)` : 'not running'),
      ...(uiUrl ? { mlflowUiUrl: uiUrl } : {}),
      dataDir: this.listener?.dataDir ?? resolveDataDir(settings?.dataDir, this.host.env),
      activeTenant: settings?.activeTenant ?? 'default',
      pid: this.host.pid,
      ...(this.listener ? { httpUrl: this.listener.url } : {}),
      ...(this.discovery.path ? { discoveryFile: this.discovery.path } : {}),
      healthy: problem === undefined,
      ...(problem !== undefined ? { problem } : {}),
    };
  }

  /** LSP `shutdown`, a signal, or the editor going away: discovery file first, then the listener. */
  shutdown(): Promise<void> {
    // Every caller (LSP shutdown, then a signal, say) waits for the same one.
    this.stopping ??= (async () => {
      this.closed = true;
      await this.gate.exclusive(async () => {
        const listener = this.listener;
        this.listener = undefined;
        await this.discovery.remove();
        if (listener) await listener.close().catch((err: unknown) => this.host.log(`closing the listener failed: ${messageOf(err)}`));
      });
      this.host.log('stopped');
    })();
    return this.stopping;
  }

  /** For `process.on('exit')`, where only synchronous work runs. */
  removeDiscoverySync(): void {
    this.discovery.removeSync();
  }

  private queue(fn: () => Promise<void>): Promise<void> {
    const next = this.changes.then(fn);
    this.changes = next.catch(() => {});
    return next;
  }

  private async applySettingsNow(raw: unknown): Promise<void> {
    const parsed = DaemonSettingsSchema.safeParse(raw);
    if (!parsed.success) {
      const prefix = this.listener ? 'Settings not applied (the previous ones still hold)' : 'Invalid settings';
      this.settingsProblem = `${prefix}: ${problemText(parsed.error, 'settings')}`;
      this.host.log(this.settingsProblem);
      this.publish();
      return;
    }
    this.settingsProblem = undefined;
    const next = parsed.data;
    const current = this.listener?.settings;
    if (current && !this.movesData(current, next)) {
      this.settings = next;
      this.publish();
      return;
    }
    await this.switchTo(next);
  }

  private problem(): string | undefined {
    return this.settingsProblem ?? this.startProblem ?? this.backendProblem;
  }

  /** Whether going from `a` to `b` needs a new listener. */
  private movesData(a: DaemonSettings, b: DaemonSettings): boolean {
    const env = this.host.env;
    return (
      a.backend !== b.backend ||
      (b.backend === 'mlflow' && (a.mlflowUri !== b.mlflowUri || Boolean(a.mlflowWorkspaces) !== Boolean(b.mlflowWorkspaces))) ||
      resolveDataDir(a.dataDir, env) !== resolveDataDir(b.dataDir, env) ||
      a.activeTenant !== b.activeTenant ||
      a.artifactsDestination !== b.artifactsDestination ||
      a.s3EndpointUrl !== b.s3EndpointUrl ||
      a.s3Region !== b.s3Region ||
      a.s3PathStyle !== b.s3PathStyle
    );
  }

  private async switchTo(settings: DaemonSettings): Promise<void> {
    await this.gate.exclusive(async () => {
      if (this.closed) return;
      this.settings = settings;
      this.switching = true;
      const old = this.listener;
      this.listener = undefined;
      if (old) {
        this.lastPort = old.port;
        await old.close().catch((err: unknown) => this.host.log(`closing the previous listener failed: ${messageOf(err)}`));
      }
      this.startProblem = undefined;
      this.backendProblem = undefined;
      const dataDir = resolveDataDir(settings.dataDir, this.host.env);
      try {
        const listener = await startListener(await this.runtime(), {
          settings,
          credentials: this.credentials,
          dataDir,
          token: this.token,
          ...(this.lastPort !== undefined ? { preferredPort: this.lastPort } : {}),
          env: this.host.env,
          log: (line) => this.host.log(line),
          ...(this.host.hub ? { hub: this.host.hub } : {}),
        });
        this.startedAt = new Date().toISOString();
        try {
          await this.discovery.write(dataDir, this.discoveryContents(listener));
        } catch (err) {
          await listener.close().catch(() => {});
          throw new Error(`could not write the discovery file in ${dataDir}: ${messageOf(err)}`);
        }
        this.listener = listener;
        this.host.log(`listening on ${listener.url} (${listener.description}, data in ${dataDir}, tenant ${settings.activeTenant})`);
      } catch (err) {
        await this.discovery.remove();
        this.startProblem = err instanceof DaemonUnavailableError ? err.message : `The daemon could not start: ${messageOf(err)}`;
        this.host.log(this.startProblem);
      } finally {
        this.switching = false;
      }
    });
    if (this.listener?.settings.backend === 'mlflow') {
      // Wait briefly so the status published next already says whether MLflow answers; a slow
      // server corrects it when the probe ends.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.probe(), new Promise<void>((resolve) => (timer = setTimeout(resolve, PROBE_WAIT_MS)))]);
      clearTimeout(timer);
    }
    this.publish();
  }

  /** One small search right after connecting to MLflow, so the status shows trouble before the first click. */
  private async probe(): Promise<void> {
    await this.use((l) => l.tenants.scope(l.settings.activeTenant).searchExperiments({ maxResults: 1 })).catch(() => {});
  }

  /**
   * Only a success clears trouble: a failure such as a bad filter may never have reached the
   * backend, so it says nothing about whether the backend is back.
   */
  private noteBackend(err: unknown): void {
    let next: string | undefined;
    if (err !== undefined) {
      if (!(err instanceof TrackingError) || !BACKEND_TROUBLE.has(err.code)) return;
      next = err.code === 'UNAUTHENTICATED' ? `The backend refused the credentials: ${err.message}` : err.message;
    }
    if (next === this.backendProblem) return;
    this.backendProblem = next;
    this.host.log(next === undefined ? 'the backend answers again' : `backend trouble: ${next}`);
    this.publish();
  }

  private publish(): void {
    if (!this.ready || this.closed) return;
    const status = this.status();
    const text = JSON.stringify(status);
    if (text === this.lastPublished) return;
    this.lastPublished = text;
    this.host.statusChanged(status);
  }

  private discoveryContents(listener: Listener): DaemonDiscovery {
    return {
      version: 1,
      pid: this.host.pid,
      port: listener.port,
      url: listener.url,
      token: this.token,
      activeTenant: listener.settings.activeTenant,
      workspaceFolders: discoveryFolders(this.folders),
      startedAt: this.startedAt,
    };
  }
}

function problemText(error: z.ZodError, where?: string): string {
  return validationError(error, where).message;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The URL without credentials or a trailing slash, for "Open in MLflow". */
function displayUrl(uri: string): string | undefined {
  try {
    const url = new URL(uri);
    return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
  } catch {
    return undefined;
  }
}
