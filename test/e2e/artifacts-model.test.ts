/**
 * Issue 7's "done means", tried as a new user would: the real Python `mlflow` client logs a
 * scikit-learn model with `mlflow.sklearn.log_model(model, name="model")` (MLflow 3's API: a
 * logged model whose files sit in the model's own artifact location, linked to the run as its
 * output) through the daemon; then, in the editor, the model shows under its run in the tree,
 * its `MLmodel` opens in an editor tab, and the model's folder downloads through "Download…"
 * and VS Code's folder dialog to files on disk. Once on the embedded store, once on a real
 * `mlflow server` whose artifact proxy stores in a real S3 server (SeaweedFS). One code-server
 * start per backend.
 */
import assert from 'node:assert/strict';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { promisify } from 'node:util';
import { ensureMlflowVenv, startMlflowServer } from '../support/mlflow.ts';
import type { MlflowServer } from '../support/mlflow.ts';
import { s3Client, startS3Server } from '../support/s3-server.ts';
import type { S3Server } from '../support/s3-server.ts';
import { type Matih, clearNotifications, e2eSkip, snap, startMatih, waitFor } from './support/matih.ts';

const skip = e2eSkip();
const TENANT = 'default';

/** What a training script does: fit, log the model the MLflow 3 way, print what it made. */
const SCRIPT = String.raw`
import json
import mlflow
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

mlflow.set_experiment("model-artifacts")
X, y = load_iris(return_X_y=True)
with mlflow.start_run(run_name="iris-logreg") as run:
    model = LogisticRegression(max_iter=200).fit(X, y)
    mlflow.log_param("max_iter", 200)
    info = mlflow.sklearn.log_model(model, name="model", input_example=X[:2])
print("RESULT=" + json.dumps({"run_id": run.info.run_id, "model_id": info.model_id}))
`;

interface Logged {
  runId: string;
  modelId: string;
}

/** Runs the script with the daemon as the tracking server, as a user's terminal would. */
async function logModel(m: Matih): Promise<Logged> {
  const python = join(await ensureMlflowVenv(), 'python');
  const { stdout } = await promisify(execFile)(python, ['-c', SCRIPT], {
    env: { ...process.env, MLFLOW_TRACKING_URI: `${m.daemon.url}/tenants/${TENANT}`, MLFLOW_TRACKING_TOKEN: m.daemon.token },
    timeout: 180_000,
  });
  const line = /^RESULT=(.+)$/m.exec(stdout)?.[1] ?? assert.fail(`the script printed no result: ${stdout}`);
  const parsed = JSON.parse(line) as { run_id: string; model_id: string };
  // The daemon holds what the client made: a READY model from the run.
  const answer = await m.api.raw('GET', `/tenants/${TENANT}/api/2.0/mlflow/logged-models/${parsed.model_id}`);
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  const model = answer.body as { model: { info: { status: string; source_run_id: string; name: string } } };
  assert.equal(model.model.info.status, 'LOGGED_MODEL_READY');
  assert.equal(model.model.info.source_run_id, parsed.run_id);
  assert.equal(model.model.info.name, 'model');
  return { runId: parsed.run_id, modelId: parsed.model_id };
}

/** The model's row: its name, then "logged model" (rows with inline actions add ", has actions"). */
const MODEL_ROW = /^model logged model(, has actions)?$/;

/**
 * Answers VS Code's folder dialog. code-server shows its "simple" dialog, a quick input whose
 * text is a path: type the folder, then accept (Enter on a folder path may first open it, so
 * Enter again while the dialog is still there).
 */
async function chooseFolder(m: Matih, title: RegExp, path: string, shot: string): Promise<void> {
  const box = m.page.locator('.quick-input-widget');
  await waitFor(`the folder dialog ${title}`, async () => (await box.isVisible()) && title.test(await box.locator('.quick-input-title').innerText()));
  await m.quick.input.fill(path);
  await snap(m.editor, shot);
  await waitFor('the folder dialog to close', async () => {
    if (!(await box.isVisible())) return true;
    await m.page.keyboard.press('Enter');
    await m.page.waitForTimeout(300);
    return false;
  }, { timeoutMs: 15_000 });
}

/** The run's labels as the tree shows them, for a failure message that says what was there. */
async function shown(m: Matih): Promise<string> {
  return JSON.stringify(await m.sidebar.labels());
}

/**
 * Finds the model under its run, opens `MLmodel`, downloads the model's folder; `name` tells the
 * screenshots apart.
 */
