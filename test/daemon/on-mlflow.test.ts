import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { MlflowBackend } from '../../server/src/tracking/mlflow/index.ts';
import { startTestDaemon, type TestDaemon } from '../support/daemon.ts';
import { type MlflowServer, startMlflowServer } from '../support/mlflow.ts';

/**
 * The seed's v1 API with a real `mlflow server` as the store: tenancy as the seed describes it
 * (`tenant/name`, `matih.tenant_id`), and with workspaces, where the server isolates tenants too.
 * One server with workspaces on serves both modes (without a workspace header MLflow uses its
 * `default` workspace).
 */
describe('the daemon on a real MLflow server', () => {
  let server: MlflowServer;
  before(async () => {
    server = await startMlflowServer({ workspaces: true });
    for (const name of ['acme', 'globex']) {
      const res = await fetch(`${server.url}/api/3.0/mlflow/workspaces`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name }),
      });
      assert.equal(res.status, 201, await res.text());
    }
  });
  after(() => server?.stop());

  async function lifecycle(d: TestDaemon, tenant: string): Promise<{ expId: string; runId: string }> {
    const t = { tenant };
    const exp = await d.call('POST', '/api/v1/experiments', { ...t, body: { name: 'churn', description: 'd', tags: { team: 'ds' } } });
    assert.equal(exp.status, 201, JSON.stringify(exp.body));
    const run = await d.call('POST', '/api/v1/experiments/runs', { ...t, body: { experiment_id: exp.body.id, name: 'xgb' } });
    assert.equal(run.status, 201, JSON.stringify(run.body));
    const metrics = Array.from({ length: 1500 }, (_, i) => ({ key: 'loss', value: 1 / (i + 1), step: i }));
    for (let i = 0; i < metrics.length; i += 1000) {
      const res = await d.call('POST', `/api/v1/experiments/runs/${run.body.id}/log-batch`, {
        ...t,
        body: { metrics: metrics.slice(i, i + 1000), params: i === 0 ? { lr: '0.1' } : {} },
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
    }
    const done = await d.call('POST', `/api/v1/experiments/runs/${run.body.id}/finish`, t);
    assert.equal(done.body.status, 'finished');
    assert.deepEqual(done.body.params, { lr: '0.1' });
    assert.equal(done.body.metrics.loss, 1 / 1500);
    const hist = await d.call('GET', `/api/v1/experiments/runs/${run.body.id}/metrics/history?key=loss&max_results=5000`, t);
    assert.equal(hist.body.points.length, 1500);
    const list = await d.call('GET', '/api/v1/experiments', t);
    assert.deepEqual(list.body.experiments.map((e: { name: string }) => e.name), ['churn']);
    return { expId: exp.body.id, runId: run.body.id };
  }

  test('tenancy by name prefix and tag, as the seed describes', async () => {
    const d = await startTestDaemon({ backend: { kind: 'mlflow', uri: server.url } });
    try {
      const acme = await lifecycle(d, 'acme');
      const direct = new MlflowBackend({ uri: server.url });
      try {
        const stored = await direct.getExperiment(acme.expId);
        assert.equal(stored.name, 'acme/churn');
        assert.equal(stored.tags['matih.tenant_id'], 'acme');
        assert.equal((await direct.getRun(acme.runId)).data.tags['matih.tenant_id'], 'acme');
      } finally {
        await direct.close();
      }
      const foreign = await d.call('GET', `/api/v1/experiments/runs/${acme.runId}`, { tenant: 'globex' });
      assert.equal(foreign.status, 404);
      const globexList = await d.call('GET', '/api/v1/experiments?view=all', { tenant: 'globex' });
      assert.deepEqual(globexList.body.experiments, []);
    } finally {
      await d.stop();
    }
  });

  test('with workspaces each tenant lives in its own MLflow workspace', async () => {
    const d = await startTestDaemon({ backend: { kind: 'mlflow', uri: server.url, workspaces: 'same-name' } });
    try {
      const acme = await lifecycle(d, 'acme');
      await lifecycle(d, 'globex');
      const inAcme = new MlflowBackend({ uri: server.url, workspace: 'acme' });
      const inGlobex = new MlflowBackend({ uri: server.url, workspace: 'globex' });
      try {
        assert.equal((await inAcme.getExperiment(acme.expId)).name, 'acme/churn');
        await assert.rejects(inGlobex.getExperiment(acme.expId), { code: 'RESOURCE_DOES_NOT_EXIST' });
        const names = (await inGlobex.searchExperiments({ maxResults: 100 })).items.map((e) => e.name);
        assert.deepEqual(names, ['globex/churn']);
      } finally {
        await inAcme.close();
        await inGlobex.close();
      }
      const unknown = await d.call('GET', '/api/v1/experiments', { tenant: 'initech' });
      assert.equal(unknown.status, 404, JSON.stringify(unknown.body));
    } finally {
      await d.stop();
    }
  });

  // Last: it stops and restarts the shared server.
  test('writes acknowledged while the server is down all arrive after it is back', async () => {
    const d = await startTestDaemon({ backend: { kind: 'mlflow', uri: server.url } });
    try {
      const t = { tenant: 'acme' };
      const exp = await d.call('POST', '/api/v1/experiments', { ...t, body: { name: 'outage' } });
      const run = (await d.call('POST', '/api/v1/experiments/runs', { ...t, body: { experiment_id: exp.body.id } })).body;
      const log = (from: number) =>
        d.call('POST', `/api/v1/experiments/runs/${run.id}/log-batch`, {
          ...t,
          body: { metrics: Array.from({ length: 100 }, (_, i) => ({ key: 'loss', value: from + i, step: from + i })) },
        });
      assert.equal((await log(0)).status, 200);
      await server.kill();
      for (const from of [100, 200, 300]) assert.equal((await log(from)).status, 200);
      const during = await d.call('GET', '/api/v1/health', { tenant: null });
      assert.equal(during.body.outbox.queued, 3);
      assert.equal(during.body.outbox.dropped, 0);
      await server.restart();
      let queued = 3;
      for (let i = 0; i < 100 && queued > 0; i++) {
        await new Promise((r) => setTimeout(r, 200));
        queued = (await d.call('GET', '/api/v1/health', { tenant: null })).body.outbox.queued;
      }
      assert.equal(queued, 0);
      const hist = await d.call('GET', `/api/v1/experiments/runs/${run.id}/metrics/history?key=loss&max_results=1000`, t);
      assert.deepEqual(hist.body.points.map((p: { step: number }) => p.step), Array.from({ length: 400 }, (_, i) => i));
    } finally {
      await d.stop();
    }
  });
});
