/** The hover's SVG chart: well-formed, inside its box, gaps for NaN, bounded size, numbers only. */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import {
  CHART_HEIGHT,
  CHART_MAX_POINTS,
  CHART_WIDTH,
  type ChartPoint,
  chartSvg,
  downsample,
  drawnPoints,
  svgDataUri,
} from '../../server/src/lsp/inline/chart-svg.ts';
import { formatValue } from '../../server/src/lsp/inline/format.ts';
import { type Parsed, type XmlElement, parseXml, pathNumbers } from './svg-xml.ts';

const series = (values: readonly (number | null)[], stepOf = (i: number) => i): ChartPoint[] =>
  values.map((value, i) => ({ step: stepOf(i), value }));

/** A long wavy series with one spike and a run of NaN. */
const long = (n: number): ChartPoint[] =>
  series(Array.from({ length: n }, (_, i) => (i === Math.floor(n * 0.6) ? 50 : i > n * 0.4 && i < n * 0.42 ? null : Math.exp(-i / (n / 5)) + 0.05 * Math.sin(i / 7))));

const CASES: Record<string, ChartPoint[]> = {
  falling: series([0.9, 0.5, 0.25, 0.3]),
  gaps: series([1, 2, null, 3, 4, null, null, 5, 6]),
  lonePoint: series([1, 2, null, 7, null, 3, 4]),
  single: series([0.123]),
  flat: series([3, 3, 3, 3]),
  flatSameStep: series([2, 2, 2], () => 0),
  huge: series([-1.7e308, 1.7e308, 0, Number.MAX_VALUE]),
  tiny: series([1e-300, 2e-300, 5e-324, 1.5e-300]),
  negative: series([-5, -1, -3]),
  bigSteps: series([1, 2, 3], (i) => 1.7e12 + i * 1000),
  infinite: series([1, Infinity, 2, -Infinity, 3]),
  long: long(10_000),
};

const svgs = Object.fromEntries(Object.entries(CASES).map(([name, points]) => [name, chartSvg(points)!]));
let parsed: Record<string, Parsed>;

const elements = (name: string): XmlElement[] => {
  const p = parsed[name]!;
  assert.ok(p.ok, `${name}: ${p.ok ? '' : p.error}`);
  return p.elements;
};
const byTag = (name: string, tag: string) => elements(name).filter((e) => e.tag === tag);
/** The line's stretches between gaps, as (x, y) pairs. */
const lineRuns = (name: string): [number, number][][] => {
  const paths = byTag(name, 'path').filter((p) => p.attrs.fill === 'none' && p.attrs['stroke-width'] === '1.75');
  assert.ok(paths.length <= 1, `${name}: one line path`);
  return paths.length ? runs(paths[0]!.attrs.d!) : [];
};
/** Points alone between gaps, drawn as dots. */
const dots = (name: string): [number, number][] => {
  const paths = byTag(name, 'path').filter((p) => p.attrs['stroke-width'] === '3.5');
  assert.ok(paths.length <= 1, `${name}: one path of dots`);
  return paths.length ? pairs(paths[0]!.attrs.d!.replaceAll('h0', '')) : [];
};
const areaPaths = (name: string) => byTag(name, 'path').filter((p) => p.attrs.fill !== 'none');
const labels = (name: string) => byTag(name, 'text').map((t) => t.text);
/** (x, y) pairs of a path. */
const pairs = (d: string): [number, number][] => {
  const n = pathNumbers(d);
  return Array.from({ length: n.length / 2 }, (_, i) => [n[2 * i]!, n[2 * i + 1]!]);
};
const runs = (d: string): [number, number][][] => d.split('M').filter(Boolean).map((r) => pairs(r));
/** The marker: the two circles drawn last. */
const marker = (name: string) => {
  const circles = byTag(name, 'circle');
  return circles.slice(-2).map((c) => [Number(c.attrs.cx), Number(c.attrs.cy), Number(c.attrs.r)]);
};

before(async () => {
  const results = await parseXml(Object.values(svgs));
  parsed = Object.fromEntries(Object.keys(svgs).map((name, i) => [name, results[i]!]));
});

