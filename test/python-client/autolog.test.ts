/**
 * `mlflow.sklearn.autolog()` end to end through the daemon: LogisticRegression on iris, once
 * with autolog's defaults and once with `log_models=False` (one Python process, `autolog.py`).
 *
 * The embedded store's artifact URIs are local `file://` paths, so the client writes artifacts
 * (estimator.html, the confusion matrix) straight to disk under the daemon's data directory.
 *
 * Known gaps, kept visible as TODO tests rather than silenced (a real `mlflow server` 3.17 logs
 * all of it with no warning but sklearn's own pickle advice):
 * - `POST /api/2.0/mlflow/logged-models` (MLflow 3's CreateLoggedModel) has no route, so with the
 *   defaults autolog gives up after params and tags: no training metrics, no model, no artifacts.
 * - `POST runs/log-inputs` with datasets answers 501, so autolog warns on every run.
 */
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import type { TestDaemon } from '../support/daemon.ts';
import { ensureMlflowVenv } from '../support/mlflow.ts';
import { errorsIn, type LoggedRequest, type PythonRun, runPython, startRecordingDaemon } from './harness.ts';

const TENANT = 'ml-team';
const TRAINING_METRICS = [
  'training_accuracy_score',
  'training_f1_score',
  'training_log_loss',
  'training_precision_score',
  'training_recall_score',
  'training_roc_auc',
  'training_score',
];
const PARAMS = {
  C: '1.0',
  class_weight: 'None',
  dual: 'False',
  fit_intercept: 'True',
  intercept_scaling: '1',
  l1_ratio: '0.0',
  max_iter: '200',
  n_jobs: 'None',
  penalty: 'deprecated',
  random_state: 'None',
  solver: 'lbfgs',
  tol: '0.0001',
  verbose: '0',
  warm_start: 'False',
};

/** Client warnings that the daemon's known gaps cause (see the header); anything else fails. */
const KNOWN_GAPS: [RegExp, string][] = [
  [/No route for \/tenants\/[^/]+\/api\/2\.0\/mlflow\/logged-models/, 'POST logged-models has no route'],
  [/NOT_IMPLEMENTED: Logging dataset and model inputs is not supported/, 'runs/log-inputs with datasets answers 501'],
];
/** MLflow's own advice, also printed against a real server. */
const BENIGN = [/Saving scikit-learn models in the pickle or cloudpickle format/];

/** The warnings MLflow logged (Python warnings such as sklearn's FutureWarnings aside). */
function logged(warnings: string[]): string[] {
  return warnings.filter((w) => /^(WARNING|ERROR|CRITICAL) /.test(w));
}

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

  test('the client warnings and refused requests are only the known gaps (reported here)', (t) => {
    for (const phase of ['defaults', 'no_models'] as const) {
      for (const w of phases[phase].warnings) t.diagnostic(`${phase}: ${w}`);
    }
    const errors = errorsIn(requests);
    for (const e of errors) t.diagnostic(`daemon answered: ${e}`);
    const unexpected = logged(py.warnings).filter(
      (w) => !KNOWN_GAPS.some(([re]) => re.test(w)) && !BENIGN.some((re) => re.test(w)),
    );
    assert.deepEqual(unexpected, []);
    const unexpectedErrors = errors.filter(
      (e) =>
        e !== `GET /tenants/${TENANT}/api/2.0/mlflow/experiments/get-by-name 404` &&
        e !== `POST /tenants/${TENANT}/api/2.0/mlflow/logged-models 404` &&
        e !== `POST /tenants/${TENANT}/api/2.0/mlflow/runs/log-inputs 501`,
    );
    assert.deepEqual(unexpectedErrors, []);
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

    // Artifacts went straight to the file:// artifact URI, inside the daemon's data directory.
    assert.deepEqual(p.artifacts, ['estimator.html', 'training_confusion_matrix.png']);
    const dir = fileURLToPath(run.artifact_uri);
    assert.ok(dir.startsWith(join(d.dataDir, 'artifacts')), dir);
    assert.deepEqual((await readdir(dir)).sort(), p.artifacts);

    // The daemon's v1 API shows the same run, artifacts included.
    const v1 = await d.call('GET', `/api/v1/experiments/runs/${run.run_id}`, { tenant: TENANT });
    assert.equal(v1.status, 200, JSON.stringify(v1.body));
    assert.equal(v1.body.status, 'finished');
    assert.deepEqual(v1.body.params, PARAMS);
    assert.deepEqual(v1.body.metrics, run.metrics);
    assert.deepEqual(v1.body.artifacts, p.artifacts);
    assert.equal(v1.body.tags.estimator_name, 'LogisticRegression');
  });

  test('autolog() with its defaults: params and tags logged, run FINISHED', async () => {
    const run = phases.defaults.run;
    assert.equal(run.status, 'FINISHED');
    assert.deepEqual(run.params, PARAMS);
    assert.equal(run.tags.estimator_name, 'LogisticRegression');
    const stored = await d.daemon.backendFor(TENANT).getRun(run.run_id);
    assert.equal(stored.info.status, 'FINISHED');
    assert.equal(stored.data.tags['matih.tenant_id'], TENANT);
  });

  test(
    'autolog() with its defaults also logs training metrics, the model and artifacts',
    { todo: 'the daemon has no POST /api/2.0/mlflow/logged-models (MLflow 3 CreateLoggedModel)' },
    () => {
      const p = phases.defaults;
      assert.deepEqual(logged(p.warnings).filter((w) => !BENIGN.some((re) => re.test(w))), []);
      assert.deepEqual(Object.keys(p.run.metrics).sort(), TRAINING_METRICS);
      assert.equal(p.model_outputs, 1);
      assert.deepEqual(p.artifacts, ['estimator.html', 'training_confusion_matrix.png']);
    },
  );

  test(
    'autolog logs its training data set without a warning',
    { todo: 'the daemon answers POST runs/log-inputs with datasets 501 NOT_IMPLEMENTED' },
    () => {
      assert.deepEqual(logged(phases.no_models.warnings), []);
      assert.equal(requests.filter((r) => r.path.endsWith('/runs/log-inputs') && r.status !== 200).length, 0);
    },
  );
});
