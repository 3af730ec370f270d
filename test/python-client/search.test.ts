/**
 * The real Python `mlflow` client against the daemon: search_runs / search_experiments with
 * filters, order_by and paging; soft delete and restore; tenant isolation by URI prefix. The
 * expected orders were checked against a real `mlflow server` (3.17) running the same scripts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { TestDaemon } from '../support/daemon.ts';
import { ensureMlflowVenv } from '../support/mlflow.ts';
import { errorsIn, type LoggedRequest, runPython, startRecordingDaemon } from './harness.ts';

describe('Python mlflow client: search, lifecycle, tenants', { timeout: 300_000 }, () => {
  let d: TestDaemon;
  let requests: LoggedRequest[];
  before(async () => {
    await ensureMlflowVenv();
    ({ d, requests } = await startRecordingDaemon());
  });
  after(() => d?.stop());

  test('search_runs and search_experiments: filters, order_by, paging (under /tenants/search)', async () => {
    const from = requests.length;
    const { result: r, warnings } = await runPython('search.py', { trackingUri: `${d.url}/tenants/search` });
    assert.deepEqual(warnings, []);
    // The only refusal is the filter with OR, which MLflow refuses too.
    assert.deepEqual(errorsIn(requests.slice(from)), ['POST /tenants/search/api/2.0/mlflow/runs/search 400']);

    // r1..r7 start one second apart; acc of r5 is NaN, r6 has none; r4 has no tag x; r7 is RUNNING.
    assert.deepEqual(r.runs, {
      default_order: ['r7', 'r6', 'r5', 'r4', 'r3', 'r2', 'r1'],
      acc_and_model: ['r7', 'r4', 'r1'],
      tag: ['r7', 'r5', 'r3', 'r1'],
      finished: ['r6', 'r5', 'r2', 'r1'],
      not_xgb: ['r6', 'r3'],
      name_like: ['r4', 'r2', 'r1'],
      tag_missing: ['r4'],
      // NaN sorts after every number and a missing metric after NaN, in either direction.
      acc_desc: ['r7', 'r3', 'r1', 'r4', 'r2', 'r5', 'r6'],
      acc_asc: ['r2', 'r4', 'r1', 'r3', 'r7', 'r5', 'r6'],
      model_then_acc: ['r6', 'r3', 'r7', 'r1', 'r4', 'r2', 'r5'],
      tag_x_desc: ['r2', 'r5', 'r3', 'r1', 'r6', 'r4'],
      start_asc: ['r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7'],
      pages: [['r7', 'r6', 'r5'], ['r4', 'r3', 'r2'], ['r1']],
      fluent: ['r7', 'r3', 'r1', 'r4'],
      bad_filter: r.runs.bad_filter,
    });
    assert.equal(r.runs.bad_filter.error_code, 'INVALID_PARAMETER_VALUE');
    assert.match(r.runs.bad_filter.message, /OR/);

    assert.deepEqual(r.experiments, {
      like: ['proj-beta', 'proj-alpha'],
      ilike: ['proj-alpha', 'proj-beta'],
      tag: ['other', 'proj-alpha', 'py-search'],
      tag_and_name: ['proj-alpha', 'py-search'],
      newest_first: ['other', 'proj-beta', 'proj-alpha'],
      // Only this tenant's experiments, under their plain names.
      all: ['Default', 'other', 'proj-alpha', 'proj-beta', 'py-search'],
    });

    // The daemon's own API sees the same runs under the same filter.
    const experiments = await d.call('GET', `/api/v1/experiments?filter=${encodeURIComponent("name = 'py-search'")}`, {
      tenant: 'search',
    });
    assert.equal(experiments.status, 200, JSON.stringify(experiments.body));
    const [experiment] = experiments.body.experiments;
    const v1 = await d.call('POST', '/api/v1/experiments/runs/search', {
      tenant: 'search',
      body: {
        experiment_ids: [experiment.id],
        filter: "metrics.acc > 0.9 and params.model = 'xgb'",
        order_by: ['metrics.acc DESC'],
      },
    });
    assert.equal(v1.status, 200, JSON.stringify(v1.body));
    assert.deepEqual(v1.body.runs.map((x: { name: string }) => x.name), ['r7', 'r1', 'r4']);
  });

  test('delete_run / restore_run, delete_experiment / restore_experiment', async () => {
    const from = requests.length;
    const { result: r, warnings } = await runPython('lifecycle.py', { trackingUri: d.url });
    assert.deepEqual(warnings, []);
    assert.equal(errorsIn(requests.slice(from)).filter((e) => !e.endsWith(' 400') && !e.endsWith(' 404')).length, 0);

    assert.equal(r.run_deleted.stage, 'deleted');
    assert.deepEqual(r.run_deleted.active, ['keep']);
    assert.deepEqual(r.run_deleted.deleted, ['drop']);
    assert.deepEqual(r.run_deleted.all, ['drop', 'keep']);
    const notActive = `The run ${r.drop} must be in the 'active' state. Current state is deleted.`;
    assert.deepEqual(r.run_deleted.log_metric, { error_code: 'INVALID_PARAMETER_VALUE', message: `INVALID_PARAMETER_VALUE: ${notActive}` });
    assert.deepEqual(r.run_deleted.set_tag, r.run_deleted.log_metric);
    assert.deepEqual(r.run_restored, { stage: 'active', active: ['drop', 'keep'] });

    const deleted = r.experiment_deleted;
    assert.equal(deleted.experiment.lifecycle_stage, 'deleted');
    assert.deepEqual(deleted.by_name, deleted.experiment);
    assert.deepEqual(deleted.run_stages, ['deleted', 'deleted']);
    assert.equal(deleted.listed_active.includes('py-lifecycle'), false);
    assert.deepEqual(deleted.listed_deleted, ['py-lifecycle']);
    assert.equal(deleted.set_experiment.error_code, 'INVALID_PARAMETER_VALUE');
    assert.match(deleted.set_experiment.message, /Cannot set a deleted experiment 'py-lifecycle'/);
    assert.equal(deleted.create_same_name.error_code, 'RESOURCE_ALREADY_EXISTS');
    assert.deepEqual(deleted.create_run, {
      error_code: 'INVALID_PARAMETER_VALUE',
      message: `INVALID_PARAMETER_VALUE: The experiment ${r.experiment_id} must be in the 'active' state. Current state is deleted.`,
    });

    const restored = r.experiment_restored;
    assert.equal(restored.experiment.lifecycle_stage, 'active');
    assert.deepEqual(restored.run_stages, ['active', 'active']);
    assert.equal(restored.set_experiment, r.experiment_id);
    assert.deepEqual(restored.active, ['drop', 'keep']);

    const backend = d.daemon.backendFor('default');
    assert.equal((await backend.getExperiment(r.experiment_id)).lifecycleStage, 'active');
    assert.equal((await backend.getRun(r.drop)).info.lifecycleStage, 'active');
  });

  test('a run made under /tenants/acme does not exist for /tenants/globex nor for the plain URI', async () => {
    const from = requests.length;
    const { result: r, warnings } = await runPython('tenancy.py', {
      trackingUri: `${d.url}/tenants/acme`,
      // With a trailing slash, as users often write them.
      args: [`${d.url}/tenants/globex/`, `${d.url}/`],
    });
    assert.deepEqual(warnings, []);
    assert.equal(errorsIn(requests.slice(from)).filter((e) => !e.endsWith(' 404')).length, 0);

    const runMissing = { error_code: 'RESOURCE_DOES_NOT_EXIST', message: `RESOURCE_DOES_NOT_EXIST: Run with id=${r.acme_run} not found` };
    const experimentMissing = {
      error_code: 'RESOURCE_DOES_NOT_EXIST',
      message: `RESOURCE_DOES_NOT_EXIST: No Experiment with id=${r.acme_experiment} exists`,
    };
    for (const [who, seen] of Object.entries(r.outside) as [string, any][]) {
      assert.deepEqual(seen.get_run, runMissing, who);
      assert.deepEqual(seen.get_experiment, experimentMissing, who);
      assert.equal(seen.by_name, null, who);
      assert.deepEqual(seen.search_runs, [], who);
      assert.deepEqual(seen.search_runs_filtered, [], who);
      assert.equal(seen.experiments.includes('shared'), false, who);
      assert.deepEqual(seen.history, [], who);
      for (const write of ['log_metric', 'set_terminated', 'delete_run']) assert.deepEqual(seen[write], runMissing, `${who} ${write}`);
      for (const write of ['delete_experiment', 'create_run']) assert.deepEqual(seen[write], experimentMissing, `${who} ${write}`);
    }
    assert.deepEqual(r.outside.globex.experiments, ['Default']);

    // Nothing from outside reached acme's run; globex got its own experiment of the same name.
    assert.equal(r.acme_sees.run.status, 'FINISHED');
    assert.equal(r.acme_sees.run.lifecycle_stage, 'active');
    assert.deepEqual(r.acme_sees.run.metrics, { acc: 0.97 });
    assert.equal(r.acme_sees.run.tags['matih.tenant_id'], undefined);
    assert.equal(r.acme_sees.experiment.name, 'shared');
    assert.deepEqual(r.acme_sees.runs_in_both, ['acme-run']);
    assert.deepEqual(r.acme_sees.experiments, ['shared', 'Default']);
    assert.notEqual(r.globex_experiment, r.acme_experiment);
    assert.equal(r.globex_sees.experiment.experiment_id, r.globex_experiment);
    assert.deepEqual(r.globex_sees.runs_in_both, ['globex-run']);

    // In the store: tenant-prefixed names and the tenant tag on both objects.
    const backend = d.daemon.backendFor('acme');
    const run = await backend.getRun(r.acme_run);
    assert.equal(run.data.tags['matih.tenant_id'], 'acme');
    const experiment = await backend.getExperiment(r.acme_experiment);
    assert.equal(experiment.name, 'acme/shared');
    assert.equal(experiment.tags['matih.tenant_id'], 'acme');
    assert.equal((await backend.getExperiment(r.globex_experiment)).name, 'globex/shared');
    // And through the v1 API with X-Tenant-ID.
    assert.equal((await d.call('GET', `/api/v1/experiments/runs/${r.acme_run}`, { tenant: 'acme' })).status, 200);
    assert.equal((await d.call('GET', `/api/v1/experiments/runs/${r.acme_run}`, { tenant: 'globex' })).status, 404);
  });
});
