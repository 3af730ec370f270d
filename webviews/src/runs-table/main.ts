/**
 * The Runs table page: one row per run of an experiment, rows virtualised (only the rows and
 * columns in view are in the DOM, fixed row height, a spacer for the scrollbar), sticky header
 * and pinned columns, a filter box in MLflow's syntax, sort by any column, a column picker and a
 * file-list selection that opens Compare Runs or Run details. Everything from the extension is
 * validated on arrival; run data is put into the DOM as text only.
 */
import '../shared/zodSetup.ts';
import './runs-table.css';
import { orderByFor, RunsTableFromWebview, RunsTablePanelState, RunsTableToWebview } from '../../../protocol/src/index.ts';
import type { RunsTableContext, RunsTableQuery, RunsTableRow } from '../../../protocol/src/index.ts';
import { ColumnModel } from './columns.ts';
import type { PlacedColumn } from './columns.ts';
import { openColumnPicker } from './picker.ts';
import { RowStore } from './rows.ts';
import { Selection } from './selection.ts';
import { nextSort } from './sort.ts';
import { pageRows, revealRow, virtualWindow, visibleColumnRange } from './virtual.ts';
import type { Viewport } from './virtual.ts';
import { renderCell } from './cells.ts';
import { el } from '../shared/dom.ts';
import { acquirePage, onPageMessage } from '../shared/host.ts';

// Kept in this module's scope: the bundle is an IIFE, so the page's other scripts never see it.
const page = acquirePage<RunsTableFromWebview>('Runs table');
const post = (message: RunsTableFromWebview): void => page.post(message);

const ROW_HEIGHT = 24;
const restored = RunsTablePanelState.safeParse(page.getState());
let context: RunsTableContext | undefined = restored.success ? restored.data.context : undefined;
const columns = new ColumnModel(restored.success ? restored.data.layout : undefined);
const store = new RowStore();
const selection = new Selection();
for (const id of restored.success ? restored.data.selected : []) selection.selected.add(id);
let pendingScrollTop = restored.success ? restored.data.scrollTop : 0;
let query: RunsTableQuery = restored.success ? restored.data.query : { filter: '', sort: null };

// --- Layout -----------------------------------------------------------------------------------------

const title = el('h1', 'title', 'Runs');
const filterInput = el('input', 'filter-input');
filterInput.type = 'text';
filterInput.spellcheck = false;
filterInput.placeholder = 'Filter: metrics.accuracy > 0.9 and params.lr = "0.01"';
filterInput.setAttribute('aria-label', 'Filter runs (MLflow search syntax); Enter applies');
const applyButton = el('button', 'button', 'Apply');
const clearButton = el('button', 'button secondary', 'Clear');
const countText = el('span', 'count');
countText.setAttribute('role', 'status');
const columnsButton = el('button', 'button secondary', 'Columns…');
columnsButton.setAttribute('aria-haspopup', 'dialog');
const detailsButton = el('button', 'button secondary', 'Details');
const compareButton = el('button', 'button', 'Compare');
const reloadButton = el('button', 'button secondary', 'Reload');
for (const b of [applyButton, clearButton, columnsButton, detailsButton, compareButton, reloadButton]) b.type = 'button';

const filterRow = el('div', 'filter-row');
filterRow.append(filterInput, applyButton, clearButton);
const actions = el('div', 'actions');
actions.append(countText, columnsButton, detailsButton, compareButton, reloadButton);
const toolbar = el('header', 'toolbar');
toolbar.append(title, filterRow, actions);
const filterStatus = el('p', 'filter-status');
filterStatus.setAttribute('aria-live', 'polite');
const note = el('p', 'note');

const scroller = el('div', 'grid');
scroller.tabIndex = 0;
scroller.setAttribute('role', 'grid');
scroller.setAttribute('aria-multiselectable', 'true');
scroller.setAttribute('aria-label', 'Runs');
const header = el('div', 'grid-header');
header.setAttribute('role', 'row');
const body = el('div', 'grid-body');
const windowEl = el('div', 'grid-window');
windowEl.setAttribute('role', 'rowgroup');
body.append(windowEl);
scroller.append(header, body);
const empty = el('div', 'empty hidden');
const emptyText = el('p', undefined, '');
const emptyClear = el('button', 'button secondary', 'Clear filter');
emptyClear.type = 'button';
empty.append(emptyText, emptyClear);
document.body.append(toolbar, filterStatus, note, scroller, empty);

// --- State ------------------------------------------------------------------------------------------

