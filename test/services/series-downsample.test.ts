import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { downsample, type DownsampleMethod, outputLimit } from '../../server/src/services/series/downsample.ts';

/** A small deterministic PRNG (mulberry32), so a failing case can be replayed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A noisy curve with spikes, repeated x values, NaN runs and the odd infinity. */
function curve(n: number, seed: number, opts: { nan?: number; inf?: number; repeats?: boolean } = {}): { xs: Float64Array; ys: Float64Array } {
  const r = rng(seed);
  const xs = new Float64Array(n);
  const ys = new Float64Array(n);
  let x = 0;
  for (let i = 0; i < n; i++) {
    x += opts.repeats && r() < 0.3 ? 0 : 1 + Math.floor(r() * 3);
    xs[i] = x;
    let y = Math.sin(i / 50) + (r() - 0.5) * 0.2 + (r() < 0.001 ? (r() - 0.5) * 40 : 0);
    if (opts.nan !== undefined && r() < opts.nan) y = Number.NaN;
    if (opts.inf !== undefined && r() < opts.inf) y = r() < 0.5 ? Infinity : -Infinity;
    ys[i] = y;
  }
  return { xs, ys };
}

function argExtremes(ys: ArrayLike<number>, from = 0, to = ys.length): { min: number; max: number } {
  let min = -1;
  let max = -1;
  for (let i = from; i < to; i++) {
    const y = ys[i]!;
    if (Number.isNaN(y)) continue;
    if (min < 0 || y < ys[min]!) min = i;
    if (max < 0 || y > ys[max]!) max = i;
  }
  return { min, max };
}

function assertAscending(indices: Uint32Array, n: number): void {
  for (let i = 1; i < indices.length; i++) assert.ok(indices[i]! > indices[i - 1]!, `indices ascend at ${i}`);
  if (indices.length > 0) assert.ok(indices[indices.length - 1]! < n);
}

function keptValues(indices: Uint32Array, ys: ArrayLike<number>): Set<number> {
  return new Set(Array.from(indices, (i) => ys[i]!));
}

const METHODS: DownsampleMethod[] = ['minmax', 'lttb'];

describe('downsample: both methods', () => {
  for (const method of METHODS) {
    test(`${method}: small curves come back whole and unreduced`, () => {
      for (const width of [16, 100]) {
        const limit = outputLimit(method, width);
        for (const n of [0, 1, 2, limit - 1, limit]) {
          const { xs, ys } = curve(n, n + width);
          const r = downsample(method, xs, ys, width);
          assert.equal(r.reduced, false, `n=${n}`);
          assert.deepEqual(Array.from(r.indices), Array.from({ length: n }, (_, i) => i));
        }
      }
    });

    test(`${method}: bounded output, ascending indices, first, last and global extremes kept`, () => {
      for (const [seed, n, width, opts] of [
        [1, 10_000, 100, {}],
        [2, 100_000, 1000, {}],
        [3, 5_000, 16, { nan: 0.05 }],
        [4, 20_000, 300, { nan: 0.3, repeats: true }],
        [5, 7_777, 64, { inf: 0.001 }],
        [6, 50_000, 500, { nan: 0.01, inf: 0.0005, repeats: true }],
      ] as const) {
        const { xs, ys } = curve(n, seed, opts);
        const r = downsample(method, xs, ys, width);
        assert.equal(r.reduced, true);
        assert.ok(r.indices.length <= outputLimit(method, width), `${r.indices.length} ≤ ${outputLimit(method, width)}`);
        assert.ok(r.indices.length >= Math.min(width, n) / 2, `kept ${r.indices.length} of ${n} for width ${width}`);
        assertAscending(r.indices, n);
        assert.equal(r.indices[0], 0);
        assert.equal(r.indices[r.indices.length - 1], n - 1);
        const { min, max } = argExtremes(ys);
        const kept = keptValues(r.indices, ys);
        assert.ok(kept.has(ys[min]!), `global min ${ys[min]} kept (seed ${seed})`);
        assert.ok(kept.has(ys[max]!), `global max ${ys[max]} kept (seed ${seed})`);
      }
    });

    test(`${method}: infinities are extremes and do not flatten the rest`, () => {
      const { xs, ys } = curve(10_000, 7);
      ys[1234] = Infinity;
      ys[8765] = -Infinity;
      const r = downsample(method, xs, ys, 200);
      const kept = Array.from(r.indices);
      assert.ok(kept.includes(1234) && kept.includes(8765));
      // The other points still spread over the whole curve rather than clustering at the infinities.
      const quarters = [0, 0, 0, 0];
      for (const i of kept) quarters[Math.min(3, Math.floor((i / 10_000) * 4))]!++;
      for (const q of quarters) assert.ok(q > 30, `points per quarter: ${quarters.join(', ')}`);
    });

    test(`${method}: a curve of NaN only keeps first and last and reduces without failing`, () => {
      const n = 10_000;
      const xs = Float64Array.from({ length: n }, (_, i) => i);
      const ys = new Float64Array(n).fill(Number.NaN);
      const r = downsample(method, xs, ys, 50);
      assert.equal(r.reduced, true);
      assertAscending(r.indices, n);
      assert.equal(r.indices[0], 0);
      assert.equal(r.indices[r.indices.length - 1], n - 1);
    });
  }

  test('refuses columns of different lengths and a width below 1', () => {
    assert.throws(() => downsample('minmax', [1, 2], [1], 16), /differ in length/);
    assert.throws(() => downsample('lttb', [1], [1], 0), /positive integer/);
  });
});

