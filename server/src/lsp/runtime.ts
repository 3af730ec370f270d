/**
 * What the daemon needs from the Node running it, loaded only on first use: the store uses
 * `node:sqlite` and the MLflow client uses undici 8, which need Node >= 22.19 (VS Code's Electron
 * has it since mid-2025). Everything else the LSP side imports runs on older Nodes too, so an
 * editor with an older Node gets a readable `problem` in the status bar instead of a crash at
 * start-up. Nothing in server/src/lsp may import the store or the MLflow client except here.
 */
import type { mlflowAuthFromEnv } from '../config/backend-config.ts';
import type { startDaemon } from '../daemon.ts';
import type { testMlflowConnection } from './test-connection.ts';

export interface Runtime {
  startDaemon: typeof startDaemon;
  mlflowAuthFromEnv: typeof mlflowAuthFromEnv;
  testMlflowConnection: typeof testMlflowConnection;
}

export const MIN_NODE = [22, 19] as const;

/** Why this Node cannot run the daemon, or undefined when it can. */
export async function runtimeProblem(version = process.versions.node): Promise<string | undefined> {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  const lacks = (what: string) =>
    `it needs ${what}, which the Node running it (v${version}) lacks: use a newer VS Code, ` +
    `or point the extension at a Node >= ${MIN_NODE.join('.')} in its settings`;
  if (major < MIN_NODE[0] || (major === MIN_NODE[0] && minor < MIN_NODE[1])) return lacks(`Node >= ${MIN_NODE.join('.')}`);
  try {
    await import('node:sqlite');
  } catch {
    return lacks('node:sqlite');
  }
  return undefined;
}

export async function loadRuntime(): Promise<Runtime> {
  const problem = await runtimeProblem();
  if (problem) throw new Error(problem);
  const [daemon, config, probe] = await Promise.all([
    import('../daemon.ts'),
    import('../config/backend-config.ts'),
    import('./test-connection.ts'),
  ]);
  return { startDaemon: daemon.startDaemon, mlflowAuthFromEnv: config.mlflowAuthFromEnv, testMlflowConnection: probe.testMlflowConnection };
}
