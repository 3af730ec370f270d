/**
 * `mlflow.sklearn.autolog()` with its defaults through the daemon started with `--backend mlflow`,
 * in front of a real `mlflow server` (one for the file). The daemon wraps its MLflow backend in
 * the outbox, so this covers the outbox's forwarding of MLflow 3's logged models and run inputs.
 * What arrives is read back from the MLflow server itself, with a direct MlflowBackend.
 *
 * The client sees every run and model with a `mlflow-artifacts:` URI and uploads through the
 * daemon's artifact proxy, which writes to wherever the run really keeps its files:
 * - An experiment whose artifact location is a `file://` directory inside the daemon's artifact
 *   folder (created through the daemon): the daemon writes the files there itself, and everything
 *   arrives: params, tags, training metrics, the logged model (READY, with its files), the
 *   training and eval data sets. `autolog.py`, the script of the embedded store's autolog test,
 *   runs there.
 * - An experiment on the server's default artifact root, `mlflow-artifacts:` (proxied artifacts,
 *   the usual team-server set-up): the daemon forwards each upload to the MLflow server's own
 *   proxy, with the backend's credentials; the files land in the server's artifact destination.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { MlflowBackend } from '../../server/src/tracking/mlflow/index.ts';
import { supportsModels } from '../../server/src/tracking/models-backend.ts';
import type { Run } from '../../server/src/tracking/types.ts';
import { startTestDaemon, type TestDaemon } from '../support/daemon.ts';
import { ensureMlflowVenv, type MlflowServer, startMlflowServer } from '../support/mlflow.ts';
import { errorsIn, type LoggedRequest, type PythonRun, runPython } from './harness.ts';
import { loggedWarnings, PARAMS, POST_TRAINING_METRIC, TENANT, TRAINING_METRICS } from './autolog-expectations.ts';

/** Autolog with its defaults on the server's default artifact root; prints what the client sees. */
const PROXIED_SCRIPT = `
import mlflow
from mlflow import MlflowClient
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

from _common import capture_warnings, captured, emit, run_json

capture_warnings()
client = MlflowClient()
experiment_id = mlflow.set_experiment("autolog-proxied-artifacts").experiment_id
X, y = load_iris(return_X_y=True)
mlflow.sklearn.autolog()
with mlflow.start_run(run_name="proxied") as r:
    LogisticRegression(max_iter=200).fit(X, y)
run = client.get_run(r.info.run_id)
emit(experiment_id=experiment_id, run=run_json(run))
`;