describe('downsample: minmax per pixel bucket', () => {
  test('every bucket keeps its own first, min, max and last', () => {
    const width = 250;
    const { xs, ys } = curve(60_000, 11, { nan: 0.02, repeats: true });
    const r = downsample('minmax', xs, ys, width);
    const kept = new Set(r.indices);
    const x0 = xs[0]!;
    const extent = xs[xs.length - 1]! - x0;
    const bucket = (x: number) => Math.min(width - 1, Math.floor(((x - x0) / extent) * width));
    let start = 0;
    let buckets = 0;
    while (start < xs.length) {
      let end = start;
      while (end < xs.length && bucket(xs[end]!) === bucket(xs[start]!)) end++;
      assert.ok(kept.has(start) && kept.has(end - 1), `bucket ${bucket(xs[start]!)} keeps its first and last`);
      const { min, max } = argExtremes(ys, start, end);
      const values = new Set(Array.from(r.indices).filter((i) => i >= start && i < end).map((i) => ys[i]!));
      if (min >= 0) assert.ok(values.has(ys[min]!) && values.has(ys[max]!), `bucket ${bucket(xs[start]!)} keeps its extremes`);
      assert.ok(values.size <= 4);
      start = end;
      buckets++;
    }
    assert.ok(buckets > width / 2);
  });

  test('a NaN first in its bucket stays, and the bucket still keeps its real extremes', () => {
    const n = 1000;
    const xs = Float64Array.from({ length: n }, (_, i) => i);
    const ys = Float64Array.from({ length: n }, (_, i) => (i % 10 === 0 ? Number.NaN : i % 10));
    const r = downsample('minmax', xs, ys, 100);
    // Ten points a bucket: NaN (first), 1 (min), 9 (max and last).
    assert.deepEqual(Array.from(r.indices.slice(0, 6)), [0, 1, 9, 10, 11, 19]);
    assert.equal(r.indices.length, 300);
  });

  test('a span wider than the data spreads it over the span; one x value makes one bucket', () => {
    const xs = Float64Array.from({ length: 400 }, (_, i) => 100 + i);
    const ys = Float64Array.from({ length: 400 }, (_, i) => Math.sin(i));
    // With the span 0..10 000 the whole curve falls in one or two of the 16 buckets.
    const wide = downsample('minmax', xs, ys, 16, { min: 0, max: 10_000 });
    assert.ok(wide.indices.length <= 8, `${wide.indices.length}`);
    const flat = downsample('minmax', new Float64Array(400).fill(5), ys, 16);
    assert.equal(flat.indices.length, 4);
  });

  test('time axes (epoch ms) bucket as well as steps', () => {
    const n = 100_000;
    const xs = Float64Array.from({ length: n }, (_, i) => 1_760_000_000_000 + i * 37);
    const ys = Float64Array.from({ length: n }, (_, i) => Math.cos(i / 900));
    const r = downsample('minmax', xs, ys, 1000);
    assert.ok(r.indices.length > 1000 && r.indices.length <= 4000);
    assertAscending(r.indices, n);
  });
});

describe('downsample: lttb', () => {
  test('keeps about width points and follows a spike', () => {
    const n = 20_000;
    const xs = Float64Array.from({ length: n }, (_, i) => i);
    const ys = Float64Array.from({ length: n }, (_, i) => (i === 12_345 ? 100 : Math.sin(i / 300)));
    const r = downsample('lttb', xs, ys, 500);
    assert.ok(r.indices.length >= 500 && r.indices.length <= 502, `${r.indices.length}`);
    assert.ok(Array.from(r.indices).includes(12_345));
  });

  test('a NaN-heavy curve picks NaN only where a bucket has nothing else', () => {
    const { xs, ys } = curve(30_000, 21, { nan: 0.5 });
    const r = downsample('lttb', xs, ys, 300);
    // The first and last point are kept whatever they hold; inside, with half the points NaN, a
    // 100-point bucket of NaN only is vanishingly unlikely.
    const inner = Array.from(r.indices).filter((i) => i > 0 && i < ys.length - 1);
    const nanPicked = inner.filter((i) => Number.isNaN(ys[i]!)).length;
    assert.equal(nanPicked, 0);
  });
});
