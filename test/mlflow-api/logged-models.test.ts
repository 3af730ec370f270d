/**
 * MLflow 3's logged-model endpoints on the embedded store: MLflow's wire format (checked against
 * what `mlflow server` 3.17 answers for the same requests), its handler quirks, search, and
 * tenant isolation (a model belongs to its experiment's tenant).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type CallOptions, type MlflowServer, missing, startMlflowServer } from './harness.ts';

const notFound = (id: string) => ({ error_code: 'RESOURCE_DOES_NOT_EXIST', message: `Logged model with ID '${id}' not found.` });

describe('MLflow API: logged models', () => {
  let s: MlflowServer;
  let exp: string;
  let run: string;
  before(async () => {
    s = await startMlflowServer();
    exp = (await s.post('experiments/create', { name: 'models' })).body.experiment_id;
    run = (await s.post('runs/create', { experiment_id: exp })).body.run.info.run_id;
  });
  after(() => s.stop());

  const create = async (body: Record<string, unknown> = {}, options?: CallOptions) => {
    const res = await s.post('logged-models', { experiment_id: exp, ...body }, options);
    assert.equal(res.status, 200, res.text);
    return res.body.model;
  };

  test('create answers a PENDING model in MLflow\'s shape, its files under the experiment\'s models/', async () => {
    const model = await create({
      name: 'm2',
      model_type: 'sk',
      source_run_id: run,
      params: [{ key: 'b', value: '2' }, { key: 'a', value: '1' }],
      tags: [{ key: 'z', value: '1' }, { key: 'y', value: '' }],
    });
    assert.deepEqual(Object.keys(model.info), [
      'model_id', 'experiment_id', 'name', 'creation_timestamp_ms', 'last_updated_timestamp_ms', 'artifact_uri', 'status',
      'model_type', 'source_run_id', 'tags',
    ]);
    assert.match(model.info.model_id, /^m-[0-9a-f]{32}$/);
    assert.equal(model.info.experiment_id, exp);
    assert.equal(model.info.status, 'LOGGED_MODEL_PENDING');
    assert.equal(model.info.creation_timestamp_ms, model.info.last_updated_timestamp_ms);
    assert.equal(model.info.artifact_uri, `mlflow-artifacts:/${exp}/models/${model.info.model_id}/artifacts`);
    assert.deepEqual(model.info.tags, [{ key: 'y', value: '' }, { key: 'z', value: '1' }]);
    assert.deepEqual(model.data, { params: [{ key: 'a', value: '1' }, { key: 'b', value: '2' }] });
    assert.deepEqual((await s.get(`logged-models/${model.info.model_id}`)).body, { model });

    // Without a name one is generated; an absent type and run are "" (MLflow's server stores "").
    const bare = await create();
    assert.match(bare.info.name, /^[a-z]+-[a-z]+-\d+$/);
    assert.equal(bare.info.model_type, '');
    assert.equal(bare.info.source_run_id, '');
    assert.deepEqual(bare.data, {});
  });

  test('create refuses what MLflow refuses, in its words', async () => {
    assert.deepEqual((await s.post('logged-models', {})).body, missing('experiment_id'));
    const unknown = await s.post('logged-models', { experiment_id: '99999' });
    assert.equal(unknown.status, 404);
    assert.deepEqual(unknown.body, { error_code: 'RESOURCE_DOES_NOT_EXIST', message: 'No Experiment with id=99999 exists' });
    const bad = await s.post('logged-models', { experiment_id: exp, name: 'a/b' });
    assert.equal(bad.status, 400);
    assert.equal(
      bad.body.message,
      `Invalid model name ('a/b') provided. Model name must be a non-empty string and cannot contain the following characters: ('/', ':', '.', '%', '"', "'")`,
    );
    const gone = (await s.post('experiments/create', { name: 'models-gone' })).body.experiment_id;
    await s.post('experiments/delete', { experiment_id: gone });
    const deleted = await s.post('logged-models', { experiment_id: gone });
    assert.deepEqual(deleted.body, {
      error_code: 'INVALID_PARAMETER_VALUE',
      message: `The experiment ${gone} must be in the 'active' state. Current state is deleted.`,
    });
  });

  test('finalize (PATCH) sets the status; like MLflow it needs model_id in the body too', async () => {
    const id = (await create()).info.model_id;
    assert.deepEqual((await s.call('PATCH', `logged-models/${id}`, { body: { status: 'LOGGED_MODEL_READY' } })).body, missing('model_id'));
    const ready = await s.call('PATCH', `logged-models/${id}`, { body: { model_id: id, status: 'LOGGED_MODEL_READY' } });
    assert.equal(ready.status, 200, ready.text);
    assert.equal(ready.body.model.info.status, 'LOGGED_MODEL_READY');
    assert.ok(ready.body.model.info.last_updated_timestamp_ms >= ready.body.model.info.creation_timestamp_ms);
    const byNumber = await s.call('PATCH', `logged-models/${id}`, { body: { model_id: id, status: 3 } });
    assert.equal(byNumber.body.model.info.status, 'LOGGED_MODEL_UPLOAD_FAILED');
    for (const status of [0, 'LOGGED_MODEL_STATUS_UNSPECIFIED', 'BOGUS']) {
      assert.equal((await s.call('PATCH', `logged-models/${id}`, { body: { model_id: id, status } })).status, 400, String(status));
    }
    const other = await s.call('PATCH', `logged-models/${id}`, { body: { model_id: 'm-other', status: 'LOGGED_MODEL_READY' } });
    assert.equal(other.status, 400);
    const unknown = await s.call('PATCH', 'logged-models/m-nope', { body: { model_id: 'm-nope', status: 'LOGGED_MODEL_READY' } });
    assert.equal(unknown.status, 404);
    assert.deepEqual(unknown.body, notFound('m-nope'));
  });

  test('tags: last write wins, delete of a missing tag is a 404; params are write-once', async () => {
    const id = (await create()).info.model_id;
    const tags = (body: unknown) => s.call('PATCH', `logged-models/${id}/tags`, { body });
    assert.deepEqual((await tags({ tags: [{ key: 't', value: '1' }, { key: 't', value: '2' }] })).body, {});
    await tags({ tags: [{ key: 'u', value: 'x' }] });
    assert.equal((await s.call('DELETE', `logged-models/${id}/tags/u`)).status, 200);
    const again = await s.call('DELETE', `logged-models/${id}/tags/u`);
    assert.equal(again.status, 404);
    assert.deepEqual(again.body, { error_code: 'RESOURCE_DOES_NOT_EXIST', message: `No tag with key 'u' found for model with ID '${id}'.` });

    const params = (body: Record<string, unknown>) => s.post(`logged-models/${id}/params`, body);
    assert.deepEqual((await params({ params: [{ key: 'p', value: '1' }] })).body, missing('model_id'));
    assert.equal((await params({ model_id: id, params: [{ key: 'p', value: '1' }] })).status, 200);
    assert.equal((await params({ model_id: id, params: [{ key: 'p', value: '1' }] })).status, 200);
    const changed = await params({ model_id: id, params: [{ key: 'p', value: '2' }] });
    assert.equal(changed.status, 400);
    assert.match(changed.body.message, /^Changing param values is not allowed\. Param with key='p'/);
    const model = (await s.get(`logged-models/${id}`)).body.model;
    assert.deepEqual(model.info.tags, [{ key: 't', value: '2' }]);
    assert.deepEqual(model.data.params, [{ key: 'p', value: '1' }]);
  });

  test('metrics logged with a model id belong to the model too; an unknown model refuses the batch', async () => {
    const id = (await create()).info.model_id;
    const logged = await s.post('runs/log-batch', {
      run_id: run,
      metrics: [
        { key: 'acc', value: 0.5, timestamp: 10, step: 1, model_id: id, dataset_name: 'd', dataset_digest: 'x1' },
        { key: 'loss', value: 'NaN', timestamp: 11, step: 2, model_id: id },
      ],
    });
    assert.equal(logged.status, 200, logged.text);
    await s.post('runs/log-metric', { run_id: run, key: 'f1', value: 0.4, timestamp: 12, model_id: id });
    const model = (await s.get(`logged-models/${id}`)).body.model;
    assert.deepEqual(model.data.metrics, [
      { key: 'acc', value: 0.5, timestamp: 10, step: 1, dataset_name: 'd', dataset_digest: 'x1', model_id: id, run_id: run },
      // MLflow's store keeps a NaN of a model metric as 0.
      { key: 'loss', value: 0, timestamp: 11, step: 2, model_id: id, run_id: run },
      { key: 'f1', value: 0.4, timestamp: 12, step: 0, model_id: id, run_id: run },
    ]);
    // The run's own metrics carry no model fields, as in MLflow.
    const metrics = (await s.get('runs/get', { run_id: run })).body.run.data.metrics;
    assert.deepEqual(metrics.find((m: { key: string }) => m.key === 'acc'), { key: 'acc', value: 0.5, timestamp: 10, step: 1 });

    const ghost = await s.post('runs/log-batch', { run_id: run, metrics: [{ key: 'ghost', value: 1, timestamp: 1, model_id: 'm-missing' }] });
    assert.deepEqual(ghost.body, { error_code: 'INVALID_PARAMETER_VALUE', message: "Logged model with ID 'm-missing' not found." });
    const after = (await s.get('runs/get', { run_id: run })).body.run.data.metrics;
    assert.ok(!after.some((m: { key: string }) => m.key === 'ghost'), 'the refused batch stored nothing');
  });

  test('delete hides the model from get and search, but not from get with allow_deleted', async () => {
    const id = (await create({ name: 'doomed' })).info.model_id;
    assert.deepEqual((await s.call('DELETE', `logged-models/${id}`)).body, {});
    assert.equal((await s.call('DELETE', `logged-models/${id}`)).status, 200);
    assert.deepEqual((await s.get(`logged-models/${id}`)).body, notFound(id));
    const kept = await s.get(`logged-models/${id}`, { allow_deleted: 'true' });
    assert.equal(kept.body.model.info.name, 'doomed');
    const found = await s.post('logged-models/search', { experiment_ids: [exp], filter: "name = 'doomed'" });
    assert.deepEqual(found.body, {});
    // GET logged-models/search is a read of the model "search", as in MLflow.
    assert.deepEqual((await s.get('logged-models/search')).body, notFound('search'));
  });

  test('search: filters on attributes, metrics, params and tags; metric order; pages', async () => {
    const e = (await s.post('experiments/create', { name: 'models-search' })).body.experiment_id;
    const r = (await s.post('runs/create', { experiment_id: e })).body.run.info.run_id;
    const mk = async (name: string, acc: number, lr: string) => {
      // Distinct creation times, so "newest first" is this order and not the model ids' order.
      await new Promise((resolve) => setTimeout(resolve, 3));
      const m = (await s.post('logged-models', { experiment_id: e, name, params: [{ key: 'lr', value: lr }], tags: [{ key: 'team', value: name[0] }] })).body.model;
      await s.post('runs/log-metric', { run_id: r, key: 'acc', value: acc, timestamp: 1, model_id: m.info.model_id, dataset_name: 'val', dataset_digest: 'd1' });
      return m.info.model_id as string;
    };
    const a = await mk('alpha', 0.7, '0.1');
    const b = await mk('beta', 0.9, '0.01');
    const c = await mk('gamma', 0.8, '0.1');
    await s.call('PATCH', `logged-models/${b}`, { body: { model_id: b, status: 'LOGGED_MODEL_READY' } });
    const search = async (body: Record<string, unknown>) => {
      const res = await s.post('logged-models/search', { experiment_ids: [e], ...body });
      assert.equal(res.status, 200, res.text);
      return (res.body.models ?? []).map((m: { info: { model_id: string } }) => m.info.model_id);
    };
    assert.deepEqual(await search({}), [c, b, a], 'newest first');
    assert.deepEqual(await search({ filter: 'metrics.acc >= 0.8' }), [c, b]);
    assert.deepEqual(await search({ filter: "params.lr = '0.1' AND name LIKE '%a'" }), [c, a]);
    assert.deepEqual(await search({ filter: "tags.team = 'b'" }), [b]);
    assert.deepEqual(await search({ filter: `model_id IN ('${a}', '${b}')` }), [b, a]);
    assert.deepEqual(await search({ filter: "status = 'LOGGED_MODEL_READY'" }), [b]);
    assert.deepEqual(await search({ filter: 'creation_timestamp > 0 AND attributes.name ILIKE \'ALPHA\'' }), [a]);
    assert.deepEqual(await search({ order_by: [{ field_name: 'metrics.acc', ascending: false }] }), [b, c, a]);
    assert.deepEqual(await search({ order_by: [{ field_name: 'name' }] }), [a, b, c]);
    assert.deepEqual(await search({ datasets: [{ dataset_name: 'val', dataset_digest: 'd1' }], filter: 'metrics.acc > 0.75' }), [c, b]);
    assert.deepEqual(await search({ datasets: [{ dataset_name: 'other' }] }), []);

    const first = await s.post('logged-models/search', { experiment_ids: [e], max_results: 2 });
    assert.equal(first.body.models.length, 2);
    const second = await s.post('logged-models/search', { experiment_ids: [e], max_results: 2, page_token: first.body.next_page_token });
    assert.deepEqual(second.body.models.map((m: { info: { model_id: string } }) => m.info.model_id), [a]);
    assert.equal(second.body.next_page_token, undefined);
    const mismatch = await s.post('logged-models/search', { experiment_ids: [e], filter: "name = 'x'", page_token: first.body.next_page_token });
    assert.equal(mismatch.status, 400);

    for (const [body, message] of [
      [{ filter: "name > 'a'" }, /invalid comparison operator for attributes\.name/],
      [{ filter: "datasets.name = 'd'" }, /invalid entity type 'datasets'/],
      [{ filter: "name = 'a' OR name = 'b'" }, /only be joined with AND/],
      [{ order_by: [{ field_name: 'params.lr' }] }, /^Invalid order by field name: params\.lr\. Only metrics are supported\.$/],
      [{ datasets: [{ dataset_digest: 'x' }] }, /^`dataset_name` in the `datasets` clause must be specified\.$/],
    ] as const) {
      const res = await s.post('logged-models/search', { experiment_ids: [e], ...body });
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.body.error_code, 'INVALID_PARAMETER_VALUE');
      assert.match(res.body.message, message);
    }
    assert.deepEqual((await s.post('logged-models/search', {})).body, missing('experiment_ids'));
  });

  test('served under /ajax-api and the tenant prefix, with the Default experiment shown as "0"', async () => {
    const team = { tenant: 'ajax-team', ajax: true };
    const e = (await s.post('experiments/create', { name: 'ajax' }, team)).body.experiment_id;
    const model = (await s.post('logged-models', { experiment_id: e }, team)).body.model;
    assert.equal((await s.get(`logged-models/${model.info.model_id}`, undefined, team)).body.model.info.experiment_id, e);
    const inDefault = await s.post('logged-models', { experiment_id: '0' }, team);
    assert.equal(inDefault.status, 200, inDefault.text);
    assert.equal(inDefault.body.model.info.experiment_id, '0');
    assert.match(inDefault.body.model.info.artifact_uri, /\/models\/m-[0-9a-f]{32}\/artifacts$/);
    const found = await s.post('logged-models/search', { experiment_ids: ['0'] }, team);
    assert.deepEqual(found.body.models.map((m: { info: { model_id: string } }) => m.info.model_id), [inDefault.body.model.info.model_id]);
  });
});

describe('MLflow API: logged models and tenants', () => {
  const A = { tenant: 'acme' };
  const B = { tenant: 'globex' };
  let s: MlflowServer;
  let modelA: string;
  let expA: string;
  before(async () => {
    s = await startMlflowServer();
    expA = (await s.post('experiments/create', { name: 'shared' }, A)).body.experiment_id;
    modelA = (await s.post('logged-models', { experiment_id: expA, name: 'secret' }, A)).body.model.info.model_id;
  });
  after(() => s.stop());

  test('another tenant\'s model answers exactly like a missing one, for reads and writes', async () => {
    assert.deepEqual((await s.get(`logged-models/${modelA}`, undefined, B)).body, notFound(modelA));
    assert.deepEqual((await s.get(`logged-models/${modelA}`, { allow_deleted: 'true' }, B)).body, notFound(modelA));
    for (const [method, path, body] of [
      ['PATCH', `logged-models/${modelA}`, { model_id: modelA, status: 'LOGGED_MODEL_READY' }],
      ['PATCH', `logged-models/${modelA}/tags`, { tags: [{ key: 'x', value: '1' }] }],
      ['DELETE', `logged-models/${modelA}/tags/x`, undefined],
      ['POST', `logged-models/${modelA}/params`, { model_id: modelA, params: [{ key: 'x', value: '1' }] }],
      ['DELETE', `logged-models/${modelA}`, undefined],
    ] as const) {
      const res = await s.call(method, path, { ...B, ...(body ? { body } : {}) });
      assert.equal(res.status, 404, `${method} ${path}`);
      assert.deepEqual(res.body, notFound(modelA), `${method} ${path}`);
    }
    // A metric of B's run cannot land in A's model.
    const expB = (await s.post('experiments/create', { name: 'shared' }, B)).body.experiment_id;
    const runB = (await s.post('runs/create', { experiment_id: expB }, B)).body.run.info.run_id;
    const sneaky = await s.post('runs/log-batch', { run_id: runB, metrics: [{ key: 'x', value: 1, timestamp: 1, model_id: modelA }] }, B);
    assert.deepEqual(sneaky.body, { error_code: 'INVALID_PARAMETER_VALUE', message: `Logged model with ID '${modelA}' not found.` });
    // Models can only be made in one's own experiments.
    assert.equal((await s.post('logged-models', { experiment_id: expA }, B)).status, 404);

    const model = (await s.get(`logged-models/${modelA}`, undefined, A)).body.model;
    assert.equal(model.info.status, 'LOGGED_MODEL_PENDING');
    assert.equal(model.info.tags, undefined);
    assert.deepEqual(model.data, {});
  });

  test('search only sees the tenant\'s experiments', async () => {
    assert.deepEqual((await s.post('logged-models/search', { experiment_ids: [expA] }, B)).body, {});
    const own = await s.post('logged-models/search', { experiment_ids: [expA] }, A);
    assert.deepEqual(own.body.models.map((m: { info: { model_id: string } }) => m.info.model_id), [modelA]);
  });
});
