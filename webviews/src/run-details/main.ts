/**
 * The Run details page: one run's overview (status, times, duration, source, user, id with a
 * copy button), its params, its metrics with a small chart each (latest, min, max; curves the
 * daemon reduced for the chart's width, asked for as the charts scroll into view), its tags and
 * its artifacts with a way to the sidebar. Everything from the extension is validated on arrival;
 * run data reaches the DOM as text only.
 */
import '../shared/zodSetup.ts';
import 'uplot/dist/uPlot.min.css';
import './run-details.css';
import { RUN_DETAILS_MAX_SERIES_KEYS, RunDetailsFromWebview, RunDetailsToWebview } from '../../../protocol/src/index.ts';
import type { RunDetails, RunDetailsPanelState, RunDetailsSeries } from '../../../protocol/src/index.ts';
import { MetricChart, readChartTheme, seriesColour } from '../shared/charts.ts';
import type { ChartTheme } from '../shared/charts.ts';
import { acquirePage, onPageMessage } from '../shared/host.ts';
import { el } from '../shared/dom.ts';
import { formatDurationMs, formatMetric, formatTime } from '../runs-table/format.ts';
import { sortedKeys, userTagKeys } from './keys.ts';
import { columnHeads, keyValueTable } from './sections.ts';

const page = acquirePage<RunDetailsFromWebview>('Run details');
const post = (message: RunDetailsFromWebview): void => page.post(message);

const CHART_HEIGHT = 110;
let theme: ChartTheme = readChartTheme();

// --- Layout -----------------------------------------------------------------------------------------

const header = el('header', 'head');
const title = el('h1', 'title', 'Run details');
const subtitle = el('p', 'subtitle');
const refresh = el('button', 'button secondary', 'Refresh');
refresh.type = 'button';
const headRow = el('div', 'head-row');
headRow.append(title, refresh);
header.append(headRow, subtitle);
const problem = el('p', 'error hidden');
problem.setAttribute('role', 'alert');
const main = el('main', 'sections');
document.body.append(header, problem, main);
refresh.addEventListener('click', () => post({ type: 'refresh' }));

// --- Metrics charts -----------------------------------------------------------------------------------

interface MetricRow {
  key: string;
  min: HTMLElement;
  max: HTMLElement;
  steps: HTMLElement;
  target: HTMLElement;
  chart: MetricChart | undefined;
  series: RunDetailsSeries | undefined;
  asked: boolean;
}

const metricRows = new Map<string, MetricRow>();
let pending = new Set<string>();
let askTimer: ReturnType<typeof setTimeout> | undefined;

/** Asks for the curves of the charts that came into view, in batches the daemon takes. */
function ask(key: string): void {
  const row = metricRows.get(key);
  if (row === undefined || row.asked) return;
  row.asked = true;
  pending.add(key);
  if (askTimer !== undefined) return;
  askTimer = setTimeout(() => {
    askTimer = undefined;
    const keys = [...pending];
    pending = new Set();
    const width = Math.max(16, Math.min(4096, Math.round(row.target.clientWidth || 240)));
    for (let i = 0; i < keys.length; i += RUN_DETAILS_MAX_SERIES_KEYS) {
      post({ type: 'loadSeries', keys: keys.slice(i, i + RUN_DETAILS_MAX_SERIES_KEYS), width });
    }
  }, 50);
}

const visible = new IntersectionObserver((entries) => {
  for (const entry of entries) {
    if (entry.isIntersecting) ask((entry.target as HTMLElement).dataset.key ?? '');
  }
}, { rootMargin: '200px' });

function draw(row: MetricRow): void {
  const series = row.series;
  if (series === undefined) return;
  row.min.classList.remove('muted');
  row.max.classList.remove('muted');
  row.min.textContent = formatMetric(series.min);
  row.max.textContent = formatMetric(series.max);
  row.steps.textContent = series.totalPoints === 1 ? '1 point' : `${series.totalPoints.toLocaleString('en-US')} points`;
  if (series.points.length < 2) {
    row.target.replaceChildren(el('span', 'muted', series.points.length === 0 ? 'no points' : 'one point'));
    row.chart?.destroy();
    row.chart = undefined;
    return;
  }
  if (row.chart === undefined) {
    row.target.replaceChildren();
    row.chart = new MetricChart(row.target, { label: row.key, xAxis: 'step', smoothing: 0, logScale: false, theme, height: CHART_HEIGHT, legend: false });
  }
  row.chart.setSeries([{ id: 'run', label: row.key, colour: seriesColour(theme, 0), points: series.points.map(([s, v]) => [s, v, 0] as const) }]);
}

// --- Rendering ------------------------------------------------------------------------------------------

function section(name: string, count: number | undefined, ...content: HTMLElement[]): HTMLElement {
  const root = el('section', 'section');
  const h = el('h2', 'section-title', name);
  if (count !== undefined) h.append(el('span', 'count', String(count)));
  root.append(h, ...content);
  return root;
}

