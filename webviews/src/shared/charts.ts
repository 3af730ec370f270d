/**
 * The metric chart the inspect panels share (Compare Runs, Run details): one uPlot plot of one
 * metric with a line per run, drawn from points the daemon reduced for the plot's width
 * (`Inspect.series`). It knows three x axes (step, wall time, time since the run started), EMA
 * smoothing, a linear or log y scale, lines hidden and shown from a legend, the editor theme's
 * colours, drag-to-zoom (the caller asks the daemon for the zoomed range and calls `setSeries`
 * again with `keepZoom`), and a PNG snapshot.
 *
 *     const chart = new MetricChart(container, { label: 'loss', xAxis: 'step', smoothing: 0,
 *       logScale: false, theme: readChartTheme(), onZoom: (range) => ask(range) });
 *     ask(undefined, chart.plotWidth());          // series for this many buckets
 *     chart.setSeries([{ id: runId, label: 'run a', points }]);   // colour: the theme palette's by index
 *     chart.update({ theme: readChartTheme() });    // on a theme change (watch body's class)
 *
 * Everything user-provided (labels) reaches the DOM as text: uPlot's legend sets `textContent`.
 */
import uPlot from 'uplot';
import { align, ema } from './chartData.ts';
import type { Table } from './chartData.ts';

/** `[step, value (null for NaN), timestamp epoch ms]`, as `Inspect.series` answers. */
export type ChartPoint = readonly [step: number, value: number | null, timestamp: number];
/** `step`; `time`: wall clock; `relative`: ms since the run started (as `SeriesXAxis`). */
export type ChartXAxis = 'step' | 'time' | 'relative';

/** One line: one metric of one run. */
export interface ChartSeries {
  /** Stable id (the run id): visibility and colours follow it across redraws. */
  id: string;
  /** Shown in the legend (as text). */
  label: string;
  /** A CSS colour; absent: the theme palette's colour at this series' index (follows theme changes). */
  colour?: string;
  /** In x order. */
  points: readonly ChartPoint[];
  /** Epoch ms; needed for the `relative` axis (0 otherwise). */
  startTime?: number;
}

/** What the user can change about a chart; each change redraws it. */
export interface ChartSettings {
  xAxis: ChartXAxis;
  /** EMA weight, 0 (raw) to 0.99. */
  smoothing: number;
  logScale: boolean;
}

export interface ChartTheme {
  foreground: string;
  grid: string;
  background: string;
  font: string;
  palette: readonly string[];
}

export interface MetricChartOptions extends ChartSettings {
  /** The metric key: the canvas' accessible name and the PNG's title. */
  label: string;
  theme: ChartTheme;
  /** Plot height in CSS pixels (default 220). */
  height?: number;
  /** Show uPlot's legend under the plot (hover values, click toggles a line). Default true. */
  legend?: boolean;
  /** The user dragged a range (in the axis' unit: step, epoch ms or ms since start), or double-clicked to reset (undefined). */
  onZoom?: (range: { min: number; max: number } | undefined) => void;
  /** The user toggled a line in this chart's legend. */
  onToggle?: (id: string, visible: boolean) => void;
  /**
   * The cursor moved over the plot: its x (in the axis' unit) and each line's value there (as
   * drawn, so smoothed; the nearest point of that line), in series order; null when it left.
   */
  onCursor?: (at: { x: number; values: (number | null)[] } | null) => void;
}

/** The theme's colours from the `--vscode-*` variables (re-read when the theme changes). */
export function readChartTheme(element: HTMLElement = document.body): ChartTheme {
  const style = getComputedStyle(element);
  const v = (name: string, fallback: string): string => style.getPropertyValue(name).trim() || fallback;
  return {
    foreground: v('--vscode-descriptionForeground', v('--vscode-foreground', '#888')),
    grid: v('--vscode-editorWidget-border', 'rgba(128,128,128,0.25)'),
    background: v('--vscode-editor-background', '#1e1e1e'),
    font: `11px ${v('--vscode-font-family', 'sans-serif')}`,
    palette: [
      v('--vscode-charts-blue', '#3794ff'),
      v('--vscode-charts-orange', '#d18616'),
      v('--vscode-charts-green', '#89d185'),
      v('--vscode-charts-red', '#f14c4c'),
      v('--vscode-charts-purple', '#b180d7'),
      v('--vscode-charts-yellow', '#cca700'),
      v('--vscode-terminal-ansiCyan', '#11a8cd'),
      v('--vscode-terminal-ansiMagenta', '#bc3fbc'),
      v('--vscode-terminal-ansiBrightGreen', '#23d18b'),
      v('--vscode-terminal-ansiBrightRed', '#f14c4c'),
    ],
  };
}

