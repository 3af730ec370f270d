/**
 * One metric of the Compare Runs page: its chart (every run overlaid), its controls (which way is
 * better, log scale, PNG, reset zoom) and a table of min / max / last per run with the best run
 * marked. The card asks its host for curves; it never talks to the extension itself. All user
 * data (metric key, run names, errors) goes into the DOM as text.
 */
import type { CompareCurve, CompareDirection, CompareMetric, CompareRun } from '../../../protocol/src/compare-panel.ts';
import { formatValue, formatX, MetricChart } from '../shared/charts.ts';
import type { ChartSeries, ChartTheme, ChartXAxis } from '../shared/charts.ts';
import { bestRun, metricStats, runTitle } from './model.ts';
import type { RunStats } from './model.ts';
import { selectControl } from '../shared/controls.ts';
import { el } from '../shared/dom.ts';

/** What a card needs from the page. */
export interface MetricCardHost {
  runs(): readonly CompareRun[];
  colour(runIndex: number): string;
  theme(): ChartTheme;
  xAxis(): ChartXAxis;
  smoothing(): number;
  hidden(): ReadonlySet<string>;
  logScale(key: string): boolean;
  setLogScale(key: string, on: boolean): void;
  direction(metric: CompareMetric): CompareDirection;
  setDirection(key: string, direction: CompareDirection): void;
  /** Ask for this card's curves: the whole range, or a zoomed one. */
  requestSeries(card: MetricCard, range: { min: number; max: number } | undefined): void;
  toggleRun(runId: string, visible: boolean): void;
  exportPng(card: MetricCard): void;
}

let nextId = 0;

export class MetricCard {
  readonly metric: CompareMetric;
  readonly root: HTMLElement;
  readonly chart: MetricChart;
  /** The unzoomed curves by run id (min / max / last come from these). */
  curves: Map<string, CompareCurve> | undefined;
  /** The axis and width the shown curves were asked for; undefined: ask (again). */
  loadedFor: { xAxis: string; width: number } | undefined;
  readonly #host: MetricCardHost;
  readonly #status: HTMLElement;
  readonly #stats: HTMLTableSectionElement;
  readonly #resetZoom: HTMLButtonElement;
  readonly #direction: HTMLSelectElement;
  readonly #log: HTMLInputElement;
  /** The "at the cursor" column: its header (the x) and the value per run. */
  readonly #cursorHead: HTMLTableCellElement;
  #cursorCells: HTMLTableCellElement[] = [];

  constructor(host: MetricCardHost, metric: CompareMetric) {
    this.#host = host;
    this.metric = metric;
    const id = `metric-${nextId++}`;
    this.root = el('section', 'chart');
    this.root.setAttribute('aria-labelledby', `${id}-key`);
    const header = el('header', 'chart-header');
    const title = el('h3', 'chart-key', metric.key);
    title.id = `${id}-key`;
    title.title = metric.key;

    const controls = el('div', 'chart-controls');
    const { label: dirLabel, select: direction } = selectControl('Best', [
      ['min', 'lowest'],
      ['max', 'highest'],
    ]);
    this.#direction = direction;
    this.#direction.value = host.direction(metric);
    this.#direction.addEventListener('change', () => {
      host.setDirection(metric.key, this.#direction.value === 'max' ? 'max' : 'min');
      this.renderStats();
    });

