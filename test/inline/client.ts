/**
 * A daemon started as the extension starts it (test/lsp/harness.ts's MAIN over IPC), but with
 * an editor's text-document capabilities: code lens refresh support, so the daemon may send
 * `workspace/codeLens/refresh`. Records those refreshes.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  createProtocolConnection,
  IPCMessageReader,
  IPCMessageWriter,
  type CodeLens,
  type Hover,
  type InitializeResult,
  type ProtocolConnection,
} from 'vscode-languageserver-protocol/node';
import { Daemon, type DaemonStatus, type ParamsOf, type RequestDef, type ResultOf } from '../../protocol/src/index.ts';
import { embeddedOptions, MAIN } from '../lsp/harness.ts';

export interface InlineDaemon {
  connection: ProtocolConnection;
  initializeResult: InitializeResult;
  /** performance.now() of each `workspace/codeLens/refresh` received. */
  refreshes: number[];
  url: string;
  token: string;
  request<D extends RequestDef<any, any, any>>(def: D, params: ParamsOf<D>): Promise<ResultOf<D>>;
  open(uri: string, text: string): Promise<void>;
  change(uri: string, version: number, text: string): Promise<void>;
  lenses(uri: string): Promise<CodeLens[]>;
  hover(uri: string, line: number, character: number): Promise<Hover | null>;
  /** MLflow-compatible log-batch, as a script would (through the daemon's loopback URL). */
  logBatch(tenant: string, runId: string, metrics: { key: string; value: number; step: number; timestamp?: number }[]): Promise<void>;
  dispose(): Promise<void>;
}

export async function startInlineDaemon(): Promise<InlineDaemon> {
  const home = await mkdtemp(join(tmpdir(), 'matih-inline-'));
  const child: ChildProcess = fork(MAIN, ['--node-ipc', `--clientProcessId=${process.pid}`], {
    env: { ...process.env, MATIH_HOME: home },
    execArgv: [],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c));
  child.stderr!.on('data', (c: Buffer) => (out += c));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const connection = createProtocolConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
  const statuses: DaemonStatus[] = [];
  const refreshes: number[] = [];
  connection.onNotification(Daemon.statusChanged.method, (s: DaemonStatus) => void statuses.push(s));
  connection.onNotification('window/logMessage', () => {});
  connection.onRequest('workspace/codeLens/refresh', () => {
    refreshes.push(performance.now());
    return null;
  });
  connection.onRequest('workspace/configuration', () => [null]);
  connection.onRequest('client/registerCapability', () => null);
  connection.listen();
  const initializeResult = (await connection.sendRequest('initialize', {
    processId: process.pid,
    rootUri: null,
    workspaceFolders: [{ uri: 'file:///work/project', name: 'project' }],
    capabilities: { workspace: { codeLens: { refreshSupport: true } }, textDocument: { codeLens: {}, hover: { contentFormat: ['markdown'] } } },
    initializationOptions: embeddedOptions(),
  })) as InitializeResult;
  await connection.sendNotification('initialized', {});
  const deadline = Date.now() + 15_000;
  while (!statuses.some((s) => s.httpUrl)) {
    if (Date.now() > deadline) throw new Error(`the daemon did not start:\n${out}`);
    await sleep(20);
  }
  const status = statuses.find((s) => s.httpUrl)!;
  const url = status.httpUrl!;
  const token = JSON.parse(await readFile(status.discoveryFile!, 'utf8')).token as string;

  return {
    connection,
    initializeResult,
    refreshes,
    url,
    token,
    request: (def, params) => connection.sendRequest(def.method, params) as Promise<any>,
    open: (uri, text) => connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'python', version: 1, text } }),
    change: (uri, version, text) => connection.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [{ text }] }),
    lenses: (uri) => connection.sendRequest('textDocument/codeLens', { textDocument: { uri } }) as Promise<CodeLens[]>,
    hover: (uri, line, character) => connection.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line, character } }) as Promise<Hover | null>,
    async logBatch(tenant, runId, metrics) {
      const res = await fetch(`${url}/tenants/${tenant}/api/2.0/mlflow/runs/log-batch`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ run_id: runId, metrics: metrics.map((m, i) => ({ timestamp: Date.now() + i, ...m })) }),
      });
      if (res.status !== 200) throw new Error(`log-batch: ${res.status} ${await res.text()}`);
    },
    async dispose() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
      connection.dispose();
      await rm(home, { recursive: true, force: true });
    },
  };
}