/** The colour of the `index`-th run (cycles through the palette). */
export function seriesColour(theme: ChartTheme, index: number): string {
  return theme.palette[Math.abs(index) % theme.palette.length]!;
}

/** A value as charts and tables show it: integers whole, others to 4 significant digits. */
export function formatValue(v: number | null | undefined): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '–';
  if (Number.isInteger(v)) return String(v);
  return Math.abs(v) >= 1e5 || Math.abs(v) < 1e-3 ? v.toExponential(3) : v.toPrecision(4);
}

/** An axis tick: up to 4 significant digits without trailing zeros (`0.5`, `1.25`, `1e-4`). */
export function formatTick(v: number | null): string {
  // uPlot passes null for ticks it leaves unlabelled (log scales).
  if (v === null || !Number.isFinite(v)) return '';
  if (Number.isInteger(v)) return String(v);
  return Math.abs(v) >= 1e5 || Math.abs(v) < 1e-3 ? Number(v.toExponential(2)).toExponential() : String(Number(v.toPrecision(4)));
}

/** A duration in ms as a short axis label: `250ms`, `2.5s`, `45s`, `3m 20s`, `2h 5m`. */
export function formatDuration(ms: number): string {
  const sign = ms < 0 ? '-' : '';
  const abs = Math.abs(ms);
  if (abs < 1000) return `${sign}${Math.round(abs)}ms`;
  if (abs < 10_000) return `${sign}${Number((abs / 1000).toFixed(1))}s`;
  let s = Math.round(abs / 1000);
  if (s < 60) return `${sign}${s}s`;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  s %= 60;
  if (h > 0) return `${sign}${h}h${m > 0 ? ` ${m}m` : ''}`;
  return `${sign}${m}m${s > 0 ? ` ${s}s` : ''}`;
}

/** The x of a point on an axis: its step, its timestamp, or ms since `startTime`. */
export function pointX(point: ChartPoint, xAxis: ChartXAxis, startTime: number): number {
  return xAxis === 'step' ? point[0] : xAxis === 'time' ? point[2] : point[2] - startTime;
}

/** The x of a cursor as a label: `step 1,200`, a time of day, or a duration since the start. */
export function formatX(x: number, xAxis: ChartXAxis): string {
  if (xAxis === 'step') return `step ${x.toLocaleString('en-US')}`;
  if (xAxis === 'relative') return formatDuration(x);
  return new Date(x).toLocaleTimeString();
}

/** The value of `column` at `index`, or of the nearest point within `reach` rows (lines are aligned on the union of x values, so most rows of one line are empty). */
export function nearestValue(column: ArrayLike<number | null | undefined>, index: number, reach = 64): number | null {
  for (let d = 0; d <= reach; d++) {
    const before = column[index - d];
    if (before !== null && before !== undefined) return before;
    const after = column[index + d];
    if (after !== null && after !== undefined) return after;
  }
  return null;
}

/**
 * The table uPlot draws: every series placed on its x axis, smoothed, and on a log scale with
 * non-positive values dropped (a logarithm has none). Pure, so it is tested without a DOM.
 */
export function buildTable(series: readonly ChartSeries[], settings: ChartSettings): Table {
  if (series.length === 0) return [[]];
  const columns = series.map((s) => {
    // Sorted by x: wall time can disagree with step order; the chart draws left to right.
    const rows = s.points.map((p) => [pointX(p, settings.xAxis, s.startTime ?? 0), p[1]] as const);
    if (settings.xAxis !== 'step') rows.sort((a, b) => a[0] - b[0]);
    const ys = ema(
      rows.map((r) => r[1]),
      settings.smoothing,
    );
    if (settings.logScale) for (let i = 0; i < ys.length; i++) if (!(ys[i]! > 0)) ys[i] = null;
    return { xs: rows.map((r) => r[0]), ys };
  });
  return align(columns);
}

