/** Lens titles, sparklines, the hover markdown with its chart, and the calm refresher. */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test } from 'node:test';
import { CalmRefresher } from '../../server/src/lsp/inline/refresh.ts';
import { chartSvg, downsample } from '../../server/src/lsp/inline/chart-svg.ts';
import { codeSpan, formatValue, hoverMarkdown, lensTitle, sparkline, summarize } from '../../server/src/lsp/inline/render.ts';

const pts = (values: (number | null)[]) => values.map((value, step) => ({ step, value, timestamp: step }));

describe('inline rendering', () => {
  test('values', () => {
    assert.equal(formatValue(0.21344), '0.2134');
    assert.equal(formatValue(41), '41');
    assert.equal(formatValue(1234.5678), '1235');
    assert.equal(formatValue(1e-7), '1e-7');
    assert.equal(formatValue(null), 'NaN');
    assert.equal(formatValue(-Infinity), '-∞');
    // Rounding Number.MAX_VALUE to four digits would overflow: the digits stay.
    assert.equal(formatValue(Number.MAX_VALUE), '1.798e+308');
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

  test('summary of a history: count, recent points for the lens, downsampled chart, min and max', () => {
    const points = pts(Array.from({ length: 1000 }, (_, i) => (i === 500 ? null : i % 100)));
    const view = summarize(points);
    assert.equal(view.count, 1000);
    assert.deepEqual(view.recent, points.slice(-16));
    assert.deepEqual(view.chart, downsample(points.map(({ step, value }) => ({ step, value }))));
    assert.deepEqual([view.min, view.max], [0, 99]);
    assert.deepEqual(summarize([]), { count: 0, recent: [], chart: [], min: null, max: null });
  });

  test('hover markdown: the run, the chart as a data: SVG image, then min / max / last', () => {
    const view = summarize(pts([3, 1, 2]));
    const md = hoverMarkdown('loss', 'acme', { runId: 'r1', runName: 'brave-owl', status: 'RUNNING' }, view);
    const svg = chartSvg(view.chart)!;
    assert.equal(
      md,
      [
        '**loss** · run `brave-owl` (running) · tenant `acme`',
        '',
        `![chart](data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')})`,
        '',
        'min 1 · max 3 · last 2 at step 2 · steps 0–2 · 3 points',
      ].join('\n'),
    );
    assert.equal(hoverMarkdown('a_b', 'acme', undefined, undefined), '**a\\_b** · no run of tenant `acme` has logged it yet');
    const run = { runId: 'r1', runName: '', status: 'FINISHED' };
    assert.equal(hoverMarkdown('loss', 'acme', run, summarize([])), '**loss** · run `r1` (finished) · tenant `acme`\n\nNo points yet.');
    assert.match(hoverMarkdown('loss', 'acme', run, summarize(pts([null]))), /Every value is NaN or infinite: nothing to draw\.\n\nmin NaN · max NaN · last NaN at step 0 · steps 0–0 · 1 point$/);
  });

  test('hover markdown: a key and a run name that look like markup stay in the text, escaped, never in the SVG', () => {
    const key = '<script>alert(1)</script>](x)';
    const md = hoverMarkdown(key, 'acme', { runId: 'r1', runName: 'evil"<svg onload=x>', status: 'RUNNING' }, summarize(pts([1, 2])));
    assert.ok(md.startsWith('**\\<script\\>alert\\(1\\)\\</script\\>\\]\\(x\\)** · run `evil"<svg onload=x>`'), md);
    const [, b64] = /\(data:image\/svg\+xml;base64,([A-Za-z0-9+/=]+)\)/.exec(md)!;
    const svg = Buffer.from(b64!, 'base64').toString('utf8');
    assert.equal(svg, chartSvg([{ step: 0, value: 1 }, { step: 1, value: 2 }]));
    assert.doesNotMatch(svg, /script|alert|evil|onload/);
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

test('codeSpan keeps a run name with backticks and line breaks inside one code span', () => {
  assert.equal(codeSpan('plain'), '`plain`');
  assert.equal(codeSpan('a`b'), '``a`b``');
  assert.equal(codeSpan('``x'), '``` ``x ```');
  assert.equal(codeSpan('two\nlines'), '`two lines`');
});
