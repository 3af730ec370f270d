/**
 * The real Python `mlflow` client against the daemon: the fluent API, resuming a run through
 * MLFLOW_RUN_ID, and log_batch / get_metric_history at volume. Each test runs one script (see the
 * `.py` files beside this one) and checks what it printed and what the daemon stored.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { TestDaemon } from '../support/daemon.ts';
import { ensureMlflowVenv } from '../support/mlflow.ts';
import { errorsIn, type LoggedRequest, runPython, startRecordingDaemon } from './harness.ts';

const T0 = 1_700_000_000_000;
const MAX_DOUBLE = Number.MAX_VALUE;

describe('Python mlflow client: tracking', { timeout: 300_000 }, () => {
  let d: TestDaemon;
  let requests: LoggedRequest[];
  before(async () => {
    await ensureMlflowVenv();
    ({ d, requests } = await startRecordingDaemon());
  });
  after(() => d?.stop());

  test('fluent API without a tenant prefix: experiments, params, metrics, tags and every end status', async () => {
    const from = requests.length;
    const { result: r, warnings } = await runPython('fluent.py', { trackingUri: d.url });
    assert.deepEqual(warnings, []);
    assert.deepEqual(errorsIn(requests.slice(from)), [
      // set_experiment looks the name up first; MLflow answers 404 too.
      `GET /api/2.0/mlflow/experiments/get-by-name 404`,
    ]);

    // set_experiment creates once, then reuses.
    assert.equal(r.created.name, 'py-fluent');
    assert.equal(r.created.lifecycle_stage, 'active');
    assert.deepEqual(r.reused, r.created);
    assert.deepEqual(r.by_name, r.created);
    assert.match(r.created.artifact_location, /^file:\/\//);

    const run = r.logged;
    assert.equal(r.while_running.status, 'RUNNING');
    assert.equal(r.while_running.end_time, null);
    assert.equal(run.status, 'FINISHED');
    assert.equal(run.run_name, 'logged');
    assert.equal(run.experiment_id, r.created.experiment_id);
    assert.ok(run.end_time >= run.start_time);
    assert.deepEqual(run.params, { lr: '0.01', model: 'xgb', depth: '6', subsample: '0.8' });
    assert.deepEqual(run.metrics, { loss: 0.2, acc: 0.95, f1: 0.8, nan: 'NaN', pos_inf: MAX_DOUBLE, neg_inf: -MAX_DOUBLE });
    assert.deepEqual(
      Object.fromEntries(Object.entries(run.tags).filter(([k]) => !k.startsWith('mlflow.source.'))),
      { 'mlflow.runName': 'logged', 'mlflow.user': run.tags['mlflow.user'], stage: 'dev', team: 'ds', x: 'y' },
    );
    assert.equal(run.tags['mlflow.source.type'], 'LOCAL');
    assert.equal(run.tags['mlflow.source.name'], join(import.meta.dirname, 'fluent.py'));

    // Every point, with the steps and timestamps the script gave.
    assert.deepEqual(r.history.loss, [0, 1, 2, 3, 4].map((s) => [s, 1 / (s + 1), T0 + s * 1000]));
    assert.equal(r.history.acc.length, 2);
    assert.deepEqual(r.history.acc[0], [7, 0.91, T0 + 9999]);
    const [accStep, accValue, accTime] = r.history.acc[1];
    assert.deepEqual([accStep, accValue], [8, 0.95]);
    assert.ok(accTime >= run.start_time && accTime <= run.end_time, 'a metric without timestamp gets the time of logging');
    assert.deepEqual(r.history.f1, [[7, 0.8, T0 + 9999]]);
    assert.deepEqual(r.history.nan.map((p: unknown[]) => p.slice(0, 2)), [[0, 'NaN']]);
    // As MLflow's SQL store: infinities come back as the largest finite doubles.
    assert.deepEqual(r.history.pos_inf.map((p: unknown[]) => p.slice(0, 2)), [[0, MAX_DOUBLE]]);
    assert.deepEqual(r.history.neg_inf.map((p: unknown[]) => p.slice(0, 2)), [[0, -MAX_DOUBLE]]);

    // end_run with each status; `with start_run()` ends FAILED when the block raises, FINISHED when not.
    for (const status of ['FINISHED', 'FAILED', 'KILLED']) {
      const ended = r.ended[status];
      assert.equal(ended.status, status);
      assert.equal(ended.run_name, `ended-${status.toLowerCase()}`);
      assert.ok(ended.end_time >= ended.start_time, status);
    }
    assert.equal(r.raised.status, 'FAILED');
    assert.deepEqual(r.raised.metrics, { x: 1 });
    assert.ok(r.raised.end_time !== null);
    assert.equal(r.clean.status, 'FINISHED');

    // What the daemon stored, through its own v1 API (the default tenant) and the backend.
    const v1 = await d.call('GET', `/api/v1/experiments/runs/${run.run_id}`, { tenant: 'default' });
    assert.equal(v1.status, 200, JSON.stringify(v1.body));
    assert.equal(v1.body.status, 'finished');
    assert.equal(v1.body.name, 'logged');
    assert.deepEqual(v1.body.params, run.params);
    assert.deepEqual(v1.body.metrics, { loss: 0.2, acc: 0.95, f1: 0.8, nan: null, pos_inf: MAX_DOUBLE, neg_inf: -MAX_DOUBLE });
    assert.equal(v1.body.tags.team, 'ds');
    const statuses = await d.call('POST', '/api/v1/experiments/runs/search', {
      tenant: 'default',
      body: { experiment_ids: [r.created.experiment_id], max_results: 100 },
    });
    assert.equal(statuses.status, 200, JSON.stringify(statuses.body));
    assert.deepEqual(
      Object.fromEntries(statuses.body.runs.map((x: { name: string; status: string }) => [x.name, x.status])),
      {
        logged: 'finished',
        'ended-finished': 'finished',
        'ended-failed': 'failed',
        'ended-killed': 'killed',
        raised: 'failed',
        clean: 'finished',
      },
    );

    const backend = d.daemon.backendFor('default');
    const stored = await backend.getRun(run.run_id);
    assert.equal(stored.data.tags['matih.tenant_id'], 'default');
    assert.equal(stored.info.endTime, run.end_time);
    const loss = await backend.getMetricHistory(run.run_id, 'loss', { maxResults: 100 });
    assert.deepEqual(
      loss.items.map((m) => [m.step, m.value, m.timestamp]),
      r.history.loss,
    );
    const nan = await backend.getMetricHistory(run.run_id, 'nan', { maxResults: 100 });
    assert.ok(Number.isNaN(nan.items[0]?.value));
    const experiment = await backend.getExperiment(r.created.experiment_id);
    assert.equal(experiment.name, 'default/py-fluent');
  });

  test('MLFLOW_RUN_ID resumes a finished run under /tenants/acme: RUNNING again, then ended anew', async () => {
    const t = { tenant: 'acme' };
    const exp = await d.call('POST', '/api/v1/experiments', { ...t, body: { name: 'py-resume' } });
    assert.equal(exp.status, 201, JSON.stringify(exp.body));
    const mk = async (name: string): Promise<string> => {
      const res = await d.call('POST', '/api/v1/experiments/runs', { ...t, body: { experiment_id: exp.body.id, name, start_time: T0 } });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return res.body.id;
    };
    const runId = await mk('to-resume');
    const gone = await mk('deleted');
    const logged = await d.call('POST', `/api/v1/experiments/runs/${runId}/metrics`, {
      ...t,
      body: { metrics: [{ key: 'loss', value: 1, step: 0, timestamp: T0 }] },
    });
    assert.equal(logged.status, 200, JSON.stringify(logged.body));
    const endTime = T0 + 60_000;
    for (const [path, body] of [
      [`${runId}/finish`, { end_time: endTime }],
      [`${gone}/archive`, undefined],
    ] as const) {
      const res = await d.call('POST', `/api/v1/experiments/runs/${path}`, { ...t, ...(body ? { body } : {}) });
      assert.equal(res.status, 200, JSON.stringify(res.body));
    }

    const from = requests.length;
    const { result: r, warnings } = await runPython('resume.py', {
      trackingUri: `${d.url}/tenants/acme`,
      env: { MLFLOW_RUN_ID: runId },
      args: ['KILLED', gone, d.url, 'acme'],
    });
    assert.deepEqual(warnings, []);
    assert.deepEqual(errorsIn(requests.slice(from)), []);
    assert.equal(r.env_run_id, runId);
    assert.equal(r.resumed_run_id, runId);
    assert.equal(r.env_consumed, true);
    assert.equal(r.before.status, 'FINISHED');
    assert.equal(r.before.end_time, endTime);
    // The client flips the run back to RUNNING; like MLflow, it passes the old end_time along.
    assert.equal(r.during.status, 'RUNNING');
    assert.equal(r.during_v1, 'running');
    assert.equal(r.during.end_time, endTime);
    assert.equal(r.after.status, 'KILLED');
    assert.ok(r.after.end_time > endTime);
    assert.deepEqual(r.after.params, { resumed: 'yes' });
    assert.deepEqual(r.after.metrics, { loss: 0.25 });
    assert.equal(r.loss.length, 2);
    assert.deepEqual(r.loss[0], [0, 1, T0]);
    assert.deepEqual(r.loss[1].slice(0, 2), [1, 0.25]);
    // A deleted run cannot be resumed (the client checks, with MLflow's own error).
    assert.match(r.deleted_refused.message, /because it is in the deleted state/);
    assert.equal(r.still_deleted.lifecycle_stage, 'deleted');

    const v1 = await d.call('GET', `/api/v1/experiments/runs/${runId}`, t);
    assert.equal(v1.body.status, 'killed');
    assert.equal(v1.body.end_time, new Date(r.after.end_time).toISOString());
    assert.deepEqual(v1.body.metrics, { loss: 0.25 });
  });

  test('MlflowClient.log_batch splits 25 506 metrics client-side; get_metric_history pages them all back', async () => {
    const n = 25_500;
    const from = requests.length;
    const { result: r, warnings } = await runPython('batch.py', { trackingUri: `${d.url}/tenants/acme`, args: [String(n)] });
    assert.deepEqual(warnings, []);
    const sent = requests.slice(from);
    assert.deepEqual(errorsIn(sent), []);
    const count = (suffix: string): number => sent.filter((q) => q.path === `/tenants/acme/api/2.0/mlflow/${suffix}`).length;
    // 30 params + 20 tags + 950 metrics in the first request, then 1 000 metrics per request.
    assert.equal(count('runs/log-batch'), 1 + Math.ceil((n + 6 - 950) / 1000));
    // The client asks for 25 000 points per page: loss takes two pages, acc and the unknown key one each.
    assert.equal(count('metrics/get-history'), 4);

    assert.equal(r.run.status, 'FINISHED');
    assert.equal(Object.keys(r.run.params).length, 30);
    assert.equal(r.run.params.p29, '29');
    assert.equal(r.run.tags.t19, 'v19');
    assert.deepEqual(r.run.metrics, { loss: 1 / n, acc: 0.9 });
    assert.equal(r.loss.length, n);
    const wrong = r.loss.filter((p: number[], i: number) => p[0] !== i || p[1] !== 1 / (i + 1) || p[2] !== T0 + i * 10);
    assert.deepEqual(wrong, []);
    // Several points per step are all kept, NaN included.
    assert.deepEqual(r.acc, [
      [0, 0.5, T0],
      [0, 0.6, T0 + 1],
      [1, 0.7, T0 + 2],
      [1, 0.8, T0 + 3],
      [2, 'NaN', T0 + 4],
      [2, 0.9, T0 + 5],
    ]);
    assert.deepEqual(r.missing, []);

    const backend = d.daemon.backendFor('acme');
    const stored = await backend.getMetricHistory(r.run.run_id, 'loss', { maxResults: 25_000 });
    assert.equal(stored.items.length, 25_000);
    assert.ok(stored.nextPageToken);
    const v1 = await d.call('GET', `/api/v1/experiments/runs/${r.run.run_id}/metrics/history?key=loss&max_results=3`, {
      tenant: 'acme',
    });
    assert.deepEqual(v1.body.points.map((p: { step: number; value: number }) => [p.step, p.value]), [
      [0, 1],
      [1, 0.5],
      [2, 1 / 3],
    ]);
  });
});
