/**
 * The pure part of "scripts": the environment a terminal gets, the interpreter chosen, the
 * experiment a file's run goes to, the command line typed when shell integration is missing, and
 * the run status an exit code means. No `vscode` here, so unit tests import it directly.
 */
import type { RunStatusName } from '../../../protocol/src/index.ts';

/** What the daemon's discovery file and status give: where scripts log and how they authenticate. */
export interface TrackingEndpoint {
  /** The daemon's loopback HTTP listener, e.g. `http://127.0.0.1:41234`. */
  url: string;
  token: string;
  tenant: string;
}

/** MLflow clients keep the path prefix, so the tenant goes in the tracking URI. */
export function trackingUri(endpoint: Pick<TrackingEndpoint, 'url' | 'tenant'>): string {
  return `${endpoint.url.replace(/\/+$/, '')}/tenants/${encodeURIComponent(endpoint.tenant)}`;
}

/** The variables every integrated terminal gets (the Python client sends the token as bearer). */
export function trackingEnv(endpoint: TrackingEndpoint): Record<string, string> {
  return { MLFLOW_TRACKING_URI: trackingUri(endpoint), MLFLOW_TRACKING_TOKEN: endpoint.token };
}

/** The variables of a script started with "Run Python File with Tracking": the run it logs to. */
export function runEnv(endpoint: TrackingEndpoint, run: { runId: string; experimentId: string }): Record<string, string> {
  return { ...trackingEnv(endpoint), MLFLOW_RUN_ID: run.runId, MLFLOW_EXPERIMENT_ID: run.experimentId };
}

/**
 * How a tracked script ended. `exitCode` undefined: the process was ended from outside (the
 * terminal closed, "Stop Run") or the shell could not tell.
 */
export function statusFromExit(exitCode: number | undefined, stoppedByUser = false): RunStatusName {
  if (stoppedByUser) return 'killed';
  if (exitCode === undefined) return 'killed';
  return exitCode === 0 ? 'finished' : 'failed';
}

/** The configured interpreter wins, then the Python extension's, then the platform's usual name. */
export function chooseInterpreter(configured: string | undefined, fromPythonExtension: string | undefined, os: string): string {
  const c = configured?.trim();
  if (c) return c;
  const p = fromPythonExtension?.trim();
  if (p) return p;
  return os === 'win32' ? 'python' : 'python3';
}

/** The file's name without its extension (`/a/b/train.py` → `train`): the default experiment. */
export function experimentNameForFile(path: string): string {
  const base = path.split(/[\\/]/).pop() ?? path;
  const dot = base.lastIndexOf('.');
  const name = (dot > 0 ? base.slice(0, dot) : base).trim();
  return (name || 'script').slice(0, 255);
}

/** Quotes one argument for a POSIX shell. */
export function posixQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** Quotes one argument for PowerShell. */
export function powershellQuote(arg: string): string {
  return `'${arg.replace(/'/g, "''")}'`;
}

/**
 * The line typed into a fresh terminal when shell integration is not available: runs the script
 * and exits the shell with its exit code, so the terminal's exit status is the script's.
 */
export function fallbackCommandLine(interpreter: string, file: string, os: string): string {
  if (os === 'win32') return `& ${powershellQuote(interpreter)} ${powershellQuote(file)}; exit $LASTEXITCODE`;
  return `${posixQuote(interpreter)} ${posixQuote(file)}; exit $?`;
}

/** Seconds between system metric samples from the setting: default 10, at least 1, at most 3600. */
export function samplingInterval(raw: unknown): number {
  const n = typeof raw === 'number' && Number.isFinite(raw) ? raw : 10;
  return Math.min(3600, Math.max(1, n));
}