function saveState(): void {
  if (context === undefined) return;
  const state: RunsTablePanelState = {
    context,
    query,
    layout: columns.toLayout(),
    selected: [...selection.selected].slice(0, 1000),
    scrollTop: Math.min(1e9, Math.max(0, scroller.scrollTop)),
  };
  page.setState(state);
}

let saveTimer: ReturnType<typeof setTimeout> | undefined;
function saveSoon(): void {
  if (saveTimer !== undefined) return;
  saveTimer = setTimeout(() => {
    saveTimer = undefined;
    saveState();
  }, 300);
}

// --- Rendering --------------------------------------------------------------------------------------

let layout = columns.layout();
let frame = 0;
/** What the DOM shows now; a render with the same key changes nothing. */
let renderedKey = '';
let headerKey = '';

/** The sticky header's height, as runs-table.css sets it (read from a constant: no forced layout). */
const HEADER_HEIGHT = 26;

function viewport(): Viewport {
  return { scrollTop: scroller.scrollTop, height: scroller.clientHeight, header: HEADER_HEIGHT, rowHeight: ROW_HEIGHT };
}

/** Row elements by index, reused while only the scroll position changes (the rest of the key is the same). */
let rowCache = new Map<number, HTMLElement>();
let rowCacheKey = '';

/** The unpinned columns in view sideways (with one either side). */
function visibleColumns(): PlacedColumn[] {
  const left = scroller.scrollLeft + layout.pinnedWidth;
  const right = scroller.scrollLeft + Math.max(scroller.clientWidth, 200);
  return visibleColumnRange(layout.columns.filter((c) => !c.pinned), left, right);
}

function rowCells(parent: HTMLElement, cols: readonly PlacedColumn[], make: (c: PlacedColumn) => HTMLElement): void {
  const pinned = layout.columns.filter((c) => c.pinned);
  const children: HTMLElement[] = pinned.map((c) => {
    const cell = make(c);
    cell.classList.add('pinned');
    cell.style.left = `${c.left}px`;
    if (c === pinned[pinned.length - 1]) cell.classList.add('pinned-last');
    return cell;
  });
  const start = cols[0]?.left ?? layout.pinnedWidth;
  const gap = start - layout.pinnedWidth;
  if (gap > 0) {
    const spacer = el('div', 'spacer');
    spacer.style.width = `${gap}px`;
    children.push(spacer);
  }
  for (const c of cols) children.push(make(c));
  parent.replaceChildren(...children);
}

function ariaSort(c: PlacedColumn): 'ascending' | 'descending' | 'none' {
  const sort = query.sort;
  if (sort === null || sort.column.kind !== c.column.kind || sort.column.key !== c.column.key) return 'none';
  return sort.descending ? 'descending' : 'ascending';
}

function headerCell(c: PlacedColumn): HTMLElement {
  const cell = el('div', `cell head${c.numeric ? ' numeric' : ''}`);
  cell.setAttribute('role', 'columnheader');
  cell.style.width = `${c.width}px`;
  const sort = ariaSort(c);
  cell.setAttribute('aria-sort', sort);
  const button = el('button', 'sort');
  button.type = 'button';
  button.dataset.column = c.id;
  const group = c.group === 'Attributes' ? '' : c.group === 'Params' ? 'param' : c.group === 'Metrics' ? 'metric' : 'tag';
  if (group !== '') button.append(el('span', `kind kind-${group}`, group === 'param' ? 'P' : group === 'metric' ? 'M' : 'T'));
  button.append(el('span', 'label', c.label));
  if (sort !== 'none') button.append(el('span', 'arrow', sort === 'descending' ? '▼' : '▲'));
  const where = orderByFor(query.sort) === undefined && sort !== 'none' ? ' (sorted in the panel, loaded rows only)' : '';
  button.title = `${c.group === 'Attributes' ? '' : `${c.group.slice(0, -1)} `}${c.label}${where} — click to sort`;
  cell.append(button);
  return cell;
}

