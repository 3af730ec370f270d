/**
 * The Live Metrics panel's page: one uPlot chart per metric key with a line per run, growing as
 * the extension forwards live frames. Everything from the extension is validated on arrival and
 * user data (run names, metric keys, errors) is only ever put into the DOM as text.
 */
import '../shared/zodSetup.ts';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import './live.css';
import { LiveFromWebview, LivePanelState, LiveToWebview } from '../../../protocol/src/index.ts';
import type { LivePanelStatus } from '../../../protocol/src/index.ts';
import { isEnded, lastValue, LiveStore, Throttle } from './series.ts';
import type { XAxis } from './series.ts';
import { formatValue } from '../shared/charts.ts';
import { selectControl, smoothingControl } from '../shared/controls.ts';
import { el } from '../shared/dom.ts';
import { acquirePage, onPageMessage } from '../shared/host.ts';

// Kept in this module's scope: the bundle is an IIFE, so the page's other scripts never see it.
const page = acquirePage<LiveFromWebview>('Live Metrics');
const post = (message: LiveFromWebview): void => page.post(message);

const restored = LivePanelState.safeParse(page.getState());
const state: LivePanelState = restored.success ? restored.data : { runs: [], smoothing: 0, xAxis: 'step' };
const store = new LiveStore();

// --- Theme ----------------------------------------------------------------------------------------

function cssVar(name: string, fallback: string): string {
  const value = getComputedStyle(document.body).getPropertyValue(name).trim();
  return value === '' ? fallback : value;
}

interface Theme {
  foreground: string;
  grid: string;
  font: string;
  palette: string[];
}

function readTheme(): Theme {
  const family = cssVar('--vscode-font-family', 'sans-serif');
  return {
    foreground: cssVar('--vscode-descriptionForeground', cssVar('--vscode-foreground', '#888')),
    grid: cssVar('--vscode-editorWidget-border', 'rgba(128,128,128,0.25)'),
    font: `11px ${family}`,
    palette: [
      cssVar('--vscode-charts-blue', '#3794ff'),
      cssVar('--vscode-charts-orange', '#d18616'),
      cssVar('--vscode-charts-green', '#89d185'),
      cssVar('--vscode-charts-red', '#f14c4c'),
      cssVar('--vscode-charts-purple', '#b180d7'),
      cssVar('--vscode-charts-yellow', '#cca700'),
      cssVar('--vscode-terminal-ansiCyan', '#11a8cd'),
      cssVar('--vscode-terminal-ansiMagenta', '#bc3fbc'),
    ],
  };
}

let theme = readTheme();

function runLabel(runId: string): string {
  const run = store.runs.get(runId)?.run;
  if (run === undefined) return runId;
  return run.name !== '' ? run.name : `Run ${run.runId.slice(0, 8)}`;
}

function runColour(runId: string): string {
  const index = [...store.runs.keys()].indexOf(runId);
  return theme.palette[(index < 0 ? 0 : index) % theme.palette.length]!;
}

const STATUS_WORDS: Record<LivePanelStatus, string> = {
  RUNNING: 'running',
  SCHEDULED: 'scheduled',
  FINISHED: 'finished',
  FAILED: 'failed',
  KILLED: 'killed',
};

// --- Layout ---------------------------------------------------------------------------------------

const toolbar = el('div', 'toolbar');
const { label: smoothingLabel, input: smoothingInput, value: smoothingValue } = smoothingControl(state.smoothing);
const { label: axisLabel, select: axisSelect } = selectControl('X axis', [
  ['step', 'Step'],
  ['time', 'Wall time'],
]);
axisSelect.value = state.xAxis;
toolbar.append(smoothingLabel, axisLabel);

const runList = el('ul', 'runs');
runList.setAttribute('aria-label', 'Runs');
const panelError = el('p', 'error hidden');
panelError.setAttribute('role', 'alert');
const empty = el('p', 'empty');
const charts = el('div', 'charts');
document.body.append(toolbar, runList, panelError, empty, charts);

// --- Runs -----------------------------------------------------------------------------------------

function renderRuns(save = true): void {
  const items: HTMLElement[] = [];
  for (const [runId, data] of store.runs) {
    const li = el('li', `run status-${data.run.status.toLowerCase()}`);
    const swatch = el('span', 'swatch');
    swatch.style.backgroundColor = runColour(runId);
    const name = el('span', 'run-name', runLabel(runId));
    name.title = `${runLabel(runId)} (${runId})`;
    const status = el('span', 'run-status', STATUS_WORDS[data.run.status]);
    li.append(swatch, name, status);
    if (data.error !== undefined) li.append(el('span', 'run-error', data.error));
    const remove = el('button', 'remove', '×');
    remove.type = 'button';
    remove.title = `Remove ${runLabel(runId)} from the panel`;
    remove.setAttribute('aria-label', remove.title);
    remove.addEventListener('click', () => post({ type: 'removeRun', runId }));
    li.append(remove);
    items.push(li);
  }
  runList.replaceChildren(...items);
  panelError.textContent = store.error ?? '';
  panelError.classList.toggle('hidden', store.error === undefined);
  renderEmptyState();
  if (save) saveState();
}

/** The line shown instead of charts; recomputed on every redraw, since the first points end it. */
function renderEmptyState(): void {
  let text = '';
  if (store.runs.size === 0) text = 'No runs. Open Live Metrics on a run from the MATIH sidebar or the command palette.';
  else if (store.keys().length === 0) {
    const running = [...store.runs.values()].some((d) => !isEnded(d.run.status));
    text = running ? 'Waiting for the first metrics…' : 'These runs logged no metrics.';
  }
  if (empty.textContent !== text) empty.textContent = text;
  empty.classList.toggle('hidden', text === '');
}

