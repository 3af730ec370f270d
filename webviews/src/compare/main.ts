/**
 * The Compare Runs page: the compared runs as a legend that hides and shows them, their params
 * side by side ("only what differs" on by default), and a card per metric with every run's curve
 * overlaid. Curves are asked for at each chart's plot width when the card scrolls into view, and
 * again for a zoomed range; the extension answers with what the daemon reduced. Everything from
 * the extension is validated on arrival; user data goes into the DOM as text only.
 */
import '../shared/zodSetup.ts';
import 'uplot/dist/uPlot.min.css';
import './compare.css';
import { SERIES_MAX_WIDTH, SERIES_MIN_WIDTH } from '../../../protocol/src/inspect.ts';
import { CompareFromWebview, ComparePanelState, CompareToWebview } from '../../../protocol/src/compare-panel.ts';
import type { CompareCurve, CompareDirection, CompareMetric } from '../../../protocol/src/compare-panel.ts';
import { readChartTheme, seriesColour } from '../shared/charts.ts';
import { acquirePage, onPageMessage } from '../shared/host.ts';
import type { ChartTheme, ChartXAxis } from '../shared/charts.ts';
import { el } from '../shared/dom.ts';
import { buildLayout } from './layout.ts';
import { MetricCard } from './metricCard.ts';
import type { MetricCardHost } from './metricCard.ts';
import { chunk, compareCsv, runTitle, safeFileName, SeriesRequests } from './model.ts';
import type { CompareData } from './model.ts';
import { renderParamsTable } from './paramsTable.ts';

// Module scope: the bundle is an IIFE, so the page's other scripts never see it.
const page = acquirePage('Compare Runs', CompareFromWebview);
const post = (message: CompareFromWebview): void => page.post(message);

const restored = ComparePanelState.safeParse(page.getState());
let state: ComparePanelState | undefined = restored.success ? restored.data : undefined;
let data: CompareData | undefined;
let theme: ChartTheme = readChartTheme();
const cards = new Map<string, MetricCard>();
const requests = new SeriesRequests();
/** Keys of each request in flight, with the range asked for. */
const inFlight = new Map<number, { keys: string[]; xAxis: ChartXAxis; range: { min: number; max: number } | undefined }>();
/** Cards on screen (or near it): only these ask for curves. */
const onScreen = new Set<string>();
let firstPaint = false;
/** Charts that have drawn curves once (for the benchmark's marks). */
const painted = new Set<string>();

function settings(): ComparePanelState {
  state ??= ComparePanelState.parse({ tenant: data?.tenant ?? 'default', runIds: data?.runs.map((r) => r.runId) ?? ['-'] });
  return state;
}

function saveState(): void {
  if (state !== undefined) page.setState(state);
}

const {
  heading,
  axisSelect,
  smoothingInput,
  smoothingValue,
  csvButton,
  legend,
  panelError,
  onlyDiffers,
  paramsSection,
  paramsBody,
  metricsSection,
  metricsEmpty,
  grid,
  loading,
} = buildLayout();

function applyControls(): void {
  const s = settings();
  axisSelect.value = s.xAxis;
  smoothingInput.value = String(s.smoothing);
  smoothingValue.textContent = s.smoothing.toFixed(2);
  onlyDiffers.checked = s.onlyDiffers;
}
if (state !== undefined) applyControls();

// --- Rendering ------------------------------------------------------------------------------------

function colour(index: number): string {
  return seriesColour(theme, index);
}

function renderLegend(): void {
  if (data === undefined) return;
  const hidden = new Set(settings().hidden);
  legend.replaceChildren(
    ...data.runs.map((run, i) => {
      const li = el('li');
      const button = el('button', 'legend-item');
      button.type = 'button';
      const shown = !hidden.has(run.runId);
      button.setAttribute('aria-pressed', String(shown));
      button.title = `${shown ? 'Hide' : 'Show'} ${runTitle(run)} (${run.runId}) in the charts`;
      const swatch = el('span', 'swatch');
      swatch.style.backgroundColor = colour(i);
      button.append(swatch, el('span', 'run-name', runTitle(run)), el('span', `run-status status-${run.status}`, run.status));
      button.addEventListener('click', () => toggleRun(run.runId, hidden.has(run.runId)));
      li.append(button);
      return li;
    }),
  );
}

function renderParams(): void {
  if (data === undefined) return;
  renderParamsTable(paramsBody, data.runs, data.params, settings().onlyDiffers, colour);
}

function toggleRun(runId: string, visible: boolean): void {
  const s = settings();
  const hidden = new Set(s.hidden);
  if (visible) hidden.delete(runId);
  else hidden.add(runId);
  s.hidden = [...hidden];
  saveState();
  renderLegend();
  for (const card of cards.values()) {
    card.chart.setHidden(hidden);
    card.renderStats();
  }
}

