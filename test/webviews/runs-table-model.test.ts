/**
 * The Runs table page's pure parts: the virtual window maths, the column model (union of keys,
 * defaults, visibility, pinning, placement), sorting in the page, the selection and the row store.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RunsTableRow } from '../../protocol/src/index.ts';
import { ColumnModel, MAX_PINNED } from '../../webviews/src/runs-table/columns.ts';
import { formatDurationMs, formatMetric, formatTime } from '../../webviews/src/runs-table/format.ts';
import { RowStore } from '../../webviews/src/runs-table/rows.ts';
import { Selection } from '../../webviews/src/runs-table/selection.ts';
import { cellValue, nextSort, sortedByDaemon, sortRows } from '../../webviews/src/runs-table/sort.ts';
import { pageRows, revealRow, virtualWindow, visibleColumnRange } from '../../webviews/src/runs-table/virtual.ts';

function row(id: string, over: Partial<RunsTableRow> = {}): RunsTableRow {
  return { id, name: id, status: 'finished', archived: false, startTime: 1000, endTime: 2000, user: null, params: {}, metrics: {}, tags: {}, ...over };
}

describe('virtualWindow', () => {
  const vp = { scrollTop: 0, height: 24 * 10 + 26, header: 26, rowHeight: 24 };

  it('puts only the rows in view (and the overscan) in the DOM', () => {
    assert.deepEqual(virtualWindow(vp, 10_000, 5), { first: 0, end: 15, offset: 0, total: 240_000 });
    const mid = virtualWindow({ ...vp, scrollTop: 24 * 5000 + 10 }, 10_000, 5);
    assert.deepEqual(mid, { first: 4995, end: 5016, offset: 4995 * 24, total: 240_000 });
    // The window never holds more than a screenful plus twice the overscan (and one partial row).
    for (const top of [0, 7, 23, 24, 1234, 239_000, 240_000, 1e9]) {
      const w = virtualWindow({ ...vp, scrollTop: top }, 10_000, 5);
      assert.ok(w.end - w.first <= 10 + 1 + 10, `at ${top}: ${w.end - w.first}`);
      assert.ok(w.first >= 0 && w.end <= 10_000 && w.first < w.end, `at ${top}`);
      assert.equal(w.offset, w.first * 24);
    }
  });

  it('clamps at the end, handles no rows and fewer rows than a screen', () => {
    const end = virtualWindow({ ...vp, scrollTop: 1e9 }, 100, 2);
    assert.equal(end.end, 100);
    assert.equal(end.first, 97);
    assert.deepEqual(virtualWindow(vp, 0), { first: 0, end: 0, offset: 0, total: 0 });
    assert.deepEqual(virtualWindow(vp, 3, 8), { first: 0, end: 3, offset: 0, total: 72 });
    assert.throws(() => virtualWindow({ ...vp, rowHeight: 0 }, 10), /rowHeight/);
  });

  it('scrolls a row into view under the sticky header, and not when it is in view', () => {
    assert.equal(revealRow(vp, 3), 0);
    assert.equal(revealRow(vp, 10), 24);
    assert.equal(revealRow({ ...vp, scrollTop: 24 * 50 }, 40), 24 * 40);
    assert.equal(revealRow({ ...vp, scrollTop: 24 * 50 }, 55), 24 * 50);
    assert.equal(pageRows(vp), 9);
  });

  it('finds the columns overlapping an x range', () => {
    const cols = [0, 1, 2, 3, 4, 5].map((i) => ({ id: i, left: i * 100, width: 100 }));
    assert.deepEqual(visibleColumnRange(cols, 150, 320, 0).map((c) => c.id), [1, 2, 3]);
    assert.deepEqual(visibleColumnRange(cols, 150, 320, 1).map((c) => c.id), [0, 1, 2, 3, 4]);
    assert.deepEqual(visibleColumnRange(cols, 10_000, 10_100, 1), []);
  });
});

describe('ColumnModel', () => {
  it('unions the keys of pages, sorted as people read them, after the attributes', () => {
    const m = new ColumnModel();
    assert.ok(m.addKeys({ params: ['lr', 'epochs'], metrics: ['loss'], tags: ['team'] }));
    assert.ok(m.addKeys({ params: ['lr'], metrics: ['acc_10', 'acc_2'], tags: [] }));
    assert.equal(m.addKeys({ params: ['lr'], metrics: ['loss'], tags: ['team'] }), false);
    assert.deepEqual(
      m.all().map((c) => c.id),
      ['attr:name', 'attr:status', 'attr:start', 'attr:end', 'attr:duration', 'attr:user', 'param:epochs', 'param:lr', 'metric:acc_2', 'metric:acc_10', 'metric:loss', 'tag:team'],
    );
  });

  it('hides the end time and MLflow/MATIH tags by default; the user overrides either way', () => {
    const m = new ColumnModel();
    m.addKeys({ params: [], metrics: ['loss'], tags: ['mlflow.user', 'matih.tenant_id', 'team'] });
    const shown = () => m.layout().columns.map((c) => c.id);
    assert.deepEqual(shown(), ['attr:name', 'attr:status', 'attr:start', 'attr:duration', 'attr:user', 'metric:loss', 'tag:team']);
    m.setVisible('tag:mlflow.user', true);
    m.setVisible('metric:loss', false);
    assert.deepEqual(shown(), ['attr:name', 'attr:status', 'attr:start', 'attr:duration', 'attr:user', 'tag:mlflow.user', 'tag:team']);
    // Back to the default: nothing remembered for it.
    m.setVisible('metric:loss', true);
    assert.deepEqual(m.toLayout().visibility, [['tag:mlflow.user', true]]);
  });

  it('pins columns left in pin order with their x positions, and restores from a layout', () => {
    const m = new ColumnModel();
    m.addKeys({ params: ['lr'], metrics: ['loss'], tags: [] });
    assert.ok(m.pin('metric:loss'));
    const layout = m.layout();
    assert.deepEqual(layout.columns.slice(0, 3).map((c) => [c.id, c.pinned, c.left]), [
      ['attr:name', true, 0],
      ['metric:loss', true, 220],
      ['attr:status', false, 340],
    ]);
    assert.equal(layout.pinnedWidth, 340);
    assert.equal(layout.totalWidth, layout.columns.reduce((sum, c) => sum + c.width, 0));
    // Hiding a pinned column unpins it; a restored model keeps the choices.
    m.setVisible('attr:name', false);
    const again = new ColumnModel(m.toLayout());
    again.addKeys({ params: ['lr'], metrics: ['loss'], tags: [] });
    assert.deepEqual(again.layout().columns.filter((c) => c.pinned).map((c) => c.id), ['metric:loss']);
    assert.ok(!again.layout().columns.some((c) => c.id === 'attr:name'));
  });

  it('pins at most MAX_PINNED columns', () => {
    const m = new ColumnModel({ visibility: [], pinned: [] });
    const keys = Array.from({ length: MAX_PINNED + 2 }, (_, i) => `p${i}`);
    m.addKeys({ params: keys, metrics: [], tags: [] });
    const results = keys.map((k) => m.pin(`param:${k}`));
    assert.equal(results.filter(Boolean).length, MAX_PINNED);
    assert.equal(results.at(-1), false);
  });
});

describe('sorting in the page', () => {
  const rows = [
    row('a', { startTime: 0, endTime: 5000, user: 'zoe', metrics: { loss: 0.5 }, params: { lr: '0.1' } }),
    row('b', { startTime: 0, endTime: null, user: null, metrics: { loss: null }, params: { lr: '0.01' } }),
    row('c', { startTime: 0, endTime: 1000, user: 'Adam', metrics: {}, params: { lr: '1e-3' } }),
    row('d', { startTime: 0, endTime: 3000, user: 'bob', metrics: { loss: 0.25 } }),
  ];

  it('sorts derived columns (duration: running runs up to now) with missing values last either way', () => {
    const ids = (sort: Parameters<typeof sortRows>[1]) => sortRows(rows, sort, 10_000).map((r) => r.id);
    assert.deepEqual(ids({ column: { kind: 'attr', key: 'duration' }, descending: true }), ['b', 'a', 'd', 'c']);
    assert.deepEqual(ids({ column: { kind: 'attr', key: 'duration' }, descending: false }), ['c', 'd', 'a', 'b']);
    assert.deepEqual(ids({ column: { kind: 'attr', key: 'user' }, descending: false }), ['c', 'd', 'a', 'b']);
    assert.deepEqual(ids({ column: { kind: 'attr', key: 'user' }, descending: true }), ['a', 'd', 'c', 'b']);
    assert.deepEqual(ids({ column: { kind: 'metric', key: 'loss' }, descending: false }), ['d', 'a', 'b', 'c']);
    assert.equal(cellValue(rows[1]!, { kind: 'attr', key: 'duration' }, 10_000), 10_000);
  });

  it('is stable: equal values keep the daemon order', () => {
    const same = ['x', 'y', 'z', 'w'].map((id) => row(id, { user: 'same' }));
    assert.deepEqual(sortRows(same, { column: { kind: 'attr', key: 'user' }, descending: true }, 0).map((r) => r.id), ['x', 'y', 'z', 'w']);
  });

  it('leaves orderable columns to the daemon', () => {
    assert.ok(sortedByDaemon(null));
    assert.ok(sortedByDaemon({ column: { kind: 'metric', key: 'loss' }, descending: true }));
    assert.ok(sortedByDaemon({ column: { kind: 'attr', key: 'name' }, descending: false }));
    assert.ok(!sortedByDaemon({ column: { kind: 'attr', key: 'duration' }, descending: false }));
    assert.ok(!sortedByDaemon({ column: { kind: 'attr', key: 'user' }, descending: false }));
    assert.ok(!sortedByDaemon({ column: { kind: 'param', key: 'odd`key' }, descending: false }));
  });

  it('cycles a header: first direction, the other, none', () => {
    const loss = { kind: 'metric', key: 'loss' } as const;
    const s1 = nextSort(null, loss);
    assert.deepEqual(s1, { column: loss, descending: true });
    const s2 = nextSort(s1, loss);
    assert.deepEqual(s2, { column: loss, descending: false });
    assert.equal(nextSort(s2, loss), null);
    assert.deepEqual(nextSort(s2, { kind: 'param', key: 'lr' }), { column: { kind: 'param', key: 'lr' }, descending: false });
  });
});

describe('Selection', () => {
  const ids = ['a', 'b', 'c', 'd', 'e', 'f'];

  it('click, ctrl-click and shift-click as in a file list', () => {
    const s = new Selection();
    s.click(ids, 1);
    assert.deepEqual(s.inOrder(ids), ['b']);
    s.click(ids, 3, { toggle: true });
    assert.deepEqual(s.inOrder(ids), ['b', 'd']);
    s.click(ids, 5, { shift: true });
    assert.deepEqual(s.inOrder(ids), ['d', 'e', 'f']);
    s.click(ids, 3, { toggle: true });
    assert.deepEqual(s.inOrder(ids), ['e', 'f']);
    s.click(ids, 0);
    assert.deepEqual(s.inOrder(ids), ['a']);
    assert.equal(s.focus, 0);
  });

  it('keyboard: arrows move, shift extends, ctrl moves the focus only, select all, clear', () => {
    const s = new Selection();
    s.moveTo(ids, 2);
    s.moveTo(ids, 4, { shift: true });
    assert.deepEqual(s.inOrder(ids), ['c', 'd', 'e']);
    s.moveTo(ids, 99, { toggle: true });
    assert.equal(s.focus, 5);
    assert.deepEqual(s.inOrder(ids), ['c', 'd', 'e']);
    s.moveTo(ids, -4);
    assert.deepEqual(s.inOrder(ids), ['a']);
    s.selectAll(ids);
    assert.equal(s.selected.size, 6);
    s.clear();
    assert.equal(s.selected.size, 0);
  });

  it('keeps the selection by run id across a re-sort, and drops runs a new query lost', () => {
    const s = new Selection();
    s.click(ids, 1);
    s.click(ids, 2, { toggle: true });
    const reversed = [...ids].reverse();
    s.reorder(ids, reversed);
    assert.equal(reversed[s.focus], 'c');
    assert.deepEqual(s.inOrder(reversed), ['c', 'b']);
    s.retain(['a', 'c']);
    assert.deepEqual([...s.selected], ['c']);
  });
});

describe('RowStore', () => {
  it('drops pages of an older load and orders derived sorts in the page', () => {
    const store = new RowStore(() => 10_000);
    store.reset(1, { filter: '', sort: { column: { kind: 'attr', key: 'duration' }, descending: false } });
    assert.equal(store.add(0, [row('old')], false), false);
    assert.ok(store.add(1, [row('a', { startTime: 0, endTime: 900 }), row('b', { startTime: 0, endTime: 100 })], false));
    assert.ok(store.add(1, [row('c', { startTime: 0, endTime: 500 })], true));
    assert.deepEqual(store.ids, ['b', 'c', 'a']);
    assert.ok(store.sortedInPage);
    assert.ok(store.done);
    // A daemon-ordered query keeps arrival order.
    store.setQuery({ filter: '', sort: { column: { kind: 'metric', key: 'loss' }, descending: true } });
    assert.deepEqual(store.ids, ['a', 'b', 'c']);
    assert.ok(!store.sortedInPage);
    assert.equal(store.fail(0, 'old'), false);
    assert.ok(store.fail(1, 'boom'));
    assert.equal(store.error, 'boom');
  });
});

describe('formatting', () => {
  it('writes durations, times and metric values compactly', () => {
    assert.equal(formatDurationMs(850), '850ms');
    assert.equal(formatDurationMs(12_400), '12.4s');
    assert.equal(formatDurationMs(187_000), '3m 07s');
    assert.equal(formatDurationMs(3_720_000), '1h 02m');
    assert.equal(formatDurationMs(-1), '–');
    assert.equal(formatTime(null), '–');
    assert.match(formatTime(Date.UTC(2026, 0, 2, 3, 4, 5)), /^2026-01-0[12] \d\d:04:05$/);
    assert.equal(formatMetric(null), '–');
    assert.equal(formatMetric(42), '42');
    assert.equal(formatMetric(0.123456), '0.1235');
    assert.equal(formatMetric(1.5e-7), '1.500e-7');
    assert.equal(formatMetric(123_456_789.5), '1.235e+8');
  });
});