const DEFAULT_HEIGHT = 220;
/** The y axis' width and uPlot's room right of the plot (for the last x label), in CSS pixels. */
const Y_AXIS_SIZE = 60;
const RIGHT_PADDING = 25;

/** One metric's chart. `root` is appended to the container given to the constructor. */
export class MetricChart {
  readonly root: HTMLElement;
  #options: MetricChartOptions;
  #series: readonly ChartSeries[] = [];
  #hidden = new Set<string>();
  #plot: uPlot | undefined;
  #zoom: { min: number; max: number } | undefined;

  constructor(container: HTMLElement, options: MetricChartOptions) {
    this.#options = { ...options };
    this.root = document.createElement('div');
    this.root.className = 'metric-chart';
    container.append(this.root);
    this.#build();
  }

  /** Plot-area width in CSS pixels: how many buckets to ask the daemon for. */
  plotWidth(): number {
    const plot = this.#plot;
    const ratio = window.devicePixelRatio || 1;
    const width = plot === undefined ? 0 : Math.round(plot.bbox.width / ratio);
    const full = this.#width();
    // Without data uPlot hides the axes and the plot fills the chart; the axes will take their room.
    return width > 0 && width < full ? width : Math.max(1, full - Y_AXIS_SIZE - RIGHT_PADDING);
  }

  /** The zoomed x range, or undefined when the chart shows everything. */
  get zoom(): { min: number; max: number } | undefined {
    return this.#zoom;
  }

