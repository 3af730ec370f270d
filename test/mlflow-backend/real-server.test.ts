/**
 * MlflowBackend behaviour only a real `mlflow server` can show: split batches arriving whole and
 * in order, MLflow's error codes, workspace isolation, and an outage followed by a restart. One
 * server (with workspaces on) for the whole file.
 */

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MlflowBackend } from '../../server/src/tracking/mlflow/index.ts';
import type { Metric } from '../../server/src/tracking/types.ts';
import { startMlflowServer } from '../support/mlflow.ts';
import type { MlflowServer } from '../support/mlflow.ts';
import { expectCode } from '../support/tracking-errors.ts';

const many = <T>(n: number, make: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => make(i));


describe('MlflowBackend on a real MLflow server', () => {
  let server: MlflowServer;
  let backend: MlflowBackend;
  let experimentId: string;

  before(async () => {
    server = await startMlflowServer({ workspaces: true });
    console.log(`mlflow server started in ${server.startupMs} ms`);
    backend = new MlflowBackend({ uri: server.url });
    experimentId = await backend.createExperiment({ name: 'mlflow-backend' });
  });

  after(async () => {
    await backend?.close();
    await server?.stop();
  });

  describe('batch splitting', () => {
    it('stores a 2500-metric, 250-param, 150-tag batch completely and in order', async () => {
      const run = await backend.createRun({ experimentId });
      const metrics: Metric[] = many(2500, (i) => ({ key: i % 2 ? 'odd' : 'even', value: i / 7, timestamp: 10_000 + i, step: i }));
      const params = many(250, (i) => ({ key: `p${i}`, value: `v${i}` }));
      // A tag set in the first request and again in the second: the later one must win.
      const tags = [{ key: 'order', value: 'first' }, ...many(148, (i) => ({ key: `t${i}`, value: `${i}` })), { key: 'order', value: 'last' }];
      await backend.logBatch(run.info.runId, { metrics, params, tags });

      const even = await backend.getMetricHistory(run.info.runId, 'even', { maxResults: 5000 });
      const odd = await backend.getMetricHistory(run.info.runId, 'odd', { maxResults: 5000 });
      assert.deepEqual(even, { items: metrics.filter((m) => m.key === 'even') });
      assert.deepEqual(odd, { items: metrics.filter((m) => m.key === 'odd') });
      const got = await backend.getRun(run.info.runId);
      assert.deepEqual(got.data.params, Object.fromEntries(params.map((p) => [p.key, p.value])));
      assert.equal(got.data.tags['order'], 'last');
      assert.equal(Object.keys(got.data.tags).length, 150); // 149 distinct keys + mlflow.runName
      assert.deepEqual(got.data.metrics, [metrics[2498], metrics[2499]]);
    });

    it('pages a long metric history', async () => {
      const run = await backend.createRun({ experimentId });
      const metrics = many(1200, (i) => ({ key: 'loss', value: 1 / (i + 1), timestamp: 1 + i, step: i }));
      await backend.logBatch(run.info.runId, { metrics });
      const seen: Metric[] = [];
      let token: string | undefined;
      do {
        const page = await backend.getMetricHistory(run.info.runId, 'loss', { maxResults: 500, ...(token ? { pageToken: token } : {}) });
        seen.push(...page.items);
        token = page.nextPageToken;
      } while (token);
      assert.deepEqual(seen, metrics);
    });

    it('stores nothing of a split batch that would change a param or targets a deleted run', async () => {
      const run = await backend.createRun({ experimentId });
      await backend.logBatch(run.info.runId, { params: [{ key: 'p150', value: 'original' }] });
      const params = many(200, (i) => ({ key: `p${i}`, value: 'new' }));
      await expectCode(backend.logBatch(run.info.runId, { params }), 'INVALID_PARAMETER_VALUE');
      assert.deepEqual((await backend.getRun(run.info.runId)).data.params, { p150: 'original' });

      await backend.deleteRun(run.info.runId);
      await expectCode(
        backend.logBatch(run.info.runId, { metrics: many(1500, (i) => ({ key: 'm', value: i, timestamp: 1, step: i })) }),
        'INVALID_PARAMETER_VALUE',
      );
      await expectCode(backend.logBatch(run.info.runId, {}), 'INVALID_PARAMETER_VALUE');
      await backend.restoreRun(run.info.runId);
      assert.deepEqual((await backend.getRun(run.info.runId)).data.metrics, []);
    });
  });

  describe('error mapping', () => {
    it('maps a missing run to RESOURCE_DOES_NOT_EXIST on every run endpoint', async () => {
      const missing = 'ffffffffffffffffffffffffffffffff';
      await expectCode(backend.getRun(missing), 'RESOURCE_DOES_NOT_EXIST');
      await expectCode(backend.logBatch(missing, {}), 'RESOURCE_DOES_NOT_EXIST');
      await expectCode(backend.restoreRun(missing), 'RESOURCE_DOES_NOT_EXIST');
      await expectCode(backend.deleteRunTag(missing, 't'), 'RESOURCE_DOES_NOT_EXIST');
      // MLflow itself answers an empty history here; the backend checks the run.
      await expectCode(backend.getMetricHistory(missing, 'm', { maxResults: 10 }), 'RESOURCE_DOES_NOT_EXIST');
    });

    it('maps a duplicate experiment name to RESOURCE_ALREADY_EXISTS', async () => {
      await backend.createExperiment({ name: 'dup-name' });
      await expectCode(backend.createExperiment({ name: 'dup-name' }), 'RESOURCE_ALREADY_EXISTS');
    });
  });

  describe('workspaces', () => {
    it('sends X-MLFLOW-WORKSPACE so each workspace sees only its own experiments', async () => {
      const res = await fetch(`${server.url}/api/3.0/mlflow/workspaces`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'team-a' }),
      });
      assert.equal(res.status, 201, await res.text());
      const teamA = new MlflowBackend({ uri: server.url, workspace: 'team-a' });
      const unknown = new MlflowBackend({ uri: server.url, workspace: 'no-such-team' });
      try {
        const id = await teamA.createExperiment({ name: 'shared-name' });
        assert.equal((await teamA.getExperimentByName('shared-name'))?.experimentId, id);
        assert.equal(await backend.getExperimentByName('shared-name'), undefined);
        await expectCode(backend.getExperiment(id), 'RESOURCE_DOES_NOT_EXIST');
        // Names are unique per workspace only.
        const otherId = await backend.createExperiment({ name: 'shared-name' });
        assert.notEqual(otherId, id);
        const page = await teamA.searchExperiments({ maxResults: 100 });
        assert.deepEqual(page.items.map((e) => e.name), ['shared-name']);
        await expectCode(unknown.searchExperiments({ maxResults: 10 }), 'RESOURCE_DOES_NOT_EXIST');
      } finally {
        await teamA.close();
        await unknown.close();
      }
    });
  });

  describe('outage', () => {
    it('reports TEMPORARILY_UNAVAILABLE while the server is down and recovers after a restart', async () => {
      const run = await backend.createRun({ experimentId });
      await server.kill();
      await expectCode(backend.getRun(run.info.runId), 'TEMPORARILY_UNAVAILABLE');
      await expectCode(backend.logBatch(run.info.runId, { params: [{ key: 'a', value: 'b' }] }), 'TEMPORARILY_UNAVAILABLE');
      await server.restart();
      console.log(`mlflow server restarted in ${server.startupMs} ms`);
      await backend.logBatch(run.info.runId, { params: [{ key: 'a', value: 'b' }] });
      assert.deepEqual((await backend.getRun(run.info.runId)).data.params, { a: 'b' });
    });
  });
});
