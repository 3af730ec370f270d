/**
 * Contract sections for logged data: metric history and the latest-value rule, log-batch limits
 * and atomicity.
 */

import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { TrackingBackend } from '../../server/src/tracking/backend.ts';
import { MAX_DOUBLE, expectCode, many, metric } from './backend-contract-support.ts';
import type { ContractContext } from './backend-contract-support.ts';

/** Metrics: history order, duplicates, NaN/Inf, latest point, paging, key validation. */
export function metricContract(ctx: ContractContext): void {
  const { newExperiment, newRun } = ctx;
  describe('metrics', () => {
    let backend: TrackingBackend;
    before(() => {
      backend = ctx.backend;
    });
    let experimentId: string;
    before(async () => {
      experimentId = await newExperiment('metrics');
    });

    it('keeps history ordered by (timestamp, step, value), dropping exact duplicates', async () => {
      const run = await newRun(experimentId);
      const id = run.info.runId;
      await backend.logBatch(id, {
        metrics: [metric('k', 3, 20, 1), metric('k', 1, 10, 2), metric('k', 2, 10, 1), metric('k', 2, 10, 1)],
      });
      await backend.logBatch(id, { metrics: [metric('k', 2, 10, 1), metric('k', 0.5, 10, 1)] });
      const history = await backend.getMetricHistory(id, 'k', { maxResults: 100 });
      assert.deepEqual(history, {
        items: [metric('k', 0.5, 10, 1), metric('k', 2, 10, 1), metric('k', 1, 10, 2), metric('k', 3, 20, 1)],
      });
      // Latest is the highest step, whatever the timestamps.
      assert.deepEqual((await backend.getRun(id)).data.metrics, [metric('k', 1, 10, 2)]);
      assert.deepEqual(await backend.getMetricHistory(id, 'never-logged', { maxResults: 10 }), { items: [] });
    });

    it('picks the latest point by step, then timestamp, then value', async () => {
      const run = await newRun(experimentId);
      const id = run.info.runId;
      await backend.logBatch(id, { metrics: [metric('a', 5, 100, 3), metric('b', 1, 50, 0), metric('b', 9, 50, 0), metric('c', 1, 10, 1)] });
      // An older step arriving later does not replace the latest; a later timestamp on the same step does.
      await backend.logBatch(id, { metrics: [metric('a', 7, 500, 2), metric('c', 0, 11, 1)] });
      const latest = (await backend.getRun(id)).data.metrics.slice().sort((x, y) => x.key.localeCompare(y.key));
      assert.deepEqual(latest, [metric('a', 5, 100, 3), metric('b', 9, 50, 0), metric('c', 0, 11, 1)]);
    });

    it('stores NaN as NaN and infinities as the largest double', async () => {
      const run = await newRun(experimentId);
      const id = run.info.runId;
      await backend.logBatch(id, {
        metrics: [metric('nan', Number.NaN, 1, 0), metric('inf', Infinity, 1, 0), metric('inf', -Infinity, 2, 1)],
      });
      const nan = await backend.getMetricHistory(id, 'nan', { maxResults: 10 });
      assert.equal(nan.items.length, 1);
      assert.ok(Number.isNaN(nan.items[0]?.value));
      const inf = await backend.getMetricHistory(id, 'inf', { maxResults: 10 });
      assert.deepEqual(inf.items.map((m) => m.value), [MAX_DOUBLE, -MAX_DOUBLE]);
      const latest = new Map((await backend.getRun(id)).data.metrics.map((m) => [m.key, m.value]));
      assert.ok(Number.isNaN(latest.get('nan')));
      assert.equal(latest.get('inf'), -MAX_DOUBLE);
    });

    it('pages through history with tokens', async () => {
      const run = await newRun(experimentId);
      const points = many(5, (i) => metric('p', i * 10, 1000 + i, i));
      await backend.logBatch(run.info.runId, { metrics: points });
      const first = await backend.getMetricHistory(run.info.runId, 'p', { maxResults: 2 });
      assert.deepEqual(first.items, points.slice(0, 2));
      assert.ok(first.nextPageToken);
      const second = await backend.getMetricHistory(run.info.runId, 'p', { maxResults: 2, pageToken: first.nextPageToken });
      assert.deepEqual(second.items, points.slice(2, 4));
      assert.ok(second.nextPageToken);
      const third = await backend.getMetricHistory(run.info.runId, 'p', { maxResults: 2, pageToken: second.nextPageToken });
      assert.deepEqual(third, { items: points.slice(4) });
    });

    it('refuses invalid metric keys', async () => {
      const run = await newRun(experimentId);
      await expectCode(backend.logBatch(run.info.runId, { metrics: [metric('a/../b', 1, 1, 0)] }), 'INVALID_PARAMETER_VALUE');
      await expectCode(backend.logBatch(run.info.runId, { metrics: [metric('k'.repeat(251), 1, 1, 0)] }), 'INVALID_PARAMETER_VALUE');
      await expectCode(backend.logBatch(run.info.runId, { metrics: [metric('a', 1, -1, 0)] }), 'INVALID_PARAMETER_VALUE');
      assert.deepEqual((await backend.getRun(run.info.runId)).data.metrics, []);
    });
  });
}