    const logLabel = el('label', 'control');
    this.#log = el('input');
    this.#log.type = 'checkbox';
    this.#log.checked = host.logScale(metric.key);
    this.#log.addEventListener('change', () => {
      host.setLogScale(metric.key, this.#log.checked);
      this.chart.update({ logScale: this.#log.checked });
    });
    logLabel.append(this.#log, el('span', undefined, 'Log scale'));

    this.#resetZoom = el('button', 'link-button hidden', 'Reset zoom');
    this.#resetZoom.type = 'button';
    this.#resetZoom.addEventListener('click', () => this.#zoomTo(undefined));
    const png = el('button', 'link-button', 'Save PNG');
    png.type = 'button';
    png.title = `Save the ${metric.key} chart as a PNG image`;
    png.addEventListener('click', () => host.exportPng(this));
    controls.append(dirLabel, logLabel, this.#resetZoom, png);
    header.append(title, controls);

    const plot = el('div', 'chart-plot');
    this.#status = el('p', 'chart-status', 'Loading…');
    this.#status.setAttribute('aria-live', 'polite');
    const table = el('table', 'stats');
    table.setAttribute('aria-label', `${metric.key}: min, max and last per run`);
    const head = el('thead');
    const headRow = el('tr');
    for (const text of ['Run', 'Min', 'Max', 'Last']) headRow.append(el('th', undefined, text));
    this.#cursorHead = el('th', 'cursor-value');
    this.#cursorHead.title = 'Values where the pointer is on the chart';
    headRow.append(this.#cursorHead, el('th'));
    head.append(headRow);
    this.#stats = el('tbody');
    table.append(head, this.#stats);
    this.root.append(header, plot, this.#status, table);

    this.chart = new MetricChart(plot, {
      label: metric.key,
      theme: host.theme(),
      xAxis: host.xAxis(),
      smoothing: host.smoothing(),
      logScale: this.#log.checked,
      legend: false,
      onZoom: (range) => this.#zoomTo(range),
      onToggle: (runId, visible) => host.toggleRun(runId, visible),
      onCursor: (at) => this.#showCursor(at),
    });
    this.chart.setHidden(host.hidden());
    this.renderStats();
  }

  /** Curves arrived: the whole range (`range` absent) or a zoomed one. */
  showCurves(curves: readonly CompareCurve[], startTimes: Readonly<Record<string, number>>, range: { min: number; max: number } | undefined): void {
    const byRun = new Map(curves.map((c) => [c.runId, c]));
    if (range === undefined) this.curves = byRun;
    const runs = this.#host.runs();
    // No colours: the chart takes the theme palette's by run index, as the legend does.
    const series: ChartSeries[] = runs.map((run) => ({
      id: run.runId,
      label: runTitle(run),
      points: byRun.get(run.runId)?.points ?? [],
      startTime: startTimes[run.runId] ?? run.startTime,
    }));
    this.chart.setSeries(series, range !== undefined);
    this.chart.setHidden(this.#host.hidden());
    this.#resetZoom.classList.toggle('hidden', range === undefined);
    const logged = curves.reduce((n, c) => n + c.totalPoints, 0);
    const shown = curves.reduce((n, c) => n + c.points.length, 0);
    let status = '';
    if (logged === 0) status = range === undefined ? 'No run logged this metric.' : 'No points in this range.';
    else if (shown < logged) status = `${shown.toLocaleString()} of ${logged.toLocaleString()} points drawn (reduced to the chart's width${range === undefined ? '' : ', zoomed'}).`;
    this.setStatus(status);
    // Nothing to draw at all: the message alone, not an empty plot and a table of dashes.
    this.root.classList.toggle('no-data', range === undefined && logged === 0);
    this.renderStats();
  }

  setStatus(text: string, error = false): void {
    this.#status.textContent = text;
    this.#status.classList.toggle('error', error);
    // Kept in the layout when empty, so cards side by side stay aligned.
    this.#status.classList.toggle('blank', text === '');
  }

  /** Redraws the min / max / last table and the best-run mark. */
  renderStats(): void {
    const runs = this.#host.runs();
    const stats = this.stats();
    const direction = this.#host.direction(this.metric);
    this.#direction.value = direction;
    const best = bestRun(stats, direction);
    const cursorCells: HTMLTableCellElement[] = [];
    const rows = stats.map((s: RunStats, i) => {
      const run = runs[i]!;
      const tr = el('tr', s.runId === best ? 'best' : undefined);
      const name = el('td', 'run-cell');
      const swatch = el('span', 'swatch');
      swatch.style.backgroundColor = this.#host.colour(i);
      const label = el('span', 'run-name', runTitle(run));
      label.title = `${runTitle(run)} (${run.runId})`;
      name.append(swatch, label);
      tr.append(name, el('td', 'num', formatValue(s.min)), el('td', 'num', formatValue(s.max)), el('td', 'num', formatValue(s.last)));
      const cursor = el('td', 'num cursor-value');
      cursorCells.push(cursor);
      tr.append(cursor);
      const mark = el('td', 'best-mark', s.runId === best ? '★ best' : '');
      if (s.runId === best) mark.title = `Best: the ${direction === 'min' ? 'lowest' : 'highest'} last value`;
      tr.append(mark);
      if (this.#host.hidden().has(run.runId)) tr.classList.add('muted');
      return tr;
    });
    this.#stats.replaceChildren(...rows);
    this.#cursorCells = cursorCells;
  }

  /** Fills the "at the cursor" column while the pointer is over the chart. */
  #showCursor(at: { x: number; values: (number | null)[] } | null): void {
    this.#cursorHead.textContent = at === null ? '' : formatX(at.x, this.#host.xAxis());
    const hidden = this.#host.hidden();
    const runs = this.#host.runs();
    this.#cursorCells.forEach((cell, i) => {
      const value = at === null || hidden.has(runs[i]?.runId ?? '') ? undefined : at.values[i];
      cell.textContent = value === undefined ? '' : formatValue(value);
    });
  }

  stats(): RunStats[] {
    return metricStats(this.#host.runs(), this.metric, this.curves);
  }

  /** A zoom (or its reset) asks the daemon again, so the curve refines to the new range. */
  #zoomTo(range: { min: number; max: number } | undefined): void {
    if (range === undefined) this.#resetZoom.classList.add('hidden');
    this.setStatus(range === undefined ? 'Loading…' : 'Refining…');
    this.#host.requestSeries(this, range);
  }
}
