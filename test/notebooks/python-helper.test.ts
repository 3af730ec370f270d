/**
 * The notebook helper `python/matih` with the real Python and `mlflow` (the test venv), against
 * the daemon's LSP side started as the extension starts it, so the discovery file is the real one.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { Daemon, Runs } from '../../protocol/src/index.ts';
import { embeddedOptions, startLspDaemon, type LspDaemon } from '../lsp/harness.ts';
import { ensureMlflowVenv } from '../support/mlflow.ts';

const HELPER_DIR = join(import.meta.dirname, '..', '..', 'python');

let d: LspDaemon;
let project: string;
let python: string;

before(async () => {
  python = join(await ensureMlflowVenv(), 'python');
  project = await realpath(await mkdtemp(join(tmpdir(), 'matih-nb-project-')));
  await mkdir(join(project, 'notebooks'));
  d = await startLspDaemon({
    initializationOptions: embeddedOptions(),
    workspaceFolders: [{ uri: pathToFileURL(project).href, name: 'project' }],
  });
});

after(async () => {
  await d?.stop().catch(() => undefined);
  await d?.dispose();
  await rm(project, { recursive: true, force: true });
});

interface PyResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `code` with the venv's Python, the helper on PYTHONPATH and no MLFLOW_* from the developer. */
function py(code: string, options: { cwd: string; home: string }): Promise<PyResult> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('MLFLOW_')) env[k] = v;
  Object.assign(env, {
    PYTHONPATH: HELPER_DIR,
    MATIH_HOME: options.home,
    PYTHONDONTWRITEBYTECODE: '1',
    PYTHONUNBUFFERED: '1',
    MLFLOW_HTTP_REQUEST_MAX_RETRIES: '0',
    MLFLOW_DISABLE_TELEMETRY: 'true',
    DO_NOT_TRACK: 'true',
  });
  return new Promise((resolve, reject) => {
    const child = spawn(python, ['-c', code], { cwd: options.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

function lastJson(out: PyResult): any {
  assert.equal(out.code, 0, out.stderr);
  const line = out.stdout.trim().split('\n').at(-1)!;
  return JSON.parse(line);
}

test('connect() finds the daemon of the notebook folder; a metric logged with mlflow arrives', async () => {
  const out = await py(
    `
import json, os, mlflow, matih
c = matih.connect()
mlflow.set_experiment("notebook")
with mlflow.start_run() as run:
    for step in range(3):
        mlflow.log_metric("loss", 1.0 / (step + 1), step=step)
    bundle = matih.live()._repr_mimebundle_()
print(json.dumps({
    "run_id": run.info.run_id, "tenant": c.tenant, "uri": os.environ["MLFLOW_TRACKING_URI"],
    "mlflow_uri": mlflow.get_tracking_uri(), "token_set": bool(os.environ.get("MLFLOW_TRACKING_TOKEN")),
    "repr": repr(c), "folder": c.workspace_folder, "bundle": bundle,
}))
`,
    { cwd: join(project, 'notebooks'), home: d.home },
  );
  const r = lastJson(out);
  const status = await d.request(Daemon.status, {});
  assert.equal(r.tenant, 'acme');
  assert.equal(r.uri, `${status.httpUrl}/tenants/acme`);
  assert.equal(r.mlflow_uri, r.uri);
  assert.equal(r.token_set, true);
  assert.equal(r.folder, project);
  const history = await d.request(Runs.metricHistory, { tenant: 'acme', runId: r.run_id, key: 'loss' });
  assert.deepEqual(
    history.points.map((p) => [p.step, p.value]),
    [
      [0, 1],
      [1, 0.5],
      [2, 1 / 3],
    ],
  );

  // The display object: the renderer's MIME type with run, tenant and URL, and never the token.
  const token = JSON.parse(await readFile(status.discoveryFile!, 'utf8')).token as string;
  assert.deepEqual(r.bundle['application/vnd.matih.live+json'], { run_id: r.run_id, tenant: 'acme', url: status.httpUrl });
  assert.match(r.bundle['text/plain'], new RegExp(r.run_id));
  assert.equal(JSON.stringify(r.bundle).includes(token), false);
  assert.equal(String(r.repr).includes(token), false);
});

test('connect() says clearly when no daemon serves the folder', async () => {
  const outside = await realpath(await mkdtemp(join(tmpdir(), 'matih-nb-outside-')));
  const emptyHome = await mkdtemp(join(tmpdir(), 'matih-nb-home-'));
  try {
    const code = `
import json, matih
try:
    matih.connect()
except matih.DaemonNotFound as e:
    print(json.dumps({"error": str(e)}))
`;
    // A daemon runs, but for another folder: the message names the folders it serves.
    const other = lastJson(await py(code, { cwd: outside, home: d.home }));
    assert.match(other.error, /No running MATIH daemon serves/);
    assert.ok(other.error.includes(project), other.error);
    assert.match(other.error, /folder=/);
    // No daemon at all.
    const none = lastJson(await py(code, { cwd: project, home: emptyHome }));
    assert.match(none.error, /No running MATIH daemon serves/);
    assert.match(none.error, /Open this folder in VS Code/);
    // live() before connect()
    const early = lastJson(
      await py(`import json, matih\ntry:\n    matih.live("r1")\nexcept matih.DaemonNotFound as e:\n    print(json.dumps({"error": str(e)}))`, {
        cwd: project,
        home: emptyHome,
      }),
    );
    assert.match(early.error, /matih\.connect\(\) first/);
  } finally {
    await rm(outside, { recursive: true, force: true });
    await rm(emptyHome, { recursive: true, force: true });
  }
});

test('a discovery file other users can read is refused, and a dead daemon is ignored', async () => {
  const home = await mkdtemp(join(tmpdir(), 'matih-nb-home-'));
  try {
    const entry = (pid: number, port: number) =>
      JSON.stringify({
        version: 1,
        pid,
        port,
        url: `http://127.0.0.1:${port}`,
        token: 'secret-token-value',
        activeTenant: 'acme',
        workspaceFolders: [{ uri: pathToFileURL(project).href, name: 'project', path: project }],
        startedAt: new Date().toISOString(),
      });
    // Readable by others, for a live pid (this test process): refused.
    const loose = join(home, `daemon-${process.pid}.json`);
    await writeFile(loose, entry(process.pid, 1));
    await chmod(loose, 0o644);
    // Private, but its process is gone: stale.
    await writeFile(join(home, 'daemon-999999999.json'), entry(999_999_999, 2), { mode: 0o600 });
    const r = lastJson(
      await py(
        `
import json, os, matih
try:
    matih.connect()
    print(json.dumps({"connected": os.environ.get("MLFLOW_TRACKING_URI")}))
except matih.DaemonNotFound as e:
    print(json.dumps({"error": str(e), "token": os.environ.get("MLFLOW_TRACKING_TOKEN")}))
`,
        { cwd: project, home },
      ),
    );
    assert.ok(r.error, JSON.stringify(r));
    assert.match(r.error, /Refused .*daemon-\d+\.json: other users can access it \(mode 644\)/);
    assert.equal(r.token, null);
    assert.equal(r.error.includes('secret-token-value'), false);

    // Made private, the same file is used.
    await chmod(loose, 0o600);
    const ok = lastJson(await py(`import json, matih\nc = matih.connect()\nprint(json.dumps({"uri": c.tracking_uri, "tenant": c.tenant}))`, { cwd: project, home }));
    assert.deepEqual(ok, { uri: 'http://127.0.0.1:1/tenants/acme', tenant: 'acme' });
  } finally {
    await rm(home, { recursive: true, force: true });
  }
});

test('connect(folder=..., tenant=...) picks the folder and tenant explicitly', async () => {
  const outside = await realpath(await mkdtemp(join(tmpdir(), 'matih-nb-outside-')));
  try {
    const r = lastJson(
      await py(
        `import json, matih\nc = matih.connect(folder=${JSON.stringify(join(project, 'notebooks'))}, tenant="globex")\nprint(json.dumps({"uri": c.tracking_uri}))`,
        { cwd: outside, home: d.home },
      ),
    );
    assert.match(r.uri, /^http:\/\/127\.0\.0\.1:\d+\/tenants\/globex$/);
  } finally {
    await rm(outside, { recursive: true, force: true });
  }
});