  get settings(): ChartSettings {
    return { xAxis: this.#options.xAxis, smoothing: this.#options.smoothing, logScale: this.#options.logScale };
  }

  /**
   * Replaces the lines. `keepZoom`: the points are a refinement of the zoomed range, so the view
   * stays there; otherwise the chart shows all points and forgets any zoom.
   */
  setSeries(series: readonly ChartSeries[], keepZoom = false): void {
    const sameLines = series.length === this.#series.length && series.every((s, i) => s.id === this.#series[i]!.id && s.label === this.#series[i]!.label && s.colour === this.#series[i]!.colour);
    this.#series = series;
    if (!keepZoom) this.#zoom = undefined;
    if (!sameLines) {
      this.#build();
      return;
    }
    this.#setData();
  }

  /** Hides the lines with these ids (the rest shown). */
  setHidden(ids: Iterable<string>): void {
    this.#hidden = new Set(ids);
    const plot = this.#plot;
    if (plot === undefined) return;
    this.#series.forEach((s, i) => {
      const show = !this.#hidden.has(s.id);
      if (plot.series[i + 1]?.show !== show) plot.setSeries(i + 1, { show }, false);
    });
  }

  /** Changes settings or theme and redraws; an axis change forgets the zoom (its unit changed). */
  update(changes: Partial<ChartSettings> & { theme?: ChartTheme }): void {
    if (changes.xAxis !== undefined && changes.xAxis !== this.#options.xAxis) this.#zoom = undefined;
    this.#options = { ...this.#options, ...changes };
    this.#build();
  }

  /** Follows the container's width. */
  resize(): void {
    this.#plot?.setSize({ width: this.#width(), height: this.#options.height ?? DEFAULT_HEIGHT });
  }

  /** The chart as a PNG data URL: the theme's background, the metric key as a title, the plot. */
  toPng(): string {
    const plot = this.#plot;
    if (plot === undefined) throw new Error('the chart is not drawn');
    const source = plot.ctx.canvas;
    const ratio = window.devicePixelRatio || 1;
    const titleHeight = Math.round(24 * ratio);
    const canvas = document.createElement('canvas');
    canvas.width = source.width;
    canvas.height = source.height + titleHeight;
    const ctx = canvas.getContext('2d');
    if (ctx === null) throw new Error('no 2D canvas');
    ctx.fillStyle = this.#options.theme.background;
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.fillStyle = this.#options.theme.foreground;
    ctx.font = this.#options.theme.font.replace(/^\d+px/, `${Math.round(13 * ratio)}px`);
    ctx.textBaseline = 'middle';
    ctx.fillText(this.#options.label, 8 * ratio, titleHeight / 2, canvas.width - 16 * ratio);
    ctx.drawImage(source, 0, titleHeight);
    return canvas.toDataURL('image/png');
  }

  destroy(): void {
    this.#plot?.destroy();
    this.#plot = undefined;
    this.root.remove();
  }

  #width(): number {
    const width = this.root.clientWidth;
    return width > 0 ? width : 480;
  }

  #setData(): void {
    const plot = this.#plot;
    if (plot === undefined) return;
    plot.setData(buildTable(this.#series, this.#options) as uPlot.AlignedData, true);
    const zoom = this.#zoom;
    if (zoom !== undefined) plot.setScale('x', zoom);
  }

  #build(): void {
    this.#plot?.destroy();
    const o = this.#options;
    const axis: uPlot.Axis = {
      stroke: o.theme.foreground,
      font: o.theme.font,
      grid: { stroke: o.theme.grid, width: 1 },
      ticks: { stroke: o.theme.grid, width: 1 },
    };
    const xAxis: uPlot.Axis =
      o.xAxis === 'relative' ? { ...axis, values: (_u, ticks) => ticks.map((t) => (t === null ? '' : formatDuration(t))) } : { ...axis };
    const table = buildTable(this.#series, o);
    const options: uPlot.Options = {
      // Time axes in epoch ms, as the points carry them (uPlot's default is seconds).
      ms: 1,
      width: this.#width(),
      height: o.height ?? DEFAULT_HEIGHT,
      scales: {
        x: { time: o.xAxis === 'time' },
        y: o.logScale ? { distr: 3, log: 10 } : {},
      },
      axes: [xAxis, { ...axis, size: Y_AXIS_SIZE, values: (_u, ticks) => ticks.map((t) => formatTick(t)) }],
      cursor: { drag: { x: true, y: false, setScale: true } },
      legend: { show: o.legend ?? true, live: true },
      series: [
        {
          label: o.xAxis === 'step' ? 'Step' : o.xAxis === 'time' ? 'Time' : 'Since start',
          ...(o.xAxis === 'relative' ? { value: (_u: uPlot, v: number | null) => (v === null ? '–' : formatDuration(v)) } : {}),
        },
        ...this.#series.map((s, i) => ({
          label: s.label,
          stroke: s.colour ?? seriesColour(o.theme, i),
          width: 1.5,
          spanGaps: true,
          show: !this.#hidden.has(s.id),
          points: { show: false },
          value: (_u: uPlot, v: number | null) => formatValue(v),
        })),
      ],
      hooks: {
        setCursor: [
          (u) => {
            if (o.onCursor === undefined) return;
            const idx = u.cursor.idx;
            const x = idx === null || idx === undefined ? undefined : u.data[0][idx];
            if (x === undefined || idx === null || idx === undefined) {
              o.onCursor(null);
              return;
            }
            o.onCursor({ x, values: this.#series.map((_, i) => nearestValue(u.data[i + 1] ?? [], idx)) });
          },
        ],
        setSelect: [
          (u) => {
            if (u.select.width <= 0 || o.onZoom === undefined) return;
            const min = u.posToVal(u.select.left, 'x');
            const max = u.posToVal(u.select.left + u.select.width, 'x');
            if (!(max > min)) return;
            this.#zoom = { min, max };
            o.onZoom({ min, max });
          },
        ],
        setSeries: [
          (_u, index, series) => {
            // Fired by a click in this chart's legend (our own `setSeries` calls do not fire hooks).
            const line = index === null ? undefined : this.#series[index - 1];
            if (line === undefined || series.show === undefined) return;
            if (series.show) this.#hidden.delete(line.id);
            else this.#hidden.add(line.id);
            o.onToggle?.(line.id, series.show);
          },
        ],
      },
    };
    this.root.replaceChildren();
    const plot = new uPlot(options, table as uPlot.AlignedData, this.root);
    this.#plot = plot;
    plot.ctx.canvas.setAttribute('role', 'img');
    plot.ctx.canvas.setAttribute('aria-label', `Chart of ${o.label}`);
    plot.over.addEventListener('dblclick', () => {
      if (this.#zoom === undefined) return;
      this.#zoom = undefined;
      o.onZoom?.(undefined);
    });
    if (this.#zoom !== undefined) plot.setScale('x', this.#zoom);
  }
}
