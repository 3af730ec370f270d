/** Lens titles, sparklines, the hover chart and the calm refresher. */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test } from 'node:test';
import { CalmRefresher } from '../../server/src/lsp/inline/refresh.ts';
import { blockChart, formatValue, hoverMarkdown, lensTitle, sparkline } from '../../server/src/lsp/inline/render.ts';

const pts = (values: (number | null)[]) => values.map((value, step) => ({ step, value, timestamp: step }));

describe('inline rendering', () => {
  test('values', () => {
    assert.equal(formatValue(0.21344), '0.2134');
    assert.equal(formatValue(41), '41');
    assert.equal(formatValue(1234.5678), '1235');
    assert.equal(formatValue(1e-7), '1e-7');
    assert.equal(formatValue(null), 'NaN');
  });

  test('sparkline', () => {
    assert.equal(sparkline([0, 1, 2, 3, 4, 5, 6, 7]), '▁▂▃▄▅▆▇█');
    assert.equal(sparkline([2, 2, 2]), '▄▄▄');
    assert.equal(sparkline([0, null, 1]), '▁ █');
    assert.equal(sparkline([]), '');
  });

  test('lens title: last 16 points by step', () => {
    const values = Array.from({ length: 20 }, (_, i) => i);
    assert.equal(lensTitle('loss', pts(values)), `loss 19 · step 19 · ${sparkline(values.slice(-16))}`);
    assert.equal(lensTitle('loss', pts([0.9, 0.5, 0.25])), 'loss 0.25 · step 2 · █▄▁');
    assert.equal(lensTitle('loss', []), 'loss (no points yet)');
  });

  test('hover chart and markdown', () => {
    assert.deepEqual(blockChart([0, 1], 2), [' █', '▁█']);
    const md = hoverMarkdown('loss', 'acme', { runId: 'r1', runName: 'brave-owl', status: 'RUNNING' }, pts([3, 1, 2]));
    assert.equal(
      md,
      ['**loss** · run `brave-owl` (running) · tenant `acme`', '', '```text', ...blockChart([3, 1, 2]), '```', 'min 1 · max 3 · last 2 at step 2 · steps 0–2'].join('\n'),
    );
    assert.equal(hoverMarkdown('a_b', 'acme', undefined, []), '**a\\_b** · no run of tenant `acme` has logged it yet');
  });
});

describe('CalmRefresher', () => {
  test('first at once, then at most one per interval, bursts folded', async () => {
    const sent: number[] = [];
    const r = new CalmRefresher(() => sent.push(performance.now()), 100);
    r.request();
    assert.equal(sent.length, 1);
    for (let i = 0; i < 20; i++) {
      r.request();
      await sleep(10);
    }
    await sleep(150);
    assert.ok(sent.length >= 2 && sent.length <= 4, `sent ${sent.length}`);
    for (let i = 1; i < sent.length; i++) assert.ok(sent[i]! - sent[i - 1]! >= 95, 'spaced by the interval');
    r.dispose();
  });
});
