import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestDaemon, type TestDaemon } from '../support/daemon.ts';

/** Two tenants on one daemon: globex must never see or touch acme's data, nor learn it exists. */
describe('tenant isolation', () => {
  let d: TestDaemon;
  let acmeExp: string;
  let acmeRun: string;
  let globexExp: string;
  const acme = { tenant: 'acme' };
  const globex = { tenant: 'globex' };

  before(async () => {
    d = await startTestDaemon();
    acmeExp = (await d.call('POST', '/api/v1/experiments', { ...acme, body: { name: 'secret-model' } })).body.id;
    acmeRun = (await d.call('POST', '/api/v1/experiments/runs', { ...acme, body: { experiment_id: acmeExp } })).body.id;
    await d.call('POST', `/api/v1/experiments/runs/${acmeRun}/log-batch`, {
      ...acme,
      body: { metrics: [{ key: 'acc', value: 0.99 }], params: { p: 'secret' }, tags: { t: 'x' } },
    });
    globexExp = (await d.call('POST', '/api/v1/experiments', { ...globex, body: { name: 'own' } })).body.id;
  });
  after(() => d.stop());

  /** The answer for another tenant's id must equal the answer for an id that does not exist. */
  async function assertSameAsMissing(
    method: string,
    path: (id: string) => string,
    missingId: string,
    realId: string,
    body?: unknown | ((id: string) => unknown),
  ) {
    const bodyFor = (id: string) => (typeof body === 'function' ? body(id) : body);
    const foreign = await d.call(method, path(realId), { ...globex, body: bodyFor(realId) });
    const missing = await d.call(method, path(missingId), { ...globex, body: bodyFor(missingId) });
    assert.equal(foreign.status, 404, `${method} ${path(realId)}: ${JSON.stringify(foreign.body)}`);
    assert.equal(missing.status, 404);
    assert.equal(foreign.body.error.code, missing.body.error.code);
    assert.equal(foreign.body.error.message.replace(realId, 'ID'), missing.body.error.message.replace(missingId, 'ID'));
  }

  const MISSING_RUN = 'ffffffffffffffffffffffffffffffff';
  const MISSING_EXP = '987654';

  test('reads of the other tenant answer exactly like missing ids', async () => {
    await assertSameAsMissing('GET', (id) => `/api/v1/experiments/${id}`, MISSING_EXP, acmeExp);
    await assertSameAsMissing('GET', (id) => `/api/v1/experiments/${id}/runs`, MISSING_EXP, acmeExp);
    await assertSameAsMissing('GET', (id) => `/api/v1/experiments/runs/${id}`, MISSING_RUN, acmeRun);
    await assertSameAsMissing('GET', (id) => `/api/v1/experiments/runs/${id}/metrics/history?key=acc`, MISSING_RUN, acmeRun);
    await assertSameAsMissing('POST', () => '/api/v1/experiments/runs/compare', MISSING_RUN, acmeRun, (id: string) => ({ run_ids: [id] }));
  });

  test('writes to the other tenant answer like missing ids and change nothing', async () => {
    await assertSameAsMissing('PATCH', (id) => `/api/v1/experiments/${id}`, MISSING_EXP, acmeExp, { description: 'pwned' });
    await assertSameAsMissing('POST', (id) => `/api/v1/experiments/${id}/archive`, MISSING_EXP, acmeExp);
    await assertSameAsMissing('POST', (id) => `/api/v1/experiments/runs/${id}/log-batch`, MISSING_RUN, acmeRun, { metrics: [{ key: 'acc', value: 0 }] });
    await assertSameAsMissing('POST', (id) => `/api/v1/experiments/runs/${id}/tags`, MISSING_RUN, acmeRun, { tags: { t: 'y' } });
    await assertSameAsMissing('POST', (id) => `/api/v1/experiments/runs/${id}/kill`, MISSING_RUN, acmeRun);
    await assertSameAsMissing('DELETE', (id) => `/api/v1/experiments/runs/${id}`, MISSING_RUN, acmeRun);
    const run = (await d.call('GET', `/api/v1/experiments/runs/${acmeRun}`, acme)).body;
    assert.equal(run.status, 'running');
    assert.deepEqual(run.metrics, { acc: 0.99 });
    assert.equal(run.tags.t, 'x');
    const exp = (await d.call('GET', `/api/v1/experiments/${acmeExp}`, acme)).body;
    assert.equal(exp.description, '');
    assert.equal(exp.lifecycle_stage, 'active');
  });

  test('a run cannot be created in the other tenant experiment', async () => {
    const res = await d.call('POST', '/api/v1/experiments/runs', { ...globex, body: { experiment_id: acmeExp } });
    assert.equal(res.status, 404);
  });

  test('listing and search never cross tenants', async () => {
    const list = await d.call('GET', '/api/v1/experiments?view=all&max_results=1000', globex);
    assert.deepEqual(list.body.experiments.map((e: { id: string }) => e.id), [globexExp]);
    const byName = await d.call('GET', `/api/v1/experiments?filter=${encodeURIComponent("name LIKE '%secret%'")}`, globex);
    assert.deepEqual(byName.body.experiments, []);
    const byTag = await d.call('GET', `/api/v1/experiments?filter=${encodeURIComponent("tags.`matih.tenant_id` = 'acme'")}`, globex);
    assert.deepEqual(byTag.body.experiments, []);
    for (const ids of [[acmeExp], [acmeExp, globexExp], [globexExp]]) {
      const res = await d.call('POST', '/api/v1/experiments/runs/search', { ...globex, body: { experiment_ids: ids, view: 'all' } });
      assert.equal(res.status, 200);
      assert.deepEqual(res.body.runs, [], JSON.stringify(ids));
    }
  });

  test('name squatting: a name that spells the other tenant prefix stays in the caller namespace', async () => {
    const res = await d.call('POST', '/api/v1/experiments', { ...globex, body: { name: 'acme/secret-model' } });
    assert.equal(res.status, 201);
    const raw = await d.daemon.backendFor('any').getExperiment(res.body.id);
    assert.equal(raw.name, 'globex/acme/secret-model');
    const acmeList = await d.call('GET', '/api/v1/experiments', acme);
    assert.deepEqual(acmeList.body.experiments.map((e: { name: string }) => e.name), ['secret-model']);
  });

  test('the tenant tag cannot be set, changed or removed through the API', async () => {
    const base = `/api/v1/experiments/runs/${acmeRun}`;
    const set = await d.call('POST', `${base}/tags`, { ...acme, body: { tags: { 'matih.tenant_id': 'globex' } } });
    assert.equal(set.status, 400);
    const del = await d.call('DELETE', `${base}/tags/matih.tenant_id`, acme);
    assert.equal(del.status, 400);
    const patch = await d.call('PATCH', `/api/v1/experiments/${acmeExp}`, { ...acme, body: { tags: { 'matih.tenant_id': null } } });
    assert.equal(patch.status, 400);
    const raw = await d.daemon.backendFor('any').getRun(acmeRun);
    assert.equal(raw.data.tags['matih.tenant_id'], 'acme');
  });
});
