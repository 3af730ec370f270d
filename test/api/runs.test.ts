import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestDaemon, type TestDaemon } from '../support/daemon.ts';

describe('v1 runs', () => {
  let d: TestDaemon;
  let expId: string;
  before(async () => {
    d = await startTestDaemon();
    expId = (await d.call('POST', '/api/v1/experiments', { body: { name: 'runs-exp' } })).body.id;
  });
  after(() => d.stop());

  const newRun = async (body: Record<string, unknown> = {}) =>
    (await d.call('POST', '/api/v1/experiments/runs', { body: { experiment_id: expId, ...body } })).body;

  test('create answers the seed RunResponse with exactly its fields', async () => {
    const res = await d.call('POST', '/api/v1/experiments/runs', {
      body: { experiment_id: expId, name: 'xgboost-baseline', tags: { model_type: 'xgboost' } },
    });
    assert.equal(res.status, 201);
    assert.deepEqual(Object.keys(res.body).sort(), [
      'artifacts', 'duration_seconds', 'end_time', 'experiment_id', 'id', 'metrics', 'name', 'params', 'start_time', 'status', 'tags',
    ]);
    assert.match(res.body.id, /^[0-9a-f]{32}$/);
    assert.equal(res.body.experiment_id, expId);
    assert.equal(res.body.name, 'xgboost-baseline');
    assert.equal(res.body.status, 'running');
    assert.equal(res.body.end_time, null);
    assert.equal(res.body.duration_seconds, null);
    assert.equal(res.body.tags.model_type, 'xgboost');
    assert.equal(res.body.tags['matih.tenant_id'], undefined);
    assert.deepEqual(res.body.params, {});
    assert.deepEqual(res.body.metrics, {});
    assert.deepEqual(res.body.artifacts, []);
  });

  test('a run without a name gets a generated one', async () => {
    const run = await newRun();
    assert.match(run.name, /^[a-z]+-[a-z]+-\d+$/);
  });

  test('log params, metrics at each step and tags; metrics show the latest value; history has every point', async () => {
    const run = await newRun({ name: 'logger' });
    const base = `/api/v1/experiments/runs/${run.id}`;
    assert.equal((await d.call('POST', `${base}/params`, { body: { params: { lr: '0.1', depth: '6' } } })).status, 200);
    for (let step = 0; step < 5; step++) {
      const r = await d.call('POST', `${base}/metrics`, { body: { key: 'loss', value: 1 / (step + 1), step } });
      assert.equal(r.status, 200);
    }
    await d.call('POST', `${base}/metrics`, {
      body: { metrics: [{ key: 'acc', value: 0.5, step: 0 }, { key: 'acc', value: 0.75, step: 1 }, { key: 'odd', value: 'NaN' }] },
    });
    await d.call('POST', `${base}/tags`, { body: { tags: { stage: 'dev' } } });
    const got = (await d.call('GET', base)).body;
    assert.deepEqual(got.params, { depth: '6', lr: '0.1' });
    assert.deepEqual(got.metrics, { loss: 0.2, acc: 0.75, odd: null });
    assert.equal(got.tags.stage, 'dev');
    const hist = await d.call('GET', `${base}/metrics/history?key=loss`);
    assert.equal(hist.status, 200);
    assert.deepEqual(hist.body.points.map((p: { step: number; value: number }) => [p.step, p.value]), [
      [0, 1], [1, 0.5], [2, 1 / 3], [3, 0.25], [4, 0.2],
    ]);
    assert.equal(hist.body.next_page_token, null);
    const paged = await d.call('GET', `${base}/metrics/history?key=loss&max_results=2`);
    assert.equal(paged.body.points.length, 2);
    assert.equal(typeof paged.body.next_page_token, 'string');
  });

  test('params are write-once: the same value passes, a different one is 400 and changes nothing', async () => {
    const run = await newRun();
    const base = `/api/v1/experiments/runs/${run.id}`;
    await d.call('POST', `${base}/params`, { body: { params: { lr: '0.1' } } });
    assert.equal((await d.call('POST', `${base}/params`, { body: { params: { lr: '0.1' } } })).status, 200);
    const changed = await d.call('POST', `${base}/params`, { body: { params: { lr: '0.2' } } });
    assert.equal(changed.status, 400);
    assert.match(changed.body.error.message, /Changing param values is not allowed/);
    assert.equal((await d.call('GET', base)).body.params.lr, '0.1');
  });

  test('log-batch is all or nothing: one bad metric at the end stores nothing', async () => {
    const run = await newRun();
    const base = `/api/v1/experiments/runs/${run.id}`;
    const metrics = Array.from({ length: 10 }, (_, i) => ({ key: 'm', value: i, step: i }));
    const bad = await d.call('POST', `${base}/log-batch`, {
      body: { metrics: [...metrics, { key: '../escape', value: 1 }], params: { p: 'v' }, tags: { t: 'x' } },
    });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.code, 'validation_error');
    const after = (await d.call('GET', base)).body;
    assert.deepEqual([after.metrics, after.params, after.tags.t], [{}, {}, undefined]);
    const good = await d.call('POST', `${base}/log-batch`, { body: { metrics, params: { p: 'v' }, tags: { t: 'x' } } });
    assert.equal(good.status, 200);
    assert.deepEqual(good.body.logged, { metrics: 10, params: 1, tags: 1 });
  });

  test('oversized batches are refused before anything is written', async () => {
    const run = await newRun();
    const base = `/api/v1/experiments/runs/${run.id}`;
    const metrics = Array.from({ length: 1001 }, (_, i) => ({ key: 'm', value: i, step: i }));
    const tooMany = await d.call('POST', `${base}/log-batch`, { body: { metrics } });
    assert.equal(tooMany.status, 400);
    assert.equal(tooMany.body.error.field, 'metrics');
    const params = Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`p${i}`, 'v']));
    const tooManyParams = await d.call('POST', `${base}/log-batch`, { body: { params } });
    assert.equal(tooManyParams.status, 400);
    assert.match(tooManyParams.body.error.message, /100/);
    assert.deepEqual((await d.call('GET', base)).body.params, {});
  });

  for (const [verb, status] of [['finish', 'finished'], ['fail', 'failed'], ['kill', 'killed']] as const) {
    test(`${verb} sets status ${status}, end_time and duration_seconds`, async () => {
      const run = await newRun({ start_time: Date.now() - 1500 });
      const res = await d.call('POST', `/api/v1/experiments/runs/${run.id}/${verb}`);
      assert.equal(res.status, 200);
      assert.equal(res.body.status, status);
      assert.notEqual(res.body.end_time, null);
      assert.ok(res.body.duration_seconds >= 1.5 && res.body.duration_seconds < 60, String(res.body.duration_seconds));
    });
  }

  test('patch renames and sets a status with an explicit end time', async () => {
    const run = await newRun({ start_time: '2026-01-01T00:00:00Z' });
    const res = await d.call('PATCH', `/api/v1/experiments/runs/${run.id}`, {
      body: { name: 'renamed', status: 'finished', end_time: '2026-01-01T00:01:30Z' },
    });
    assert.equal(res.body.name, 'renamed');
    assert.equal(res.body.start_time, '2026-01-01T00:00:00.000Z');
    assert.equal(res.body.end_time, '2026-01-01T00:01:30.000Z');
    assert.equal(res.body.duration_seconds, 90);
  });

  test('archive and restore a run; list and search see it only as they should', async () => {
    const run = await newRun({ name: 'archivable' });
    assert.equal((await d.call('POST', `/api/v1/experiments/runs/${run.id}/archive`)).body.status, 'running');
    const listed = await d.call('GET', `/api/v1/experiments/${expId}/runs?max_results=1000`);
    assert.ok(!listed.body.runs.some((r: { id: string }) => r.id === run.id));
    const deleted = await d.call('GET', `/api/v1/experiments/${expId}/runs?view=deleted`);
    assert.deepEqual(deleted.body.runs.map((r: { id: string }) => r.id), [run.id]);
    await d.call('POST', `/api/v1/experiments/runs/${run.id}/restore`);
    const again = await d.call('GET', `/api/v1/experiments/${expId}/runs?max_results=1000`);
    assert.ok(again.body.runs.some((r: { id: string }) => r.id === run.id));
  });

  test('run search with MLflow filter and order; compare picks the best run per metric', async () => {
    const { body: e } = await d.call('POST', '/api/v1/experiments', { body: { name: 'compare-exp' } });
    const ids: string[] = [];
    for (const [model, acc, loss] of [['xgboost', 0.91, 0.3], ['xgboost', 0.88, 0.2], ['linear', 0.95, 0.5]] as const) {
      const run = (await d.call('POST', '/api/v1/experiments/runs', { body: { experiment_id: e.id } })).body;
      await d.call('POST', `/api/v1/experiments/runs/${run.id}/log-batch`, {
        body: { params: { model }, metrics: [{ key: 'accuracy', value: acc }, { key: 'val_loss', value: loss }] },
      });
      ids.push(run.id);
    }
    const search = await d.call('POST', '/api/v1/experiments/runs/search', {
      body: { experiment_ids: [e.id], filter: "metrics.accuracy > 0.9 and params.model = 'xgboost'" },
    });
    assert.deepEqual(search.body.runs.map((r: { id: string }) => r.id), [ids[0]]);
    const ordered = await d.call('GET', `/api/v1/experiments/${e.id}/runs?order_by=${encodeURIComponent('metrics.accuracy DESC')}`);
    assert.deepEqual(ordered.body.runs.map((r: { id: string }) => r.id), [ids[2], ids[0], ids[1]]);
    const cmp = await d.call('POST', '/api/v1/experiments/runs/compare', { body: { run_ids: ids } });
    assert.equal(cmp.status, 200);
    const byKey = Object.fromEntries(cmp.body.metrics.map((m: { key: string }) => [m.key, m]));
    assert.equal(byKey.accuracy.direction, 'max');
    assert.equal(byKey.accuracy.best_run_id, ids[2]);
    assert.equal(byKey.val_loss.direction, 'min');
    assert.equal(byKey.val_loss.best_run_id, ids[1]);
    assert.deepEqual(cmp.body.params, [{ key: 'model', values: { [ids[0]!]: 'xgboost', [ids[1]!]: 'xgboost', [ids[2]!]: 'linear' }, differs: true }]);
    const flipped = await d.call('POST', '/api/v1/experiments/runs/compare', { body: { run_ids: ids, directions: { accuracy: 'min' } } });
    assert.equal(flipped.body.metrics.find((m: { key: string }) => m.key === 'accuracy').best_run_id, ids[1]);
  });

  test('status filters take the lowercase statuses the API shows', async () => {
    const { body: e } = await d.call('POST', '/api/v1/experiments', { body: { name: 'status-filter' } });
    const done = (await d.call('POST', '/api/v1/experiments/runs', { body: { experiment_id: e.id } })).body;
    await d.call('POST', '/api/v1/experiments/runs', { body: { experiment_id: e.id } });
    await d.call('POST', `/api/v1/experiments/runs/${done.id}/finish`);
    for (const filter of ["status = 'finished'", "attributes.status = 'FINISHED'", "status LIKE 'fin%'"]) {
      const res = await d.call('GET', `/api/v1/experiments/${e.id}/runs?filter=${encodeURIComponent(filter)}`);
      assert.deepEqual(res.body.runs.map((r: { id: string }) => r.id), [done.id], filter);
    }
  });

  test('an end time before the start time is refused and changes nothing', async () => {
    const run = await newRun({ start_time: '2026-01-01T00:00:00Z' });
    const res = await d.call('POST', `/api/v1/experiments/runs/${run.id}/finish`, { body: { end_time: '2025-12-31T23:59:59Z' } });
    assert.equal(res.status, 400);
    assert.equal(res.body.error.field, 'end_time');
    const patch = await d.call('PATCH', `/api/v1/experiments/runs/${run.id}`, { body: { status: 'failed', end_time: 0 } });
    assert.equal(patch.status, 400);
    assert.equal((await d.call('GET', `/api/v1/experiments/runs/${run.id}`)).body.status, 'running');
  });

  test('a run in an archived experiment cannot be restored on its own', async () => {
    const { body: e } = await d.call('POST', '/api/v1/experiments', { body: { name: 'archived-parent' } });
    const run = (await d.call('POST', '/api/v1/experiments/runs', { body: { experiment_id: e.id } })).body;
    await d.call('POST', `/api/v1/experiments/${e.id}/archive`);
    const res = await d.call('POST', `/api/v1/experiments/runs/${run.id}/restore`);
    assert.equal(res.status, 400);
    assert.match(res.body.error.message, /restore the experiment first/);
    const view = await d.call('GET', `/api/v1/experiments/${e.id}/runs?view=deleted`);
    assert.deepEqual(view.body.runs.map((r: { id: string }) => r.id), [run.id]);
  });

  test('missing run and bad run ids are 404 / 400', async () => {
    const missing = await d.call('GET', '/api/v1/experiments/runs/0123456789abcdef0123456789abcdef');
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.code, 'not_found');
    const noExp = await d.call('POST', '/api/v1/experiments/runs', { body: { experiment_id: '999999' } });
    assert.equal(noExp.status, 404);
  });
});
