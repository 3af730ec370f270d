/**
 * The processes a benchmark path talks to: the daemon (`matihd serve`, its own process so its
 * peak RSS is its own) and a real `mlflow server`, each started fresh for one path and stopped
 * with its data removed afterwards.
 */

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCliDaemon } from '../support/cli.ts';
import { MLFLOW_VENV, type MlflowServer, startMlflowServer } from '../support/mlflow.ts';

export interface BenchDaemon {
  url: string;
  /** The daemon's peak resident set so far (VmHWM), in MiB. */
  peakRssMiB(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Starts `matihd serve` on a free port with a fresh MATIH_HOME; `args` picks the backend. The
 * developer's own MLflow settings (tracking URI, credentials) are kept out, as the MLflow test
 * server does.
 */
export async function startBenchDaemon(args: string[] = []): Promise<BenchDaemon> {
  const dataDir = await mkdtemp(join(tmpdir(), 'matih-bench-'));
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('MLFLOW_')) env[k] = v;
  env.MATIH_HOME = dataDir;
  const daemon = await startCliDaemon(['--port', '0', '--quiet', ...args], env).catch(async (err: unknown) => {
    await rm(dataDir, { recursive: true, force: true });
    throw err;
  });
  const pid = daemon.child.pid!;
  return {
    url: daemon.url,
    peakRssMiB: async () => (await peakRssKiB(pid)) / 1024,
    async stop() {
      daemon.child.kill('SIGTERM');
      await daemon.exited;
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** VmHWM of a live process, in KiB (Linux). */
async function peakRssKiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const m = /VmHWM:\s+(\d+) kB/.exec(status);
  return m ? Number(m[1]) : NaN;
}

/** A fresh `mlflow server` (SQLite backend, one worker, empty migrated database). */
export function startBenchMlflow(): Promise<MlflowServer> {
  return startMlflowServer({ startTimeoutMs: 180_000 });
}

/** The MLflow version a server reports at `/version`, or the cached venv's if it does not answer. */
export async function mlflowVersion(server: MlflowServer): Promise<string> {
  try {
    const res = await fetch(`${server.url}/version`);
    const text = (await res.text()).trim();
    if (res.ok && /^\d+\.\d+/.test(text)) return text;
  } catch {
    // fall through to the venv's marker
  }
  return (await readFile(join(MLFLOW_VENV, '.matih-ready'), 'utf8').catch(() => 'unknown')).trim();
}

/** Runs `fn` against a fresh daemon and always stops it, even when `fn` throws. */
export async function withDaemon<T>(args: string[], fn: (daemon: BenchDaemon) => Promise<T>): Promise<T> {
  const daemon = await startBenchDaemon(args);
  try {
    return await fn(daemon);
  } finally {
    await daemon.stop();
  }
}

/** Runs `fn` against a fresh MLflow server and always stops it (removing its data). */
export async function withMlflow<T>(fn: (server: MlflowServer) => Promise<T>): Promise<T> {
  const server = await startBenchMlflow();
  try {
    return await fn(server);
  } finally {
    await server.stop();
  }
}