describe('chart SVG', () => {
  test('every case is a well-formed SVG document of 360 × 120', () => {
    for (const name of Object.keys(CASES)) {
      const [root] = elements(name);
      assert.equal(root!.tag, 'svg', name);
      assert.equal(root!.namespace, 'http://www.w3.org/2000/svg', name);
      assert.equal(root!.attrs.width, String(CHART_WIDTH), name);
      assert.equal(root!.attrs.height, String(CHART_HEIGHT), name);
      assert.equal(root!.attrs.viewBox, `0 0 ${CHART_WIDTH} ${CHART_HEIGHT}`, name);
    }
    // The parser is strict: a broken document is reported, not accepted.
    return parseXml(['<svg><g></svg>']).then(([bad]) => assert.equal(bad!.ok, false));
  });

  test('everything drawn lies inside the image', () => {
    for (const name of Object.keys(CASES)) {
      const xs: number[] = [];
      const ys: number[] = [];
      for (const e of elements(name)) {
        if (e.tag === 'path') for (const [x, y] of pairs(e.attrs.d!.replaceAll('h0', ''))) xs.push(x), ys.push(y);
        if (e.tag === 'circle') xs.push(Number(e.attrs.cx)), ys.push(Number(e.attrs.cy));
        if (e.tag === 'line') xs.push(Number(e.attrs.x1), Number(e.attrs.x2)), ys.push(Number(e.attrs.y1), Number(e.attrs.y2));
        if (e.tag === 'text') xs.push(Number(e.attrs.x)), ys.push(Number(e.attrs.y));
      }
      assert.ok(xs.length > 0 && ys.length > 0, name);
      for (const x of xs) assert.ok(Number.isFinite(x) && x >= 0 && x <= CHART_WIDTH, `${name}: x ${x}`);
      for (const y of ys) assert.ok(Number.isFinite(y) && y >= 0 && y <= CHART_HEIGHT, `${name}: y ${y}`);
    }
  });

  test('only numbers and fixed markup: element names, attributes and text', () => {
    const allowed = new Set(['svg', 'g', 'line', 'path', 'circle', 'text']);
    const number = /^-?\d+(\.\d+)?(e[+-]\d+)?$/;
    for (const name of Object.keys(CASES)) {
      for (const e of elements(name)) {
        assert.ok(allowed.has(e.tag), `${name}: <${e.tag}>`);
        if (e.tag === 'text') assert.match(e.text, number, `${name}: label ${e.text}`);
        else assert.equal(e.text, '', `${name}: text in <${e.tag}>`);
        assert.ok(!Object.keys(e.attrs).some((a) => a.startsWith('on') || a.includes('href')), `${name}: ${Object.keys(e.attrs)}`);
      }
      assert.doesNotMatch(svgs[name]!, /<script|<foreignObject|href|url\(/i, name);
    }
  });

  test('value labels are the min and max; step labels the first and last step', () => {
    assert.deepEqual(labels('falling'), ['0.9', '0.25', '0', '3']);
    assert.deepEqual(labels('negative'), ['-1', '-5', '0', '2']);
    assert.deepEqual(labels('huge'), [formatValue(Number.MAX_VALUE), '-1.7e+308', '0', '3']);
    assert.deepEqual(labels('tiny'), ['2e-300', '5e-324', '0', '3']);
    assert.deepEqual(labels('bigSteps'), ['3', '1', '1700000000000', '1700000002000']);
  });

  test('the line falls where the values do, and the last point is marked', () => {
    const [pts] = lineRuns('falling');
    assert.ok(pts);
    assert.equal(pts.length, 4);
    // x grows with the step; y: 0.9 at the top, 0.25 at the bottom, 0.3 just above it.
    for (let i = 1; i < pts.length; i++) assert.ok(pts[i]![0] > pts[i - 1]![0]);
    const ys = pts.map(([, y]) => y);
    assert.ok(ys[0]! < ys[1]! && ys[1]! < ys[3]! && ys[3]! < ys[2]!, JSON.stringify(ys));
    const [x3, y3] = pts[3]!;
    assert.deepEqual(marker('falling').map(([x, y]) => [x, y]), [[x3, y3], [x3, y3]]);
    assert.equal(areaPaths('falling').length, 1, 'a translucent fill under the line');
  });

  test('NaN breaks the line; a finite point alone between gaps is a dot', () => {
    assert.deepEqual(lineRuns('gaps').map((r) => r.length), [2, 2, 2], '[1 2] [3 4] [5 6]');
    assert.deepEqual(dots('gaps'), []);
    assert.deepEqual(lineRuns('lonePoint').map((r) => r.length), [2, 2], '[1 2] and [3 4]');
    // The lone 7 is the maximum: a dot at the top of the plot, between the two runs.
    const [dot, ...more] = dots('lonePoint');
    assert.deepEqual(more, []);
    assert.equal(dot![1], Math.min(...byTag('lonePoint', 'line').map((l) => Number(l.attrs.y1))));
    const [first, second] = lineRuns('lonePoint');
    assert.ok(first!.at(-1)![0] < dot![0] && dot![0] < second![0]![0]);
    // Infinite values are gaps as well; the labels stay finite.
    assert.deepEqual(lineRuns('infinite'), [], '1, 2 and 3 each stand alone');
    assert.equal(dots('infinite').length, 3);
    assert.deepEqual(labels('infinite').slice(0, 2), ['3', '1']);
  });

  test('a single point: a marked dot in the middle, one value label, one step label', () => {
    assert.deepEqual(lineRuns('single'), []);
    const [x, y, r] = marker('single')[1]!;
    const [grid] = byTag('single', 'line');
    assert.ok(Math.abs(x! - (Number(grid!.attrs.x1) + Number(grid!.attrs.x2)) / 2) <= 0.1, `centred: ${x}`);
    assert.equal(y, Number(grid!.attrs.y1));
    assert.ok(r! > 0);
    assert.deepEqual(labels('single'), ['0.123', '0']);
  });

  test('a flat line: level, mid-height, no fill, its one value labelled', () => {
    const [line] = lineRuns('flat');
    const ys = new Set(line!.map(([, y]) => y));
    assert.equal(ys.size, 1);
    const [y] = [...ys];
    assert.ok(y! > 20 && y! < CHART_HEIGHT - 30, `mid-height: ${y}`);
    assert.equal(areaPaths('flat').length, 0);
    assert.deepEqual(labels('flat'), ['3', '0', '3']);
    // Every point at step 0: spread by position, one step label.
    assert.equal(new Set(lineRuns('flatSameStep')[0]!.map(([x]) => x)).size, 3);
    assert.deepEqual(labels('flatSameStep'), ['2', '0']);
  });

  test('nothing finite: no chart', () => {
    assert.equal(chartSvg([]), undefined);
    assert.equal(chartSvg(series([null, NaN, Infinity])), undefined);
  });

  test('long series: at most CHART_MAX_POINTS drawn, the spike, the gap and both ends kept; a few kilobytes', () => {
    const points = long(10_000);
    const small = downsample(points);
    assert.ok(drawnPoints(small) <= CHART_MAX_POINTS, `${drawnPoints(small)} drawn`);
    assert.ok(drawnPoints(small) >= CHART_MAX_POINTS - 4, `${drawnPoints(small)} drawn`);
    assert.deepEqual(small[0], points[0]);
    assert.deepEqual(small.at(-1), points.at(-1));
    assert.ok(small.some((p) => p.value === 50), 'the spike');
    assert.ok(small.some((p) => p.value === null), 'the NaN run');
    const finite = points.map((p) => p.value).filter((v): v is number => v !== null);
    assert.equal(Math.min(...small.map((p) => p.value ?? Infinity)), Math.min(...finite));
    for (let i = 1; i < small.length; i++) assert.ok(small[i]!.step >= small[i - 1]!.step, 'in order');
    assert.equal(lineRuns('long').length, 2, 'the NaN run breaks the line');
    assert.ok(labels('long').includes('50'));

    // Short series pass through whole.
    assert.deepEqual(downsample(CASES.gaps!), CASES.gaps);

    // The worst case for size: every other point NaN, values of full precision.
    const worst = series(Array.from({ length: 200_000 }, (_, i) => (i % 2 ? null : Math.sin(i) * 123456.789)));
    for (const pts of [points, worst]) {
      const uri = svgDataUri(chartSvg(pts)!);
      assert.ok(uri.startsWith('data:image/svg+xml;base64,'));
      assert.ok(uri.length < 16_000, `data URI of ${uri.length} characters`);
    }
  });
});
