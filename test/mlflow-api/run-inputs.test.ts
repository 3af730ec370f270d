/**
 * `runs/log-inputs` and `runs/outputs` (MLflow 3) on the embedded store: what runs/get and
 * runs/search then show, in MLflow's shape and order (checked against `mlflow server` 3.17), and
 * `datasets.` filters in run search.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type MlflowServer, missing, startMlflowServer } from './harness.ts';

const ds = (name: string, digest: string, context?: string) => ({
  tags: context ? [{ key: 'mlflow.data.context', value: context }] : [],
  dataset: { name, digest, source_type: 'code', source: '{}' },
});

describe('MLflow API: run inputs and outputs', () => {
  let s: MlflowServer;
  let exp: string;
  let run1: string;
  let run2: string;
  before(async () => {
    s = await startMlflowServer();
    exp = (await s.post('experiments/create', { name: 'inputs' })).body.experiment_id;
    run1 = (await s.post('runs/create', { experiment_id: exp, start_time: 1 })).body.run.info.run_id;
    run2 = (await s.post('runs/create', { experiment_id: exp, start_time: 2 })).body.run.info.run_id;
  });
  after(() => s.stop());

  const post = async (endpoint: string, body: unknown) => {
    const res = await s.post(endpoint, body);
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body, {});
  };

  test('data sets are listed once per run with their first tags; models in id order', async () => {
    await post('runs/log-inputs', {
      run_id: run1,
      datasets: [ds('d', 'x1', 'train'), ds('d', 'x1', 'eval'), ds('e', 'x2'), { ...ds('s', 'x3'), dataset: { ...ds('s', 'x3').dataset, schema: '{"a":1}', profile: '{}' } }],
    });
    await post('runs/log-inputs', { run_id: run1, datasets: [ds('d', 'x1', 'other')] });
    // Nested fields are not required, as in MLflow's handler: missing strings are "".
    await post('runs/log-inputs', { run_id: run1, datasets: [{ tags: [{ key: 'k' }], dataset: { name: 'n' } }] });
    await post('runs/log-inputs', { run_id: run1, models: [{ model_id: 'm-b' }, { model_id: 'm-a' }, { model_id: 'm-b' }] });
    await post('runs/outputs', { run_id: run1, models: [{ model_id: 'm-z', step: 3 }, { model_id: 'm-y' }] });

    const run = (await s.get('runs/get', { run_id: run1 })).body.run;
    assert.deepEqual(run.inputs, {
      dataset_inputs: [
        { tags: [{ key: 'mlflow.data.context', value: 'train' }], dataset: { name: 'd', digest: 'x1', source_type: 'code', source: '{}' } },
        { dataset: { name: 'e', digest: 'x2', source_type: 'code', source: '{}' } },
        { dataset: { name: 's', digest: 'x3', source_type: 'code', source: '{}', schema: '{"a":1}', profile: '{}' } },
        { tags: [{ key: 'k', value: '' }], dataset: { name: 'n', digest: '', source_type: '', source: '' } },
      ],
      model_inputs: [{ model_id: 'm-a' }, { model_id: 'm-b' }],
    });
    assert.deepEqual(run.outputs, { model_outputs: [{ model_id: 'm-y', step: 0 }, { model_id: 'm-z', step: 3 }] });

    // Search lists data sets and outputs but not model inputs, as MLflow's does.
    const found = (await s.post('runs/search', { experiment_ids: [exp], filter: `attributes.run_id = '${run1}'` })).body.runs[0];
    assert.deepEqual(found.inputs, { dataset_inputs: run.inputs.dataset_inputs });
    assert.deepEqual(found.outputs, run.outputs);
  });

  test('errors: a missing run, a deleted run, a repeated output, a missing models list', async () => {
    const unknown = await s.post('runs/log-inputs', { run_id: 'nope' });
    assert.deepEqual(unknown.body, { error_code: 'RESOURCE_DOES_NOT_EXIST', message: 'Run with id=nope not found' });
    const doomed = (await s.post('runs/create', { experiment_id: exp })).body.run.info.run_id;
    await s.post('runs/delete', { run_id: doomed });
    for (const [endpoint, body] of [
      ['runs/log-inputs', { run_id: doomed, datasets: [ds('d', 'x1')] }],
      ['runs/outputs', { run_id: doomed, models: [{ model_id: 'm-a', step: 1 }] }],
    ] as const) {
      const res = await s.post(endpoint, body);
      assert.deepEqual(res.body, {
        error_code: 'INVALID_PARAMETER_VALUE',
        message: `The run ${doomed} must be in the 'active' state. Current state is deleted.`,
      }, endpoint);
    }
    assert.equal((await s.post('runs/outputs', { run_id: run1, models: [{ model_id: 'm-z', step: 4 }] })).status, 400);
    assert.deepEqual((await s.post('runs/outputs', { run_id: run1 })).body, missing('models'));
    const long = await s.post('runs/log-inputs', { run_id: run2, datasets: [ds('d', 'x'.repeat(37))] });
    assert.deepEqual(long.body, { error_code: 'INVALID_PARAMETER_VALUE', message: "'digest' exceeds the maximum length of 36 characters" });
    const notObject = await s.post('runs/log-inputs', { run_id: run2, datasets: [{ dataset: 'd' }] });
    assert.equal(notObject.status, 400);
  });

  test('datasets. filters match runs with any data set input that satisfies them', async () => {
    await post('runs/log-inputs', { run_id: run2, datasets: [ds('e', 'x2', 'eval')] });
    const search = async (filter: string) => {
      const res = await s.post('runs/search', { experiment_ids: [exp], filter });
      assert.equal(res.status, 200, res.text);
      return (res.body.runs ?? []).map((r: { info: { run_id: string } }) => (r.info.run_id === run1 ? 'run1' : r.info.run_id === run2 ? 'run2' : 'other'));
    };
    // Each answer is what `mlflow server` 3.17 gives for the same data.
    assert.deepEqual(await search("datasets.name = 'd'"), ['run1']);
    assert.deepEqual(await search("datasets.name = 'e'"), ['run2', 'run1']);
    assert.deepEqual(await search("datasets.digest IN ('x1')"), ['run1']);
    assert.deepEqual(await search("datasets.context = 'train'"), ['run1']);
    assert.deepEqual(await search("datasets.context LIKE 'ev%'"), ['run2']);
    assert.deepEqual(await search("datasets.name != 'd'"), ['run2', 'run1']);
    assert.deepEqual(await search("datasets.name NOT IN ('d')"), ['run2', 'run1']);
    assert.deepEqual(await search("datasets.name ILIKE 'D'"), ['run1']);
    assert.deepEqual(await search("datasets.context IN ('train', 'eval')"), ['run2', 'run1']);
    assert.deepEqual(await search("datasets.name = 'd' AND datasets.context = 'train'"), ['run1']);
  });
});
