import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type MlflowServer, missing, startMlflowServer } from './harness.ts';

describe('MLflow API: runs', () => {
  let s: MlflowServer;
  let exp: string;
  before(async () => {
    s = await startMlflowServer();
    exp = (await s.post('experiments/create', { name: 'runs' })).body.experiment_id;
  });
  after(() => s.stop());

  const newRun = async (body: Record<string, unknown> = {}): Promise<string> => {
    const res = await s.post('runs/create', { experiment_id: exp, ...body });
    assert.equal(res.status, 200, res.text);
    return res.body.run.info.run_id;
  };
  const getRun = async (runId: string) => (await s.get('runs/get', { run_id: runId })).body.run;

  test('create answers MLflow\'s Run: info fields in order, tags without the tenant tag, empty inputs', async () => {
    const res = await s.post('runs/create', {
      experiment_id: exp,
      run_name: 'baseline',
      start_time: '1700000000000',
      tags: [{ key: 'team', value: 'ds' }],
    });
    assert.equal(res.status, 200);
    const { run } = res.body;
    assert.deepEqual(Object.keys(run), ['info', 'data', 'inputs']);
    assert.deepEqual(Object.keys(run.info), [
      'run_uuid', 'experiment_id', 'run_name', 'user_id', 'status', 'start_time', 'artifact_uri', 'lifecycle_stage', 'run_id',
    ]);
    assert.match(run.info.run_id, /^[0-9a-f]{32}$/);
    assert.equal(run.info.run_uuid, run.info.run_id);
    assert.equal(run.info.experiment_id, exp);
    assert.equal(run.info.run_name, 'baseline');
    assert.equal(run.info.user_id, '');
    assert.equal(run.info.status, 'RUNNING');
    assert.equal(run.info.start_time, 1700000000000);
    assert.equal(run.info.lifecycle_stage, 'active');
    // The daemon's artifact proxy URI (artifact-uris.ts), whatever store holds the files.
    assert.equal(run.info.artifact_uri, `mlflow-artifacts:/${run.info.experiment_id}/${run.info.run_id}/artifacts`);
    assert.deepEqual(Object.keys(run.data), ['tags']);
    assert.deepEqual(
      [...run.data.tags].sort((a: { key: string }, b: { key: string }) => a.key.localeCompare(b.key)),
      [
        { key: 'mlflow.runName', value: 'baseline' },
        { key: 'team', value: 'ds' },
      ],
    );
    assert.deepEqual(run.inputs, {});
    assert.match(res.text, /"start_time":1700000000000[,}]/);
  });

  test('create without an experiment id or name lands in the Default experiment "0" with a generated name', async () => {
    const res = await s.post('runs/create', {});
    assert.equal(res.status, 200);
    assert.equal(res.body.run.info.experiment_id, '0');
    assert.match(res.body.run.info.run_name, /^[a-z]+-[a-z]+-\d+$/);
    const viaZero = await s.post('runs/create', { experiment_id: '0', run_name: 'in-default' });
    assert.equal(viaZero.body.run.info.experiment_id, '0');
    const found = await s.post('runs/search', { experiment_ids: ['0'], filter: "attributes.run_name = 'in-default'" });
    assert.deepEqual(found.body.runs.map((r: { info: { run_id: string } }) => r.info.run_id), [viaZero.body.run.info.run_id]);
  });

  test('create takes the name from the mlflow.runName tag and refuses an unknown experiment', async () => {
    const id = await newRun({ run_name: undefined, tags: [{ key: 'mlflow.runName', value: 'from-tag' }] });
    assert.equal((await getRun(id)).info.run_name, 'from-tag');
    const res = await s.post('runs/create', { experiment_id: '987654' });
    assert.equal(res.status, 404);
    assert.deepEqual(res.body, { error_code: 'RESOURCE_DOES_NOT_EXIST', message: 'No Experiment with id=987654 exists' });
  });

  test('get answers outputs too, accepts run_uuid, and reports missing and unknown ids like MLflow', async () => {
    const id = await newRun();
    const run = await getRun(id);
    assert.deepEqual(Object.keys(run), ['info', 'data', 'inputs', 'outputs']);
    assert.deepEqual(run.outputs, {});
    const alias = await s.get('runs/get', { run_uuid: id });
    assert.equal(alias.body.run.info.run_id, id);
    const none = await s.get('runs/get');
    assert.equal(none.status, 400);
    assert.deepEqual(none.body, missing('run_id'));
    const unknown = await s.get('runs/get', { run_id: 'f'.repeat(32) });
    assert.equal(unknown.status, 404);
    assert.deepEqual(unknown.body, { error_code: 'RESOURCE_DOES_NOT_EXIST', message: `Run with id=${'f'.repeat(32)} not found` });
  });

  test('update sets status (by name or number), end time and name; RUNNING again resumes the run', async () => {
    const id = await newRun({ run_name: 'to-update' });
    const done = await s.post('runs/update', { run_id: id, status: 'FINISHED', end_time: 1800000000000 });
    assert.equal(done.status, 200);
    assert.deepEqual(Object.keys(done.body), ['run_info']);
    assert.equal(done.body.run_info.status, 'FINISHED');
    assert.equal(done.body.run_info.end_time, 1800000000000);
    // What mlflow.start_run() sends to resume MLFLOW_RUN_ID: status RUNNING, the old end_time.
    const resumed = await s.post('runs/update', { run_uuid: id, run_id: id, status: 'RUNNING', end_time: '1800000000000' });
    assert.equal(resumed.status, 200);
    assert.equal(resumed.body.run_info.status, 'RUNNING');
    const failed = await s.post('runs/update', { run_id: id, status: 4, run_name: 'renamed' });
    assert.equal(failed.body.run_info.status, 'FAILED');
    assert.equal(failed.body.run_info.run_name, 'renamed');
    const tags = (await getRun(id)).data.tags;
    assert.deepEqual(tags.find((t: { key: string }) => t.key === 'mlflow.runName'), { key: 'mlflow.runName', value: 'renamed' });

    const bogus = await s.post('runs/update', { run_id: id, status: 'BOGUS' });
    assert.equal(bogus.status, 400);
    assert.deepEqual(bogus.body, {
      error_code: 'INVALID_PARAMETER_VALUE',
      message:
        "Invalid value \"BOGUS\" for parameter 'status' supplied:  Hint: Value was of type 'str'. " +
        'See the API docs for more information about request parameters.',
    });
    assert.equal((await s.post('runs/update', { run_id: id, status: 9 })).status, 400);
    assert.deepEqual((await s.post('runs/update', { status: 'FINISHED' })).body, missing('run_id'));
  });

  test('delete and restore; a deleted run refuses writes but can still be read', async () => {
    const id = await newRun();
    assert.deepEqual((await s.post('runs/delete', { run_id: id })).body, {});
    assert.equal((await getRun(id)).info.lifecycle_stage, 'deleted');
    const write = await s.post('runs/log-parameter', { run_id: id, key: 'p', value: '1' });
    assert.equal(write.status, 400);
    assert.deepEqual(write.body, {
      error_code: 'INVALID_PARAMETER_VALUE',
      message: `The run ${id} must be in the 'active' state. Current state is deleted.`,
    });
    assert.deepEqual((await s.post('runs/restore', { run_id: id })).body, {});
    assert.equal((await getRun(id)).info.lifecycle_stage, 'active');
    assert.equal((await s.post('runs/delete', { run_id: 'f'.repeat(32) })).status, 404);
  });

  test('log-metric: int64 as strings, default step 0, NaN and infinities, required fields', async () => {
    const id = await newRun();
    const ok = await s.post('runs/log-metric', { run_id: id, key: 'loss', value: 0.5, timestamp: '1700000000001', step: '4' });
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.body, {});
    await s.post('runs/log-metric', { run_uuid: id, key: 'nan', value: 'NaN', timestamp: 5 });
    await s.post('runs/log-metric', { run_id: id, key: 'inf', value: 'Infinity', timestamp: 5, step: 1 });
    await s.post('runs/log-metric', { run_id: id, key: 'ninf', value: '-Infinity', timestamp: 5 });
    const metrics = Object.fromEntries((await getRun(id)).data.metrics.map((m: { key: string }) => [m.key, m]));
    assert.deepEqual(metrics.loss, { key: 'loss', value: 0.5, timestamp: 1700000000001, step: 4 });
    assert.deepEqual(metrics.nan, { key: 'nan', value: 'NaN', timestamp: 5, step: 0 });
    // Like MLflow's SQL store, the embedded store keeps ±Infinity as ±1.7976931348623157e308.
    assert.deepEqual(metrics.inf, { key: 'inf', value: Number.MAX_VALUE, timestamp: 5, step: 1 });
    assert.deepEqual(metrics.ninf, { key: 'ninf', value: -Number.MAX_VALUE, timestamp: 5, step: 0 });

    assert.deepEqual((await s.post('runs/log-metric', { run_id: id, key: 'x', value: 1 })).body, missing('timestamp'));
    assert.deepEqual((await s.post('runs/log-metric', { run_id: id, key: 'x', timestamp: 1 })).body, missing('value'));
    assert.deepEqual((await s.post('runs/log-metric', { key: 'x', value: 1, timestamp: 1 })).body, missing('run_id'));
    const text = await s.post('runs/log-metric', { run_id: id, key: 'x', value: 'abc', timestamp: 1 });
    assert.deepEqual(text.body, {
      error_code: 'INVALID_PARAMETER_VALUE',
      message:
        "Invalid value \"abc\" for parameter 'value' supplied:  Hint: Value was of type 'str'. " +
        'See the API docs for more information about request parameters.',
    });
    const frac = await s.post('runs/log-metric', { run_id: id, key: 'x', value: 1, timestamp: 1.5 });
    assert.equal(frac.status, 400);
    assert.equal(frac.body.error_code, 'INVALID_PARAMETER_VALUE');
    const badKey = await s.post('runs/log-metric', { run_id: id, key: '../x', value: 1, timestamp: 1 });
    assert.equal(badKey.status, 400);
  });

  test('log-parameter is write-once; set-tag and delete-tag', async () => {
    const id = await newRun();
    assert.deepEqual((await s.post('runs/log-parameter', { run_id: id, key: 'lr', value: '0.1' })).body, {});
    assert.deepEqual((await s.post('runs/log-parameter', { run_id: id, key: 'lr', value: '0.1' })).body, {});
    const changed = await s.post('runs/log-parameter', { run_id: id, key: 'lr', value: '0.2' });
    assert.equal(changed.status, 400);
    assert.equal(changed.body.error_code, 'INVALID_PARAMETER_VALUE');
    assert.deepEqual((await s.post('runs/log-parameter', { run_id: id, key: 'empty' })).body, {});
    assert.deepEqual((await s.post('runs/log-parameter', { run_id: id, value: '1' })).body, missing('key'));

    assert.deepEqual((await s.post('runs/set-tag', { run_id: id, key: 'stage', value: 'dev' })).body, {});
    assert.deepEqual((await s.post('runs/set-tag', { run_id: id, key: 'stage', value: 'prod' })).body, {});
    const data = (await getRun(id)).data;
    assert.deepEqual(
      Object.fromEntries(data.params.map((p: { key: string; value: string }) => [p.key, p.value])),
      { empty: '', lr: '0.1' },
    );
    assert.deepEqual(data.tags.find((t: { key: string }) => t.key === 'stage'), { key: 'stage', value: 'prod' });

    assert.deepEqual((await s.post('runs/delete-tag', { run_id: id, key: 'stage' })).body, {});
    assert.equal((await getRun(id)).data.tags.some((t: { key: string }) => t.key === 'stage'), false);
    const gone = await s.post('runs/delete-tag', { run_id: id, key: 'stage' });
    assert.equal(gone.status, 404);
    assert.deepEqual(gone.body, { error_code: 'RESOURCE_DOES_NOT_EXIST', message: `No tag with name: stage in run with id ${id}` });
    const reserved = await s.post('runs/set-tag', { run_id: id, key: 'matih.tenant_id', value: 'other' });
    assert.equal(reserved.status, 400);
  });

  test('log-batch writes all three kinds and names the exact entry at fault', async () => {
    const id = await newRun();
    const ok = await s.post('runs/log-batch', {
      run_id: id,
      metrics: [
        { key: 'acc', value: 0.5, timestamp: 10, step: 0 },
        { key: 'acc', value: '0.75', timestamp: '11', step: '1' },
      ],
      params: [{ key: 'depth', value: '6' }],
      tags: [{ key: 'model', value: 'xgb' }],
    });
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.body, {});
    const data = (await getRun(id)).data;
    assert.deepEqual(data.metrics, [{ key: 'acc', value: 0.75, timestamp: 11, step: 1 }]);
    assert.deepEqual(data.params, [{ key: 'depth', value: '6' }]);
    assert.deepEqual(data.tags.find((t: { key: string }) => t.key === 'model'), { key: 'model', value: 'xgb' });

    const noTs = await s.post('runs/log-batch', { run_id: id, metrics: [{ key: 'a', value: 1 }] });
    assert.deepEqual(noTs.body, missing('metrics[0].timestamp'));
    assert.deepEqual((await s.post('runs/log-batch', { run_id: id, params: [{ value: '1' }] })).body, missing('params[0].key'));
    assert.deepEqual((await s.post('runs/log-batch', { run_id: id, tags: [{}] })).body, missing('tags[0].key'));
    const notList = await s.post('runs/log-batch', { run_id: id, metrics: { key: 'a' } });
    assert.equal(notList.status, 400);
    assert.equal(notList.body.error_code, 'INVALID_PARAMETER_VALUE');
    // All or nothing: the valid metric before the invalid param is not stored either.
    const partial = await s.post('runs/log-batch', {
      run_id: id,
      metrics: [{ key: 'late', value: 1, timestamp: 1 }],
      params: [{ key: 'depth', value: '7' }],
    });
    assert.equal(partial.status, 400);
    assert.equal((await getRun(id)).data.metrics.some((m: { key: string }) => m.key === 'late'), false);
    const tooMany = await s.post('runs/log-batch', {
      run_id: id,
      params: Array.from({ length: 101 }, (_, i) => ({ key: `p${i}`, value: '1' })),
    });
    assert.equal(tooMany.status, 400);
  });

  test('log-inputs: an empty call succeeds, data sets are stored (run-inputs.test.ts has the rest)', async () => {
    const id = await newRun();
    assert.deepEqual((await s.post('runs/log-inputs', { run_id: id })).body, {});
    const ds = await s.post('runs/log-inputs', {
      run_id: id,
      datasets: [{ dataset: { name: 'd', digest: 'abc', source_type: 'local', source: '{}' } }],
    });
    assert.equal(ds.status, 200);
    assert.deepEqual((await getRun(id)).inputs, { dataset_inputs: [{ dataset: { name: 'd', digest: 'abc', source_type: 'local', source: '{}' } }] });
    assert.equal((await s.post('runs/log-inputs', { run_id: 'f'.repeat(32) })).status, 404);
    assert.deepEqual((await s.post('runs/log-inputs', {})).body, missing('run_id'));
  });

  test('search: filter, order, paging, view type; bad max_results and filter', async () => {
    const e = (await s.post('experiments/create', { name: 'search-runs' })).body.experiment_id;
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await s.post('runs/create', { experiment_id: e, run_name: `r${i}`, start_time: 1700000000000 + i });
      ids.push(res.body.run.info.run_id);
      await s.post('runs/log-metric', { run_id: ids[i], key: 'acc', value: i / 10, timestamp: 1 });
    }
    const page1 = await s.post('runs/search', { experiment_ids: [e], max_results: 2 });
    assert.equal(page1.status, 200);
    // MLflow's default order: newest start_time first.
    assert.deepEqual(page1.body.runs.map((r: { info: { run_name: string } }) => r.info.run_name), ['r2', 'r1']);
    assert.deepEqual(Object.keys(page1.body.runs[0]), ['info', 'data', 'inputs', 'outputs']);
    const page2 = await s.post('runs/search', { experiment_ids: [e], max_results: 2, page_token: page1.body.next_page_token });
    assert.deepEqual(page2.body.runs.map((r: { info: { run_name: string } }) => r.info.run_name), ['r0']);
    assert.equal('next_page_token' in page2.body, false);

    const filtered = await s.post('runs/search', {
      experiment_ids: [e],
      filter: 'metrics.acc >= 0.1',
      order_by: ['metrics.acc ASC'],
    });
    assert.deepEqual(filtered.body.runs.map((r: { info: { run_name: string } }) => r.info.run_name), ['r1', 'r2']);

    await s.post('runs/delete', { run_id: ids[0] });
    const deleted = await s.post('runs/search', { experiment_ids: [e], run_view_type: 'DELETED_ONLY' });
    assert.deepEqual(deleted.body.runs.map((r: { info: { run_name: string } }) => r.info.run_name), ['r0']);
    const all = await s.post('runs/search', { experiment_ids: [e], run_view_type: 3 });
    assert.equal(all.body.runs.length, 3);

    const none = await s.post('runs/search', { experiment_ids: [e], filter: "params.x = 'none'" });
    assert.deepEqual(none.body, {});
    assert.deepEqual((await s.post('runs/search', { experiment_ids: [] })).body, {});
    const big = await s.post('runs/search', { experiment_ids: [e], max_results: 50001 });
    assert.deepEqual(big.body, {
      error_code: 'INVALID_PARAMETER_VALUE',
      message: "Invalid value 50001 for parameter 'max_results' supplied. It must be at most 50000",
    });
    const bad = await s.post('runs/search', { experiment_ids: [e], filter: 'bogus ===' });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error_code, 'INVALID_PARAMETER_VALUE');
    const notStrings = await s.post('runs/search', { experiment_ids: [1] });
    assert.equal(notStrings.status, 400);
  });
});
