import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as experiments from '../../server/src/services/experiments.ts';
import * as runs from '../../server/src/services/runs.ts';
import { TrackingError } from '../../server/src/tracking/errors.ts';
import { type ServiceFixture, openFixture, refusal } from './support.ts';

describe('run service', () => {
  let f: ServiceFixture;
  let experimentId: string;
  before(async () => {
    f = openFixture();
    experimentId = (await experiments.create(f.ctx.scope, { name: 'runs' })).id;
  });
  after(() => f.close());

  test('a run answers as a view with its artifact listing and without the tenant tag', async () => {
    const run = await runs.create(f.ctx, { experimentId, name: 'r', tags: { model: 'xgb' } });
    assert.equal(run.status, 'running');
    assert.equal(run.endTime, null);
    assert.deepEqual(run.tags, { model: 'xgb', 'mlflow.runName': 'r' });
    assert.deepEqual(run.artifacts, ['model/model.pkl']);
  });

  test('the daemon’s tags cannot be set or removed', async () => {
    await assert.rejects(runs.create(f.ctx, { experimentId, tags: { 'matih.x': '1' } }), refusal(/reserved/, 'tags.matih.x'));
    const run = await runs.create(f.ctx, { experimentId });
    await assert.rejects(runs.setTag(f.ctx, run.id, 'matih.tenant_id', 'globex'), refusal(/reserved/, 'key'));
    await assert.rejects(runs.deleteTag(f.ctx, run.id, 'matih.tenant_id'), refusal(/reserved/, 'key'));
  });

  test('a final status ends the run now; a non-final one leaves it running', async () => {
    const run = await runs.create(f.ctx, { experimentId, startTime: Date.now() - 2000 });
    const renamed = await runs.update(f.ctx, run.id, { name: 'still', status: 'RUNNING' });
    assert.equal(renamed.endTime, null);
    const before = Date.now();
    const done = await runs.update(f.ctx, run.id, { status: 'KILLED' });
    assert.equal(done.status, 'killed');
    assert.ok(Date.parse(done.endTime!) >= before - 1);
    assert.ok(done.durationSeconds! >= 2);
  });

  test('an end before the start is refused with both times, and nothing changes', async () => {
    const start = Date.parse('2026-01-01T00:00:00Z');
    const run = await runs.create(f.ctx, { experimentId, startTime: start });
    await assert.rejects(runs.update(f.ctx, run.id, { status: 'FINISHED', endTime: start - 1000 }), (err: unknown) => {
      assert.ok(err instanceof runs.EndsBeforeStart);
      assert.equal(err.field, 'end_time');
      assert.equal(err.startTime, start);
      assert.equal(err.endTime, start - 1000);
      return true;
    });
    const future = await runs.create(f.ctx, { experimentId, startTime: Date.now() + 3_600_000 });
    await assert.rejects(runs.update(f.ctx, future.id, { status: 'FAILED' }), runs.EndsBeforeStart);
    assert.equal((await runs.get(f.ctx, run.id)).status, 'running');
  });

  test('a run cannot be restored inside an archived experiment', async () => {
    const exp = await experiments.create(f.ctx.scope, { name: 'parent' });
    const run = await runs.create(f.ctx, { experimentId: exp.id });
    assert.equal((await runs.archive(f.ctx, run.id)).lifecycleStage, 'deleted');
    await experiments.archive(f.ctx.scope, exp.id);
    await assert.rejects(runs.restore(f.ctx, run.id), refusal(/restore the experiment first/, 'run_id'));
    await experiments.restore(f.ctx.scope, exp.id);
    await runs.archive(f.ctx, run.id);
    assert.equal((await runs.restore(f.ctx, run.id)).lifecycleStage, 'active');
  });

  test('listing another tenant’s experiment is not found, never an empty page', async () => {
    await assert.rejects(
      runs.list(f.other, experimentId, { maxResults: 10, view: 'active' }),
      (err: unknown) => err instanceof TrackingError && err.code === 'RESOURCE_DOES_NOT_EXIST',
    );
  });

  test('lowercase status filters and history pages', async () => {
    const exp = await experiments.create(f.ctx.scope, { name: 'history' });
    const run = await runs.create(f.ctx, { experimentId: exp.id });
    await runs.create(f.ctx, { experimentId: exp.id });
    await f.ctx.scope.logBatch(run.id, { metrics: [0, 1, 2].map((step) => ({ key: 'loss', value: step === 1 ? NaN : step, step, timestamp: 1000 + step })) });
    await runs.update(f.ctx, run.id, { status: 'FINISHED' });
    const page = await runs.list(f.ctx, exp.id, { maxResults: 10, view: 'active', filter: "status = 'finished'" });
    assert.deepEqual(page.items.map((r) => r.id), [run.id]);
    const first = await runs.history(f.ctx.scope, run.id, 'loss', { maxResults: 2 });
    assert.deepEqual(first.points.map((p) => p.value), [0, null]);
    assert.ok(first.nextPageToken);
    const rest = await runs.history(f.ctx.scope, run.id, 'loss', { maxResults: 2, pageToken: first.nextPageToken });
    assert.deepEqual(rest, { runId: run.id, key: 'loss', points: [{ step: 2, value: 2, timestamp: '1970-01-01T00:00:01.002Z' }] });
  });
});
