/**
 * The renderer's pure chart logic, free of the DOM so it is unit-tested in Node: series kept per
 * metric key (one value per step, the latest logged wins, so a history read that overlaps live
 * frames never duplicates points), bounds, ticks and the pixel polyline of a series.
 */
import type { PointTuple } from './messages.ts';
import { lowerBound } from '../shared/sorted.ts';

/** Points of one metric, sorted by step. */
export interface Series {
  key: string;
  steps: number[];
  values: (number | null)[];
  /** Epoch ms of each point, to let a later write at the same step win. */
  times: number[];
}

/** Metric key → series; insertion order is the legend order. */
export class SeriesStore {
  readonly #series = new Map<string, Series>();
  /** Bumped on every change, so the drawing loop redraws only when something arrived. */
  version = 0;

  get keys(): string[] {
    return [...this.#series.keys()];
  }

  get(key: string): Series | undefined {
    return this.#series.get(key);
  }

  all(): Series[] {
    return [...this.#series.values()];
  }

  clear(): void {
    this.#series.clear();
    this.version++;
  }

  /** Adds points of one key in any order; returns how many changed the series. */
  add(key: string, points: readonly PointTuple[]): number {
    let s = this.#series.get(key);
    if (s === undefined) {
      s = { key, steps: [], values: [], times: [] };
      this.#series.set(key, s);
    }
    let changed = 0;
    for (const [step, value, time] of points) {
      if (!Number.isFinite(step)) continue;
      const last = s.steps.length - 1;
      // The common case while training: a new step after the last one.
      let i = last >= 0 && step > s.steps[last]! ? last + 1 : lowerBound(s.steps, step);
      if (s.steps[i] === step) {
        if (time < s.times[i]!) continue;
        if (s.values[i] === value && s.times[i] === time) continue;
        s.values[i] = value;
        s.times[i] = time;
      } else {
        s.steps.splice(i, 0, step);
        s.values.splice(i, 0, value);
        s.times.splice(i, 0, time);
      }
      changed++;
    }
    if (changed > 0) this.version++;
    return changed;
  }
}


export interface Bounds {
  xMin: number;
  xMax: number;
  yMin: number;
  yMax: number;
}

/** The extent of the series' finite points, padded so a flat or single-point line stays visible; undefined when empty. */
export function boundsOf(series: readonly Series[]): Bounds | undefined {
  let xMin = Infinity;
  let xMax = -Infinity;
  let yMin = Infinity;
  let yMax = -Infinity;
  for (const s of series) {
    for (let i = 0; i < s.steps.length; i++) {
      const v = s.values[i];
      if (v === null || v === undefined || !Number.isFinite(v)) continue;
      const x = s.steps[i]!;
      if (x < xMin) xMin = x;
      if (x > xMax) xMax = x;
      if (v < yMin) yMin = v;
      if (v > yMax) yMax = v;
    }
  }
  if (xMin === Infinity) return undefined;
  if (xMin === xMax) {
    xMin -= 1;
    xMax += 1;
  }
  if (yMin === yMax) {
    const pad = Math.abs(yMin) * 0.1 || 1;
    yMin -= pad;
    yMax += pad;
  } else {
    const pad = (yMax - yMin) * 0.05;
    yMin -= pad;
    yMax += pad;
  }
  return { xMin, xMax, yMin, yMax };
}

/** About `count` round tick values (1, 2, 5 × 10^n steps) covering [min, max]. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!(max > min) || !Number.isFinite(min) || !Number.isFinite(max)) return [min];
  const raw = (max - min) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  const step = (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 5 ? 5 : 10) * mag;
  const ticks: number[] = [];
  for (let t = Math.ceil(min / step) * step; t <= max + step * 1e-9; t += step) {
    // Rounds away float noise such as 0.30000000000000004.
    ticks.push(Number(t.toPrecision(12)));
  }
  return ticks;
}

/** A compact label for an axis value. */
export function formatTick(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(1);
  return String(Number(v.toPrecision(4)));
}

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * The polyline of a series in pixels inside `rect`, as segments (a null value breaks the line).
 * Long series are thinned to at most two points (min and max) per pixel column, so drawing stays
 * cheap at any length while spikes stay visible.
 */
export function polyline(s: Series, b: Bounds, rect: Rect): [number, number][][] {
  const sx = rect.width / (b.xMax - b.xMin);
  const sy = rect.height / (b.yMax - b.yMin);
  const px = (x: number): number => rect.x + (x - b.xMin) * sx;
  const py = (y: number): number => rect.y + rect.height - (y - b.yMin) * sy;
  const segments: [number, number][][] = [];
  let current: [number, number][] = [];
  let column = NaN;
  let colMin: [number, number] | undefined;
  let colMax: [number, number] | undefined;
  const flush = (): void => {
    if (colMin === undefined || colMax === undefined) return;
    if (colMin === colMax) current.push(colMin);
    else if (colMin[0] <= colMax[0]) current.push(colMin, colMax);
    else current.push(colMax, colMin);
    colMin = colMax = undefined;
  };
  for (let i = 0; i < s.steps.length; i++) {
    const v = s.values[i];
    if (v === null || v === undefined || !Number.isFinite(v)) {
      flush();
      if (current.length > 0) segments.push(current);
      current = [];
      column = NaN;
      continue;
    }
    const p: [number, number] = [px(s.steps[i]!), py(v)];
    const col = Math.floor(p[0]);
    if (col !== column) {
      flush();
      column = col;
    }
    // In screen space a larger y is a smaller value.
    if (colMin === undefined || p[1] > colMin[1]) colMin = p;
    if (colMax === undefined || p[1] < colMax[1]) colMax = p;
  }
  flush();
  if (current.length > 0) segments.push(current);
  return segments;
}

/** The latest finite value of a series, for the legend. */
export function latest(s: Series): { step: number; value: number } | undefined {
  for (let i = s.steps.length - 1; i >= 0; i--) {
    const v = s.values[i];
    if (v !== null && v !== undefined && Number.isFinite(v)) return { step: s.steps[i]!, value: v };
  }
  return undefined;
}

/** Distinct colors, readable on light and dark themes. */
export const PALETTE = ['#3794ff', '#f14c4c', '#89d185', '#cca700', '#b180d7', '#4ec9b0', '#d18616', '#ff7eb6'];
