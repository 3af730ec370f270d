/**
 * Runs the Python scripts kept beside these tests with the real `mlflow` client, pointed at a
 * daemon through `MLFLOW_TRACKING_URI`, and returns what they printed.
 *
 * Each script prints one `@@RESULT <json>` line (see `_common.py`); NaN and infinities arrive
 * as the strings "NaN", "Infinity", "-Infinity". Each Python start costs ~2–3 s of imports, so
 * scripts group related checks.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestDaemon, type TestDaemon } from '../support/daemon.ts';
import { ensureMlflowVenv } from '../support/mlflow.ts';

const RESULT_MARK = '@@RESULT ';

export interface PythonRun {
  /** The parsed result line. */
  result: any;
  /** Warnings the script collected: MLflow's logged warnings and Python warnings. */
  warnings: string[];
  stdout: string;
  stderr: string;
  ms: number;
}

export interface PythonOptions {
  /** The tracking URI, e.g. `http://127.0.0.1:1234` or `http://127.0.0.1:1234/tenants/acme`. */
  trackingUri: string;
  args?: string[];
  env?: Record<string, string>;
  timeoutMs?: number;
}

/** Runs `test/python-client/<script>` with the venv's Python; rejects unless it exits 0 with a result. */
export async function runPython(script: string, options: PythonOptions): Promise<PythonRun> {
  const bin = await ensureMlflowVenv();
  const cwd = await mkdtemp(join(tmpdir(), 'matih-pyclient-'));
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    // The developer's own MLflow settings must not leak in.
    if (v !== undefined && !k.startsWith('MLFLOW_')) env[k] = v;
  }
  Object.assign(env, {
    MLFLOW_TRACKING_URI: options.trackingUri,
    // A daemon error must fail fast, not sit through the client's 7 retries with backoff.
    MLFLOW_HTTP_REQUEST_MAX_RETRIES: '0',
    MLFLOW_HTTP_REQUEST_TIMEOUT: '30',
    MLFLOW_DISABLE_TELEMETRY: 'true',
    DO_NOT_TRACK: 'true',
    PYTHONUNBUFFERED: '1',
    // No __pycache__ beside the scripts in the source tree.
    PYTHONDONTWRITEBYTECODE: '1',
    ...options.env,
  });
  const started = Date.now();
  try {
    const { code, signal, stdout, stderr } = await new Promise<{
      code: number | null;
      signal: NodeJS.Signals | null;
      stdout: string;
      stderr: string;
    }>((resolveRun, reject) => {
      const child = spawn(join(bin, 'python'), [join(import.meta.dirname, script), ...(options.args ?? [])], {
        cwd,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
      child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
      const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 90_000);
      child.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      child.on('close', (c, s) => {
        clearTimeout(timer);
        resolveRun({ code: c, signal: s, stdout: out, stderr: err });
      });
    });
    const line = stdout.split('\n').findLast((l) => l.startsWith(RESULT_MARK));
    if (code !== 0 || line === undefined) {
      throw new Error(
        `${script} ${code !== 0 ? `exited with ${code ?? signal}` : 'printed no result'}\n--- stdout\n${tail(stdout)}\n--- stderr\n${tail(stderr)}`,
      );
    }
    const result = JSON.parse(line.slice(RESULT_MARK.length));
    return { result, warnings: result.warnings ?? [], stdout, stderr, ms: Date.now() - started };
  } finally {
    await rm(cwd, { recursive: true, force: true });
  }
}

function tail(text: string): string {
  return text.split('\n').slice(-40).join('\n');
}

/** A number as the scripts send it back: NaN and infinities arrive as strings. */
export function fromJson(v: number | string): number {
  return typeof v === 'number' ? v : Number(v);
}

/** One request as the daemon logged it: `POST /tenants/acme/api/2.0/mlflow/runs/log-batch 200 4ms`. */
export interface LoggedRequest {
  method: string;
  path: string;
  status: number;
}

/** Starts a test daemon that records every request it answers, for checks on what the client sent. */
export async function startRecordingDaemon(): Promise<{ d: TestDaemon; requests: LoggedRequest[] }> {
  const requests: LoggedRequest[] = [];
  const d = await startTestDaemon({
    log: (line) => {
      const m = /^(\S+) (\S+) (\d{3})\b/.exec(line);
      if (m) requests.push({ method: m[1]!, path: m[2]!, status: Number(m[3]) });
    },
  });
  return { d, requests };
}

/** The requests answered with an error, as `METHOD path status` lines, for a readable assertion. */
export function errorsIn(requests: LoggedRequest[]): string[] {
  return requests.filter((r) => r.status >= 400).map((r) => `${r.method} ${r.path} ${r.status}`);
}
