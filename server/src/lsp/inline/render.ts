/**
 * Text for the inline lens and hover: unicode sparklines, the lens title and the hover markdown
 * with its chart (chart-svg.ts). Pure.
 */
import { type ChartPoint, chartSvg, downsample, svgDataUri } from './chart-svg.ts';
import { formatValue } from './format.ts';

export { formatValue };

export interface SeriesPoint {
  step: number;
  /** null for NaN. */
  value: number | null;
  timestamp: number;
}

/** What the lens and the hover need of one key's history, kept instead of every point. */
export interface SeriesView {
  /** Points the run logged for the key. */
  count: number;
  /** The last {@link LENS_POINTS}, for the lens's sparkline. */
  recent: SeriesPoint[];
  /** The whole history, downsampled for the hover's chart. */
  chart: ChartPoint[];
  /** Smallest and largest finite value, null when there is none. */
  min: number | null;
  max: number | null;
}

const BLOCKS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/** Points in the lens's sparkline. */
export const LENS_POINTS = 16;

function finite(values: readonly (number | null)[]): number[] {
  return values.filter((v): v is number => v !== null && Number.isFinite(v));
}

/** One block character per value, scaled between the min and the max; NaN shows as a space. */
export function sparkline(values: readonly (number | null)[]): string {
  const ok = finite(values);
  if (ok.length === 0) return '';
  const min = Math.min(...ok);
  const max = Math.max(...ok);
  return values
    .map((v) => {
      if (v === null || !Number.isFinite(v)) return ' ';
      if (max === min) return BLOCKS[3];
      return BLOCKS[Math.round(((v - min) / (max - min)) * (BLOCKS.length - 1))];
    })
    .join('');
}

/** Points ordered as charts show them: by step, then time. */
export function byStep(points: readonly SeriesPoint[]): SeriesPoint[] {
  return [...points].sort((a, b) => a.step - b.step || a.timestamp - b.timestamp);
}

/** The view of a history ordered by step (see {@link byStep}). */
export function summarize(points: readonly SeriesPoint[]): SeriesView {
  let min: number | null = null;
  let max: number | null = null;
  for (const p of points) {
    if (p.value === null || !Number.isFinite(p.value)) continue;
    if (min === null || p.value < min) min = p.value;
    if (max === null || p.value > max) max = p.value;
  }
  return {
    count: points.length,
    recent: points.slice(-LENS_POINTS),
    chart: downsample(points.map((p) => ({ step: p.step, value: p.value }))),
    min,
    max,
  };
}

/** `loss 0.2134 · step 41 · ▁▂▃▅▆▇`; `recent` ordered by step. */
export function lensTitle(key: string, recent: readonly SeriesPoint[]): string {
  const last = recent[recent.length - 1];
  if (!last) return `${key} (no points yet)`;
  const spark = sparkline(recent.slice(-LENS_POINTS).map((p) => p.value));
  return `${key} ${formatValue(last.value)} · step ${last.step}${spark ? ` · ${spark}` : ''}`;
}

export interface HoverRun {
  runId: string;
  runName: string;
  status: string;
}

/**
 * Markdown for the hover over a key: the run, a chart of the whole history (an SVG image built
 * from numbers only; the key and run name stay in this text, escaped), then min / max / last.
 */
export function hoverMarkdown(key: string, tenant: string, run: HoverRun | undefined, series: SeriesView | undefined): string {
  if (!run) return `**${escapeMd(key)}** · no run of tenant \`${tenant}\` has logged it yet`;
  const head = `**${escapeMd(key)}** · run ${codeSpan(run.runName || run.runId)} (${run.status.toLowerCase()}) · tenant \`${tenant}\``;
  const last = series?.recent[series.recent.length - 1];
  if (!series || !last) return `${head}\n\nNo points yet.`;
  const first = series.chart[0]!;
  const svg = chartSvg(series.chart);
  const count = series.count === 1 ? '1 point' : `${series.count} points`;
  return [
    head,
    '',
    svg ? `![chart](${svgDataUri(svg)})` : 'Every value is NaN or infinite: nothing to draw.',
    '',
    `min ${formatValue(series.min)} · max ${formatValue(series.max)} · last ${formatValue(last.value)} at step ${last.step} · steps ${first.step}–${last.step} · ${count}`,
  ].join('\n');
}

/**
 * `text` as an inline code span whatever it holds: a fence longer than any backtick run inside
 * (CommonMark), padded when the text starts or ends with one, line breaks flattened.
 */
export function codeSpan(text: string): string {
  const flat = text.replace(/[\r\n]+/g, ' ');
  const longest = Math.max(0, ...(flat.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const pad = flat.startsWith('`') || flat.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${flat}${pad}${fence}`;
}

function escapeMd(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}
