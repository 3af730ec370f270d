import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { align, ema } from '../../webviews/src/shared/chartData.ts';
import { emptySeries, LiveStore, mergePoints, Throttle } from '../../webviews/src/live/series.ts';

describe('mergePoints', () => {
  it('appends in order, inserts out of order, and keeps one point per step', () => {
    const s = emptySeries();
    assert.ok(mergePoints(s, [[0, 1, 100], [1, 2, 101], [2, 3, 102]]));
    assert.ok(mergePoints(s, [[5, 6, 105], [3, 4, 103]]));
    assert.deepEqual(s.steps, [0, 1, 2, 3, 5]);
    assert.deepEqual(s.values, [1, 2, 3, 4, 6]);
    // A history page overlapping live frames changes nothing.
    assert.equal(mergePoints(s, [[1, 2, 101], [2, 3, 102]]), false);
    // An older write at a known step does not replace the newer one; a newer one does.
    assert.equal(mergePoints(s, [[2, 99, 50]]), false);
    assert.ok(mergePoints(s, [[2, 7, 200]]));
    assert.deepEqual(s.values, [1, 2, 7, 4, 6]);
    assert.deepEqual(s.times, [100, 101, 200, 103, 105]);
  });

  it('handles a long live stream in linear time', () => {
    const s = emptySeries();
    const started = performance.now();
    for (let i = 0; i < 200_000; i += 100) {
      mergePoints(s, Array.from({ length: 100 }, (_, j) => [i + j, Math.sin(i + j), i + j] as [number, number, number]));
    }
    assert.equal(s.steps.length, 200_000);
    assert.ok(performance.now() - started < 1000);
  });
});

describe('ema', () => {
  it('is the identity at weight 0 and debiased otherwise', () => {
    assert.deepEqual(ema([1, 2, 3], 0), [1, 2, 3]);
    const out = ema([10, 10, 10], 0.9);
    for (const v of out) assert.ok(Math.abs(v! - 10) < 1e-9, 'a constant stays constant (no pull towards 0)');
    const smoothed = ema([0, 10, 0, 10, 0, 10], 0.6);
    const spread = Math.max(...smoothed.slice(2).map(Number)) - Math.min(...smoothed.slice(2).map(Number));
    assert.ok(spread < 10);
  });

  it('keeps missing values missing without disturbing the average', () => {
    assert.deepEqual(ema([2, null, 2], 0.5), [2, null, 2]);
  });
});

describe('align', () => {
  it('joins runs on the union of x with nulls where a run has no point', () => {
    assert.deepEqual(
      align([
        { xs: [0, 2, 4], ys: [1, 2, 3] },
        { xs: [1, 2], ys: [5, 6] },
      ]),
      [
        [0, 1, 2, 4],
        [1, null, 2, 3],
        [null, 5, 6, null],
      ],
    );
    assert.deepEqual(align([{ xs: [3, 1], ys: [30, 10] }]), [[1, 3], [10, 30]]);
  });
});

describe('LiveStore', () => {
  const run = (runId: string, name = runId) => ({ tenant: 'acme', runId, name, status: 'RUNNING' as const, startTime: 0 });

  it('merges history and frames per run and metric, and tables them by step or time', () => {
    const store = new LiveStore();
    store.apply({ type: 'run', run: run('a', '"><img src=x onerror=alert(1)>'), reset: true });
    store.apply({ type: 'run', run: run('b'), reset: true });
    store.apply({ type: 'points', runId: 'a', key: 'loss', points: [[0, 1, 1000], [1, 0.5, 2000]] });
    const live = store.apply({ type: 'points', runId: 'a', key: 'loss', points: [[1, 0.5, 2000], [2, 0.25, 3000]] });
    assert.deepEqual([...live.keys], ['loss']);
    store.apply({ type: 'points', runId: 'b', key: 'loss', points: [[1, 0.7, 1500]] });
    store.apply({ type: 'points', runId: 'b', key: 'acc', points: [[1, 0.1, 1500]] });
    // Points for a run the panel does not show are ignored.
    assert.equal(store.apply({ type: 'points', runId: 'zz', key: 'x', points: [[1, 1, 1]] }).keys.size, 0);
    assert.deepEqual(store.keys(), ['acc', 'loss']);
    assert.deepEqual(store.table('loss', 'step', 0), {
      runIds: ['a', 'b'],
      table: [
        [0, 1, 2],
        [1, 0.5, 0.25],
        [null, 0.7, null],
      ],
    });
    assert.deepEqual(store.table('acc', 'time', 0).table, [[1.5], [0.1]]);
  });

  it('follows status, reset, removal and errors', () => {
    const store = new LiveStore();
    store.apply({ type: 'run', run: run('a'), reset: true });
    store.apply({ type: 'points', runId: 'a', key: 'loss', points: [[0, 1, 1]] });
    assert.ok(store.apply({ type: 'status', runId: 'a', status: 'FINISHED' }).runsChanged);
    assert.equal(store.runs.get('a')!.run.status, 'FINISHED');
    assert.deepEqual([...store.apply({ type: 'run', run: run('a'), reset: true }).keys], ['loss']);
    assert.deepEqual(store.keys(), []);
    store.apply({ type: 'error', runId: 'a', message: '</script>' });
    assert.equal(store.runs.get('a')!.error, '</script>');
    store.apply({ type: 'removed', runId: 'a' });
    assert.equal(store.runs.size, 0);
  });
});

describe('Throttle', () => {
  it('folds bursts into at most one call per interval', () => {
    let now = 0;
    const timers: { at: number; fn: () => void }[] = [];
    let calls = 0;
    const t = new Throttle(() => calls++, 100, () => now, (fn, ms) => timers.push({ at: now + ms, fn }));
    const run = () => {
      timers.sort((a, b) => a.at - b.at);
      while (timers.length > 0 && timers[0]!.at <= now) timers.shift()!.fn();
    };
    for (now = 0; now < 1000; now += 5) {
      t.request();
      run();
    }
    assert.ok(calls >= 9 && calls <= 11, `${calls} redraws in a second`);
  });
});