function saveState(): void {
  state.runs = [...store.runs.values()].map((d) => ({ tenant: d.run.tenant, runId: d.run.runId }));
  page.setState(state);
}

// --- Charts ---------------------------------------------------------------------------------------

interface Chart {
  root: HTMLElement;
  caption: HTMLElement;
  target: HTMLElement;
  plot: uPlot | undefined;
  /** The runs (in column order) the plot was built for; another set rebuilds it. */
  runIds: string[];
}

const chartsByKey = new Map<string, Chart>();
const dirty = new Set<string>();
let rebuildAll = true;

function chartWidth(chart: Chart): number {
  const width = chart.target.clientWidth;
  return width > 0 ? width : 480;
}

function plotOptions(width: number, runIds: string[]): uPlot.Options {
  const axis: uPlot.Axis = {
    stroke: theme.foreground,
    font: theme.font,
    grid: { stroke: theme.grid, width: 1 },
    ticks: { stroke: theme.grid, width: 1 },
  };
  return {
    width,
    height: 200,
    scales: { x: { time: state.xAxis === 'time' } },
    axes: [{ ...axis }, { ...axis, size: 56 }],
    cursor: { sync: { key: 'matih-live' } },
    legend: { show: runIds.length > 1 },
    series: [
      { label: state.xAxis === 'time' ? 'Time' : 'Step' },
      ...runIds.map((runId) => ({
        label: runLabel(runId),
        stroke: runColour(runId),
        width: 1.5,
        spanGaps: true,
        points: { show: false },
        value: (_u: uPlot, v: number | null) => formatValue(v),
      })),
    ],
  };
}

function ensureChart(key: string): Chart {
  let chart = chartsByKey.get(key);
  if (chart === undefined) {
    const root = el('section', 'chart');
    const header = el('header', 'chart-header');
    header.append(el('h2', 'chart-key', key));
    const caption = el('span', 'chart-caption');
    header.append(caption);
    const target = el('div', 'chart-plot');
    root.append(header, target);
    chart = { root, caption, target, plot: undefined, runIds: [] };
    chartsByKey.set(key, chart);
  }
  return chart;
}

function drawChart(key: string): void {
  const chart = ensureChart(key);
  const { runIds, table } = store.table(key, state.xAxis, state.smoothing);
  const captionParts: string[] = [];
  for (const runId of runIds) {
    const last = lastValue(store.runs.get(runId)?.metrics.get(key));
    captionParts.push(runIds.length > 1 ? `${runLabel(runId)}: ${formatValue(last)}` : `last ${formatValue(last)}`);
  }
  chart.caption.textContent = captionParts.join(' · ');
  const same = chart.plot !== undefined && chart.runIds.length === runIds.length && chart.runIds.every((id, i) => id === runIds[i]);
  if (same) {
    chart.plot!.setData(table as uPlot.AlignedData);
    return;
  }
  chart.plot?.destroy();
  chart.runIds = runIds;
  chart.plot = new uPlot(plotOptions(chartWidth(chart), runIds), table as uPlot.AlignedData, chart.target);
}

function redraw(): void {
  const keys = store.keys();
  const wanted = new Set(keys);
  for (const [key, chart] of chartsByKey) {
    if (!wanted.has(key)) {
      chart.plot?.destroy();
      chart.root.remove();
      chartsByKey.delete(key);
    }
  }
  if (rebuildAll) {
    for (const chart of chartsByKey.values()) {
      chart.plot?.destroy();
      chart.plot = undefined;
    }
  }
  const fresh = new Set(keys.filter((key) => !chartsByKey.has(key)));
  // In the page (in key order) before drawing, so a new chart knows its width.
  charts.replaceChildren(...keys.map((key) => ensureChart(key).root));
  for (const key of keys) {
    if (rebuildAll || dirty.has(key) || fresh.has(key)) drawChart(key);
  }
  dirty.clear();
  rebuildAll = false;
  renderEmptyState();
}

const throttle = new Throttle(() => requestAnimationFrame(redraw), 100);

function rebuild(): void {
  rebuildAll = true;
  throttle.request();
}

// --- Events ---------------------------------------------------------------------------------------

smoothingInput.addEventListener('input', () => {
  const value = Number(smoothingInput.value);
  state.smoothing = Number.isFinite(value) ? Math.min(0.99, Math.max(0, value)) : 0;
  smoothingValue.textContent = state.smoothing.toFixed(2);
  for (const key of chartsByKey.keys()) dirty.add(key);
  saveState();
  throttle.request();
});

axisSelect.addEventListener('change', () => {
  state.xAxis = axisSelect.value === 'time' ? 'time' : 'step';
  saveState();
  rebuild();
});

onPageMessage('Live Metrics', LiveToWebview, (message) => {
  const { keys, runsChanged } = store.apply(message);
  for (const key of keys) dirty.add(key);
  if (runsChanged) {
    renderRuns();
    // Names, statuses and colours are in the legends: rebuild them.
    rebuildAll = true;
  }
  if (keys.size > 0 || runsChanged) throttle.request();
});

// The theme's colours are read from --vscode-* variables; VS Code changes the body's class and
// data-vscode-theme-kind when the user switches themes.
new MutationObserver(() => {
  theme = readTheme();
  renderRuns();
  rebuild();
}).observe(document.body, { attributes: true, attributeFilter: ['class', 'data-vscode-theme-kind'] });

new ResizeObserver(() => {
  for (const chart of chartsByKey.values()) chart.plot?.setSize({ width: chartWidth(chart), height: 200 });
}).observe(charts);

// Not saved yet: until the extension sends the runs, the restored list is the one to keep.
renderRuns(false);
post({ type: 'ready' });
