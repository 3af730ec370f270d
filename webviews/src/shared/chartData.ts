/**
 * The data side of the uPlot charts (Live Metrics, Compare Runs, Run details): EMA smoothing and
 * the aligned table uPlot draws from several lines. Pure, so unit tested without a DOM.
 */

/**
 * Exponential moving average with TensorBoard's debiasing (the first points are not dragged
 * towards zero). `weight` 0 returns the values as they are; missing values stay missing and do
 * not disturb the average.
 */
export function ema(values: readonly (number | null)[], weight: number): (number | null)[] {
  if (!(weight > 0)) return values.slice();
  const w = Math.min(weight, 0.999);
  const out: (number | null)[] = new Array(values.length);
  let last = 0;
  let count = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined || !Number.isFinite(v)) {
      out[i] = null;
      continue;
    }
    last = last * w + (1 - w) * v;
    count++;
    out[i] = last / (1 - w ** count);
  }
  return out;
}

/** A uPlot table: one x column, then one y column per series (null where a series has no point). */
export type Table = [number[], ...(number | null)[][]];

/**
 * Aligns several (x, y) columns on the union of their x values, sorted; for one series already
 * sorted by x it is returned as it is. Duplicate x within a series: the last one wins.
 */
export function align(columns: readonly { xs: readonly number[]; ys: readonly (number | null)[] }[]): Table {
  if (columns.length === 1) {
    const { xs, ys } = columns[0]!;
    let sorted = true;
    for (let i = 1; i < xs.length && sorted; i++) sorted = xs[i - 1]! < xs[i]!;
    if (sorted) return [xs.slice(), ys.slice()];
  }
  const all = new Set<number>();
  for (const c of columns) for (const x of c.xs) all.add(x);
  const xs = [...all].sort((a, b) => a - b);
  const index = new Map<number, number>();
  xs.forEach((x, i) => index.set(x, i));
  const table: Table = [xs];
  for (const c of columns) {
    const ys: (number | null)[] = new Array(xs.length).fill(null);
    for (let i = 0; i < c.xs.length; i++) ys[index.get(c.xs[i]!)!] = c.ys[i] ?? null;
    table.push(ys);
  }
  return table;
}
