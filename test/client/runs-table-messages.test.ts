/**
 * The Runs table panel's messages (both ways) and what the extension builds from the daemon's
 * pages: known messages pass, anything else — unknown types, extra keys, wrong types, huge
 * strings, deep nesting, prototype keys — is refused by `safeParse` without throwing; hostile
 * names stay plain data; rows are cut to the panel's bounds so a page is never refused whole;
 * the daemon's order clause per column.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { orderByOf, sameLoad, toRowsMessage, toTableRow } from '../../client/src/panels/runsTableData.ts';
import {
  orderByFor,
  RUNS_TABLE_MAX_KEYS,
  RUNS_TABLE_MAX_VALUE,
  RunsTableFromWebview,
  RunsTablePanelState,
  RunsTableToWebview,
} from '../../protocol/src/index.ts';
import type { RunRowView } from '../../protocol/src/inspect.ts';
import { HUGE, deeplyNested, rejects } from '../support/schema-probe.ts';

const HOSTILE = '"><img src=x onerror=alert(1)></script><script>alert(1)</script>';

function daemonRow(over: Partial<RunRowView> = {}): RunRowView {
  return {
    id: 'a1b2c3',
    experimentId: '1',
    name: HOSTILE,
    status: 'finished',
    lifecycleStage: 'active',
    startTime: 1_700_000_000_000,
    endTime: 1_700_000_060_000,
    user: HOSTILE,
    params: { [HOSTILE]: HOSTILE },
    metrics: { [HOSTILE]: 0.5 },
    tags: { team: HOSTILE },
    ...over,
  };
}

describe('Runs table: webview → extension', () => {
  it('accepts the known messages', () => {
    for (const m of [
      { type: 'ready' },
      { type: 'ready', query: { filter: 'metrics.acc > 0.9', sort: { column: { kind: 'metric', key: 'acc' }, descending: true } } },
      { type: 'query', query: { filter: '', sort: null } },
      { type: 'validateFilter', filter: HOSTILE },
      { type: 'reload' },
      { type: 'openRun', runId: 'abc123' },
      { type: 'compare', runIds: ['a', 'b'] },
    ]) {
      assert.ok(RunsTableFromWebview.safeParse(m).success, JSON.stringify(m));
    }
  });

  it('refuses unknown types, extra keys, wrong types, huge strings, deep nesting and prototype keys', () => {
    const deep = deeplyNested();
    for (const value of [
      undefined,
      null,
      'ready',
      [],
      { type: 'exec', command: 'rm -rf /' },
      { type: 'ready', extra: 1 },
      JSON.parse('{"type":"ready","__proto__":{"polluted":true}}'),
      JSON.parse('{"type":"reload","constructor":{"prototype":{"polluted":true}}}'),
      { type: 'openRun', runId: '../../etc/passwd' },
      { type: 'openRun', runId: HOSTILE },
      { type: 'openRun', runId: HUGE },
      { type: 'compare', runIds: ['a'] },
      { type: 'compare', runIds: Array.from({ length: 101 }, (_, i) => `r${i}`) },
      { type: 'validateFilter', filter: HUGE },
      { type: 'query', query: { filter: '', sort: { column: { kind: 'attr', key: 'artifact_uri' }, descending: true } } },
      { type: 'query', query: { filter: '', sort: { column: { kind: 'metric', key: '' }, descending: true } } },
      { type: 'query', query: { filter: '', sort: null }, nested: deep },
      deep,
    ]) {
      rejects(RunsTableFromWebview, value);
    }
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
});

describe('Runs table: extension → webview', () => {
  it('carries hostile names, params, tags and metric keys as plain data', () => {
    const message = toRowsMessage(3, { rows: [daemonRow()], columns: { params: [HOSTILE], metrics: [HOSTILE], tags: ['team'] } }, true);
    const parsed = RunsTableToWebview.safeParse(message);
    assert.ok(parsed.success);
    assert.equal(parsed.data.type === 'rows' && parsed.data.rows[0]!.name, HOSTILE);
    assert.ok(RunsTableToWebview.safeParse({ type: 'loadError', generation: 1, message: HOSTILE }).success);
    assert.ok(RunsTableToWebview.safeParse({ type: 'filterStatus', filter: 'x', ok: false, message: HOSTILE }).success);
  });

  it('refuses outsized and malformed rows', () => {
    const good = toTableRow(daemonRow());
    const rows = (r: unknown) => ({ type: 'rows', generation: 1, rows: [r], columns: { params: [], metrics: [], tags: [] }, done: false });
    rejects(RunsTableToWebview, rows({ ...good, name: HUGE }));
    rejects(RunsTableToWebview, rows({ ...good, params: { k: 'v'.repeat(RUNS_TABLE_MAX_VALUE + 1) } }));
    rejects(RunsTableToWebview, rows({ ...good, metrics: { k: 'NaN' } }));
    rejects(RunsTableToWebview, rows({ ...good, html: '<b>' }));
    rejects(RunsTableToWebview, rows({ ...good, params: Object.fromEntries(Array.from({ length: RUNS_TABLE_MAX_KEYS + 1 }, (_, i) => [`k${i}`, 'v'])) }));
    rejects(RunsTableToWebview, { type: 'rows', generation: 1, rows: Array.from({ length: 5001 }, () => good), columns: { params: [], metrics: [], tags: [] }, done: false });
    rejects(RunsTableToWebview, { type: 'init', context: { tenant: 'Not A Tenant', experimentId: '1', experimentName: 'x' }, query: { filter: '', sort: null } });
  });

  it('cuts values and key counts to the bounds, and maps times and stages', () => {
    const many = Object.fromEntries(Array.from({ length: RUNS_TABLE_MAX_KEYS + 50 }, (_, i) => [`k${i}`, 'v']));
    const row = toTableRow(daemonRow({ params: { ...many, long: 'y'.repeat(10_000) }, lifecycleStage: 'deleted', endTime: null, metrics: { inf: Infinity, nan: null } }));
    assert.ok(Object.keys(row.params).length <= RUNS_TABLE_MAX_KEYS);
    assert.equal(row.archived, true);
    assert.equal(row.endTime, null);
    assert.deepEqual(row.metrics, { inf: null, nan: null });
    const long = toTableRow(daemonRow({ params: { long: 'y'.repeat(10_000) } })).params.long!;
    assert.equal(long.length, RUNS_TABLE_MAX_VALUE);
    assert.ok(long.endsWith('…'));
    assert.ok(RunsTableToWebview.safeParse(toRowsMessage(1, { rows: [daemonRow({ params: many })], columns: { params: Object.keys(many), metrics: [], tags: [] } }, false)).success);
  });

  it('keeps a panel state that round-trips, and refuses a broken one', () => {
    const state = {
      context: { tenant: 'acme', experimentId: '7', experimentName: HOSTILE },
      query: { filter: "params.lr = '0.1'", sort: { column: { kind: 'attr', key: 'duration' }, descending: false } },
      layout: { visibility: [['tag:mlflow.user', true]], pinned: ['attr:name', 'metric:loss'] },
      selected: ['a', 'b'],
      scrollTop: 2400,
    };
    assert.deepEqual(RunsTablePanelState.parse(state), state);
    rejects(RunsTablePanelState, { ...state, context: { ...state.context, experimentId: '../1' } });
    rejects(RunsTablePanelState, { ...state, selected: Array.from({ length: 1001 }, (_, i) => `r${i}`) });
  });
});

describe('order clauses', () => {
  it('asks the daemon for what MLflow can order by, with keys quoted', () => {
    assert.equal(orderByFor(null), undefined);
    assert.equal(orderByFor({ column: { kind: 'metric', key: 'val loss' }, descending: true }), 'metrics.`val loss` DESC');
    assert.equal(orderByFor({ column: { kind: 'param', key: 'lr' }, descending: false }), 'params.`lr` ASC');
    assert.equal(orderByFor({ column: { kind: 'tag', key: 'mlflow.user' }, descending: false }), 'tags.`mlflow.user` ASC');
    assert.equal(orderByFor({ column: { kind: 'attr', key: 'start' }, descending: true }), 'attributes.start_time DESC');
    assert.equal(orderByFor({ column: { kind: 'attr', key: 'name' }, descending: false }), 'attributes.run_name ASC');
    assert.equal(orderByFor({ column: { kind: 'attr', key: 'duration' }, descending: false }), undefined);
    assert.equal(orderByFor({ column: { kind: 'metric', key: 'a`b' }, descending: false }), undefined);
    assert.deepEqual(orderByOf({ filter: '', sort: { column: { kind: 'metric', key: 'acc' }, descending: true } }), ['metrics.`acc` DESC']);
  });

  it('reloads only when the filter or the daemon order changes', () => {
    const by = (kind: 'metric' | 'attr', key: string, descending = true) => ({ column: { kind, key } as never, descending });
    assert.ok(sameLoad({ filter: ' x ', sort: null }, { filter: 'x', sort: by('attr', 'duration') }));
    assert.ok(sameLoad({ filter: '', sort: by('attr', 'user') }, { filter: '', sort: by('attr', 'duration', false) }));
    assert.ok(!sameLoad({ filter: '', sort: null }, { filter: '', sort: by('metric', 'acc') }));
    assert.ok(!sameLoad({ filter: '', sort: by('metric', 'acc') }, { filter: '', sort: by('metric', 'acc', false) }));
    assert.ok(!sameLoad({ filter: 'a', sort: null }, { filter: 'b', sort: null }));
  });
});

describe('rows messages', () => {
  it('slices a daemon page into messages of ROWS_PER_MESSAGE rows, done on the last one only', async () => {
    const { ROWS_PER_MESSAGE, toRowsMessages } = await import('../../client/src/panels/runsTableData.ts');
    const page = { rows: Array.from({ length: 2 * ROWS_PER_MESSAGE + 1 }, (_, i) => daemonRow({ id: `r${i}` })), columns: { params: ['p'], metrics: [], tags: [] } };
    const messages = toRowsMessages(4, page, true);
    assert.deepEqual(messages.map((m) => [m.rows.length, m.done]), [[ROWS_PER_MESSAGE, false], [ROWS_PER_MESSAGE, false], [1, true]]);
    assert.deepEqual(messages.flatMap((m) => m.rows.map((r) => r.id)), page.rows.map((r) => r.id));
    assert.ok(messages.every((m) => m.generation === 4 && RunsTableToWebview.safeParse(m).success));
    // An empty last page still says "done".
    assert.deepEqual(toRowsMessages(4, { rows: [], columns: { params: [], metrics: [], tags: [] } }, true).map((m) => [m.rows.length, m.done]), [[0, true]]);
    assert.deepEqual(toRowsMessages(4, page, false).map((m) => m.done), [false, false, false]);
  });
});
