import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TrackingError } from '../../server/src/tracking/errors.ts';
import { splitLogBatch, validateSplittableBatch } from '../../server/src/tracking/mlflow/batch-split.ts';
import type { Metric } from '../../server/src/tracking/types.ts';

const many = <T>(n: number, make: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => make(i));
const metrics = (n: number): Metric[] => many(n, (i) => ({ key: `m${i % 7}`, value: i, timestamp: 1000 + i, step: i }));
const kv = (prefix: string, n: number): { key: string; value: string }[] => many(n, (i) => ({ key: `${prefix}${i}`, value: String(i) }));

describe('splitLogBatch', () => {
  it('keeps a batch within the limits as one request', () => {
    const batch = { metrics: metrics(900), params: kv('p', 50), tags: kv('t', 50) };
    assert.deepEqual(splitLogBatch(batch), [batch]);
    const full = { metrics: metrics(1000), params: [], tags: [] };
    assert.deepEqual(splitLogBatch(full), [full]);
  });

  it('sends nothing for an empty batch', () => {
    assert.deepEqual(splitLogBatch({}), []);
  });

  it('splits like the Python client: params and tags first, metrics filling the room', () => {
    const batch = { metrics: metrics(2500), params: kv('p', 250), tags: kv('t', 120) };
    const chunks = splitLogBatch(batch);
    assert.deepEqual(
      chunks.map((c) => [c.metrics.length, c.params.length, c.tags.length]),
      [
        [800, 100, 100],
        [880, 100, 20],
        [820, 50, 0],
      ],
    );
    for (const c of chunks) {
      assert.ok(c.metrics.length <= 1000 && c.params.length <= 100 && c.tags.length <= 100);
      assert.ok(c.metrics.length + c.params.length + c.tags.length <= 1000);
    }
    // Nothing dropped, nothing reordered within a kind.
    assert.deepEqual(chunks.flatMap((c) => c.metrics), batch.metrics);
    assert.deepEqual(chunks.flatMap((c) => c.params), batch.params);
    assert.deepEqual(chunks.flatMap((c) => c.tags), batch.tags);
  });

  it('sends leftover metrics in full chunks of 1000', () => {
    const chunks = splitLogBatch({ metrics: metrics(3001), params: kv('p', 1) });
    assert.deepEqual(chunks.map((c) => c.metrics.length), [999, 1000, 1000, 2]);
    assert.deepEqual(chunks.map((c) => c.params.length), [1, 0, 0, 0]);
  });
});

describe('validateSplittableBatch', () => {
  const fieldOf = (fn: () => unknown): string | undefined => {
    try {
      fn();
    } catch (err) {
      assert.ok(err instanceof TrackingError);
      assert.equal(err.code, 'INVALID_PARAMETER_VALUE');
      return err.field;
    }
    assert.fail('expected a TrackingError');
  };

  it('accepts batches over the per-request limits', () => {
    assert.equal(validateSplittableBatch({ metrics: metrics(2500), params: kv('p', 250), tags: kv('t', 250) }).length, 250);
  });

  it('points at the bad entry by its index in the whole batch', () => {
    const bad = metrics(2000);
    bad[1500] = { key: 'a/../b', value: 1, timestamp: 1, step: 0 };
    assert.equal(fieldOf(() => validateSplittableBatch({ metrics: bad })), 'metrics[1500].key');
    const params = kv('p', 150);
    params[120] = { key: 'p', value: 'x'.repeat(6001) };
    assert.equal(fieldOf(() => validateSplittableBatch({ params })), 'params[120].value');
    assert.equal(fieldOf(() => validateSplittableBatch({ tags: [...kv('t', 130), { key: '/abs', value: '' }] })), 'tags[130].key');
  });

  it('drops exact param repeats (MLflow refuses them in one request) and refuses conflicting ones', () => {
    const params = [{ key: 'a', value: '1' }, { key: 'b', value: '2' }, { key: 'a', value: '1' }];
    assert.deepEqual(validateSplittableBatch({ params }), params.slice(0, 2));
    assert.equal(fieldOf(() => validateSplittableBatch({ params: [...params, { key: 'b', value: '3' }] })), 'params[3].key');
  });
});
