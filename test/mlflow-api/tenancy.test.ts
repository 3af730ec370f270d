import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_TENANT, type MlflowServer, startMlflowServer } from './harness.ts';

const A = { tenant: 'acme' };
const B = { tenant: 'globex' };

describe('MLflow API: tenants by path prefix', () => {
  let s: MlflowServer;
  let expA: string;
  let runA: string;
  before(async () => {
    s = await startMlflowServer();
    expA = (await s.post('experiments/create', { name: 'shared' }, A)).body.experiment_id;
    runA = (await s.post('runs/create', { experiment_id: expA }, A)).body.run.info.run_id;
    await s.post('runs/log-metric', { run_id: runA, key: 'loss', value: 1, timestamp: 1 }, A);
  });
  after(() => s.stop());

  test('the same plain name in two tenants is two experiments, each shown by its plain name', async () => {
    const expB = (await s.post('experiments/create', { name: 'shared' }, B)).body.experiment_id;
    assert.notEqual(expB, expA);
    const a = await s.get('experiments/get-by-name', { experiment_name: 'shared' }, A);
    const b = await s.get('experiments/get-by-name', { experiment_name: 'shared' }, B);
    assert.equal(a.body.experiment.experiment_id, expA);
    assert.equal(b.body.experiment.experiment_id, expB);
    assert.equal(a.body.experiment.name, 'shared');
    assert.equal(b.body.experiment.name, 'shared');
  });

  test('another tenant\'s run answers exactly like a run that does not exist', async () => {
    const missingId = 'f'.repeat(32);
    const foreign = await s.get('runs/get', { run_id: runA }, B);
    const absent = await s.get('runs/get', { run_id: missingId }, B);
    assert.equal(foreign.status, 404);
    assert.equal(absent.status, 404);
    assert.deepEqual(foreign.body, { error_code: 'RESOURCE_DOES_NOT_EXIST', message: `Run with id=${runA} not found` });
    assert.deepEqual(foreign.body, { ...absent.body, message: absent.body.message.replace(missingId, runA) });

    for (const [endpoint, body] of [
      ['runs/log-metric', { run_id: runA, key: 'x', value: 1, timestamp: 1 }],
      ['runs/log-parameter', { run_id: runA, key: 'x', value: '1' }],
      ['runs/set-tag', { run_id: runA, key: 'x', value: '1' }],
      ['runs/log-batch', { run_id: runA, metrics: [{ key: 'x', value: 1, timestamp: 1 }] }],
      ['runs/update', { run_id: runA, status: 'KILLED' }],
      ['runs/delete', { run_id: runA }],
      ['runs/delete-tag', { run_id: runA, key: 'mlflow.runName' }],
    ] as const) {
      const res = await s.post(endpoint, body, B);
      assert.equal(res.status, 404, endpoint);
      assert.deepEqual(res.body, { error_code: 'RESOURCE_DOES_NOT_EXIST', message: `Run with id=${runA} not found` }, endpoint);
    }
    // Nothing of the above reached tenant A's run.
    const run = (await s.get('runs/get', { run_id: runA }, A)).body.run;
    assert.equal(run.info.status, 'RUNNING');
    assert.equal(run.info.lifecycle_stage, 'active');
    assert.deepEqual(run.data.metrics, [{ key: 'loss', value: 1, timestamp: 1, step: 0 }]);
  });

  test('another tenant\'s experiment answers like a missing one; searches never show it', async () => {
    const foreign = await s.get('experiments/get', { experiment_id: expA }, B);
    assert.equal(foreign.status, 404);
    assert.deepEqual(foreign.body, { error_code: 'RESOURCE_DOES_NOT_EXIST', message: `No Experiment with id=${expA} exists` });
    assert.equal((await s.post('runs/create', { experiment_id: expA }, B)).status, 404);
    assert.equal((await s.post('experiments/delete', { experiment_id: expA }, B)).status, 404);
    assert.deepEqual((await s.post('runs/search', { experiment_ids: [expA] }, B)).body, {});
    const names = (await s.post('experiments/search', { max_results: 100, view_type: 'ALL' }, B)).body.experiments.map(
      (e: { experiment_id: string }) => e.experiment_id,
    );
    assert.equal(names.includes(expA), false);
  });

  test('metric history of another tenant\'s run is empty, the same as for a missing run', async () => {
    assert.deepEqual((await s.get('metrics/get-history', { run_id: runA, metric_key: 'loss' }, B)).body, {});
    assert.deepEqual((await s.get('metrics/get-history-bulk-interval', { run_ids: runA, metric_key: 'loss' }, B)).body, {});
    assert.deepEqual(
      (await s.get('metrics/get-history-bulk', { run_id: runA, metric_key: 'loss' }, { ...B, ajax: true })).body,
      { metrics: [] },
    );
    assert.equal((await s.get('metrics/get-history', { run_id: runA, metric_key: 'loss' }, A)).body.metrics.length, 1);
  });

  test('each tenant has its own Default experiment "0"', async () => {
    const inA = (await s.post('runs/create', { run_name: 'default-a' }, A)).body.run;
    assert.equal(inA.info.experiment_id, '0');
    const defaultA = await s.get('experiments/get', { experiment_id: '0' }, A);
    const defaultB = await s.get('experiments/get', { experiment_id: '0' }, B);
    assert.equal(defaultA.body.experiment.name, 'Default');
    assert.equal(defaultB.body.experiment.name, 'Default');
    assert.notEqual(defaultA.body.experiment.artifact_location, defaultB.body.experiment.artifact_location);
    const searchB = await s.post('runs/search', { experiment_ids: ['0'] }, B);
    assert.equal((searchB.body.runs ?? []).some((r: { info: { run_id: string } }) => r.info.run_id === inA.info.run_id), false);
    const searchA = await s.post('runs/search', { experiment_ids: ['0'], filter: "attributes.run_name = 'default-a'" }, A);
    assert.deepEqual(searchA.body.runs.map((r: { info: { run_id: string } }) => r.info.run_id), [inA.info.run_id]);
  });

  test('without a prefix the default tenant answers; the ajax alias works under a prefix', async () => {
    const id = (await s.post('experiments/create', { name: 'unprefixed' })).body.experiment_id;
    const viaPrefix = await s.get('experiments/get', { experiment_id: id }, { tenant: DEFAULT_TENANT });
    assert.equal(viaPrefix.body.experiment.name, 'unprefixed');
    assert.equal((await s.get('experiments/get', { experiment_id: id }, A)).status, 404);
    const ajax = await s.get('experiments/get', { experiment_id: expA }, { ...A, ajax: true });
    assert.equal(ajax.body.experiment.name, 'shared');
  });

  test('a malformed tenant is refused before anything is read or written', async () => {
    for (const tenant of ['ACME', 'a_b', 'x'.repeat(64)]) {
      const res = await s.post('experiments/create', { name: 'never' }, { tenant });
      assert.equal(res.status, 400, tenant);
      assert.equal(res.body.error_code, 'INVALID_PARAMETER_VALUE');
      assert.match(res.body.message, /^tenant must be 1-63 characters of lowercase letters, digits and '-'/);
    }
    const enc = await s.call('GET', 'experiments/get', { tenant: 'a%2Fb', query: { experiment_id: '0' } });
    assert.equal(enc.status, 400);
    assert.equal(enc.body.error_code, 'INVALID_PARAMETER_VALUE');
  });
});