async function browseAndDownload(m: Matih, logged: Logged, name: string): Promise<void> {
  const { sidebar, page } = m;
  await sidebar.titleAction('Refresh');
  await sidebar.expand('Experiment model-artifacts');
  await sidebar.expand(/^Run iris-logreg,/);
  await waitFor('the run to list its children', async () => (await sidebar.labels()).some((l) => /^Parameters\b/.test(l)));
  // Wherever the tree puts the run's files: an "Artifacts" group if it has one.
  if ((await sidebar.row(/^Artifacts\b/).count()) > 0) await sidebar.expand(/^Artifacts\b/);
  await snap(m.editor, `artifacts-model-${name}-run`);
  const model = await sidebar.find(MODEL_ROW, 15_000).catch(async () =>
    assert.fail(`the logged model ${logged.modelId} of run ${logged.runId} is not under the run in the tree; the tree shows ${await shown(m)}`),
  );
  assert.ok(model);
  await sidebar.expand(MODEL_ROW);
  await sidebar.find(/^MLmodel \d+(\.\d)? (B|KB)\b/);
  await sidebar.find(/^requirements\.txt \d+(\.\d)? (B|KB)\b/);
  await snap(m.editor, `artifacts-model-${name}-tree`);

  // MLmodel opens as YAML text.
  await (await sidebar.find(/^MLmodel /)).click();
  await page.locator('.tabs-container .tab', { hasText: 'MLmodel' }).first().waitFor({ timeout: 15_000 });
  const editor = page.locator('.editor-instance .monaco-editor').first();
  const text = async () => (await editor.locator('.view-lines').innerText()).replace(/\u00a0/g, ' ');
  await waitFor('the MLmodel text in the editor', async () => /flavors:/.test(await text()) && /sklearn_version:/.test(await text()));
  assert.match(await text(), new RegExp(`model_id: ${logged.modelId}`));
  await snap(m.editor, `artifacts-model-${name}-mlmodel`);

  // Download the model's folder into a folder picked in the dialog.
  await clearNotifications(m.editor);
  const into = await mkdtemp(join(tmpdir(), 'matih-e2e-model-download-'));
  try {
    await sidebar.contextMenu(MODEL_ROW, 'Download…');
    await chooseFolder(m, /^Download "model" into…/, into, `artifacts-model-${name}-folder-dialog`);
    const done = await m.editor.waitForNotification(/^Downloaded /, 120_000);
    const dir = join(into, 'model');
    assert.match(done, new RegExp(`to ${dir.replace(/[.]/g, '\\.')}\\.`));
    await snap(m.editor, `artifacts-model-${name}-downloaded`);
    for (const file of ['MLmodel', 'requirements.txt', 'python_env.yaml', 'conda.yaml']) {
      assert.ok(existsSync(join(dir, file)), `${file} downloaded into ${dir}`);
    }
    assert.match(readFileSync(join(dir, 'MLmodel'), 'utf8'), new RegExp(`model_id: ${logged.modelId}`));
    // The fitted estimator itself (pickled or skops, as the flavor chooses) is there and not empty.
    const weights = ['model.pkl', 'model.skops'].map((f) => join(dir, f)).find((p) => existsSync(p));
    assert.ok(weights && statSync(weights).size > 0, `the estimator's file in ${dir}`);
  } finally {
    await rm(into, { recursive: true, force: true });
  }
}

let embedded: Matih | undefined;
let tracking: { s3: S3Server; mlflow: MlflowServer; m?: Matih } | undefined;

after(async () => {
  await embedded?.editor.close();
  await tracking?.m?.editor.close();
  await tracking?.mlflow.stop();
  await tracking?.s3.stop();
});

test('embedded store: a model logged with mlflow.sklearn.log_model shows under its run, MLmodel opens, the model downloads', { skip, timeout: 420_000 }, async () => {
  embedded = await startMatih();
  const logged = await logModel(embedded);
  await browseAndDownload(embedded, logged, 'embedded');
  await embedded.editor.close();
  embedded = undefined;
});

test('MLflow + S3: the same model, logged through the daemon to an mlflow server storing in S3', { skip, timeout: 600_000 }, async () => {
  const s3 = await startS3Server({ bucket: 'matih-e2e-models' });
  tracking = { s3, mlflow: await startMlflowServer({ artifactsDestination: `s3://${s3.bucket}/mlflow`, env: s3.env() }) };
  const m = await startMatih({ settings: { 'matih.backend': 'mlflow', 'matih.mlflow.uri': tracking.mlflow.url } });
  tracking.m = m;
  assert.equal((await m.api.health()).backend, `mlflow ${tracking.mlflow.url}`);
  const logged = await logModel(m);
  // The model's files went through MLflow's artifact proxy into the bucket.
  const client = s3Client(s3);
  try {
    const listed = await client.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: 'mlflow/' }));
    const keys = (listed.Contents ?? []).map((o) => o.Key ?? '');
    assert.ok(keys.some((k) => k.endsWith(`/models/${logged.modelId}/artifacts/MLmodel`)), `MLmodel in the bucket: ${JSON.stringify(keys)}`);
  } finally {
    client.destroy();
  }
  await browseAndDownload(m, logged, 'mlflow-s3');
});
