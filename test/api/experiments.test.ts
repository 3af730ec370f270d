import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestDaemon, type TestDaemon } from '../support/daemon.ts';

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe('v1 experiments', () => {
  let d: TestDaemon;
  before(async () => (d = await startTestDaemon()));
  after(() => d.stop());

  test('create answers 201 with the seed ExperimentResponse, exactly those fields', async () => {
    const res = await d.call('POST', '/api/v1/experiments', {
      body: { name: 'churn-prediction-v2', description: 'Customer churn', tags: { team: 'data-science' } },
    });
    assert.equal(res.status, 201);
    assert.deepEqual(Object.keys(res.body).sort(), [
      'artifact_location', 'created_at', 'description', 'id', 'last_updated', 'lifecycle_stage', 'name', 'tags',
    ]);
    assert.match(res.body.id, /^\d+$/);
    assert.equal(res.body.name, 'churn-prediction-v2');
    assert.equal(res.body.description, 'Customer churn');
    assert.equal(res.body.lifecycle_stage, 'active');
    assert.match(res.body.created_at, ISO);
    assert.match(res.body.last_updated, ISO);
    assert.deepEqual(res.body.tags, { team: 'data-science' });
    assert.match(res.body.artifact_location, new RegExp(`^file://.*/artifacts/${res.body.id}$`));
  });

  test('the stored name is tenant/name and the tenant tag is set, as the seed says', async () => {
    const res = await d.call('POST', '/api/v1/experiments', { body: { name: 'stored-name' } });
    const raw = await d.daemon.backendFor('any').getExperiment(res.body.id);
    assert.equal(raw.name, 'acme-corp/stored-name');
    assert.equal(raw.tags['matih.tenant_id'], 'acme-corp');
    assert.equal(res.body.description, '');
  });

  test('a duplicate name is 409 already_exists, another tenant may use the same name', async () => {
    await d.call('POST', '/api/v1/experiments', { body: { name: 'dup' } });
    const again = await d.call('POST', '/api/v1/experiments', { body: { name: 'dup' } });
    assert.equal(again.status, 409);
    assert.equal(again.body.error.code, 'already_exists');
    assert.ok(!again.body.error.message.includes('acme-corp/'), again.body.error.message);
    assert.match(again.body.error.message, /dup/);
    const other = await d.call('POST', '/api/v1/experiments', { tenant: 'globex', body: { name: 'dup' } });
    assert.equal(other.status, 201);
  });

  test('get, patch description / name / tags, tag removal with null', async () => {
    const { body: e } = await d.call('POST', '/api/v1/experiments', { body: { name: 'patch-me', tags: { a: '1', b: '2' } } });
    const patched = await d.call('PATCH', `/api/v1/experiments/${e.id}`, {
      body: { name: 'patched', description: 'new text', tags: { a: null, c: '3' } },
    });
    assert.equal(patched.status, 200);
    assert.equal(patched.body.name, 'patched');
    assert.equal(patched.body.description, 'new text');
    assert.deepEqual(patched.body.tags, { b: '2', c: '3' });
    const got = await d.call('GET', `/api/v1/experiments/${e.id}`);
    assert.deepEqual(got.body, patched.body);
  });

  test('archive hides from the default list, restore brings it back with its runs', async () => {
    const { body: e } = await d.call('POST', '/api/v1/experiments', { body: { name: 'to-archive' } });
    const { body: run } = await d.call('POST', '/api/v1/experiments/runs', { body: { experiment_id: e.id } });
    const archived = await d.call('POST', `/api/v1/experiments/${e.id}/archive`);
    assert.equal(archived.status, 200);
    assert.equal(archived.body.lifecycle_stage, 'deleted');
    const active = await d.call('GET', '/api/v1/experiments?max_results=1000');
    assert.ok(!active.body.experiments.some((x: { id: string }) => x.id === e.id));
    const deleted = await d.call('GET', '/api/v1/experiments?view=deleted');
    assert.deepEqual(deleted.body.experiments.map((x: { id: string }) => x.id), [e.id]);
    const write = await d.call('POST', `/api/v1/experiments/runs/${run.id}/metrics`, { body: { key: 'm', value: 1 } });
    assert.equal(write.status, 400);
    const restored = await d.call('POST', `/api/v1/experiments/${e.id}/restore`);
    assert.equal(restored.body.lifecycle_stage, 'active');
    const runs = await d.call('GET', `/api/v1/experiments/${e.id}/runs`);
    assert.deepEqual(runs.body.runs.map((r: { id: string }) => r.id), [run.id]);
    const del = await d.call('DELETE', `/api/v1/experiments/${e.id}`);
    assert.equal(del.body.lifecycle_stage, 'deleted');
  });

  test('list with filter, order and paging', async () => {
    const t = { tenant: 'paging-co' };
    for (const name of ['alpha', 'beta', 'gamma', 'delta', 'epsilon']) {
      await d.call('POST', '/api/v1/experiments', { ...t, body: { name, tags: { kind: name.length > 4 ? 'long' : 'short' } } });
    }
    const first = await d.call('GET', '/api/v1/experiments?order_by=name%20ASC&max_results=2', t);
    assert.deepEqual(first.body.experiments.map((e: { name: string }) => e.name), ['alpha', 'beta']);
    assert.equal(typeof first.body.next_page_token, 'string');
    const second = await d.call('GET', `/api/v1/experiments?order_by=name&max_results=2&page_token=${encodeURIComponent(first.body.next_page_token)}`, t);
    assert.deepEqual(second.body.experiments.map((e: { name: string }) => e.name), ['delta', 'epsilon']);
    const third = await d.call('GET', `/api/v1/experiments?order_by=name&max_results=2&page_token=${encodeURIComponent(second.body.next_page_token)}`, t);
    assert.deepEqual(third.body.experiments.map((e: { name: string }) => e.name), ['gamma']);
    assert.equal(third.body.next_page_token, null);
    const filtered = await d.call('GET', `/api/v1/experiments?filter=${encodeURIComponent("tags.kind = 'short' AND name LIKE '%a'")}&order_by=name`, t);
    assert.deepEqual(filtered.body.experiments.map((e: { name: string }) => e.name), ['beta']);
    const byName = await d.call('GET', `/api/v1/experiments?filter=${encodeURIComponent("name = 'gamma'")}`, t);
    assert.deepEqual(byName.body.experiments.map((e: { name: string }) => e.name), ['gamma']);
  });

  test('bad filter, bad page token and bad query values are 400 naming the problem', async () => {
    const badFilter = await d.call('GET', `/api/v1/experiments?filter=${encodeURIComponent('name ~~ 1')}`);
    assert.equal(badFilter.status, 400);
    assert.equal(badFilter.body.error.code, 'validation_error');
    const badToken = await d.call('GET', '/api/v1/experiments?page_token=not-a-token');
    assert.equal(badToken.status, 400);
    assert.equal(badToken.body.error.field, 'page_token');
    assert.match(badToken.body.error.message, /page token/i);
    const badSize = await d.call('GET', '/api/v1/experiments?max_results=0');
    assert.equal(badSize.status, 400);
    assert.equal(badSize.body.error.field, 'query.max_results');
    const unknown = await d.call('GET', '/api/v1/experiments?colour=red');
    assert.equal(unknown.status, 400);
    assert.match(unknown.body.error.message, /colour/);
  });
});
