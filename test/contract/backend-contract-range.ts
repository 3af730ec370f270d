/**
 * Contract section for metric ranges as columns (what charts of long curves read): order along
 * either axis, inclusive bounds, NaN and infinities as stored, read-your-writes, and the same
 * answers whether a backend reads a range in one request or pages through the whole history.
 */

import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { TrackingBackend } from '../../server/src/tracking/backend.ts';
import type { MetricColumns } from '../../server/src/tracking/metric-range.ts';
import { MAX_DOUBLE, MISSING_RUN_ID, expectCode, many, metric } from './backend-contract-support.ts';
import type { ContractContext } from './backend-contract-support.ts';

/** Columns as [step, value, timestamp] triples, easy to compare. */
function triples(c: MetricColumns): [number, number, number][] {
  return Array.from(c.steps, (s, i) => [s, c.values[i]!, c.timestamps[i]!]);
}

export function metricRangeContract(ctx: ContractContext): void {
  const { newExperiment, newRun } = ctx;
  describe('metric ranges as columns', () => {
    let backend: TrackingBackend;
    let experimentId: string;
    before(async () => {
      backend = ctx.backend;
      experimentId = await newExperiment('ranges');
    });

    // Steps and times disagree on order, one step holds two points, and odd values are included.
    const points = [
      metric('m', 1, 100, 3),
      metric('m', 2, 200, 1),
      metric('m', 3, 300, 2),
      metric('m', 4, 150, 2),
      metric('m', Number.NaN, 250, 4),
      metric('m', Infinity, 50, 5),
      metric('m', -Infinity, 400, 0),
    ];

    it('orders by step or by time, bounds inclusive, NaN and infinities as stored', async () => {
      const id = (await newRun(experimentId)).info.runId;
      await backend.logBatch(id, { metrics: points });
      assert.deepEqual(triples(await backend.getMetricRange(id, 'm', { axis: 'step' })), [
        [0, -MAX_DOUBLE, 400],
        [1, 2, 200],
        [2, 4, 150],
        [2, 3, 300],
        [3, 1, 100],
        [4, Number.NaN, 250],
        [5, MAX_DOUBLE, 50],
      ]);
      assert.deepEqual(triples(await backend.getMetricRange(id, 'm', { axis: 'timestamp' })), [
        [5, MAX_DOUBLE, 50],
        [3, 1, 100],
        [2, 4, 150],
        [1, 2, 200],
        [4, Number.NaN, 250],
        [2, 3, 300],
        [0, -MAX_DOUBLE, 400],
      ]);
      assert.deepEqual(triples(await backend.getMetricRange(id, 'm', { axis: 'step', min: 1, max: 3 })), [
        [1, 2, 200],
        [2, 4, 150],
        [2, 3, 300],
        [3, 1, 100],
      ]);
      assert.deepEqual(triples(await backend.getMetricRange(id, 'm', { axis: 'step', min: 1.5, max: 2.5 })), [
        [2, 4, 150],
        [2, 3, 300],
      ]);
      assert.deepEqual(triples(await backend.getMetricRange(id, 'm', { axis: 'step', min: 4 })), [
        [4, Number.NaN, 250],
        [5, MAX_DOUBLE, 50],
      ]);
      assert.deepEqual(triples(await backend.getMetricRange(id, 'm', { axis: 'timestamp', min: 150, max: 250 })), [
        [2, 4, 150],
        [1, 2, 200],
        [4, Number.NaN, 250],
      ]);
      assert.deepEqual(triples(await backend.getMetricRange(id, 'm', { axis: 'timestamp', max: 99 })), [[5, MAX_DOUBLE, 50]]);
      assert.deepEqual(triples(await backend.getMetricRange(id, 'm', { axis: 'step', min: 6, max: 9 })), []);
    });

    it('answers what was just logged', async () => {
      const id = (await newRun(experimentId)).info.runId;
      await backend.logBatch(id, { metrics: [metric('m', 1, 10, 0), metric('m', 2, 20, 1)] });
      assert.equal((await backend.getMetricRange(id, 'm', { axis: 'step' })).steps.length, 2);
      await backend.logBatch(id, { metrics: [metric('m', 3, 30, 2)] });
      assert.deepEqual(triples(await backend.getMetricRange(id, 'm', { axis: 'step' })), [
        [0, 1, 10],
        [1, 2, 20],
        [2, 3, 30],
      ]);
      assert.deepEqual(triples(await backend.getMetricRange(id, 'm', { axis: 'timestamp', min: 25 })), [[2, 3, 30]]);
    });

    it('reads a range whole even when it holds more points than one sampled request returns', async () => {
      const id = (await newRun(experimentId)).info.runId;
      for (let b = 0; b < 3; b++) {
        await backend.logBatch(id, { metrics: many(1000, (i) => metric('long', Math.sin(b * 1000 + i), 1000 + b * 1000 + i, b * 1000 + i)) });
      }
      const all = await backend.getMetricRange(id, 'long', { axis: 'step', min: 0, max: 2999 });
      assert.equal(all.steps.length, 3000);
      assert.deepEqual(Array.from(all.steps.subarray(0, 3)), [0, 1, 2]);
      const middle = await backend.getMetricRange(id, 'long', { axis: 'step', min: 100, max: 2899 });
      assert.equal(middle.steps.length, 2800);
      assert.equal(middle.steps[0], 100);
      assert.equal(middle.steps[2799], 2899);
      assert.equal(middle.values[0], Math.sin(100));
      const few = await backend.getMetricRange(id, 'long', { axis: 'step', min: 10, max: 19 });
      assert.deepEqual(Array.from(few.timestamps), many(10, (i) => 1010 + i));
    });

    it('is empty for a key never logged; refuses an unknown run and a range with min above max', async () => {
      const id = (await newRun(experimentId)).info.runId;
      assert.deepEqual(triples(await backend.getMetricRange(id, 'never-logged', { axis: 'step' })), []);
      assert.deepEqual(triples(await backend.getMetricRange(id, 'never-logged', { axis: 'step', min: 0, max: 10 })), []);
      await expectCode(backend.getMetricRange(MISSING_RUN_ID, 'm', { axis: 'step' }), 'RESOURCE_DOES_NOT_EXIST');
      await expectCode(backend.getMetricRange(MISSING_RUN_ID, 'm', { axis: 'step', min: 0, max: 10 }), 'RESOURCE_DOES_NOT_EXIST');
      await expectCode(backend.getMetricRange(id, 'm', { axis: 'step', min: 5, max: 1 }), 'INVALID_PARAMETER_VALUE');
    });
  });
}
