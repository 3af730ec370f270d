/** The notebook renderer's pure chart logic: series merging, bounds, ticks, polylines. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
// Loaded by a computed path: test/tsconfig.json does not reference the webviews project yet, and a
// static import of a file outside the test project fails `tsc -b` (TS6307). With the reference
// added, this becomes `import { ... } from '../../webviews/src/notebook-renderer/chart.ts'`.
const CHART: string = new URL('../../webviews/src/notebook-renderer/chart.ts', import.meta.url).href;
type PointTuple = [number, number | null, number];
interface Series {
  key: string;
  steps: number[];
  values: (number | null)[];
  times: number[];
}
interface Bounds {
  xMin: number;
  xMax: number;
  yMin: number;
  yMax: number;
}
interface Store {
  version: number;
  readonly keys: string[];
  get(key: string): Series | undefined;
  all(): Series[];
  clear(): void;
  add(key: string, points: readonly PointTuple[]): number;
}
const chart = (await import(CHART)) as {
  SeriesStore: new () => Store;
  boundsOf(series: readonly Series[]): Bounds | undefined;
  niceTicks(min: number, max: number, count?: number): number[];
  formatTick(v: number): string;
  latest(s: Series): { step: number; value: number } | undefined;
  polyline(s: Series, b: Bounds, rect: { x: number; y: number; width: number; height: number }): [number, number][][];
};
const { boundsOf, formatTick, latest, niceTicks, polyline, SeriesStore } = chart;

test('series: sorted by step, live points overlapping the history are not duplicated, later writes win', () => {
  const store = new SeriesStore();
  assert.equal(store.add('loss', [[0, 1, 100], [1, 0.5, 200], [2, 0.4, 300]]), 3);
  const v = store.version;
  // A live frame that overlaps the history read: nothing changes, nothing redraws.
  assert.equal(store.add('loss', [[1, 0.5, 200], [2, 0.4, 300]]), 0);
  assert.equal(store.version, v);
  // New steps, one out of order; a rewrite of step 0 later in time; an older write of step 1 is ignored.
  assert.equal(store.add('loss', [[4, 0.2, 500], [3, 0.3, 400], [0, 0.9, 600], [1, 7, 50]]), 3);
  const s = store.get('loss')!;
  assert.deepEqual(s.steps, [0, 1, 2, 3, 4]);
  assert.deepEqual(s.values, [0.9, 0.5, 0.4, 0.3, 0.2]);
  assert.ok(store.version > v);
  store.add('acc', [[0, null, 1]]);
  assert.deepEqual(store.keys, ['loss', 'acc']);
  assert.equal(latest(store.get('acc')!), undefined);
  assert.deepEqual(latest(s), { step: 4, value: 0.2 });
  store.clear();
  assert.deepEqual(store.keys, []);
});

test('bounds: NaN (null) ignored, padded, flat and single-point series stay visible', () => {
  const store = new SeriesStore();
  assert.equal(boundsOf(store.all()), undefined);
  store.add('a', [[0, null, 0]]);
  assert.equal(boundsOf(store.all()), undefined);
  store.add('a', [[5, 2, 0]]);
  assert.deepEqual(boundsOf(store.all()), { xMin: 4, xMax: 6, yMin: 1.8, yMax: 2.2 });
  store.add('b', [[10, 0, 0], [20, 10, 0]]);
  assert.deepEqual(boundsOf(store.all()), { xMin: 5, xMax: 20, yMin: -0.5, yMax: 10.5 });
});

test('ticks are round numbers inside the range; labels are compact', () => {
  assert.deepEqual(niceTicks(0, 10, 5), [0, 2, 4, 6, 8, 10]);
  assert.deepEqual(niceTicks(0.13, 0.61, 4), [0.2, 0.4, 0.6]);
  assert.deepEqual(niceTicks(3, 3), [3]);
  assert.equal(formatTick(0), '0');
  assert.equal(formatTick(0.30000000000000004), '0.3');
  assert.equal(formatTick(123456), '1.2e+5');
  assert.equal(formatTick(0.0001), '1.0e-4');
});

test('polyline: pixel coordinates, NaN breaks the line, long series thinned per pixel column', () => {
  const store = new SeriesStore();
  store.add('m', [[0, 0, 0], [1, 1, 0], [2, null, 0], [3, 1, 0], [4, 0, 0]]);
  const b = { xMin: 0, xMax: 4, yMin: 0, yMax: 1 };
  const rect = { x: 10, y: 0, width: 40, height: 100 };
  assert.deepEqual(polyline(store.get('m')!, b, rect), [
    [[10, 100], [20, 0]],
    [[40, 0], [50, 100]],
  ]);
  // 100 000 points into 100 pixels: at most two per column, the extremes kept.
  const big = new SeriesStore();
  const points: [number, number, number][] = [];
  for (let i = 0; i < 100_000; i++) points.push([i, i === 50_000 ? 100 : Math.sin(i), i]);
  big.add('m', points);
  const segments = polyline(big.get('m')!, boundsOf(big.all())!, { x: 0, y: 0, width: 100, height: 100 });
  assert.equal(segments.length, 1);
  assert.ok(segments[0]!.length <= 202, String(segments[0]!.length));
  const top = Math.min(...segments[0]!.map((p) => p[1]));
  assert.ok(top < 5, `the spike is kept (y ${top})`);
});