function render(): void {
  frame = 0;
  const vp = viewport();
  const rows = store.rows;
  const win = virtualWindow(vp, rows.length);
  const cols = visibleColumns();
  const colKey = cols.map((c) => c.id).join('\u0000');
  const contentKey = `${colKey}:${layoutVersion}:${dataVersion}:${selectionVersion}:${selection.focus}`;
  const key = `${win.first}:${win.end}:${contentKey}`;
  // Between a reset and the new load's first rows the table keeps its height, so the scrollbar
  // does not vanish and take the sideways scroll position with it.
  body.style.height = `${store.rows.length === 0 && !store.done ? Math.max(win.total, holdHeight) : win.total}px`;
  body.style.width = `${layout.totalWidth}px`;
  header.style.width = `${layout.totalWidth}px`;
  // The header holds every column (one row of cells is cheap), so scrolling sideways never
  // rebuilds it under the pointer.
  const hKey = `${layoutVersion}:${JSON.stringify(query.sort)}`;
  if (hKey !== headerKey) {
    headerKey = hKey;
    rowCells(header, layout.columns.filter((c) => !c.pinned), headerCell);
  }
  if (key === renderedKey) return;
  renderedKey = key;
  windowEl.style.transform = `translateY(${win.offset}px)`;
  const now = Date.now();
  if (contentKey !== rowCacheKey) {
    rowCacheKey = contentKey;
    rowCache = new Map();
  }
  const rowEls: HTMLElement[] = [];
  const cache = new Map<number, HTMLElement>();
  for (let i = win.first; i < win.end; i++) {
    const cached = rowCache.get(i);
    if (cached !== undefined) {
      rowEls.push(cached);
      cache.set(i, cached);
      continue;
    }
    const row = rows[i]!;
    const rowEl = el('div', 'row');
    rowEl.id = `row-${i}`;
    rowEl.setAttribute('role', 'row');
    rowEl.setAttribute('aria-rowindex', String(i + 2));
    rowEl.dataset.index = String(i);
    const selected = selection.selected.has(row.id);
    rowEl.setAttribute('aria-selected', String(selected));
    if (selected) rowEl.classList.add('selected');
    if (i === selection.focus) rowEl.classList.add('focused');
    if (row.archived) rowEl.classList.add('archived');
    rowEl.style.width = `${layout.totalWidth}px`;
    rowCells(rowEl, cols, (c) => renderCell(row, c, now));
    rowEls.push(rowEl);
    cache.set(i, rowEl);
  }
  rowCache = cache;
  windowEl.replaceChildren(...rowEls);
  if (selection.focus >= win.first && selection.focus < win.end) scroller.setAttribute('aria-activedescendant', `row-${selection.focus}`);
  else scroller.removeAttribute('aria-activedescendant');
}

function schedule(): void {
  if (frame === 0) frame = requestAnimationFrame(render);
}

/** The rows' height before a reset, kept until the new load's first rows. */
let holdHeight = 0;
/** The load whose first rows scroll the table to the top, or -1. */
let firstRowsOf = -1;
/** The load whose first rows replace the column keys (a new filter), or -1. */
let clearKeysOnRows = -1;
let layoutVersion = 0;
let dataVersion = 0;
let selectionVersion = 0;

function relayout(): void {
  layout = columns.layout();
  layoutVersion++;
  saveState();
  schedule();
}

function renderStatus(): void {
  const n = store.rows.length.toLocaleString('en-US');
  const runs = store.rows.length === 1 ? 'run' : 'runs';
  let text = store.done ? `${n} ${runs}` : store.generation < 0 ? 'Loading…' : `Loading… ${n} ${runs} so far`;
  if (store.error !== undefined) text = `${n} ${runs} loaded; loading stopped`;
  const picked = selection.selected.size;
  if (picked > 0) text += ` · ${picked.toLocaleString('en-US')} selected`;
  countText.textContent = text;
  compareButton.disabled = picked < 2;
  compareButton.textContent = picked >= 2 ? `Compare ${picked}` : 'Compare';
  compareButton.title = picked > 100 ? 'Compare takes at most 100 runs; the first 100 selected are compared' : 'Compare the selected runs (select two or more)';
  detailsButton.disabled = focusedRow() === undefined;
  if (store.error !== undefined) note.textContent = store.error;
  else if (store.sortedInPage && query.sort !== null) {
    note.textContent = store.done
      ? 'Sorted in the panel (MLflow cannot order by this column).'
      : 'Sorted in the panel on the rows loaded so far (MLflow cannot order by this column); more are loading.';
  } else note.textContent = '';
  note.classList.toggle('error', store.error !== undefined);
  note.classList.toggle('hidden', note.textContent === '');
  let emptyMessage = '';
  if (store.rows.length === 0 && store.done && store.error === undefined) {
    emptyMessage = query.filter.trim() !== '' ? 'No runs match the filter.' : 'This experiment has no runs yet. Runs that scripts and notebooks log appear here.';
  } else if (store.rows.length === 0 && !store.done) emptyMessage = 'Loading runs…';
  emptyText.textContent = emptyMessage;
  emptyClear.classList.toggle('hidden', query.filter.trim() === '' || emptyMessage === 'Loading runs…');
  empty.classList.toggle('hidden', emptyMessage === '');
}

