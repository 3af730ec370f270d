/**
 * A real MLflow tracking server for tests: a cached Python venv with `mlflow==3.*`, and
 * `mlflow server` on a free loopback port with its SQLite store and artifacts in a temp dir.
 *
 * Start-up cost is dominated by Python imports (the `mlflow` CLI, then the uvicorn worker
 * importing the app, ~3 s each) and, on a fresh database, alembic migrations. So: one uvicorn
 * worker (the default 4 fight over 2 CI cores), no job-execution runner, and a migrated template
 * database per MLflow version that later servers start from.
 */

import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, openSync, closeSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { get as httpGet } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { stopGroup, trackGroup } from './process-group.ts';

const REPO_ROOT = resolve(import.meta.dirname, '..', '..');
const CACHE_DIR = join(REPO_ROOT, '.cache');
/** Where the venv lives; shared with the lead's set-up script. */
export const MLFLOW_VENV = join(CACHE_DIR, 'mlflow-venv');
const READY_MARKER = join(MLFLOW_VENV, '.matih-ready');
const LOCK_DIR = join(CACHE_DIR, 'mlflow-venv.lock');
const INSTALL_LOG = join(CACHE_DIR, 'mlflow-venv-install.log');
const TEMPLATE_DIR = join(CACHE_DIR, 'mlflow-templates');
const REQUIREMENTS = ['mlflow==3.*', 'scikit-learn'];

let venvPromise: Promise<string> | undefined;

/** Options for {@link ensureMlflowVenv}. */
export interface MlflowVenvOptions {
  /**
   * More pip requirements a test needs, each with the module whose import proves it is there
   * (e.g. `{ ipykernel: 'ipykernel' }`); installed into the same venv when an import fails.
   */
  extras?: Readonly<Record<string, string>>;
}

/**
 * Makes sure `.cache/mlflow-venv` holds a working MLflow 3 (creating or completing it with pip if
 * not), plus any `extras`, and returns its `bin` directory. Safe to call from concurrent test
 * files: one installs, the others wait on a lock directory.
 */
export async function ensureMlflowVenv(options: MlflowVenvOptions = {}): Promise<string> {
  venvPromise ??= ensureVenvLocked().catch((err: unknown) => {
    venvPromise = undefined;
    throw err;
  });
  const bin = await venvPromise;
  const extras = Object.entries(options.extras ?? {});
  if (extras.length > 0) await ensureExtras(bin, extras);
  return bin;
}

/** Installs the requirements whose module does not import, under the venv's lock. */
async function ensureExtras(bin: string, extras: [requirement: string, module: string][]): Promise<void> {
  const missing = (): string[] => extras.filter(([, module]) => !imports(bin, module)).map(([requirement]) => requirement);
  if (missing().length === 0) return;
  const release = await acquireLock(LOCK_DIR);
  try {
    const wanted = missing();
    if (wanted.length === 0) return;
    const log = openSync(INSTALL_LOG, 'a');
    try {
      run(join(bin, 'python'), ['-m', 'pip', 'install', '-q', ...wanted], log);
    } finally {
      closeSync(log);
    }
    const still = missing();
    if (still.length > 0) throw new Error(`${still.join(', ')} did not install into ${MLFLOW_VENV}; see ${INSTALL_LOG}`);
  } finally {
    await release();
  }
}

function imports(bin: string, module: string): boolean {
  return spawnSync(join(bin, 'python'), ['-c', `import ${module}`], { stdio: 'ignore' }).status === 0;
}

async function ensureVenvLocked(): Promise<string> {
  const bin = join(MLFLOW_VENV, 'bin');
  const ready = (): boolean => existsSync(READY_MARKER) && existsSync(join(bin, 'mlflow'));
  if (ready()) return bin;
  await mkdir(CACHE_DIR, { recursive: true });
  const release = await acquireLock(LOCK_DIR);
  try {
    if (ready()) return bin;
    if (importedMlflowVersion(bin) === undefined) {
      const log = openSync(INSTALL_LOG, 'a');
      try {
        if (!existsSync(join(bin, 'python'))) run('python3', ['-m', 'venv', MLFLOW_VENV], log);
        run(join(bin, 'python'), ['-m', 'pip', 'install', '-q', ...REQUIREMENTS], log);
      } finally {
        closeSync(log);
      }
    }
    const version = importedMlflowVersion(bin);
    if (version === undefined) throw new Error(`MLflow venv at ${MLFLOW_VENV} is unusable; see ${INSTALL_LOG}`);
    await writeFile(READY_MARKER, `${version}\n`);
    return bin;
  } finally {
    await release();
  }
}

