/**
 * `mlflow.sklearn.autolog()` end to end through the daemon: LogisticRegression on iris, once
 * with autolog's defaults and once with `log_models=False` (one Python process, `autolog.py`).
 *
 * With its defaults autolog uses MLflow 3's API: it records the training data set as a run input
 * (`runs/log-inputs`), creates a logged model (`POST logged-models`), links it as the run's
 * output (`runs/outputs`), writes the model files, finalizes the model (`PATCH
 * logged-models/{id}`) and logs the training metrics with the model's id. After the run,
 * `model.score()` adds a post-training metric, an `eval` data set input and `metric_info.json`.
 *
 * Runs and models are shown to the client with `mlflow-artifacts:` URIs, so it uploads its
 * artifacts (estimator.html, the confusion matrix, the model's files) through the daemon's
 * artifact proxy, which writes them to the embedded store's folders under the data directory.
 */
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { supportsModels } from '../../server/src/tracking/models-backend.ts';
import type { TestDaemon } from '../support/daemon.ts';
import { ensureMlflowVenv } from '../support/mlflow.ts';
import { errorsIn, type LoggedRequest, type PythonRun, runPython, startRecordingDaemon } from './harness.ts';
import { loggedWarnings, PARAMS, POST_TRAINING_METRIC, TENANT, TRAINING_METRICS } from './autolog-expectations.ts';


