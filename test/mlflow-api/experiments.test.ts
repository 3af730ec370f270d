import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type MlflowServer, missing, startMlflowServer } from './harness.ts';

describe('MLflow API: experiments', () => {
  let s: MlflowServer;
  before(async () => {
    s = await startMlflowServer();
  });
  after(() => s.stop());

  const create = async (name: string, extra: Record<string, unknown> = {}): Promise<string> => {
    const res = await s.post('experiments/create', { name, ...extra });
    assert.equal(res.status, 200, res.text);
    return res.body.experiment_id;
  };

  test('create answers the new id; get answers MLflow\'s Experiment with plain name and tags', async () => {
    const before = Date.now();
    const res = await s.post('experiments/create', { name: 'churn', tags: [{ key: 'team', value: 'ds' }] });
    assert.equal(res.status, 200);
    assert.deepEqual(Object.keys(res.body), ['experiment_id']);
    assert.match(res.body.experiment_id, /^[1-9]\d*$/);
    const got = await s.get('experiments/get', { experiment_id: res.body.experiment_id });
    assert.equal(got.status, 200);
    const e = got.body.experiment;
    assert.deepEqual(Object.keys(e), [
      'experiment_id', 'name', 'artifact_location', 'lifecycle_stage', 'last_update_time', 'creation_time', 'tags',
    ]);
    assert.equal(e.experiment_id, res.body.experiment_id);
    assert.equal(e.name, 'churn');
    assert.equal(e.lifecycle_stage, 'active');
    assert.match(e.artifact_location, /^file:\/\//);
    assert.equal(typeof e.creation_time, 'number');
    assert.ok(e.creation_time >= before && e.creation_time <= Date.now());
    // The daemon's tenant tag is bookkeeping, never shown.
    assert.deepEqual(e.tags, [{ key: 'team', value: 'ds' }]);
  });

  test('an experiment without tags has no tags field at all', async () => {
    const id = await create('no-tags');
    const e = (await s.get('experiments/get', { experiment_id: id })).body.experiment;
    assert.equal('tags' in e, false);
  });

  test('create refuses a missing or mistyped name and a duplicate', async () => {
    assert.deepEqual((await s.post('experiments/create', {})).body, missing('name'));
    assert.deepEqual((await s.post('experiments/create', { name: '' })).body, missing('name'));
    const typed = await s.post('experiments/create', { name: 5 });
    assert.equal(typed.status, 400);
    assert.deepEqual(typed.body, {
      error_code: 'INVALID_PARAMETER_VALUE',
      message:
        "Invalid value 5 for parameter 'name' supplied:  Hint: Value was of type 'int'. " +
        'See the API docs for more information about request parameters.',
    });
    await create('dup');
    const dup = await s.post('experiments/create', { name: 'dup' });
    assert.equal(dup.status, 400);
    assert.deepEqual(dup.body, { error_code: 'RESOURCE_ALREADY_EXISTS', message: 'Experiment(name=dup) already exists.' });
  });

  test('create refuses a tag without a key and an artifact location with ".."', async () => {
    const res = await s.post('experiments/create', { name: 'bad-tag', tags: [{ value: 'x' }] });
    assert.deepEqual(res.body, missing('tags[0].key'));
    const loc = await s.post('experiments/create', { name: 'bad-loc', artifact_location: '/tmp/../etc' });
    assert.equal(loc.status, 400);
    assert.equal(loc.body.error_code, 'INVALID_PARAMETER_VALUE');
  });

  test('get: missing parameter, unknown id, non-integer id', async () => {
    const none = await s.get('experiments/get');
    assert.equal(none.status, 400);
    assert.deepEqual(none.body, missing('experiment_id'));
    const unknown = await s.get('experiments/get', { experiment_id: '987654' });
    assert.equal(unknown.status, 404);
    assert.deepEqual(unknown.body, { error_code: 'RESOURCE_DOES_NOT_EXIST', message: 'No Experiment with id=987654 exists' });
    const bad = await s.get('experiments/get', { experiment_id: 'abc' });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error_code, 'INVALID_PARAMETER_VALUE');
  });

  test('get-by-name finds by the plain name and answers 404 in MLflow\'s words otherwise', async () => {
    const id = await create('by-name');
    const got = await s.get('experiments/get-by-name', { experiment_name: 'by-name' });
    assert.equal(got.status, 200);
    assert.equal(got.body.experiment.experiment_id, id);
    assert.equal(got.body.experiment.name, 'by-name');
    const none = await s.get('experiments/get-by-name', { experiment_name: 'nope' });
    assert.equal(none.status, 404);
    assert.deepEqual(none.body, { error_code: 'RESOURCE_DOES_NOT_EXIST', message: "Could not find experiment with name 'nope'" });
    assert.deepEqual((await s.get('experiments/get-by-name')).body, missing('experiment_name'));
  });

  test('the Default experiment is "0": get, get-by-name and search all show it so', async () => {
    const byId = await s.get('experiments/get', { experiment_id: '0' });
    assert.equal(byId.status, 200);
    assert.equal(byId.body.experiment.experiment_id, '0');
    assert.equal(byId.body.experiment.name, 'Default');
    assert.equal(byId.body.experiment.lifecycle_stage, 'active');
    const byName = await s.get('experiments/get-by-name', { experiment_name: 'Default' });
    assert.equal(byName.body.experiment.experiment_id, '0');
    const all = await s.post('experiments/search', { max_results: 1000, filter: "name = 'Default'" });
    assert.deepEqual(
      all.body.experiments.map((e: { experiment_id: string }) => e.experiment_id),
      ['0'],
    );
    assert.equal((await s.post('experiments/create', { name: 'Default' })).body.error_code, 'RESOURCE_ALREADY_EXISTS');
  });

  test('search by POST and GET with filter, order, paging and view type', async () => {
    const ids = [await create('srch-a'), await create('srch-b'), await create('srch-c')];
    const page1 = await s.post('experiments/search', {
      max_results: 2,
      filter: "name LIKE 'srch-%'",
      order_by: ['name DESC'],
    });
    assert.equal(page1.status, 200);
    assert.deepEqual(page1.body.experiments.map((e: { name: string }) => e.name), ['srch-c', 'srch-b']);
    assert.equal(typeof page1.body.next_page_token, 'string');
    const page2 = await s.get('experiments/search', {
      max_results: 2,
      filter: "name LIKE 'srch-%'",
      order_by: 'name DESC',
      page_token: page1.body.next_page_token,
    });
    assert.equal(page2.status, 200);
    assert.deepEqual(page2.body.experiments.map((e: { name: string }) => e.name), ['srch-a']);
    assert.equal('next_page_token' in page2.body, false);

    await s.post('experiments/delete', { experiment_id: ids[0] });
    const names = async (view: unknown) =>
      (await s.post('experiments/search', { max_results: 10, filter: "name LIKE 'srch-%'", view_type: view, order_by: ['name'] }))
        .body.experiments?.map((e: { name: string }) => e.name);
    assert.deepEqual(await names('ACTIVE_ONLY'), ['srch-b', 'srch-c']);
    assert.deepEqual(await names('DELETED_ONLY'), ['srch-a']);
    assert.deepEqual(await names(3), ['srch-a', 'srch-b', 'srch-c']);
    const viaGet = await s.get('experiments/search', { max_results: 10, filter: "name LIKE 'srch-%'", view_type: 'DELETED_ONLY' });
    assert.deepEqual(viaGet.body.experiments.map((e: { name: string }) => e.name), ['srch-a']);
  });

  test('search with no match answers {} and refuses bad max_results, view_type and filter', async () => {
    const none = await s.post('experiments/search', { max_results: 5, filter: "name = 'no-such'" });
    assert.equal(none.status, 200);
    assert.deepEqual(none.body, {});
    const zero = await s.post('experiments/search', { max_results: 0 });
    assert.equal(zero.status, 400);
    assert.deepEqual(zero.body, {
      error_code: 'INVALID_PARAMETER_VALUE',
      message: "Invalid value 0 for parameter 'max_results' supplied. It must be a positive integer",
    });
    const big = await s.get('experiments/search', { max_results: 50001 });
    assert.deepEqual(big.body, {
      error_code: 'INVALID_PARAMETER_VALUE',
      message: "Invalid value 50001 for parameter 'max_results' supplied. It must be at most 50000",
    });
    const view = await s.post('experiments/search', { max_results: 5, view_type: 'SOME' });
    assert.equal(view.status, 400);
    assert.equal(view.body.error_code, 'INVALID_PARAMETER_VALUE');
    const filter = await s.post('experiments/search', { max_results: 5, filter: 'name ===' });
    assert.equal(filter.status, 400);
    assert.equal(filter.body.error_code, 'INVALID_PARAMETER_VALUE');
  });

  test('update renames; it needs new_name and refuses to rename the Default', async () => {
    const id = await create('old-name');
    assert.deepEqual((await s.post('experiments/update', { experiment_id: id, new_name: 'new-name' })).body, {});
    assert.equal((await s.get('experiments/get', { experiment_id: id })).body.experiment.name, 'new-name');
    assert.deepEqual((await s.post('experiments/update', { experiment_id: id })).body, missing('new_name'));
    await create('taken');
    const clash = await s.post('experiments/update', { experiment_id: id, new_name: 'taken' });
    assert.equal(clash.status, 400);
    assert.deepEqual(clash.body, { error_code: 'RESOURCE_ALREADY_EXISTS', message: 'Experiment(name=taken) already exists.' });
    const def = await s.post('experiments/update', { experiment_id: '0', new_name: 'x' });
    assert.equal(def.status, 400);
    assert.deepEqual(def.body, {
      error_code: 'INVALID_PARAMETER_VALUE',
      message: "The default experiment '0' cannot be renamed on this server; create a new experiment instead.",
    });
  });

  test('delete and restore flip the lifecycle stage; a deleted experiment refuses new runs', async () => {
    const id = await create('lifecycle');
    assert.deepEqual((await s.post('experiments/delete', { experiment_id: id })).body, {});
    assert.equal((await s.get('experiments/get', { experiment_id: id })).body.experiment.lifecycle_stage, 'deleted');
    const run = await s.post('runs/create', { experiment_id: id });
    assert.equal(run.status, 400);
    assert.deepEqual(run.body, {
      error_code: 'INVALID_PARAMETER_VALUE',
      message: `The experiment ${id} must be in the 'active' state. Current state is deleted.`,
    });
    assert.deepEqual((await s.post('experiments/restore', { experiment_id: id })).body, {});
    assert.equal((await s.get('experiments/get', { experiment_id: id })).body.experiment.lifecycle_stage, 'active');
    assert.deepEqual((await s.post('experiments/delete', {})).body, missing('experiment_id'));
    assert.equal((await s.post('experiments/restore', { experiment_id: '987654' })).status, 404);
  });

  test('set-experiment-tag and delete-experiment-tag', async () => {
    const id = await create('tagged');
    assert.deepEqual((await s.post('experiments/set-experiment-tag', { experiment_id: id, key: 'k', value: 'v' })).body, {});
    assert.deepEqual((await s.get('experiments/get', { experiment_id: id })).body.experiment.tags, [{ key: 'k', value: 'v' }]);
    assert.deepEqual((await s.post('experiments/delete-experiment-tag', { experiment_id: id, key: 'k' })).body, {});
    assert.equal('tags' in (await s.get('experiments/get', { experiment_id: id })).body.experiment, false);
    const gone = await s.post('experiments/delete-experiment-tag', { experiment_id: id, key: 'k' });
    assert.equal(gone.status, 404);
    assert.deepEqual(gone.body, { error_code: 'RESOURCE_DOES_NOT_EXIST', message: `No tag with name: k in experiment with id ${id}` });
    assert.deepEqual((await s.post('experiments/set-experiment-tag', { experiment_id: id })).body, missing('key'));
    const reserved = await s.post('experiments/set-experiment-tag', { experiment_id: id, key: 'matih.tenant_id', value: 'x' });
    assert.equal(reserved.status, 400);
    assert.equal(reserved.body.error_code, 'INVALID_PARAMETER_VALUE');
  });
});
