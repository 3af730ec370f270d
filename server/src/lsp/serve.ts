/**
 * Wires a DaemonSession to an LSP connection: `initialize` (settings, credentials, workspace
 * folders), configuration and folder changes, every protocol request, and `shutdown`/`exit`.
 * main.ts runs it on the IPC channel; tests may run it on any connection.
 */
import type { Connection, InitializeResult } from 'vscode-languageserver/node';
import { ALL_REQUESTS, Daemon } from '../../../protocol/src/index.ts';
import { MetricHub } from '../live/metric-hub.ts';
import { VERSION } from '../version.ts';
import { registerArtifactRequests } from './handlers/artifacts.ts';
import { registerDaemonRequests } from './handlers/daemon.ts';
import { registerExperimentRequests } from './handlers/experiments.ts';
import { registerInspectRequests } from './handlers/inspect.ts';
import { registerLiveRequests } from './handlers/live.ts';
import { registerProcessRequests } from './handlers/processes.ts';
import { registerRunRequests } from './handlers/runs.ts';
import { registerTenantRequests } from './handlers/tenants.ts';
import { INLINE_CAPABILITIES, registerInline } from './inline/index.ts';
import { Requests } from './register.ts';
import type { Runtime } from './runtime.ts';
import { DaemonSession } from './session.ts';

export interface ServeOptions {
  pid: number;
  env: NodeJS.ProcessEnv;
  loadRuntime(): Promise<Runtime>;
}

export function serveDaemon(connection: Connection, options: ServeOptions): DaemonSession {
  const log = (line: string) => connection.console.log(line);
  // One hub for the session's life: the extension's live subscription survives backend switches.
  const hub = new MetricHub();
  const session = new DaemonSession({
    hub,
    pid: options.pid,
    env: options.env,
    log,
    // A closed connection (the editor going away) must not become an unhandled rejection.
    statusChanged: (status) => void connection.sendNotification(Daemon.statusChanged.method, status).catch(() => {}),
    loadRuntime: options.loadRuntime,
  });

  const requests = new Requests(connection, log);
  registerDaemonRequests(requests, session);
  registerTenantRequests(requests, session);
  registerExperimentRequests(requests, session);
  registerRunRequests(requests, session);
  registerInspectRequests(requests, session);
  registerArtifactRequests(requests, session, connection);
  registerLiveRequests(requests, session, hub, connection);
  const inline = registerInline(connection, session, hub);
  registerProcessRequests(requests, session, log);
  const missing = ALL_REQUESTS.filter((m) => !requests.methods.has(m));
  if (missing.length > 0) throw new Error(`no handler for ${missing.join(', ')}`);

  let pullConfiguration = false;
  let foldersChange = false;
  connection.onInitialize(async (params): Promise<InitializeResult> => {
    pullConfiguration = params.capabilities.workspace?.configuration === true;
    foldersChange = params.capabilities.workspace?.workspaceFolders === true;
    const folders = params.workspaceFolders ?? (params.rootUri ? [{ uri: params.rootUri, name: 'root' }] : []);
    await session.initialize(params.initializationOptions, folders);
    inline.initialize(params.capabilities);
    return {
      capabilities: { ...INLINE_CAPABILITIES, workspace: { workspaceFolders: { supported: true, changeNotifications: foldersChange } } },
      serverInfo: { name: 'matih-daemon', version: VERSION },
    };
  });

  connection.onInitialized(() => {
    session.markReady();
    if (foldersChange) {
      connection.workspace.onDidChangeWorkspaceFolders(async () => {
        const folders = (await connection.workspace.getWorkspaceFolders()) ?? [];
        await session.setWorkspaceFolders(folders).catch((err: unknown) => log(`updating the discovery file failed: ${String(err)}`));
      });
    }
  });

  connection.onDidChangeConfiguration(async ({ settings }) => {
    // Pushed settings come as DaemonSettings or wrapped in their section ({ matih: {...} });
    // a client on the pull model sends null and is asked for the `matih` section.
    let raw: unknown = settings;
    if (raw && typeof raw === 'object' && 'matih' in raw) raw = (raw as { matih: unknown }).matih;
    if ((raw === null || raw === undefined) && pullConfiguration) {
      try {
        raw = await connection.workspace.getConfiguration('matih');
      } catch (err) {
        log(`could not read the settings from the editor: ${err instanceof Error ? err.message : String(err)}`);
        return;
      }
    }
    await session.applySettings(raw ?? {});
  });

  connection.onShutdown(() => (inline.dispose(), session.shutdown()));
  // `exit` ends the process right after this handler; the file must not outlive it.
  connection.onExit(() => session.removeDiscoverySync());
  return session;
}