function run(command: string, args: string[], logFd: number): void {
  const result = spawnSync(command, args, { stdio: ['ignore', logFd, logFd] });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed (${result.error?.message ?? `exit ${result.status}`}); see ${INSTALL_LOG}`);
  }
}

/** The MLflow 3 version the venv can import (with scikit-learn), or undefined if it cannot. */
function importedMlflowVersion(bin: string): string | undefined {
  if (!existsSync(join(bin, 'mlflow'))) return undefined;
  const result = spawnSync(
    join(bin, 'python'),
    ['-c', 'import mlflow.server, sklearn; print(mlflow.__version__)'],
    { encoding: 'utf8' },
  );
  const version = result.stdout?.trim();
  return result.status === 0 && version?.startsWith('3.') ? version : undefined;
}

/** A lock directory (mkdir is atomic) holding the owner's pid; a dead owner's lock is taken over. */
export async function acquireLock(dir: string): Promise<() => Promise<void>> {
  for (;;) {
    try {
      await mkdir(dir);
      await writeFile(join(dir, 'pid'), String(process.pid));
      return () => rm(dir, { recursive: true, force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = Number((await readFile(join(dir, 'pid'), 'utf8').catch(() => '')).trim());
    const age = await stat(dir).then((s) => Date.now() - s.mtimeMs, () => 0);
    // No pid yet means the owner is between mkdir and writeFile; give it a moment before judging.
    if ((owner > 0 && !isAlive(owner)) || (!owner && age > 10_000)) {
      await rm(dir, { recursive: true, force: true });
      continue;
    }
    await sleep(500);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Options for {@link startMlflowServer}. */
export interface MlflowServerOptions {
  /** Start with `--enable-workspaces` (MLflow ≥ 3.10). */
  workspaces?: boolean;
  /** Extra `mlflow server` arguments; with these the template database is not used. */
  args?: string[];
  /** Extra environment for the server. */
  env?: Record<string, string>;
  /**
   * Where the server's artifact proxy stores files (`--artifacts-destination`), e.g.
   * `s3://bucket/prefix` with `env` pointing boto3 at an S3 server; default `<dir>/artifacts`.
   */
  artifactsDestination?: string;
  /** How long to wait for `/health`; default 120 s (slow CI with parallel test files). */
  startTimeoutMs?: number;
}