const host: MetricCardHost = {
  runs: () => data?.runs ?? [],
  colour,
  theme: () => theme,
  xAxis: () => settings().xAxis,
  smoothing: () => settings().smoothing,
  hidden: () => new Set(settings().hidden),
  logScale: (key) => settings().logKeys.includes(key),
  setLogScale(key, on) {
    const s = settings();
    s.logKeys = on ? [...new Set([...s.logKeys, key])] : s.logKeys.filter((k) => k !== key);
    saveState();
  },
  direction: (metric) => settings().directions[metric.key] ?? metric.direction,
  setDirection(key, direction) {
    settings().directions[key] = direction;
    saveState();
    post({ type: 'direction', key, direction });
  },
  requestSeries(card, range) {
    if (range === undefined) queueSeries(card.metric.key);
    else sendSeries([card.metric.key], card.chart.plotWidth(), range);
  },
  toggleRun,
  exportPng(card) {
    try {
      post({ type: 'exportPng', dataUrl: card.chart.toPng(), fileName: safeFileName(card.metric.key, 'png') });
    } catch (error) {
      card.setStatus(`Could not make a PNG: ${String(error)}`, true);
    }
  },
};

function renderMetrics(): void {
  if (data === undefined) return;
  for (const card of cards.values()) {
    visibility.unobserve(card.root);
    card.chart.destroy();
  }
  cards.clear();
  onScreen.clear();
  requests.clear();
  inFlight.clear();
  grid.replaceChildren();
  for (const metric of data.metrics) {
    const card = new MetricCard(host, metric);
    cards.set(metric.key, card);
  }
  // In the page before the charts are sized; the observer asks for curves as cards come into view.
  grid.replaceChildren(...[...cards.values()].map((c) => c.root));
  for (const card of cards.values()) {
    card.chart.resize();
    visibility.observe(card.root);
  }
  metricsEmpty.textContent = data.metrics.length === 0 ? 'These runs logged no metrics.' : '';
  metricsEmpty.classList.toggle('hidden', data.metrics.length > 0);
}

// --- Series requests ------------------------------------------------------------------------------

/**
 * Keys per `series` request. One: each chart paints as soon as its own curves arrive instead of
 * waiting for a whole batch (test/bench/compare-paint.ts: the first of four charts in about half
 * the time of one four-key request).
 */
const KEYS_PER_REQUEST = 1;
const queued = new Set<string>();
let flushScheduled = false;

/** Asks for a card's whole range soon, batched with the other cards that ask in the same frame. */
function queueSeries(key: string): void {
  queued.add(key);
  if (flushScheduled) return;
  flushScheduled = true;
  requestAnimationFrame(() => {
    flushScheduled = false;
    const byWidth = new Map<number, string[]>();
    for (const k of queued) {
      const card = cards.get(k);
      if (card === undefined) continue;
      const width = clampWidth(card.chart.plotWidth());
      byWidth.set(width, [...(byWidth.get(width) ?? []), k]);
    }
    queued.clear();
    for (const [width, keys] of byWidth) for (const part of chunk(keys, KEYS_PER_REQUEST)) sendSeries(part, width, undefined);
  });
}

function clampWidth(width: number): number {
  return Math.min(SERIES_MAX_WIDTH, Math.max(SERIES_MIN_WIDTH, Math.round(width)));
}

function sendSeries(keys: string[], width: number, range: { min: number; max: number } | undefined): void {
  const xAxis = settings().xAxis;
  const clamped = clampWidth(width);
  const requestId = requests.start(keys, xAxis, clamped, range);
  inFlight.set(requestId, { keys, xAxis, range });
  post({ type: 'series', requestId, keys, xAxis, width: clamped, ...(range === undefined ? {} : { range }) });
}

function onSeries(message: Extract<CompareToWebview, { type: 'series' }>): void {
  const asked = inFlight.get(message.requestId);
  inFlight.delete(message.requestId);
  if (asked === undefined || message.xAxis !== settings().xAxis) return;
  const byKey = new Map<string, CompareCurve[]>();
  for (const curve of message.curves) byKey.set(curve.key, [...(byKey.get(curve.key) ?? []), curve]);
  for (const key of asked.keys) {
    const card = cards.get(key);
    if (card === undefined || !requests.isCurrent(key, message.requestId)) continue;
    card.showCurves(byKey.get(key) ?? [], message.startTimes, asked.range);
    if (asked.range === undefined) card.loadedFor = { xAxis: message.xAxis, width: requests.newest(key)!.width };
  }
  // For the benchmark (test/bench/compare-paint.ts): when the first curves, and each chart's
  // first curves, reached a canvas (uPlot draws before the next frame).
  const fresh = asked.range === undefined ? asked.keys.filter((k) => !painted.has(k) && byKey.get(k)?.some((c) => c.points.length > 0)) : [];
  for (const key of fresh) painted.add(key);
  if (fresh.length > 0) {
    const first = !firstPaint;
    firstPaint = true;
    requestAnimationFrame(() => {
      if (first) performance.mark('matih-compare-first-chart');
      for (let i = 0; i < fresh.length; i++) performance.mark('matih-compare-chart');
    });
  }
}

