/**
 * The Compare Runs page's fixed parts: the title, the toolbar (x axis, smoothing, CSV export), the
 * run legend, the params section with its "only what differs" switch, and the metrics grid. Built
 * once and appended to the body; the page fills them in. Every control has a visible label.
 */
import { selectControl, smoothingControl } from '../shared/controls.ts';
import { el } from '../shared/dom.ts';

export function buildLayout() {
  const heading = el('h1', 'title', 'Compare Runs');
  const toolbar = el('div', 'toolbar');
  toolbar.setAttribute('role', 'toolbar');
  toolbar.setAttribute('aria-label', 'Chart settings');

  const { label: axisLabel, select: axisSelect } = selectControl('X axis', [
    ['step', 'Step'],
    ['time', 'Wall time'],
    ['relative', 'Time since start'],
  ]);
  const { label: smoothingLabel, input: smoothingInput, value: smoothingValue } = smoothingControl();

  const csvButton = el('button', 'button', 'Export CSV…');
  csvButton.type = 'button';
  csvButton.title = 'Save every param and the min / max / last of every metric as CSV';
  toolbar.append(axisLabel, smoothingLabel, csvButton);

  const legend = el('ul', 'legend');
  legend.setAttribute('aria-label', 'Runs (press to hide or show a run in the charts)');
  const panelError = el('p', 'error hidden');
  panelError.setAttribute('role', 'alert');

  const paramsSection = el('section', 'params-section');
  const paramsHeader = el('div', 'section-header');
  const onlyDiffersLabel = el('label', 'control');
  const onlyDiffers = el('input');
  onlyDiffers.type = 'checkbox';
  onlyDiffersLabel.append(onlyDiffers, el('span', undefined, 'Only what differs'));
  paramsHeader.append(el('h2', undefined, 'Params'), onlyDiffersLabel);
  const paramsBody = el('div', 'params-body');
  paramsSection.append(paramsHeader, paramsBody);

  const metricsSection = el('section', 'metrics-section');
  const metricsHeader = el('div', 'section-header');
  metricsHeader.append(el('h2', undefined, 'Metrics'), el('span', 'hint', 'Drag across a chart to zoom; double-click to zoom out.'));
  const metricsEmpty = el('p', 'empty hidden');
  const grid = el('div', 'charts');
  metricsSection.append(metricsHeader, metricsEmpty, grid);

  const loading = el('p', 'empty', 'Loading the runs…');
  document.body.append(heading, toolbar, legend, panelError, loading, paramsSection, metricsSection);
  paramsSection.classList.add('hidden');
  metricsSection.classList.add('hidden');

  return {
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
  };
}

export type Layout = ReturnType<typeof buildLayout>;
