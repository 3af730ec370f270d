/**
 * The daemon as the extension starts it: a Node module on the LSP IPC channel
 * (`TransportKind.ipc`, so `--node-ipc`), with its loopback HTTP listener for scripts and
 * notebooks in the same process. It stops cleanly on LSP shutdown/exit, on SIGTERM/SIGINT and
 * when the editor goes away, and never leaves its discovery file behind.
 */
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { loadRuntime } from './runtime.ts';
import { serveDaemon } from './serve.ts';

const connection = createConnection(ProposedFeatures.all);
const session = serveDaemon(connection, { pid: process.pid, env: process.env, loadRuntime });

let stopping = false;
function stop(reason: string): void {
  if (stopping) return;
  stopping = true;
  connection.console.log(`${reason}: stopping`);
  session.shutdown().finally(() => process.exit(0));
}
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
// The IPC channel closes when the editor's extension host dies without a shutdown.
process.on('disconnect', () => stop('the editor went away'));
// vscode-languageserver exits at once when it sees the editor's process gone; no async work runs then.
process.on('exit', () => session.removeDiscoverySync());

connection.listen();