function focusedRow(): RunsTableRow | undefined {
  return selection.focus >= 0 ? store.rows[selection.focus] : undefined;
}

// --- Queries ----------------------------------------------------------------------------------------

function sendQuery(next: RunsTableQuery): void {
  const loaded = store.query;
  const sameLoad = store.generation >= 0 && next.filter.trim() === loaded.filter.trim() && orderByFor(next.sort) === orderByFor(loaded.sort);
  query = next;
  if (sameLoad) {
    // The daemon's order is unchanged: the page re-orders what it holds, no reload.
    const before = store.ids;
    store.setQuery(next);
    selection.reorder(before, store.ids);
    dataVersion++;
  }
  post({ type: 'query', query: next });
  headerKey = '';
  renderStatus();
  saveState();
  schedule();
}

function applyFilter(): void {
  sendQuery({ filter: filterInput.value.trim(), sort: query.sort });
}

let validateTimer: ReturnType<typeof setTimeout> | undefined;
filterInput.addEventListener('input', () => {
  clearTimeout(validateTimer);
  validateTimer = setTimeout(() => post({ type: 'validateFilter', filter: filterInput.value.trim() }), 250);
});
filterInput.addEventListener('keydown', (e) => {
  if (e.key === 'Enter') applyFilter();
  if (e.key === 'Escape' && filterInput.value !== query.filter) filterInput.value = query.filter;
});
applyButton.addEventListener('click', applyFilter);
const clearFilter = (): void => {
  filterInput.value = '';
  filterStatus.textContent = '';
  filterStatus.classList.remove('error');
  if (query.filter !== '') sendQuery({ filter: '', sort: query.sort });
};
clearButton.addEventListener('click', clearFilter);
emptyClear.addEventListener('click', clearFilter);
reloadButton.addEventListener('click', () => post({ type: 'reload' }));

header.addEventListener('click', (e) => {
  const button = (e.target as HTMLElement).closest('button.sort') as HTMLButtonElement | null;
  const def = button?.dataset.column === undefined ? undefined : columns.get(button.dataset.column);
  if (def === undefined) return;
  sendQuery({ filter: query.filter, sort: nextSort(query.sort, def.column) });
});

columnsButton.addEventListener('click', () => {
  openColumnPicker(columnsButton, columns, () => relayout());
});

function compareSelected(): void {
  const ids = selection.inOrder(store.ids).slice(0, 100);
  if (ids.length >= 2) post({ type: 'compare', runIds: ids });
}
compareButton.addEventListener('click', compareSelected);
function openFocused(): void {
  const row = focusedRow();
  if (row !== undefined) post({ type: 'openRun', runId: row.id });
}
detailsButton.addEventListener('click', openFocused);

// --- Rows: mouse and keyboard -----------------------------------------------------------------------

function selectionChanged(): void {
  selectionVersion++;
  renderStatus();
  saveSoon();
  schedule();
}

function rowIndexOf(target: EventTarget | null): number | undefined {
  const row = (target as HTMLElement | null)?.closest('.row') as HTMLElement | null;
  const index = Number(row?.dataset.index);
  return Number.isInteger(index) ? index : undefined;
}

windowEl.addEventListener('click', (e) => {
  const index = rowIndexOf(e.target);
  if (index === undefined) return;
  selection.click(store.ids, index, { shift: e.shiftKey, toggle: e.ctrlKey || e.metaKey });
  scroller.focus({ preventScroll: true });
  selectionChanged();
});
windowEl.addEventListener('dblclick', (e) => {
  const index = rowIndexOf(e.target);
  const row = index === undefined ? undefined : store.rows[index];
  if (row !== undefined) post({ type: 'openRun', runId: row.id });
});

function reveal(index: number): void {
  scroller.scrollTop = revealRow(viewport(), index);
}

