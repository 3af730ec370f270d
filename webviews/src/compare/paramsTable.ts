/**
 * The params of the compared runs side by side: a row per param, a column per run, cells whose
 * value differs from the first run's marked. Names and values are user data: text only.
 */
import type { CompareParam, CompareRun } from '../../../protocol/src/compare-panel.ts';
import { el } from '../shared/dom.ts';
import { runTitle, visibleParams } from './model.ts';

/** Renders the table (or an empty-state line) into `container`. */
export function renderParamsTable(
  container: HTMLElement,
  runs: readonly CompareRun[],
  params: readonly CompareParam[],
  onlyDiffers: boolean,
  colour: (runIndex: number) => string,
): void {
  const shown = visibleParams(params, onlyDiffers);
  if (shown.length === 0) {
    let text = 'These runs have no params.';
    if (params.length > 0) text = `All ${params.length} params are the same in every run. Turn off "Only what differs" to see them.`;
    container.replaceChildren(el('p', 'empty', text));
    return;
  }
  const table = el('table', 'params');
  table.setAttribute('aria-label', 'Params side by side');
  const head = el('thead');
  const headRow = el('tr');
  const corner = el('th', 'param-key', 'Param');
  corner.scope = 'col';
  headRow.append(corner);
  runs.forEach((run, i) => {
    const th = el('th', 'run-column');
    th.scope = 'col';
    const swatch = el('span', 'swatch');
    swatch.style.backgroundColor = colour(i);
    const name = el('span', 'run-name', runTitle(run));
    th.title = `${runTitle(run)} (${run.runId})`;
    th.append(swatch, name);
    headRow.append(th);
  });
  head.append(headRow);
  const body = el('tbody');
  for (const param of shown) {
    const tr = el('tr', param.differs ? 'differs' : undefined);
    const key = el('th', 'param-key', param.key);
    key.scope = 'row';
    key.title = param.key;
    tr.append(key);
    const first = param.values[0] ?? null;
    runs.forEach((_, i) => {
      const value = param.values[i] ?? null;
      const td = el('td', value === null ? 'missing' : undefined, value ?? '—');
      if (value !== null) td.title = value;
      if (param.differs && value !== first) td.classList.add('changed');
      tr.append(td);
    });
    body.append(tr);
  }
  table.append(head, body);
  const note = el(
    'p',
    'table-note',
    onlyDiffers ? `${shown.length} of ${params.length} params differ.` : `${params.length} params, ${params.filter((p) => p.differs).length} differ.`,
  );
  const scroller = el('div', 'table-scroll');
  scroller.append(table);
  container.replaceChildren(note, scroller);
}
