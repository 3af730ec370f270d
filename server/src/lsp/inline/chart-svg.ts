/**
 * The hover's chart: a small SVG line chart of one metric, shipped inside the hover markdown as a
 * `data:image/svg+xml;base64,…` image. VS Code renders `data:` images in hovers that are not
 * trusted (its markdown sanitizer allows `data` among the media schemes whatever the trust), and
 * an image is isolated from the page: no script runs, no theme variable reaches it, so the
 * colours are fixed ones that read on light and dark themes alike.
 *
 * Built from numbers only: the caller passes steps and values, never a key or a run name, and
 * every number written is either a coordinate this file computed or a label from formatValue,
 * escaped all the same. Bounded: at most CHART_MAX_POINTS points are drawn, so the image stays a
 * few kilobytes whatever the run logged.
 */
import { formatValue } from './format.ts';

/** One point of a series: null (or a non-finite number) is a gap in the line. */
export interface ChartPoint {
  step: number;
  value: number | null;
}

/** CSS pixels of the image. */
export const CHART_WIDTH = 360;
export const CHART_HEIGHT = 120;
/** Points drawn at most; longer series keep the min and max of each bucket, so spikes stay visible. */
export const CHART_MAX_POINTS = 200;

// A mid blue and a mid grey: enough contrast on both a light (#f3f3f3) and a dark (#252526) hover.
const LINE = '#3b82f6';
const AXIS = '#808080';
const FONT = "-apple-system, BlinkMacSystemFont, 'Segoe UI', Ubuntu, Cantarell, 'Helvetica Neue', sans-serif";
const FONT_SIZE = 11;
/** A digit at FONT_SIZE is about this wide; sizes the gutter the value labels sit in. */
const CHAR_WIDTH = 6.5;
const TOP = 8;
const BOTTOM = CHART_HEIGHT - 20;
const RIGHT = CHART_WIDTH - 10;

const usable = (v: number | null): v is number => v !== null && Number.isFinite(v);

/**
 * At most `max` points of `points` (ordered as drawn): the first and the last as they are, and
 * between them, per bucket of neighbours, the smallest and the largest value in their order, and
 * a gap where the bucket held one, so a NaN stays visible as a break in the line.
 */
export function downsample(points: readonly ChartPoint[], max = CHART_MAX_POINTS): ChartPoint[] {
  if (points.length <= max) return [...points];
  if (max < 4) throw new Error(`downsample: max must be at least 4, got ${max}`);
  // Each bucket gives at most two points (a gap is drawn as a break, not a point; see below).
  const inner = points.length - 2;
  const buckets = Math.floor((max - 2) / 2);
  const out: ChartPoint[] = [points[0]!];
  for (let b = 0; b < buckets; b++) {
    const from = 1 + Math.floor((b * inner) / buckets);
    const to = 1 + Math.floor(((b + 1) * inner) / buckets);
    let lo = -1;
    let hi = -1;
    let gap = -1;
    for (let i = from; i < to; i++) {
      const v = points[i]!.value;
      if (!usable(v)) {
        if (gap < 0) gap = i;
        continue;
      }
      if (lo < 0 || v < points[lo]!.value!) lo = i;
      if (hi < 0 || v > points[hi]!.value!) hi = i;
    }
    const picked = [...new Set([lo, hi, gap].filter((i) => i >= 0))].sort((a, b) => a - b);
    for (const i of picked) out.push(i === gap ? { step: points[i]!.step, value: null } : points[i]!);
  }
  out.push(points[points.length - 1]!);
  return out;
}

/** Counts drawn points (gaps are not drawn). */
export function drawnPoints(points: readonly ChartPoint[]): number {
  return points.filter((p) => usable(p.value)).length;
}

/**
 * The SVG document for `points` (ordered as drawn; downsampled here if longer than
 * CHART_MAX_POINTS), or undefined when no value is finite.
 */