/** Log-batch: MLflow's size limits and all-or-nothing writes. */
export function batchContract(ctx: ContractContext): void {
  const { newExperiment, newRun } = ctx;
  describe('log-batch limits and atomicity', () => {
    let backend: TrackingBackend;
    before(() => {
      backend = ctx.backend;
    });
    let experimentId: string;
    before(async () => {
      experimentId = await newExperiment('batch');
    });

    const assertEmpty = async (runId: string, runName: string): Promise<void> => {
      const run = await backend.getRun(runId);
      assert.deepEqual(run.data, { metrics: [], params: {}, tags: { 'mlflow.runName': runName } });
      assert.deepEqual(await backend.getMetricHistory(runId, 'm', { maxResults: 10 }), { items: [] });
      assert.equal(run.info.runName, runName);
    };

    it('accepts exactly 1000 metrics', async () => {
      const run = await newRun(experimentId);
      await backend.logBatch(run.info.runId, { metrics: many(1000, (i) => metric('m', i, 1, i)) });
      const history = await backend.getMetricHistory(run.info.runId, 'm', { maxResults: 2000 });
      assert.equal(history.items.length, 1000);
      assert.deepEqual((await backend.getRun(run.info.runId)).data.metrics, [metric('m', 999, 1, 999)]);
    });

    it('refuses 1001 metrics, 101 params, 101 tags or 1001 entities, storing nothing', async () => {
      const run = await newRun(experimentId);
      const id = run.info.runId;
      await expectCode(backend.logBatch(id, { metrics: many(1001, (i) => metric('m', i, 1, i)) }), 'INVALID_PARAMETER_VALUE');
      await expectCode(backend.logBatch(id, { params: many(101, (i) => ({ key: `p${i}`, value: 'v' })) }), 'INVALID_PARAMETER_VALUE');
      await expectCode(backend.logBatch(id, { tags: many(101, (i) => ({ key: `t${i}`, value: 'v' })) }), 'INVALID_PARAMETER_VALUE');
      await expectCode(
        backend.logBatch(id, {
          metrics: many(950, (i) => metric('m', i, 1, i)),
          params: many(51, (i) => ({ key: `p${i}`, value: 'v' })),
        }),
        'INVALID_PARAMETER_VALUE',
      );
      await assertEmpty(id, run.info.runName);
    });

    it('stores nothing of a batch whose last entry is invalid', async () => {
      const run = await newRun(experimentId);
      const id = run.info.runId;
      await expectCode(
        backend.logBatch(id, {
          metrics: [metric('m', 1, 1, 0), metric('m', 2, 2, 1), metric('bad/../key', 3, 3, 2)],
          params: [{ key: 'p', value: 'v' }],
          tags: [{ key: 't', value: 'v' }, { key: 'mlflow.runName', value: 'should-not-apply' }],
        }),
        'INVALID_PARAMETER_VALUE',
      );
      await assertEmpty(id, run.info.runName);
      await expectCode(
        backend.logBatch(id, {
          metrics: [metric('m', 1, 1, 0)],
          params: [{ key: 'p', value: 'v' }],
          tags: [{ key: 't', value: 'v' }, { key: '/abs', value: 'v' }],
        }),
        'INVALID_PARAMETER_VALUE',
      );
      await assertEmpty(id, run.info.runName);
    });

    it('stores nothing of a batch that would change a param', async () => {
      const run = await newRun(experimentId);
      const id = run.info.runId;
      await backend.logBatch(id, { params: [{ key: 'fixed', value: '1' }] });
      await expectCode(
        backend.logBatch(id, {
          metrics: [metric('m', 1, 1, 0)],
          params: [{ key: 'new', value: 'x' }, { key: 'fixed', value: '2' }],
          tags: [{ key: 't', value: 'v' }],
        }),
        'INVALID_PARAMETER_VALUE',
      );
      const got = await backend.getRun(id);
      assert.deepEqual(got.data, { metrics: [], params: { fixed: '1' }, tags: { 'mlflow.runName': run.info.runName } });
    });
  });
}
