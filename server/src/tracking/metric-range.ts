/**
 * A range of one metric's history as compact columns, for charts of long curves: a Float64Array
 * per field instead of an object per point, ordered along the axis the chart draws. Backends
 * implement {@link TrackingBackend.getMetricRange} with these types; the helpers put points read
 * another way (MLflow's paged get-history) into the same shape.
 */
import { invalid } from './errors.ts';
import type { Metric } from './types.ts';

/** The column a range bounds, and the points are ordered by. */
export type MetricRangeAxis = 'step' | 'timestamp';

export interface MetricRangeInput {
  axis: MetricRangeAxis;
  /** Inclusive bounds on `axis` (epoch ms for `timestamp`); absent: unbounded on that side. */
  min?: number;
  max?: number;
}

/**
 * One metric's points in a range, as parallel columns. Ordered by the axis, then by the other
 * column, then by value (MLflow's history order with the axis first). Values are as stored:
 * NaN for NaN, ±Infinity as MLflow keeps them (±1.7976931348623157e308). The arrays may be
 * shared with a backend's cache: read them, never write to them.
 */
export interface MetricColumns {
  steps: Float64Array;
  values: Float64Array;
  timestamps: Float64Array;
}

export function emptyColumns(): MetricColumns {
  return { steps: new Float64Array(0), values: new Float64Array(0), timestamps: new Float64Array(0) };
}

/** Checks a range input, naming the field that is wrong. */
export function validateMetricRange(input: MetricRangeInput): MetricRangeInput {
  if (input.axis !== 'step' && input.axis !== 'timestamp') throw invalid(`axis must be 'step' or 'timestamp'`, 'axis');
  for (const field of ['min', 'max'] as const) {
    const v = input[field];
    if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v))) throw invalid(`${field} must be a finite number`, field);
  }
  if (input.min !== undefined && input.max !== undefined && input.min > input.max) {
    throw invalid(`min (${input.min}) is greater than max (${input.max})`, 'min');
  }
  return input;
}

/** Points (in any order) as columns: those inside the range, ordered as {@link MetricColumns} says. */
export function columnsFromMetrics(points: readonly Metric[], range: MetricRangeInput): MetricColumns {
  const inside = points.filter((p) => inRange(range.axis === 'step' ? p.step : p.timestamp, range));
  const n = inside.length;
  const cols: MetricColumns = { steps: new Float64Array(n), values: new Float64Array(n), timestamps: new Float64Array(n) };
  for (let i = 0; i < n; i++) {
    const p = inside[i]!;
    cols.steps[i] = p.step;
    cols.values[i] = p.value;
    cols.timestamps[i] = p.timestamp;
  }
  return orderColumns(cols, range.axis);
}

function inRange(x: number, range: MetricRangeInput): boolean {
  return (range.min === undefined || x >= range.min) && (range.max === undefined || x <= range.max);
}

/**
 * Columns in axis order. Stores read most histories already in that order (steps rise with
 * time), so a check comes first and the sort only runs when it must.
 */
export function orderColumns(cols: MetricColumns, axis: MetricRangeAxis): MetricColumns {
  const primary = axis === 'step' ? cols.steps : cols.timestamps;
  const secondary = axis === 'step' ? cols.timestamps : cols.steps;
  const n = primary.length;
  const before = (i: number, j: number) =>
    primary[i]! - primary[j]! || secondary[i]! - secondary[j]! || compareValues(cols.values[i]!, cols.values[j]!);
  let ordered = true;
  for (let i = 1; i < n && ordered; i++) ordered = before(i - 1, i) <= 0;
  if (ordered) return cols;
  const order = Uint32Array.from({ length: n }, (_, i) => i).sort(before);
  return {
    steps: permute(cols.steps, order),
    values: permute(cols.values, order),
    timestamps: permute(cols.timestamps, order),
  };
}

/** NaN sorts as MLflow's stores keep it (value 0), so equal steps and times order the same way. */
function compareValues(a: number, b: number): number {
  return (Number.isNaN(a) ? 0 : a) - (Number.isNaN(b) ? 0 : b) || 0;
}

function permute(column: Float64Array, order: Uint32Array): Float64Array {
  const out = new Float64Array(order.length);
  for (let i = 0; i < order.length; i++) out[i] = column[order[i]!]!;
  return out;
}

/** The part of axis-ordered columns inside the range (views on the same buffers, no copy). */
export function sliceColumns(cols: MetricColumns, range: MetricRangeInput): MetricColumns {
  const axis = range.axis === 'step' ? cols.steps : cols.timestamps;
  const from = range.min === undefined ? 0 : lowerBound(axis, range.min);
  const to = range.max === undefined ? axis.length : upperBound(axis, range.max);
  if (from === 0 && to === axis.length) return cols;
  const end = Math.max(from, to);
  return { steps: cols.steps.subarray(from, end), values: cols.values.subarray(from, end), timestamps: cols.timestamps.subarray(from, end) };
}

/** The first position whose value is ≥ x. */
function lowerBound(a: Float64Array, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The first position whose value is > x. */
function upperBound(a: Float64Array, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