function onSeriesError(requestId: number, text: string): void {
  const asked = inFlight.get(requestId);
  inFlight.delete(requestId);
  if (asked === undefined) return;
  for (const key of asked.keys) if (requests.isCurrent(key, requestId)) cards.get(key)?.setStatus(text, true);
}

const visibility = new IntersectionObserver(
  (entries) => {
    for (const entry of entries) {
      const key = [...cards.entries()].find(([, c]) => c.root === entry.target)?.[0];
      if (key === undefined) continue;
      if (entry.isIntersecting) {
        onScreen.add(key);
        const card = cards.get(key)!;
        if (card.loadedFor === undefined && requests.newest(key) === undefined) queueSeries(key);
      } else onScreen.delete(key);
    }
  },
  { rootMargin: '400px 0px' },
);

/** Everything asked again (the axis changed): on-screen cards now, the rest as they scroll in. */
function reloadAll(): void {
  requests.clear();
  inFlight.clear();
  for (const card of cards.values()) card.loadedFor = undefined;
  for (const key of onScreen) queueSeries(key);
}

// --- Events ---------------------------------------------------------------------------------------

axisSelect.addEventListener('change', () => {
  const value = axisSelect.value;
  settings().xAxis = value === 'time' || value === 'relative' ? value : 'step';
  saveState();
  for (const card of cards.values()) card.chart.update({ xAxis: settings().xAxis });
  reloadAll();
});

let smoothingFrame = 0;
smoothingInput.addEventListener('input', () => {
  const value = Number(smoothingInput.value);
  settings().smoothing = Number.isFinite(value) ? Math.min(0.99, Math.max(0, value)) : 0;
  smoothingValue.textContent = settings().smoothing.toFixed(2);
  saveState();
  cancelAnimationFrame(smoothingFrame);
  smoothingFrame = requestAnimationFrame(() => {
    for (const card of cards.values()) card.chart.update({ smoothing: settings().smoothing });
  });
});

onlyDiffers.addEventListener('change', () => {
  settings().onlyDiffers = onlyDiffers.checked;
  saveState();
  renderParams();
});

csvButton.addEventListener('click', () => {
  if (data === undefined) return;
  const current = data;
  const csv = compareCsv(
    current,
    (metric: CompareMetric) => cards.get(metric.key)?.stats() ?? [],
    (metric: CompareMetric): CompareDirection => host.direction(metric),
  );
  post({ type: 'exportCsv', csv, fileName: safeFileName(`compare-${current.runs.length}-runs`, 'csv') });
});

onPageMessage('Compare Runs', CompareToWebview, (message) => {
  switch (message.type) {
    case 'compare': {
      data = { tenant: message.tenant, runs: message.runs, params: message.params, metrics: message.metrics };
      const previous = state;
      state = ComparePanelState.parse({
        ...(previous ?? {}),
        tenant: message.tenant,
        runIds: message.runs.map((r) => r.runId),
        hidden: (previous?.hidden ?? []).filter((id) => message.runs.some((r) => r.runId === id)),
      });
      saveState();
      applyControls();
      heading.textContent = `Compare ${message.runs.length} ${message.runs.length === 1 ? 'run' : 'runs'}`;
      loading.classList.add('hidden');
      panelError.classList.add('hidden');
      paramsSection.classList.remove('hidden');
      metricsSection.classList.remove('hidden');
      renderLegend();
      renderParams();
      renderMetrics();
      break;
    }
    case 'series':
      onSeries(message);
      break;
    case 'seriesError':
      onSeriesError(message.requestId, message.message);
      break;
    case 'error':
      loading.classList.add('hidden');
      panelError.textContent = message.message;
      panelError.classList.remove('hidden');
      break;
  }
});

// The theme's colours are --vscode-* variables; VS Code changes the body's class and
// data-vscode-theme-kind when the user switches themes: read them again and redraw.
new MutationObserver(() => {
  theme = readChartTheme();
  renderLegend();
  renderParams();
  for (const card of cards.values()) {
    card.chart.update({ theme });
    card.renderStats();
  }
}).observe(document.body, { attributes: true, attributeFilter: ['class', 'data-vscode-theme-kind'] });

let resizeTimer: ReturnType<typeof setTimeout> | undefined;
new ResizeObserver(() => {
  for (const card of cards.values()) card.chart.resize();
  // Much wider or narrower charts ask again, so the curve keeps about one bucket per pixel.
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(() => {
    for (const key of onScreen) {
      const card = cards.get(key);
      if (card?.loadedFor === undefined || card.chart.zoom !== undefined) continue;
      const width = clampWidth(card.chart.plotWidth());
      if (Math.abs(width - card.loadedFor.width) > card.loadedFor.width * 0.15) queueSeries(key);
    }
  }, 300);
}).observe(grid);

post({ type: 'ready' });