describe('Python mlflow client: sklearn autologging', { timeout: 300_000 }, () => {
  let d: TestDaemon;
  let requests: LoggedRequest[];
  let py: PythonRun;
  let phases: Record<'defaults' | 'no_models', any>;
  before(async () => {
    await ensureMlflowVenv();
    ({ d, requests } = await startRecordingDaemon());
    py = await runPython('autolog.py', { trackingUri: `${d.url}/tenants/${TENANT}`, timeoutMs: 120_000 });
    phases = py.result.phases;
  });
  after(() => d?.stop());

  test('the client warns about nothing but pickling, and the daemon refuses nothing', (t) => {
    for (const phase of ['defaults', 'no_models'] as const) {
      for (const w of phases[phase].warnings) t.diagnostic(`${phase}: ${w}`);
    }
    const errors = errorsIn(requests);
    for (const e of errors) t.diagnostic(`daemon answered: ${e}`);
    assert.deepEqual(loggedWarnings(py.warnings), []);
    // `mlflow.set_experiment` looks the experiment up before creating it.
    assert.deepEqual(errors, [`GET /tenants/${TENANT}/api/2.0/mlflow/experiments/get-by-name 404`]);
    for (const endpoint of ['runs/log-inputs', 'logged-models', 'runs/outputs']) {
      assert.ok(requests.some((r) => r.path.endsWith(`/api/2.0/mlflow/${endpoint}`)), `${endpoint} was used`);
    }
  });

  test('autolog(log_models=False): params, training metrics and tags logged, artifacts on disk, run FINISHED', async () => {
    const p = phases.no_models;
    const run = p.run;
    assert.equal(run.status, 'FINISHED');
    assert.equal(run.run_name, 'no_models');
    assert.deepEqual(run.params, PARAMS);
    assert.equal(run.tags.estimator_name, 'LogisticRegression');
    assert.equal(run.tags.estimator_class, 'sklearn.linear_model._logistic.LogisticRegression');
    assert.deepEqual(Object.keys(run.metrics).sort(), TRAINING_METRICS);
    assert.equal(run.metrics.training_score, p.score);
    assert.equal(run.metrics.training_accuracy_score, p.accuracy);
    assert.ok(p.score > 0.9);
    for (const key of TRAINING_METRICS) assert.equal(typeof run.metrics[key], 'number', key);
    assert.equal(p.model_outputs, 0);

    // Artifacts went through the daemon's proxy into the run's folder in the daemon's data
    // directory; `model.score()` after the run added metric_info.json.
    assert.deepEqual(p.artifacts, ['estimator.html', 'training_confusion_matrix.png']);
    assert.equal(run.artifact_uri, `mlflow-artifacts:/${run.experiment_id}/${run.run_id}/artifacts`);
    const dir = fileURLToPath((await d.daemon.backendFor(TENANT).getRun(run.run_id)).info.artifactUri);
    assert.ok(dir.startsWith(join(d.dataDir, 'artifacts')), dir);
    assert.deepEqual((await readdir(dir)).sort(), ['estimator.html', 'metric_info.json', 'training_confusion_matrix.png']);

    // The daemon's v1 API shows the same run, artifacts and the post-training metric included.
    const v1 = await d.call('GET', `/api/v1/experiments/runs/${run.run_id}`, { tenant: TENANT });
    assert.equal(v1.status, 200, JSON.stringify(v1.body));
    assert.equal(v1.body.status, 'finished');
    assert.deepEqual(v1.body.params, PARAMS);
    assert.deepEqual(v1.body.metrics, { ...run.metrics, [POST_TRAINING_METRIC]: p.score });
    assert.deepEqual(v1.body.artifacts, ['estimator.html', 'metric_info.json', 'training_confusion_matrix.png']);
    assert.equal(v1.body.tags.estimator_name, 'LogisticRegression');
  });

  test('autolog() with its defaults: params, tags and training metrics logged, run FINISHED', async () => {
    const p = phases.defaults;
    const run = p.run;
    assert.equal(run.status, 'FINISHED');
    assert.deepEqual(run.params, PARAMS);
    assert.equal(run.tags.estimator_name, 'LogisticRegression');
    assert.deepEqual(Object.keys(run.metrics).sort(), TRAINING_METRICS);
    assert.equal(run.metrics.training_score, p.score);
    assert.deepEqual(p.artifacts, ['estimator.html', 'training_confusion_matrix.png']);
    const stored = await d.daemon.backendFor(TENANT).getRun(run.run_id);
    assert.equal(stored.info.status, 'FINISHED');
    assert.equal(stored.data.tags['matih.tenant_id'], TENANT);
  });

  test('autolog() with its defaults logs the model as a READY logged model, its files under the model location', async () => {
    const p = phases.defaults;
    const run = p.run;
    assert.equal(p.model_outputs, 1);
    const backend = d.daemon.backendFor(TENANT);
    assert.ok(supportsModels(backend));
    const stored = await backend.getRun(run.run_id);
    const [output] = stored.outputs?.modelOutputs ?? [];
    assert.ok(output);
    assert.equal(output.step, 0);

    const model = await backend.getLoggedModel(output.modelId);
    assert.equal(model.status, 'LOGGED_MODEL_READY');
    assert.equal(model.name, 'model');
    assert.equal(model.sourceRunId, run.run_id);
    assert.equal(model.experimentId, run.experiment_id);
    assert.deepEqual(model.params, PARAMS);
    assert.equal(model.tags['mlflow.source.type'], 'LOCAL');
    // The training metrics also belong to the model, computed on the training data set.
    const training = model.metrics.filter((m) => TRAINING_METRICS.includes(m.key));
    assert.deepEqual(training.map((m) => m.key).sort(), TRAINING_METRICS);
    for (const m of training) {
      assert.equal(m.runId, run.run_id);
      assert.equal(m.datasetName, 'dataset');
      assert.equal(m.value, run.metrics[m.key]);
    }
    assert.ok(model.metrics.some((m) => m.key === POST_TRAINING_METRIC));

    // The client uploaded the model's files through the daemon's proxy; they sit in the model's
    // own folder under the experiment's.
    const dir = fileURLToPath(model.artifactLocation);
    assert.equal(dir, join(d.dataDir, 'artifacts', run.experiment_id, 'models', model.modelId, 'artifacts'));
    const files = await readdir(dir);
    for (const f of ['MLmodel', 'model.pkl', 'requirements.txt']) assert.ok(files.includes(f), `${f} in ${files.join(', ')}`);
  });

  test('autolog records its training data set (and the eval set of model.score) as run inputs', async () => {
    const backend = d.daemon.backendFor(TENANT);
    for (const phase of ['defaults', 'no_models'] as const) {
      const stored = await backend.getRun(phases[phase].run.run_id);
      const inputs = stored.inputs?.datasetInputs ?? [];
      const contexts = inputs.map((i) => i.tags.find((t) => t.key === 'mlflow.data.context')?.value).sort();
      assert.deepEqual(contexts, ['eval', 'train'], phase);
      assert.ok(inputs.every((i) => i.dataset.name === 'dataset' && i.dataset.sourceType === 'code' && i.dataset.schema));
    }
    // And `datasets.` filters find the runs by them.
    const page = await backend.searchRuns({
      experimentIds: [phases.defaults.run.experiment_id],
      filter: "datasets.context = 'train'",
      maxResults: 10,
    });
    assert.deepEqual(page.items.map((r) => r.info.runName).sort(), ['defaults', 'no_models']);
  });
});
