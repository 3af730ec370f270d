/**
 * The pure parts of the Compare Runs page and the shared chart code: which params show, min / max /
 * last and the best run, the CSV export (quoting, formula injection), request bookkeeping, and the
 * tables uPlot draws (axes, smoothing, log scale).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CompareCurve, CompareMetric, CompareParam, CompareRun } from '../../protocol/src/compare-panel.ts';
import {
  bestRun,
  chunk,
  compareCsv,
  csvCell,
  metricStats,
  runTitle,
  safeFileName,
  SeriesRequests,
  visibleParams,
} from '../../webviews/src/compare/model.ts';
import { buildTable, formatDuration, formatTick, formatValue, formatX, nearestValue, pointX, seriesColour } from '../../webviews/src/shared/charts.ts';
import type { ChartSeries } from '../../webviews/src/shared/charts.ts';

const run = (runId: string, name: string): CompareRun => ({ runId, name, status: 'finished', startTime: 1000, endTime: 2000, experimentId: '1' });
const runs = [run('r1', 'alpha'), run('r2', ''), run('r3', 'gamma')];

function curve(runId: string, values: (number | null)[], extra: Partial<CompareCurve> = {}): CompareCurve {
  const points = values.map((v, i) => [i, v, 1000 + i * 10] as [number, number | null, number]);
  const finite = values.filter((v): v is number => v !== null);
  return {
    runId,
    key: 'loss',
    totalPoints: values.length,
    reduced: false,
    points,
    min: finite.length ? Math.min(...finite) : null,
    max: finite.length ? Math.max(...finite) : null,
    last: points.at(-1) ?? null,
    ...extra,
  };
}

describe('Compare model', () => {
  it('names a run without a name by its id', () => {
    assert.equal(runTitle(runs[0]!), 'alpha');
    assert.equal(runTitle({ runId: 'abcdef0123456789', name: '  ' }), 'Run abcdef01');
  });

  it('shows only differing params when asked', () => {
    const params: CompareParam[] = [
      { key: 'lr', values: ['0.1', '0.01', '0.1'], differs: true },
      { key: 'seed', values: ['1', '1', '1'], differs: false },
    ];
    assert.deepEqual(visibleParams(params, true).map((p) => p.key), ['lr']);
    assert.deepEqual(visibleParams(params, false).map((p) => p.key), ['lr', 'seed']);
  });

  it('takes min / max / last from curves, else the latest value, and picks the best by direction', () => {
    const metric: CompareMetric = { key: 'loss', direction: 'min', latest: [0.5, 0.2, null] };
    const before = metricStats(runs, metric, undefined);
    assert.deepEqual(before.map((s) => [s.last, s.min, s.totalPoints]), [[0.5, null, 1], [0.2, null, 1], [null, null, 0]]);
    assert.equal(bestRun(before, 'min'), 'r2');
    assert.equal(bestRun(before, 'max'), 'r1');

    const curves = new Map([
      ['r1', curve('r1', [3, 1, 2])],
      ['r2', curve('r2', [5, 4, 2.5])],
      ['r3', curve('r3', [])],
    ]);
    const stats = metricStats(runs, metric, curves);
    assert.deepEqual(stats.map((s) => [s.min, s.max, s.last]), [[1, 3, 2], [2.5, 5, 2.5], [null, null, null]]);
    assert.equal(bestRun(stats, 'min'), 'r1');
    assert.equal(bestRun(stats, 'max'), 'r2');
    // Ties go to the earlier run; no values: no best.
    assert.equal(bestRun([{ runId: 'a', min: 1, max: 1, last: 1, totalPoints: 1 }, { runId: 'b', min: 1, max: 1, last: 1, totalPoints: 1 }], 'min'), 'a');
    assert.equal(bestRun([{ runId: 'a', min: null, max: null, last: null, totalPoints: 0 }], 'max'), null);
  });

  it('writes CSV cells that stay text in a spreadsheet', () => {
    assert.equal(csvCell('plain'), 'plain');
    assert.equal(csvCell('a,b'), '"a,b"');
    assert.equal(csvCell('say "hi"\nbye'), '"say ""hi""\nbye"');
    assert.equal(csvCell('=HYPERLINK("http://evil","x")'), `"'=HYPERLINK(""http://evil"",""x"")"`);
    assert.equal(csvCell('+cmd'), "'+cmd");
    assert.equal(csvCell('@SUM(A1)'), "'@SUM(A1)");
    assert.equal(csvCell('-0.5'), '-0.5', 'a negative number as text stays a number');
    assert.equal(csvCell('-1e-3'), '-1e-3');
    assert.equal(csvCell('-x'), "'-x");
    assert.equal(csvCell(-0.25), '-0.25');
    assert.equal(csvCell(Number.NaN), '');
    assert.equal(csvCell(null), '');
  });

  it('exports every param and per metric last / min / max / best', () => {
    const params: CompareParam[] = [
      { key: 'lr', values: ['0.1', null, '=1+1'], differs: true },
      { key: 'seed', values: ['1', '1', '1'], differs: false },
    ];
    const metric: CompareMetric = { key: 'loss', direction: 'min', latest: [2, 2.5, null] };
    const curves = new Map([
      ['r1', curve('r1', [3, 1, 2])],
      ['r2', curve('r2', [5, 4, 2.5])],
    ]);
    const csv = compareCsv({ tenant: 't', runs, params, metrics: [metric] }, (m) => metricStats(runs, m, curves), () => 'min');
    assert.equal(
      csv,
      [
        ',alpha,Run r2,gamma',
        'run_id,r1,r2,r3',
        "params.lr,0.1,,'=1+1",
        'params.seed,1,1,1',
        'metrics.loss.last,2,2.5,',
        'metrics.loss.min,1,2.5,',
        'metrics.loss.max,3,5,',
        'metrics.loss.best (min),x,,',
        '',
      ].join('\r\n'),
    );
  });

  it('makes safe file names', () => {
    assert.equal(safeFileName('../../etc/passwd', 'png'), 'etc-passwd.png');
    assert.equal(safeFileName('<img src=x>', 'png'), 'img-src-x.png');
    assert.equal(safeFileName('', 'csv'), 'compare.csv');
    assert.equal(safeFileName('train/loss', 'png'), 'train-loss.png');
  });

  it('keeps only the newest request per chart', () => {
    const requests = new SeriesRequests();
    const first = requests.start(['loss', 'acc'], 'step', 800);
    const zoom = requests.start(['loss'], 'step', 800, { min: 10, max: 20 });
    assert.notEqual(first, zoom);
    assert.equal(requests.isCurrent('loss', first), false, 'the zoom superseded the first answer for loss');
    assert.equal(requests.isCurrent('acc', first), true);
    assert.equal(requests.isCurrent('loss', zoom), true);
    assert.deepEqual(requests.newest('loss')?.range, { min: 10, max: 20 });
    requests.clear();
    assert.equal(requests.isCurrent('acc', first), false);
    assert.deepEqual(chunk([1, 2, 3, 4, 5], 2), [[1, 2], [3, 4], [5]]);
  });
});

describe('shared charts', () => {
  const a: ChartSeries = { id: 'a', label: 'a', colour: '#f00', startTime: 1000, points: [[0, 4, 1000], [2, 2, 3000], [4, 1, 5000]] };
  const b: ChartSeries = { id: 'b', label: 'b', colour: '#0f0', startTime: 2000, points: [[1, 8, 2000], [2, null, 2500], [3, -1, 4000]] };

  it('places points on the step, wall-time or since-start axis', () => {
    assert.equal(pointX([7, 1, 5000], 'step', 1000), 7);
    assert.equal(pointX([7, 1, 5000], 'time', 1000), 5000);
    assert.equal(pointX([7, 1, 5000], 'relative', 1000), 4000);
  });

  it('aligns runs on the union of their x values', () => {
    assert.deepEqual(buildTable([a, b], { xAxis: 'step', smoothing: 0, logScale: false }), [
      [0, 1, 2, 3, 4],
      [4, null, 2, null, 1],
      [null, 8, null, -1, null],
    ]);
    // Since start: a starts at 1000, b at 2000.
    assert.deepEqual(buildTable([a, b], { xAxis: 'relative', smoothing: 0, logScale: false }), [
      [0, 500, 2000, 4000],
      [4, null, 2, 1],
      [8, null, -1, null],
    ]);
    assert.deepEqual(buildTable([], { xAxis: 'step', smoothing: 0, logScale: false }), [[]]);
  });

  it('smooths with a debiased EMA and drops non-positive values on a log scale', () => {
    const [, ys] = buildTable([a], { xAxis: 'step', smoothing: 0.5, logScale: false });
    // Debiased: the first value is the value itself; then weighted towards the new values.
    assert.equal(ys![0], 4);
    assert.ok(Math.abs(ys![1]! - (0.5 * 0.5 * 4 + 0.5 * 2) / (1 - 0.25)) < 1e-12);
    const [, , logB] = buildTable([a, b], { xAxis: 'step', smoothing: 0, logScale: true });
    assert.deepEqual(logB, [null, 8, null, null, null]);
  });

  it('finds the value of a line near the cursor on the aligned table', () => {
    const column = [null, 3, null, null, null, 9, null];
    assert.equal(nearestValue(column, 1), 3);
    assert.equal(nearestValue(column, 2), 3, 'the nearer point wins');
    assert.equal(nearestValue(column, 4), 9);
    assert.equal(nearestValue(column, 6), 9);
    assert.equal(nearestValue([null, null, 5], 0, 1), null, 'nothing within reach');
    assert.equal(formatX(12345, 'step'), 'step 12,345');
    assert.equal(formatX(90_000, 'relative'), '1m 30s');
  });

  it('formats values, durations and colours', () => {
    assert.equal(formatValue(null), '–');
    assert.equal(formatValue(3), '3');
    assert.equal(formatValue(0.123456), '0.1235');
    assert.equal(formatValue(0.0001234), '1.234e-4');
    assert.equal(formatTick(0.5), '0.5');
    assert.equal(formatTick(1.25), '1.25');
    assert.equal(formatTick(0.0001), '1e-4');
    assert.equal(formatTick(250000), '250000');
    assert.equal(formatTick(null), '', 'log axes leave some ticks unlabelled');
    assert.equal(formatDuration(250), '250ms');
    assert.equal(formatDuration(2_500), '2.5s');
    assert.equal(formatDuration(3_000), '3s');
    assert.equal(formatDuration(-1_500), '-1.5s');
    assert.equal(formatDuration(45_000), '45s');
    assert.equal(formatDuration(200_000), '3m 20s');
    assert.equal(formatDuration(7_500_000), '2h 5m');
    assert.equal(formatDuration(3_600_000), '1h');
    const theme = { foreground: '', grid: '', background: '', font: '', palette: ['x', 'y'] };
    assert.equal(seriesColour(theme, 3), 'y');
  });
});