function overview(run: RunDetails): HTMLElement {
  const list = el('dl', 'overview');
  const add = (term: string, value: string | HTMLElement, muted = false): void => {
    const dd = el('dd', muted ? 'muted' : undefined);
    if (typeof value === 'string') dd.textContent = value;
    else dd.append(value);
    list.append(el('dt', undefined, term), dd);
  };
  const status = el('span', `status status-${run.status}`);
  status.append(el('span', 'dot'), el('span', undefined, run.status[0]!.toUpperCase() + run.status.slice(1) + (run.archived ? ' · archived' : '')));
  add('Status', status);
  add('Started', formatTime(run.startTime));
  add('Ended', run.endTime === null ? 'still running' : formatTime(run.endTime), run.endTime === null);
  add('Duration', formatDurationMs((run.endTime ?? Date.now()) - run.startTime) + (run.endTime === null ? ' so far' : ''));
  add('User', run.user ?? 'unknown', run.user === null);
  const source = run.source === null ? 'unknown' : `${run.source}${run.sourceType === null ? '' : ` (${run.sourceType.toLowerCase()})`}`;
  add('Source', source, run.source === null);
  if (run.gitCommit !== null) add('Git commit', run.gitCommit);
  add('Experiment', run.experimentName === null ? run.experimentId : `${run.experimentName} (${run.experimentId})`);
  const id = el('span', 'run-id');
  const code = el('code', undefined, run.id);
  const copy = el('button', 'button secondary small', 'Copy');
  copy.type = 'button';
  copy.setAttribute('aria-label', 'Copy run ID');
  copy.addEventListener('click', () => post({ type: 'copyRunId' }));
  id.append(code, copy);
  add('Run ID', id);
  return list;
}

function metricsTable(run: RunDetails): HTMLElement {
  const keys = sortedKeys(run.metrics);
  if (keys.length === 0) return el('p', 'muted', 'No metrics logged.');
  const table = el('table', 'metrics');
  const thead = columnHeads([['Metric'], ['Latest', 'numeric'], ['Min', 'numeric'], ['Max', 'numeric'], ['Points', 'numeric'], ['History', 'chart-col']]);
  const tbody = el('tbody');
  for (const key of keys) {
    const tr = el('tr');
    const name = el('th', 'key', key);
    name.scope = 'row';
    name.title = key;
    const latest = el('td', 'numeric', formatMetric(run.metrics[key]));
    latest.title = String(run.metrics[key] ?? 'NaN');
    const min = el('td', 'numeric muted', '…');
    const max = el('td', 'numeric muted', '…');
    const steps = el('td', 'numeric muted', '');
    const cell = el('td', 'chart-col');
    const target = el('div', 'chart');
    target.dataset.key = key;
    target.setAttribute('aria-label', `History of ${key}`);
    cell.append(target);
    tr.append(name, latest, min, max, steps, cell);
    tbody.append(tr);
    const row: MetricRow = { key, min, max, steps, target, chart: undefined, series: undefined, asked: false };
    metricRows.set(key, row);
    visible.observe(target);
  }
  table.append(thead, tbody);
  return table;
}

function artifacts(run: RunDetails): HTMLElement {
  const root = el('div', 'artifacts');
  const button = el('button', 'button secondary', 'Show in sidebar');
  button.type = 'button';
  button.addEventListener('click', () => post({ type: 'showArtifacts' }));
  if (run.artifacts.count === 0) {
    root.append(el('p', 'muted', 'This run has no artifacts yet.'));
    return root;
  }
  const list = el('ul', 'artifact-list');
  for (const path of run.artifacts.paths) list.append(el('li', undefined, path));
  root.append(list);
  if (run.artifacts.count > run.artifacts.paths.length) root.append(el('p', 'muted', `and ${run.artifacts.count - run.artifacts.paths.length} more`));
  root.append(button);
  return root;
}

function renderRun(run: RunDetails): void {
  for (const row of metricRows.values()) row.chart?.destroy();
  metricRows.clear();
  visible.disconnect();
  const name = run.name ?? `Run ${run.id.slice(0, 8)}`;
  title.textContent = name;
  title.title = name;
  subtitle.textContent = `${run.experimentName ?? `experiment ${run.experimentId}`} · tenant ${run.tenant}`;
  document.title = `Run: ${name}`;
  problem.classList.add('hidden');
  const paramKeys = sortedKeys(run.params);
  const tagKeys = userTagKeys(run.tags);
  main.replaceChildren(
    section('Overview', undefined, overview(run)),
    section('Parameters', paramKeys.length, paramKeys.length === 0 ? el('p', 'muted', 'No parameters logged.') : keyValueTable('Parameter', paramKeys, run.params)),
    section('Metrics', Object.keys(run.metrics).length, metricsTable(run)),
    section('Tags', tagKeys.length, tagKeys.length === 0 ? el('p', 'muted', 'No tags (MLflow\'s own mlflow.* tags are left out).') : keyValueTable('Tag', tagKeys, run.tags)),
    section('Artifacts', run.artifacts.count, artifacts(run)),
  );
  const state: RunDetailsPanelState = { tenant: run.tenant, runId: run.id };
  page.setState(state);
}

onPageMessage('Run details', RunDetailsToWebview, (message) => {
  switch (message.type) {
    case 'run':
      renderRun(message.run);
      break;
    case 'series':
      for (const series of message.series) {
        const row = metricRows.get(series.key);
        if (row === undefined) continue;
        row.series = series;
        draw(row);
      }
      break;
    case 'error':
      if (message.keys !== undefined) {
        for (const key of message.keys) {
          const row = metricRows.get(key);
          if (row !== undefined) row.target.replaceChildren(el('span', 'error', message.message));
        }
      } else {
        problem.textContent = message.message;
        problem.classList.remove('hidden');
      }
      break;
  }
});

// Theme colours live in the charts' canvases: re-read and redraw when the theme changes.
new MutationObserver(() => {
  theme = readChartTheme();
  for (const row of metricRows.values()) row.chart?.update({ theme });
}).observe(document.body, { attributes: true, attributeFilter: ['class', 'data-vscode-theme-kind'] });

new ResizeObserver(() => {
  for (const row of metricRows.values()) row.chart?.resize();
}).observe(main);

post({ type: 'ready' });
