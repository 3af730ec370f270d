/**
 * Reducing a long curve to what a chart of `width` pixels can show, on parallel columns (x along
 * the chart's axis, ascending; y the value, NaN for a NaN point). Both methods answer the indices
 * of the points to keep, ascending, so the caller picks whatever columns it needs from the same
 * positions and x stays monotone.
 *
 *  - `minmax` (M4): the x span is cut into `width` equal buckets; per bucket the first, the
 *    lowest, the highest and the last point are kept. Every local extreme a pixel column could
 *    show survives, so the drawn line is the one the full data would give.
 *  - `lttb` (largest-triangle-three-buckets): about `width` points chosen for their visual
 *    weight, plus the first, the last, and the lowest and highest point of the whole curve.
 *
 * NaN points never become a bucket's min or max (they cannot be compared) but stay eligible as a
 * bucket's first or last point, so a gap in the data stays a gap in the chart. ±Infinity are
 * ordinary extremes.
 */

export type DownsampleMethod = 'minmax' | 'lttb';

/** What a reduction keeps: positions into the input columns, ascending. */
export interface Reduction {
  indices: Uint32Array;
  /** False when every point is kept (the input was small enough). */
  reduced: boolean;
}

/** At most this many points per bucket survive `minmax`; below that many points a curve is returned whole. */
export const MINMAX_POINTS_PER_BUCKET = 4;

/** Whole curves: how many points `method` returns at most for a chart `width` pixels wide. */
export function outputLimit(method: DownsampleMethod, width: number): number {
  return method === 'minmax' ? MINMAX_POINTS_PER_BUCKET * width : width + 2;
}

/**
 * Reduces the curve (`xs` ascending, `ys` the values at the same positions) for `width` buckets.
 * `span` is the x range the buckets cover (the zoomed range, or absent for the data's own
 * extent); points outside it must already be left out by the caller.
 */
export function downsample(
  method: DownsampleMethod,
  xs: ArrayLike<number>,
  ys: ArrayLike<number>,
  width: number,
  span?: { min: number; max: number },
): Reduction {
  if (xs.length !== ys.length) throw new Error('downsample: xs and ys differ in length');
  if (!Number.isInteger(width) || width < 1) throw new Error('downsample: width must be a positive integer');
  const n = xs.length;
  if (n <= outputLimit(method, width)) return { indices: identity(n), reduced: false };
  const indices = method === 'minmax' ? minMax(xs, ys, width, span) : lttb(xs, ys, width);
  return { indices, reduced: indices.length < n };
}

function identity(n: number): Uint32Array {
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  return out;
}

/** M4: per x bucket the first, min, max and last point, in index order, each once. */
function minMax(xs: ArrayLike<number>, ys: ArrayLike<number>, width: number, span?: { min: number; max: number }): Uint32Array {
  const n = xs.length;
  const x0 = span ? span.min : xs[0]!;
  const x1 = span ? span.max : xs[n - 1]!;
  const extent = x1 - x0;
  // Multiplying by a precomputed scale rather than dividing per point; a zero or non-finite
  // extent (one x value, or ±1e308 steps) puts everything in one bucket instead of NaN buckets.
  const scale = extent > 0 && Number.isFinite(width / extent) ? width / extent : 0;
  const out = new Uint32Array(MINMAX_POINTS_PER_BUCKET * width);
  let count = 0;

  let i = 0;
  while (i < n) {
    const bucket = bucketOf(xs[i]!, x0, scale, width);
    const first = i;
    let lo = -1;
    let hi = -1;
    let loValue = Infinity;
    let hiValue = -Infinity;
    for (; i < n && (i === first || bucketOf(xs[i]!, x0, scale, width) === bucket); i++) {
      const y = ys[i]!;
      // NaN fails both comparisons; ±Infinity pass them (`<=`/`>=` so an all-Infinity bucket still has a min).
      if (y < loValue || (lo < 0 && y <= loValue)) ((loValue = y), (lo = i));
      if (y > hiValue || (hi < 0 && y >= hiValue)) ((hiValue = y), (hi = i));
    }
    const last = i - 1;
    // first ≤ {lo, hi} ≤ last: emit in index order, skipping repeats.
    let prev = -1;
    const emit = (k: number) => {
      if (k > prev) ((out[count++] = k), (prev = k));
    };
    emit(first);
    if (lo >= 0 && hi >= 0) {
      emit(Math.min(lo, hi));
      emit(Math.max(lo, hi));
    }
    emit(last);
  }
  return out.slice(0, count);
}

