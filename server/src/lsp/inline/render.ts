/**
 * Text for the inline lens and hover: unicode sparklines, compact numbers, the lens title and
 * the hover markdown. Pure.
 */

export interface SeriesPoint {
  step: number;
  /** null for NaN. */
  value: number | null;
  timestamp: number;
}

const BLOCKS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
/** Eighths of a cell, for the multi-row chart (index 0 = empty). */
const EIGHTHS = [' ', '▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/** Points in the lens's sparkline. */
export const LENS_POINTS = 16;
/** Columns and rows of the hover chart. */
export const HOVER_POINTS = 48;
export const HOVER_ROWS = 5;

/** A value as the lens shows it: integers as is, otherwise four significant digits. */
export function formatValue(value: number | null): string {
  if (value === null || Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '∞' : '-∞';
  if (Number.isInteger(value) && Math.abs(value) < 1e9) return String(value);
  return String(Number(value.toPrecision(4)));
}

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

/** A chart `rows` lines high, one column per value, in eighth-of-a-line steps; top row first. */
export function blockChart(values: readonly (number | null)[], rows = HOVER_ROWS): string[] {
  const ok = finite(values);
  if (ok.length === 0) return [];
  const min = Math.min(...ok);
  const max = Math.max(...ok);
  const levels = rows * 8;
  // Every finite value gets at least one eighth, so the minimum stays visible.
  const heights = values.map((v) => {
    if (v === null || !Number.isFinite(v)) return 0;
    return max === min ? Math.ceil(levels / 2) : 1 + Math.round(((v - min) / (max - min)) * (levels - 1));
  });
  const lines: string[] = [];
  for (let r = rows - 1; r >= 0; r--) {
    lines.push(heights.map((h) => EIGHTHS[Math.max(0, Math.min(8, h - r * 8))]).join(''));
  }
  return lines;
}

/** Points ordered as charts show them: by step, then time. */
export function byStep(points: readonly SeriesPoint[]): SeriesPoint[] {
  return [...points].sort((a, b) => a.step - b.step || a.timestamp - b.timestamp);
}

/** `loss 0.2134 · step 41 · ▁▂▃▅▆▇`; `points` ordered by step. */
export function lensTitle(key: string, points: readonly SeriesPoint[]): string {
  const last = points[points.length - 1];
  if (!last) return `${key} (no points yet)`;
  const spark = sparkline(points.slice(-LENS_POINTS).map((p) => p.value));
  return `${key} ${formatValue(last.value)} · step ${last.step}${spark ? ` · ${spark}` : ''}`;
}

export interface HoverRun {
  runId: string;
  runName: string;
  status: string;
}

/** Markdown for the hover over a key: the run, a larger chart, min / max / last. */
export function hoverMarkdown(key: string, tenant: string, run: HoverRun | undefined, points: readonly SeriesPoint[]): string {
  if (!run) return `**${escapeMd(key)}** · no run of tenant \`${tenant}\` has logged it yet`;
  const head = `**${escapeMd(key)}** · run \`${run.runName || run.runId}\` (${run.status.toLowerCase()}) · tenant \`${tenant}\``;
  const last = points[points.length - 1];
  if (!last) return `${head}\n\nNo points yet.`;
  const shown = points.slice(-HOVER_POINTS);
  const values = finite(points.map((p) => p.value));
  const min = values.length ? formatValue(Math.min(...values)) : 'NaN';
  const max = values.length ? formatValue(Math.max(...values)) : 'NaN';
  const chart = blockChart(shown.map((p) => p.value));
  const span = `steps ${shown[0]!.step}–${last.step}${shown.length < points.length ? ` (last ${shown.length} of ${points.length})` : ''}`;
  return [
    head,
    '',
    '```text',
    ...chart,
    '```',
    `min ${min} · max ${max} · last ${formatValue(last.value)} at step ${last.step} · ${span}`,
  ].join('\n');
}

function escapeMd(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}
