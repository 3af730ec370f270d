import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { RunView } from '../../protocol/src/index.ts';
import { compareViews, guessDirection } from '../../server/src/services/compare.ts';

function run(id: string, metrics: Record<string, number | null>, params: Record<string, string> = {}): RunView {
  const time = '2026-01-01T00:00:00.000Z';
  return {
    id,
    experimentId: '1',
    name: id,
    status: 'finished',
    lifecycleStage: 'active',
    startTime: time,
    endTime: time,
    durationSeconds: 0,
    tags: {},
    params,
    metrics,
    artifacts: [],
  };
}

describe('compare', () => {
  test('directions are guessed from the name unless given', () => {
    assert.equal(guessDirection('val_loss'), 'min');
    assert.equal(guessDirection('rmse'), 'min');
    assert.equal(guessDirection('accuracy'), 'max');
    const runs = [run('a', { accuracy: 0.9, loss: 0.3 }), run('b', { accuracy: 0.8, loss: 0.2 })];
    const guessed = compareViews(runs, undefined, {});
    assert.deepEqual(
      guessed.metrics.map((m) => [m.key, m.direction, m.bestRunId]),
      [
        ['accuracy', 'max', 'a'],
        ['loss', 'min', 'b'],
      ],
    );
    assert.equal(compareViews(runs, ['accuracy'], { accuracy: 'min' }).metrics[0]!.bestRunId, 'b');
  });

  test('a run lacking the metric, or holding NaN (null), never wins it', () => {
    const runs = [run('nan', { loss: null }), run('none', {}), run('ok', { loss: 5 })];
    const [loss] = compareViews(runs, undefined, {}).metrics;
    assert.deepEqual(loss, { key: 'loss', direction: 'min', values: { nan: null, none: null, ok: 5 }, bestRunId: 'ok' });
    assert.equal(compareViews([run('none', {})], ['loss'], {}).metrics[0]!.bestRunId, null);
  });

  test('params side by side, sorted, with whether they differ', () => {
    const runs = [run('a', {}, { model: 'xgb', lr: '0.1' }), run('b', {}, { model: 'xgb' })];
    assert.deepEqual(compareViews(runs, [], {}).params, [
      { key: 'lr', values: { a: '0.1', b: null }, differs: true },
      { key: 'model', values: { a: 'xgb', b: 'xgb' }, differs: false },
    ]);
  });
});