/** A running `mlflow server`; `stop` also removes its data. */
export interface MlflowServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** The temp dir with `mlflow.db`, `artifacts/` and `server.log`. */
  dir: string;
  /** How long the last (re)start took until `/health` answered, in ms. */
  startupMs: number;
  stop(): Promise<void>;
  /** Stops and starts the server again on the same port and data, e.g. to test an outage. */
  restart(): Promise<void>;
  /** Stops the server but keeps its data, so `restart` can bring it back. */
  kill(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

async function mlflowVersionTag(): Promise<string> {
  const lib = join(MLFLOW_VENV, 'lib');
  for (const py of await readdir(lib)) {
    const site = join(lib, py, 'site-packages');
    const dist = (await readdir(site).catch(() => [] as string[])).find((d) => /^mlflow-[\d.]+.*\.dist-info$/.test(d));
    if (dist) return dist.replace(/\.dist-info$/, '');
  }
  return 'mlflow-unknown';
}

/**
 * Starts `mlflow server` (SQLite store and proxied artifacts in a fresh temp dir, 127.0.0.1, a
 * free port, one worker) and resolves once `GET /health` answers.
 */
export async function startMlflowServer(options: MlflowServerOptions = {}): Promise<MlflowServer> {
  const bin = await ensureMlflowVenv();
  const dir = await mkdtemp(join(tmpdir(), 'matih-mlflow-'));
  const dbPath = join(dir, 'mlflow.db');
  const template = options.args
    ? undefined
    : join(TEMPLATE_DIR, `${await mlflowVersionTag()}${options.workspaces ? '-workspaces' : ''}.db`);
  const fromTemplate = template !== undefined && existsSync(template);
  if (fromTemplate) await copyFile(template, dbPath);

  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    // The developer's own MLflow settings (tracking URI, auth, workspace) must not leak in.
    if (v !== undefined && !k.startsWith('MLFLOW_')) env[k] = v;
  }
  Object.assign(env, {
    MLFLOW_SERVER_ENABLE_JOB_EXECUTION: 'false',
    PYTHONUNBUFFERED: '1',
    ...options.env,
  });
  const args = [
    'server',
    '--backend-store-uri',
    `sqlite:///${dbPath}`,
    '--artifacts-destination',
    options.artifactsDestination ?? join(dir, 'artifacts'),
    '--host',
    '127.0.0.1',
    '--workers',
    '1',
    ...(options.workspaces ? ['--enable-workspaces'] : []),
    ...(options.args ?? []),
  ];
  const timeout = options.startTimeoutMs ?? 120_000;
  let child: ChildProcess | undefined;
  let port = 0;

  const launch = async (): Promise<number> => {
    const started = Date.now();
    const log = openSync(join(dir, 'server.log'), 'a');
    try {
      child = spawn(join(bin, 'mlflow'), [...args, '--port', String(port)], {
        cwd: dir,
        env,
        detached: true,
        stdio: ['ignore', log, log],
      });
    } finally {
      closeSync(log);
    }
    const proc = child;
    trackGroup(proc);
    await waitForHealth(`http://127.0.0.1:${port}`, proc, timeout, dir);
    return Date.now() - started;
  };

  const stopProcess = async (): Promise<void> => {
    const proc = child;
    child = undefined;
    if (proc) await stopGroup(proc);
  };

  let startupMs = 0;
  // A port picked free can be taken before uvicorn binds it; a new one is tried then.
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    try {
      startupMs = await launch();
      break;
    } catch (err) {
      await stopProcess();
      if (attempt >= 3) {
        await rm(dir, { recursive: true, force: true });
        throw err;
      }
    }
  }
  if (template !== undefined && !fromTemplate) await saveTemplate(dbPath, template);

  const server: MlflowServer = {
    url: `http://127.0.0.1:${port}`,
    dir,
    startupMs,
    async stop() {
      await stopProcess();
      await rm(dir, { recursive: true, force: true });
    },
    async kill() {
      await stopProcess();
    },
    async restart() {
      await stopProcess();
      server.startupMs = await launch();
    },
  };
  return server;
}

/** Keeps a freshly migrated database (the server is idle right after start-up) for later starts. */
async function saveTemplate(dbPath: string, template: string): Promise<void> {
  await mkdir(dirname(template), { recursive: true });
  const partial = `${template}.${process.pid}.tmp`;
  await copyFile(dbPath, partial);
  await rename(partial, template);
}

async function waitForHealth(url: string, proc: ChildProcess, timeoutMs: number, dir: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  proc.once('exit', () => {
    exited = true;
  });
  while (Date.now() < deadline) {
    if (exited) throw new Error(`mlflow server exited during start-up:\n${await logTail(dir)}`);
    if (await healthy(url)) return;
    await sleep(100);
  }
  throw new Error(`mlflow server did not answer /health within ${timeoutMs} ms:\n${await logTail(dir)}`);
}

/** One `/health` probe on a throw-away connection, so no keep-alive socket outlives the test. */
function healthy(url: string): Promise<boolean> {
  return new Promise((done) => {
    const req = httpGet(`${url}/health`, { agent: false, timeout: 2_000 }, (res) => {
      res.resume();
      res.on('end', () => done(res.statusCode === 200));
      res.on('error', () => done(false));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => done(false));
  });
}

async function logTail(dir: string): Promise<string> {
  const text = await readFile(join(dir, 'server.log'), 'utf8').catch(() => '');
  return text.split('\n').slice(-30).join('\n');
}
