/**
 * Runs in the sidebar follow the daemon's live frames: a running run's latest metric value in
 * the tree changes as points are logged through the daemon's API (several distinct values seen
 * while a point arrives every ~400 ms — the tree used to re-read running runs every 5 s), and its
 * icon and status word change when it finishes. One code-server start for the whole file.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type Matih, e2eSkip, matihLog, snap, startMatih, waitFor } from './support/matih.ts';

const skip = e2eSkip();
let m: Matih;
let tenant: string;
let runId: string;
const RUN_NAME = 'tree-live-run';

/** A distinct value per step, as the tree formats it (integers stay integers). */
const valueAt = (step: number): number => 1000 - step;

/** Logs `loss` at `step` through the daemon's MLflow-compatible API, as a training script would. */
async function logLoss(step: number): Promise<void> {
  const response = await fetch(`${m.daemon.url}/tenants/${tenant}/api/2.0/mlflow/runs/log-metric`, {
    method: 'POST',
    headers: { authorization: `Bearer ${m.daemon.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ run_id: runId, key: 'loss', value: valueAt(step), timestamp: Date.now(), step }),
  });
  assert.ok(response.ok, `log-metric answered ${response.status}: ${await response.text()}`);
}

/** The value the tree's `loss` leaf shows now, or undefined while the row is not rendered. */
async function shownLoss(): Promise<string | undefined> {
  const labels = await m.sidebar.labels();
  for (const label of labels) {
    const match = /^loss ([^,\s]+)/.exec(label);
    if (match) return match[1];
  }
  return undefined;
}

before(async () => {
  if (skip) return;
  m = await startMatih();
  console.log(`editor up (seconds): ${JSON.stringify(m.editor.timings)}`);
  tenant = m.daemon.activeTenant || 'default';
  const experiment = await m.api.createExperiment(tenant, { name: 'tree-live', description: 'The tree follows live frames' });
  const run = await m.api.createRun(tenant, { experiment_id: experiment.id, name: RUN_NAME });
  runId = run.id;
  await m.api.logMetrics(tenant, runId, [{ key: 'loss', value: valueAt(0), step: 0 }]);
}, { timeout: 240_000 });

after(async () => {
  await m?.editor.close();
});

test('a running run\'s latest metric in the tree follows points as they are logged', { skip, timeout: 120_000 }, async () => {
  const { sidebar } = m;
  await sidebar.titleAction('Refresh');
  await sidebar.expand(new RegExp(`^Tenant ${tenant}\\b`));
  await sidebar.expand('Experiment tree-live');
  const row = await sidebar.find(new RegExp(`^Run ${RUN_NAME}, Running,`));
  assert.equal(await sidebar.icon(row), 'sync');
  await sidebar.expand(new RegExp(`^Run ${RUN_NAME},`));
  await sidebar.expand('Metrics 1');
  await waitFor('the first loss value', async () => (await shownLoss()) === String(valueAt(0)));

  // A point every ~400 ms for ~6 s; record every value the leaf shows meanwhile.
  const seen = new Set<string>();
  let recording = true;
  const recorder = (async () => {
    while (recording) {
      const v = await shownLoss().catch(() => undefined);
      if (v !== undefined) seen.add(v);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  const lastStep = 15;
  for (let step = 1; step <= lastStep; step++) {
    await logLoss(step);
    await new Promise((resolve) => setTimeout(resolve, 400));
  }
  // An older step logged late is not the latest value (MLflow's rule: highest step wins).
  await logLoss(3);
  try {
    await waitFor('the leaf to show the last logged step\'s value', async () => (await shownLoss()) === String(valueAt(lastStep)), { timeoutMs: 10_000 });
  } finally {
    recording = false;
    await recorder;
  }
  const streamed = [...seen].filter((v) => v !== String(valueAt(0)));
  const logged = new Set(Array.from({ length: lastStep }, (_, i) => String(valueAt(i + 1))));
  for (const v of streamed) assert.ok(logged.has(v), `"${v}" is a logged value`);
  console.log(`values seen in the tree while streaming: ${streamed.length} of ${lastStep}`);
  // Re-reading every 5 s (as the tree used to) shows at most four of them in this time, the last included.
  assert.ok(streamed.length >= 5, `at least five values seen while streaming: ${JSON.stringify([...seen])}`);
  // The run itself is still running, and the metric group still counts one key.
  assert.match((await row.getAttribute('aria-label')) ?? '', /, Running,/);
  await snap(m.editor, 'tree-live-01-streaming');
});

test('the run\'s icon and status change when it finishes, and its final values stay', { skip, timeout: 60_000 }, async () => {
  const { sidebar } = m;
  await m.api.logMetrics(tenant, runId, [{ key: 'accuracy', value: 0.93, step: 16 }]);
  await waitFor('the new metric key in the tree', async () => (await sidebar.labels()).some((l) => /^accuracy 0\.93\b/.test(l)));
  await m.api.end(tenant, runId, 'finish');
  const row = sidebar.row(new RegExp(`^Run ${RUN_NAME},`));
  try {
    await waitFor('the run to show as finished', async () => /, Finished,/.test((await row.getAttribute('aria-label')) ?? ''), { timeoutMs: 15_000 });
  } catch (err) {
    console.error(`MATIH log:\n${matihLog(m.editor).slice(-3000)}`);
    throw err;
  }
  assert.equal(await sidebar.icon(row), 'pass');
  assert.equal(await shownLoss(), String(valueAt(15)));
  await sidebar.row('Metrics 2').waitFor({ timeout: 5_000 });
  await snap(m.editor, 'tree-live-02-finished');
});

test('experiments and runs a script creates appear in the open tree without a refresh', { skip, timeout: 60_000 }, async () => {
  const { sidebar } = m;
  const mlflow = async (path: string, body: unknown): Promise<any> => {
    const response = await fetch(`${m.daemon.url}/tenants/${tenant}/api/2.0/mlflow/${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${m.daemon.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    assert.ok(response.ok, `${path} answered ${response.status}: ${text}`);
    return JSON.parse(text);
  };
  // What mlflow.set_experiment + start_run do in a training script, in an experiment the tree
  // shows expanded and in a brand-new one.
  const tracked = await m.api.experimentByName(tenant, 'tree-live');
  await mlflow('runs/create', { experiment_id: tracked!.id, start_time: Date.now(), run_name: 'second-script-run' });
  const { experiment_id } = await mlflow('experiments/create', { name: 'made-by-a-script' });
  await mlflow('runs/create', { experiment_id, start_time: Date.now(), run_name: 'first-script-run' });

  await sidebar.find(/^Run second-script-run, Running,/);
  await sidebar.find('Experiment made-by-a-script');
  await sidebar.expand('Experiment made-by-a-script');
  await sidebar.find(/^Run first-script-run, Running,/);
  await snap(m.editor, 'tree-live-03-created-by-script');
});