function bucketOf(x: number, x0: number, scale: number, width: number): number {
  const b = Math.floor((x - x0) * scale);
  return b < 0 ? 0 : b >= width ? width - 1 : b;
}

/**
 * LTTB to `threshold` points (first and last included), then the curve's lowest and highest
 * point added if the triangles passed them over. Buckets are equal in point count, as in
 * Steinarsson's algorithm. Non-finite values are weighed as the nearest finite extreme, so one
 * Infinity cannot make every triangle infinite, and NaN points are picked only from a bucket
 * holding nothing else.
 */
function lttb(xs: ArrayLike<number>, ys: ArrayLike<number>, threshold: number): Uint32Array {
  const n = xs.length;
  let finiteMin = Infinity;
  let finiteMax = -Infinity;
  let argMin = -1;
  let argMax = -1;
  for (let i = 0; i < n; i++) {
    const y = ys[i]!;
    if (Number.isFinite(y)) {
      if (y < finiteMin) finiteMin = y;
      if (y > finiteMax) finiteMax = y;
    }
    if (!Number.isNaN(y)) {
      if (argMin < 0 || y < ys[argMin]!) argMin = i;
      if (argMax < 0 || y > ys[argMax]!) argMax = i;
    }
  }
  if (finiteMin > finiteMax) finiteMin = finiteMax = 0;
  // The weight of a value in a triangle: finite as is, ±Infinity as the finite extreme, NaN never used.
  const w = (y: number) => (y === Infinity ? finiteMax : y === -Infinity ? finiteMin : y);

  const picked: number[] = [0];
  if (threshold >= 3) {
    const every = (n - 2) / (threshold - 2);
    let a = 0;
    for (let b = 0; b < threshold - 2; b++) {
      const start = Math.floor(b * every) + 1;
      const end = Math.min(Math.floor((b + 1) * every) + 1, n - 1);
      // The next bucket's average (the last point for the last bucket), over points with a value.
      const nextStart = end;
      const nextEnd = Math.min(Math.floor((b + 2) * every) + 1, n);
      let avgX = 0;
      let avgY = 0;
      let m = 0;
      for (let j = nextStart; j < nextEnd; j++) {
        if (Number.isNaN(ys[j]!)) continue;
        avgX += xs[j]!;
        avgY += w(ys[j]!);
        m++;
      }
      if (m > 0) ((avgX /= m), (avgY /= m));
      else ((avgX = xs[nextEnd - 1]!), (avgY = w(ys[a]!)));

      const ax = xs[a]!;
      const ay = Number.isNaN(ys[a]!) ? avgY : w(ys[a]!);
      let best = -1;
      let bestArea = -1;
      for (let j = start; j < end; j++) {
        const y = ys[j]!;
        if (Number.isNaN(y)) continue;
        const area = Math.abs((ax - avgX) * (w(y) - ay) - (ax - xs[j]!) * (avgY - ay));
        if (area > bestArea) ((bestArea = area), (best = j));
      }
      if (best < 0) best = start;
      picked.push(best);
      a = best;
    }
  }
  picked.push(n - 1);
  if (argMin >= 0) picked.push(argMin);
  if (argMax >= 0) picked.push(argMax);
  const sorted = Uint32Array.from(picked).sort();
  let count = 0;
  for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) sorted[count++] = sorted[i]!;
  return sorted.slice(0, count);
}