describe('Python mlflow client: sklearn autolog through the daemon with --backend mlflow', { timeout: 600_000 }, () => {
  let server: MlflowServer;
  let direct: MlflowBackend;
  let d: TestDaemon;
  let scratch: string;
  const requests: LoggedRequest[] = [];
  /** Requests of each Python process: [from, to) in `requests`. */
  const spans: Record<'local' | 'proxied', LoggedRequest[]> = { local: [], proxied: [] };
  let local: PythonRun;
  let proxied: PythonRun;
  let phases: Record<'defaults' | 'no_models', any>;
  let artifactRoot: string;

  before(async () => {
    const started = Date.now();
    await ensureMlflowVenv();
    server = await startMlflowServer();
    direct = new MlflowBackend({ uri: server.url });
    d = await startTestDaemon({
      backend: { kind: 'mlflow', uri: server.url },
      log: (line) => {
        const m = /^(\S+) (\S+) (\d{3})\b/.exec(line);
        if (m) requests.push({ method: m[1]!, path: m[2]!, status: Number(m[3]) });
      },
    });
    scratch = await mkdtemp(join(tmpdir(), 'matih-autolog-mlflow-'));
    // A caller's artifact_location must lie in a folder the daemon serves (services/artifact-locations.ts).
    artifactRoot = join(d.dataDir, 'artifacts', 'py-autolog');
    const setupMs = Date.now() - started;

    // The experiment autolog.py sets, created first through the daemon with a file:// location.
    const created = await d.call('POST', `/tenants/${TENANT}/api/2.0/mlflow/experiments/create`, {
      tenant: null,
      body: { name: 'py-autolog', artifact_location: pathToFileURL(artifactRoot).href },
    });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    let mark = requests.length;
    local = await runPython('autolog.py', { trackingUri: `${d.url}/tenants/${TENANT}`, timeoutMs: 180_000 });
    spans.local = requests.slice(mark);
    phases = local.result.phases;

    // The harness runs scripts by their path relative to this directory; `_common` comes from here.
    const script = join(scratch, 'autolog_proxied.py');
    await writeFile(script, PROXIED_SCRIPT);
    mark = requests.length;
    proxied = await runPython(relative(import.meta.dirname, script), {
      trackingUri: `${d.url}/tenants/${TENANT}`,
      timeoutMs: 180_000,
      env: { PYTHONPATH: import.meta.dirname },
    });
    spans.proxied = requests.slice(mark);
    console.log(
      `mlflow server up in ${server.startupMs} ms; set-up ${setupMs} ms; autolog.py ${local.ms} ms; proxied-artifacts script ${proxied.ms} ms`,
    );
  });

  after(async () => {
    await d?.stop();
    await direct?.close();
    await server?.stop();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  /** The run as the MLflow server has it. */
  function stored(phase: 'defaults' | 'no_models'): Promise<Run> {
    return direct.getRun(phases[phase].run.run_id);
  }

  test('file:// artifacts: the client warns about nothing but pickling, the daemon refuses nothing, nothing is left in the outbox', async (t) => {
    for (const phase of ['defaults', 'no_models'] as const) {
      for (const w of phases[phase].warnings) t.diagnostic(`${phase}: ${w}`);
    }
    const errors = errorsIn(spans.local);
    for (const e of errors) t.diagnostic(`daemon answered: ${e}`);
    assert.deepEqual(loggedWarnings(local.warnings), []);
    assert.deepEqual(errors, []);
    for (const endpoint of ['runs/log-inputs', 'logged-models', 'runs/outputs', 'runs/log-batch']) {
      assert.ok(spans.local.some((r) => r.path.endsWith(`/api/2.0/mlflow/${endpoint}`)), `${endpoint} was used`);
    }
    assert.ok(spans.local.some((r) => r.method === 'PATCH' && /\/api\/2\.0\/mlflow\/logged-models\/m-[0-9a-f]+$/.test(r.path)), 'the model was finalized');
    const health = await d.call('GET', '/api/v1/health', { tenant: null });
    assert.equal(health.body.backend, `mlflow ${server.url}`);
    assert.deepEqual([health.body.outbox.queued, health.body.outbox.deadLetters], [0, 0]);
  });

  test('file:// artifacts: params, tags and training metrics arrive on the MLflow server, the run FINISHED, in the tenant', async () => {
    for (const phase of ['defaults', 'no_models'] as const) {
      const run = await stored(phase);
      assert.equal(run.info.status, 'FINISHED', phase);
      assert.deepEqual(run.data.params, PARAMS, phase);
      assert.equal(run.data.tags['estimator_name'], 'LogisticRegression');
      assert.equal(run.data.tags['matih.tenant_id'], TENANT);
      const metrics = Object.fromEntries(run.data.metrics.map((m) => [m.key, m.value]));
      // model.score() after the run adds a post-training metric.
      assert.deepEqual(Object.keys(metrics).sort(), [POST_TRAINING_METRIC, ...TRAINING_METRICS].sort(), phase);
      assert.equal(metrics['training_score'], phases[phase].score);
      assert.equal(metrics['training_accuracy_score'], phases[phase].accuracy);
      assert.ok(run.info.artifactUri.startsWith(pathToFileURL(artifactRoot).href), run.info.artifactUri);
    }
    const experiment = await direct.getExperiment(phases.defaults.run.experiment_id);
    assert.equal(experiment.tags['matih.tenant_id'], TENANT);
    assert.match(experiment.name, /py-autolog$/);
    assert.deepEqual(phases.defaults.artifacts, ['estimator.html', 'training_confusion_matrix.png']);
  });

  test('file:// artifacts: the logged model arrives READY, with its params, its training metrics on the training data set, and its files', async () => {
    assert.equal(phases.defaults.model_outputs, 1);
    assert.equal(phases.no_models.model_outputs, 0);
    const run = await stored('defaults');
    const [output] = run.outputs?.modelOutputs ?? [];
    assert.ok(output);
    assert.equal(output.step, 0);

    const model = await direct.getLoggedModel(output.modelId);
    assert.equal(model.status, 'LOGGED_MODEL_READY');
    assert.equal(model.name, 'model');
    assert.equal(model.sourceRunId, run.info.runId);
    assert.equal(model.experimentId, run.info.experimentId);
    assert.deepEqual(model.params, PARAMS);
    const runMetrics = Object.fromEntries(run.data.metrics.map((m) => [m.key, m.value]));
    const training = model.metrics.filter((m) => TRAINING_METRICS.includes(m.key));
    assert.deepEqual(training.map((m) => m.key).sort(), TRAINING_METRICS);
    const trainSet = run.inputs?.datasetInputs.find((i) => i.tags.some((t) => t.key === 'mlflow.data.context' && t.value === 'train'));
    assert.ok(trainSet);
    for (const m of training) {
      assert.equal(m.runId, run.info.runId);
      assert.equal(m.value, runMetrics[m.key]);
      assert.deepEqual([m.datasetName, m.datasetDigest], [trainSet.dataset.name, trainSet.dataset.digest], m.key);
    }
    assert.ok(model.metrics.some((m) => m.key === POST_TRAINING_METRIC));

    // The server put the model under the experiment's location; the daemon wrote its files there.
    const dir = fileURLToPath(model.artifactLocation);
    assert.equal(dir, join(artifactRoot, 'models', model.modelId, 'artifacts'));
    const files = await readdir(dir);
    for (const f of ['MLmodel', 'model.pkl', 'requirements.txt']) assert.ok(files.includes(f), `${f} in ${files.join(', ')}`);
  });

  test('file:// artifacts: the training data set (and the eval set of model.score) arrive as run inputs', async () => {
    for (const phase of ['defaults', 'no_models'] as const) {
      const run = await stored(phase);
      const inputs = run.inputs?.datasetInputs ?? [];
      const contexts = inputs.map((i) => i.tags.find((t) => t.key === 'mlflow.data.context')?.value).sort();
      assert.deepEqual(contexts, ['eval', 'train'], phase);
      assert.ok(inputs.every((i) => i.dataset.name === 'dataset' && i.dataset.sourceType === 'code' && i.dataset.schema));
    }
    // The daemon's own view (through the outbox) agrees.
    const backend = d.daemon.backendFor(TENANT);
    assert.ok(supportsModels(backend));
    const page = await backend.searchRuns({
      experimentIds: [phases.defaults.run.experiment_id],
      filter: "datasets.context = 'train'",
      maxResults: 10,
    });
    assert.deepEqual(page.items.map((r) => r.info.runName).sort(), ['defaults', 'no_models']);
  });

  test('mlflow-artifacts: the model and artifact uploads go through the daemon to the MLflow server\'s proxy; everything arrives', async (t) => {
    const result = proxied.result;
    const runId: string = result.run.run_id;
    const experimentId: string = result.experiment_id;
    for (const w of loggedWarnings(proxied.warnings)) t.diagnostic(`client: ${w}`);
    for (const e of errorsIn(spans.proxied)) t.diagnostic(`daemon answered: ${e}`);
    assert.equal(result.run.artifact_uri, `mlflow-artifacts:/${experimentId}/${runId}/artifacts`);
    assert.deepEqual(loggedWarnings(proxied.warnings), []);
    assert.deepEqual(errorsIn(spans.proxied), [`GET /tenants/${TENANT}/api/2.0/mlflow/experiments/get-by-name 404`]);
    const uploads = spans.proxied.filter((r) => r.method === 'PUT' && r.path.includes('/api/2.0/mlflow-artifacts/artifacts/'));
    assert.ok(uploads.length >= 5, `${uploads.length} uploads through the daemon`);

    const run = await direct.getRun(runId);
    assert.equal(run.info.status, 'FINISHED');
    assert.deepEqual(run.data.params, PARAMS);
    assert.deepEqual(run.data.metrics.map((m) => m.key).sort(), TRAINING_METRICS);
    const [output] = run.outputs?.modelOutputs ?? [];
    assert.ok(output, 'the model is an output of the run');
    const model = await direct.getLoggedModel(output.modelId);
    assert.equal(model.status, 'LOGGED_MODEL_READY');
    // The server keeps the real URIs; its artifact destination holds the files.
    assert.equal(run.info.artifactUri, `mlflow-artifacts:/${run.info.experimentId}/${runId}/artifacts`);
    const serverFiles = join(server.dir, 'artifacts', run.info.experimentId);
    assert.deepEqual((await readdir(join(serverFiles, runId, 'artifacts'))).sort(), ['estimator.html', 'training_confusion_matrix.png']);
    const modelFiles = await readdir(join(serverFiles, 'models', model.modelId, 'artifacts'));
    for (const f of ['MLmodel', 'model.pkl', 'requirements.txt']) assert.ok(modelFiles.includes(f), `${f} in ${modelFiles.join(', ')}`);
    // And the daemon lists them back, through the server, in the run's view.
    const v1 = await d.call('GET', `/api/v1/experiments/runs/${runId}`, { tenant: TENANT });
    assert.deepEqual(v1.body.artifacts, ['estimator.html', 'training_confusion_matrix.png']);
  });
});
