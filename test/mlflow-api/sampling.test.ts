/**
 * The bulk-interval sampling against outputs of MLflow 3.17.2's own AbstractStore
 * implementation, run on the same histories (see the expected values below).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type RunHistory,
  evenlySpacedIndices,
  roundHalfEven,
  sampleBulkInterval,
  sampleSteps,
} from '../../server/src/api/mlflow/sampling.ts';

/** Points as [step, timestamp, value]. */
function run(runId: string, points: [number, number, number][]): RunHistory {
  return { runId, points: points.map(([step, timestamp, value]) => ({ key: 'm', step, timestamp, value })) };
}

const flat = (out: ReturnType<typeof sampleBulkInterval>) =>
  out.map((p) => [p.runId, p.metric.step, p.metric.timestamp, p.metric.value]);

// Run a: steps 0..99; run b: even steps 0..48 plus a second value at step 7.
const a = run('a', Array.from({ length: 100 }, (_, s) => [s, 1000 + s, s * 0.5] as [number, number, number]));
const b = run('b', [
  ...Array.from({ length: 25 }, (_, i) => [2 * i, 2000 + 2 * i, -2 * i] as [number, number, number]),
  [7, 5000, 7],
]);

describe('bulk-interval sampling', () => {
  test('Python rounding and evenly spaced indices', () => {
    assert.deepEqual([0.5, 1.5, 2.5, 2.4999, 2.5001].map(roundHalfEven), [0, 2, 2, 2, 3]);
    assert.deepEqual(evenlySpacedIndices(11, 5), [0, 2, 5, 8, 10]);
    assert.deepEqual(evenlySpacedIndices(10, 4), [0, 3, 6, 9]);
    assert.deepEqual(evenlySpacedIndices(6, 3), [0, 2, 5]);
    assert.deepEqual(evenlySpacedIndices(3, 5), [0, 1, 2]);
    assert.deepEqual(evenlySpacedIndices(7, 1), [6]);
    assert.deepEqual(evenlySpacedIndices(0, 3), []);
  });

  test('evenly spaced steps over all runs plus each run\'s min and max (MLflow: s1)', () => {
    assert.deepEqual(sampleSteps([a, b], 10), [0, 10, 20, 30, 40, 48, 50, 60, 70, 80, 90, 99]);
    assert.deepEqual(flat(sampleBulkInterval([a, b], 10)), [
      ['a', 0, 1000, 0], ['a', 10, 1010, 5], ['a', 20, 1020, 10], ['a', 30, 1030, 15], ['a', 40, 1040, 20],
      ['a', 48, 1048, 24], ['a', 50, 1050, 25], ['a', 60, 1060, 30], ['a', 70, 1070, 35], ['a', 80, 1080, 40],
      ['a', 90, 1090, 45], ['a', 99, 1099, 49.5],
      ['b', 0, 2000, -0], ['b', 10, 2010, -10], ['b', 20, 2020, -20], ['b', 30, 2030, -30], ['b', 40, 2040, -40],
      ['b', 48, 2048, -48],
    ]);
  });

  test('a step range keeps only steps inside it (MLflow: s2)', () => {
    assert.deepEqual(flat(sampleBulkInterval([a, b], 7, { start: 10, end: 40 })), [
      ['a', 10, 1010, 5], ['a', 14, 1014, 7], ['a', 18, 1018, 9], ['a', 23, 1023, 11.5], ['a', 27, 1027, 13.5],
      ['a', 32, 1032, 16], ['a', 36, 1036, 18], ['a', 40, 1040, 20],
      ['b', 10, 2010, -10], ['b', 14, 2014, -14], ['b', 18, 2018, -18], ['b', 32, 2032, -32], ['b', 36, 2036, -36],
      ['b', 40, 2040, -40],
    ]);
  });

  test('max_results 1 still keeps the first and last step (MLflow: s3)', () => {
    assert.deepEqual(flat(sampleBulkInterval([b], 1)), [['b', 0, 2000, -0], ['b', 48, 2048, -48]]);
  });

  test('many values on one step are thinned evenly, not all returned (MLflow: s4)', () => {
    const c = run('c', [...Array.from({ length: 50 }, (_, i) => [0, i + 1, i + 1] as [number, number, number]), [1, 100, 1]]);
    assert.deepEqual(flat(sampleBulkInterval([c], 5)), [
      ['c', 0, 1, 1], ['c', 0, 13, 13], ['c', 0, 26, 26], ['c', 0, 39, 39], ['c', 1, 100, 1],
    ]);
  });

  test('runs without points add nothing; negative steps are kept without a range', () => {
    const neg = run('n', [[-5, 1, 1], [-1, 2, 2], [3, 3, 3]]);
    assert.deepEqual(flat(sampleBulkInterval([run('empty', []), neg], 10)), [
      ['n', -5, 1, 1], ['n', -1, 2, 2], ['n', 3, 3, 3],
    ]);
    assert.deepEqual(sampleBulkInterval([run('empty', [])], 10), []);
  });
});
