/**
 * Runs the daemon's LSP side the way the extension does: a child Node process started with
 * `--node-ipc` (vscode-languageclient's TransportKind.ipc), spoken to over the IPC channel with
 * vscode-languageserver-protocol. Collects everything the daemon says (log messages, status
 * notifications, stdout/stderr) so tests can check what it logged.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createProtocolConnection,
  IPCMessageReader,
  IPCMessageWriter,
  type InitializeResult,
  type ProtocolConnection,
  ResponseError,
} from 'vscode-languageserver-protocol/node';
import { Daemon, type DaemonStatus, type ParamsOf, type RequestDef, type ResultOf } from '../../protocol/src/index.ts';

export const MAIN = fileURLToPath(new URL('../../server/src/lsp/main.ts', import.meta.url));
export const BUNDLE = fileURLToPath(new URL('../../dist/server/lsp.cjs', import.meta.url));

export interface StartOptions {
  initializationOptions?: unknown;
  /** The data directory goes in MATIH_HOME; a fresh temporary one unless given. */
  home?: string;
  env?: NodeJS.ProcessEnv;
  module?: string;
  execPath?: string;
  workspaceFolders?: { uri: string; name: string }[] | null;
  /** Client capabilities `workspace.configuration` / `workspace.workspaceFolders`. */
  capabilities?: { configuration?: boolean; workspaceFolders?: boolean };
  /** Answers `workspace/configuration` (pull model). */
  configuration?: () => unknown;
}

export interface LspDaemon {
  /** What the client answers to `workspace/workspaceFolders`; change it, then notify the daemon. */
  folders: { uri: string; name: string }[];
  child: ChildProcess;
  connection: ProtocolConnection;
  home: string;
  initializeResult: InitializeResult;
  /** Every window/logMessage the daemon sent. */
  logs: string[];
  /** Every Daemon.statusChanged notification, in order. */
  statuses: DaemonStatus[];
  /** stdout + stderr of the process. */
  output(): string;
  exited: Promise<number | null>;
  request<D extends RequestDef<any, any, any>>(def: D, params: ParamsOf<D>): Promise<ResultOf<D>>;
  /** Sends the request and returns the ResponseError it fails with (fails the test if it succeeds). */
  failure<D extends RequestDef<any, any, any>>(def: D, params: ParamsOf<D>): Promise<ResponseError<{ code: string; field?: string }>>;
  /**
   * Resolves once a statusChanged notification satisfies `predicate` (or one already has), looking
   * only at those from index `since` on (take `statuses.length` before an action to see its effect).
   */
  statusWhere(predicate: (s: DaemonStatus) => boolean, since?: number): Promise<DaemonStatus>;
  /** LSP shutdown + exit; resolves with the exit code. */
  stop(): Promise<number | null>;
  /** Kills the process if it still runs and removes the temporary home. */
  dispose(): Promise<void>;
}

export async function startLspDaemon(options: StartOptions = {}): Promise<LspDaemon> {
  const home = options.home ?? (await mkdtemp(join(tmpdir(), 'matih-lsp-')));
  const child = fork(options.module ?? MAIN, ['--node-ipc', `--clientProcessId=${process.pid}`], {
    env: { ...process.env, MATIH_HOME: home, ...options.env },
    execArgv: [],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    ...(options.execPath ? { execPath: options.execPath } : {}),
  });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c));
  child.stderr!.on('data', (c: Buffer) => (out += c));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

  // Assigned once initialized; the folder request handler below reads it later.
  let daemon!: LspDaemon;
  const connection = createProtocolConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
  const logs: string[] = [];
  const statuses: DaemonStatus[] = [];
  const waiters: (() => void)[] = [];
  connection.onNotification('window/logMessage', (p: { message: string }) => void logs.push(p.message));
  connection.onNotification(Daemon.statusChanged.method, (s: DaemonStatus) => {
    statuses.push(s);
    waiters.splice(0).forEach((w) => w());
  });
  connection.onRequest('workspace/configuration', () => [options.configuration?.() ?? null]);
  connection.onRequest('workspace/workspaceFolders', () => daemon.folders);
  connection.onRequest('client/registerCapability', () => null);
  connection.listen();

  const folders = options.workspaceFolders === undefined ? [{ uri: 'file:///work/project', name: 'project' }] : options.workspaceFolders;
  const initializeResult = (await Promise.race([
    connection.sendRequest('initialize', {
      processId: process.pid,
      rootUri: null,
      workspaceFolders: folders,
      capabilities: {
        workspace: {
          configuration: options.capabilities?.configuration ?? false,
          workspaceFolders: options.capabilities?.workspaceFolders ?? false,
        },
      },
      ...(options.initializationOptions !== undefined ? { initializationOptions: options.initializationOptions } : {}),
    }),
    exited.then((code) => Promise.reject(new Error(`daemon exited with ${code} during initialize:\n${out}`))),
  ])) as InitializeResult;
  await connection.sendNotification('initialized', {});

  daemon = {
    folders: folders ?? [],
    child,
    connection,
    home,
    initializeResult,
    logs,
    statuses,
    output: () => out,
    exited,
    request: (def, params) => connection.sendRequest(def.method, params) as Promise<any>,
    async failure(def, params) {
      try {
        await connection.sendRequest(def.method, params);
      } catch (err) {
        if (err instanceof ResponseError) return err as ResponseError<{ code: string; field?: string }>;
        throw err;
      }
      throw new Error(`${def.method} succeeded but was expected to fail`);
    },
    async statusWhere(predicate, since = 0) {
      const deadline = Date.now() + 15_000;
      for (;;) {
        const found = statuses.slice(since).find(predicate);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no matching status; got ${JSON.stringify(statuses, null, 1)}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 200);
        });
      }
    },
    async stop() {
      await connection.sendRequest('shutdown');
      await connection.sendNotification('exit');
      return exited;
    },
    async dispose() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
      connection.dispose();
      if (options.home === undefined) await rm(home, { recursive: true, force: true });
    },
  };
  return daemon;
}

/** Settings with the embedded store and the given tenants. */
export function embeddedOptions(extra: Record<string, unknown> = {}): unknown {
  return { settings: { backend: 'embedded', tenants: ['acme'], activeTenant: 'acme', ...extra }, credentials: {} };
}