scroller.addEventListener('keydown', (e) => {
  if (e.target !== scroller) return;
  const ids = store.ids;
  const mods = { shift: e.shiftKey, toggle: e.ctrlKey || e.metaKey };
  const at = selection.focus;
  let handled = true;
  switch (e.key) {
    case 'ArrowDown':
      selection.moveTo(ids, at < 0 ? 0 : at + 1, mods);
      break;
    case 'ArrowUp':
      selection.moveTo(ids, at < 0 ? 0 : at - 1, mods);
      break;
    case 'PageDown':
      selection.moveTo(ids, Math.max(0, at) + pageRows(viewport()), mods);
      break;
    case 'PageUp':
      selection.moveTo(ids, Math.max(0, at) - pageRows(viewport()), mods);
      break;
    case 'Home':
      selection.moveTo(ids, 0, mods);
      break;
    case 'End':
      selection.moveTo(ids, ids.length - 1, mods);
      break;
    case ' ':
      if (at >= 0) selection.click(ids, at, { toggle: true });
      break;
    case 'Enter':
      openFocused();
      break;
    case 'Escape':
      selection.clear();
      break;
    case 'ArrowRight':
      scroller.scrollLeft += 80;
      break;
    case 'ArrowLeft':
      scroller.scrollLeft -= 80;
      break;
    default:
      if ((e.key === 'a' || e.key === 'A') && mods.toggle) selection.selectAll(ids);
      else handled = false;
  }
  if (!handled) return;
  e.preventDefault();
  if (selection.focus >= 0 && e.key !== 'ArrowRight' && e.key !== 'ArrowLeft') reveal(selection.focus);
  selectionChanged();
});

scroller.addEventListener('scroll', () => {
  schedule();
  saveSoon();
});
new ResizeObserver(() => schedule()).observe(scroller);

// --- Messages ---------------------------------------------------------------------------------------

function onInit(ctx: RunsTableContext, q: RunsTableQuery): void {
  context = ctx;
  query = q;
  title.replaceChildren(el('span', 'title-kind', 'Runs'), el('span', 'title-name', ctx.experimentName));
  title.title = `${ctx.experimentName} (experiment ${ctx.experimentId}, tenant ${ctx.tenant})`;
  document.title = `Runs: ${ctx.experimentName}`;
  filterInput.value = q.filter;
  headerKey = '';
  saveState();
}

function onRows(generation: number, rows: RunsTableRow[], keys: { params: string[]; metrics: string[]; tags: string[] }, done: boolean): void {
  const before = store.ids;
  if (!store.add(generation, rows, done)) return;
  if (store.sortedInPage) selection.reorder(before, store.ids);
  if (firstRowsOf === generation && rows.length > 0) {
    // A new order or filter starts at the top (a restored page scrolls back below).
    firstRowsOf = -1;
    holdHeight = 0;
    if (pendingScrollTop === 0) scroller.scrollTop = 0;
  }
  let changed = false;
  if (clearKeysOnRows === generation) {
    clearKeysOnRows = -1;
    columns.clearKeys();
    changed = true;
  }
  if (columns.addKeys(keys) || changed) {
    const left = scroller.scrollLeft;
    relayout();
    // The browser clamps the sideways scroll to the new width; otherwise it stays where it was.
    scroller.scrollLeft = left;
  }
  dataVersion++;
  // A restored panel scrolls back once the rows below the old position are there.
  if (pendingScrollTop > 0 && (store.rows.length * ROW_HEIGHT >= pendingScrollTop + scroller.clientHeight || done)) {
    scroller.scrollTop = pendingScrollTop;
    pendingScrollTop = 0;
  }
  if (done) selection.retain(store.ids);
  renderStatus();
  schedule();
}

onPageMessage('Runs table', RunsTableToWebview, (message) => {
  switch (message.type) {
    case 'init':
      onInit(message.context, message.query);
      break;
    case 'reset':
      // Another filter may hold other keys: the columns are rebuilt from the new load's first
      // page (not now, so the table keeps its width and sideways scroll until rows arrive). A new
      // sort holds the same runs, so it keeps its columns.
      if (message.query.filter.trim() !== store.query.filter.trim()) clearKeysOnRows = message.generation;
      holdHeight = store.rows.length * ROW_HEIGHT;
      firstRowsOf = message.generation;
      store.reset(message.generation, message.query);
      query = message.query;
      dataVersion++;
      headerKey = '';
      renderStatus();
      schedule();
      break;
    case 'rows':
      onRows(message.generation, message.rows, message.columns, message.done);
      break;
    case 'loadError':
      if (store.fail(message.generation, message.message)) renderStatus();
      break;
    case 'filterStatus':
      if (message.filter !== filterInput.value.trim()) break;
      filterStatus.textContent = message.ok ? '' : (message.message ?? 'Invalid filter');
      filterStatus.classList.toggle('error', !message.ok);
      break;
  }
});

renderStatus();
schedule();
post({ type: 'ready', ...(restored.success ? { query } : {}) });