export function chartSvg(input: readonly ChartPoint[]): string | undefined {
  const points = downsample(input);
  const values = points.map((p) => p.value).filter(usable);
  if (values.length === 0) return undefined;
  const min = Math.min(...values);
  const max = Math.max(...values);
  const flat = min === max;

  const topLabel = formatValue(max);
  const bottomLabel = formatValue(min);
  const gutter = Math.min(84, Math.max(30, Math.max(topLabel.length, bottomLabel.length) * CHAR_WIDTH + 10));
  const left = gutter;

  // x by step where the steps spread, else by position (e.g. every point logged at step 0).
  const firstStep = points[0]!.step;
  const lastStep = points[points.length - 1]!.step;
  const bySteps = Number.isFinite(firstStep) && Number.isFinite(lastStep) && lastStep > firstStep;
  const xAt = (p: ChartPoint, i: number): number => {
    if (points.length === 1) return (left + RIGHT) / 2;
    const t = bySteps ? ratio(p.step, firstStep, lastStep) : i / (points.length - 1);
    return left + t * (RIGHT - left);
  };
  const yAt = (v: number): number => (flat ? (TOP + BOTTOM) / 2 : BOTTOM - ratio(v, min, max) * (BOTTOM - TOP));

  // Runs of finite points between gaps.
  const segments: [number, number][][] = [];
  let current: [number, number][] = [];
  points.forEach((p, i) => {
    if (!usable(p.value)) {
      if (current.length) segments.push(current);
      current = [];
      return;
    }
    current.push([xAt(p, i), yAt(p.value)]);
  });
  if (current.length) segments.push(current);

  const parts: string[] = [];
  const gridY = flat ? [yAt(min)] : [TOP, BOTTOM];
  for (const y of gridY) {
    parts.push(`<line x1="${num(left)}" y1="${num(y)}" x2="${num(RIGHT)}" y2="${num(y)}" stroke="${AXIS}" stroke-opacity="0.35" stroke-width="1" stroke-dasharray="2 3"/>`);
  }
  // One path each for the fill, the line and the lone points, whatever the gaps: a few
  // kilobytes even when every other value is NaN.
  const lines = segments.filter((seg) => seg.length > 1);
  const lone = segments.filter((seg) => seg.length === 1);
  const trace = (seg: [number, number][]) => seg.map(([x, y], i) => `${i ? 'L' : 'M'}${num(x)} ${num(y)}`).join('');
  // A flat line over a filled box reads as a bar, not as a value that holds.
  if (lines.length && !flat) {
    const area = lines.map((seg) => `${trace(seg)}L${num(seg[seg.length - 1]![0])} ${num(BOTTOM)}L${num(seg[0]![0])} ${num(BOTTOM)}Z`).join('');
    parts.push(`<path d="${area}" fill="${LINE}" fill-opacity="0.14" stroke="none"/>`);
  }
  if (lines.length) {
    parts.push(`<path d="${lines.map(trace).join('')}" fill="none" stroke="${LINE}" stroke-width="1.75" stroke-linejoin="round" stroke-linecap="round"/>`);
  }
  if (lone.length) {
    // A point alone between gaps has no line to show it: a zero-length stroke with round caps is a dot.
    parts.push(`<path d="${lone.map((seg) => `M${num(seg[0]![0])} ${num(seg[0]![1])}h0`).join('')}" fill="none" stroke="${LINE}" stroke-width="3.5" stroke-linecap="round"/>`);
  }
  // The last finite point: where the run is now.
  const lastSeg = segments[segments.length - 1]!;
  const [lx, ly] = lastSeg[lastSeg.length - 1]!;
  parts.push(`<circle cx="${num(lx)}" cy="${num(ly)}" r="6" fill="${LINE}" fill-opacity="0.22"/>`);
  parts.push(`<circle cx="${num(lx)}" cy="${num(ly)}" r="3" fill="${LINE}"/>`);

  // Labels: the value range on the left, the step range below.
  const labelX = left - 6;
  if (flat) {
    parts.push(text(labelX, yAt(min) + 4, 'end', bottomLabel));
  } else {
    parts.push(text(labelX, TOP + 4, 'end', topLabel));
    parts.push(text(labelX, BOTTOM + 4, 'end', bottomLabel));
  }
  const stepY = CHART_HEIGHT - 4;
  if (bySteps) {
    parts.push(text(left, stepY, 'start', formatStep(firstStep)));
    parts.push(text(RIGHT, stepY, 'end', formatStep(lastStep)));
  } else {
    parts.push(text((left + RIGHT) / 2, stepY, 'middle', formatStep(firstStep)));
  }

  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${CHART_WIDTH}" height="${CHART_HEIGHT}" viewBox="0 0 ${CHART_WIDTH} ${CHART_HEIGHT}">`,
    `<g font-family="${escapeXml(FONT)}" font-size="${FONT_SIZE}" fill="${AXIS}">`,
    ...parts,
    '</g>',
    '</svg>',
  ].join('');
}

/** The SVG as a `data:` URI for a markdown image. */
export function svgDataUri(svg: string): string {
  return `data:image/svg+xml;base64,${Buffer.from(svg, 'utf8').toString('base64')}`;
}

/**
 * Where `v` lies between `lo` and `hi`, in [0, 1]. Halves first, so values near ±Number.MAX_VALUE
 * do not overflow to Infinity and make NaN.
 */
function ratio(v: number, lo: number, hi: number): number {
  const t = (v / 2 - lo / 2) / (hi / 2 - lo / 2);
  return Number.isFinite(t) ? Math.min(1, Math.max(0, t)) : 0;
}

/** Steps are counters: written whole, so two near steps (e.g. timestamps used as steps) differ. */
function formatStep(step: number): string {
  return Number.isSafeInteger(step) ? String(step) : formatValue(step);
}

/** A coordinate: one decimal is finer than a CSS pixel needs. */
function num(n: number): string {
  if (!Number.isFinite(n)) throw new Error(`chart coordinate is not finite: ${n}`);
  const r = Math.round(n * 10) / 10;
  return String(Object.is(r, -0) ? 0 : r);
}

function text(x: number, y: number, anchor: 'start' | 'middle' | 'end', label: string): string {
  return `<text x="${num(x)}" y="${num(y)}" text-anchor="${anchor}" stroke="none">${escapeXml(label)}</text>`;
}

function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
