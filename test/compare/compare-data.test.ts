/**
 * The Compare Runs messages and the extension's side of them: the schemas refuse what is not
 * theirs without throwing (hostile, huge, extra keys, prototype keys) and carry hostile names as
 * plain data; the daemon's answers become bounded messages in the user's run order; directions
 * are remembered (and capped); exports are checked before anything is written.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DirectionMemory,
  MAX_REMEMBERED_DIRECTIONS,
  decodePngDataUrl,
  panelTitle,
  parseCompareTarget,
  saveName,
  targetKey,
  toCompareMessage,
  toSeriesMessage,
} from '../../client/src/panels/compareData.ts';
import {
  COMPARE_SERIES_MAX_KEYS,
  COMPARE_SERIES_MAX_POINTS,
  CompareFromWebview,
  ComparePanelState,
  CompareToWebview,
} from '../../protocol/src/index.ts';
import type { CompareView, RunView } from '../../protocol/src/index.ts';
import type { RunsSeriesView } from '../../protocol/src/inspect.ts';
import { HUGE, deeplyNested, rejects } from '../support/schema-probe.ts';

const HOSTILE = '"><img src=x onerror=alert(1)></script><script>alert(2)</script>';
// A real 1×1 PNG.
const PNG = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

function runView(id: string, name: string | null, extra: Partial<RunView> = {}): RunView {
  return {
    id,
    experimentId: '7',
    name,
    status: 'finished',
    lifecycleStage: 'active',
    startTime: '2026-01-01T00:00:00.000Z',
    endTime: '2026-01-01T00:10:00.000Z',
    durationSeconds: 600,
    tags: {},
    params: {},
    metrics: {},
    artifacts: [],
    ...extra,
  };
}

describe('Compare Runs page → extension messages', () => {
  it('accepts the known ones', () => {
    for (const m of [
      { type: 'ready' },
      { type: 'series', requestId: 1, keys: ['loss'], xAxis: 'step', width: 800 },
      { type: 'series', requestId: 2, keys: [HOSTILE], xAxis: 'relative', width: 16, range: { min: 0, max: 1.5 } },
      { type: 'direction', key: 'acc', direction: 'max' },
      { type: 'exportCsv', csv: 'a,b\r\n', fileName: 'compare.csv' },
      { type: 'exportPng', dataUrl: PNG, fileName: 'loss.png' },
    ]) {
      assert.ok(CompareFromWebview.safeParse(m).success, JSON.stringify(m));
    }
  });

  it('rejects unknown types, extra keys, wrong types, out-of-range values, huge strings and prototype keys', () => {
    const deep = deeplyNested();
    for (const value of [
      undefined,
      null,
      'ready',
      [],
      { type: 'ready', extra: 1 },
      JSON.parse('{"type":"ready","__proto__":{"polluted":true}}'),
      JSON.parse('{"type":"direction","key":"a","direction":"min","constructor":{"prototype":{"polluted":true}}}'),
      { type: 'series', requestId: 1, keys: [], xAxis: 'step', width: 800 },
      { type: 'series', requestId: 1, keys: Array.from({ length: COMPARE_SERIES_MAX_KEYS + 1 }, (_, i) => `k${i}`), xAxis: 'step', width: 800 },
      { type: 'series', requestId: 1, keys: ['loss'], xAxis: 'epoch', width: 800 },
      { type: 'series', requestId: 1, keys: ['loss'], xAxis: 'step', width: 8 },
      { type: 'series', requestId: 1, keys: ['loss'], xAxis: 'step', width: 5000 },
      { type: 'series', requestId: -1, keys: ['loss'], xAxis: 'step', width: 800 },
      { type: 'series', requestId: 1, keys: ['loss'], xAxis: 'step', width: 800, range: { min: 5, max: 5 } },
      { type: 'series', requestId: 1, keys: ['loss'], xAxis: 'step', width: 800, tenant: 'other' },
      { type: 'series', requestId: 1, keys: ['loss'], xAxis: 'step', width: 800, runIds: ['r9'] },
      { type: 'series', requestId: 1, keys: ['x'.repeat(251)], xAxis: 'step', width: 800 },
      { type: 'direction', key: 'acc', direction: 'up' },
      { type: 'exportCsv', csv: 'x'.repeat(20_000_001), fileName: 'a.csv' },
      { type: 'exportCsv', csv: 'a', fileName: '' },
      { type: 'exportPng', dataUrl: 'data:text/html;base64,PHNjcmlwdD4=', fileName: 'a.png' },
      { type: 'exportPng', dataUrl: 'javascript:alert(1)', fileName: 'a.png' },
      { type: 'exportPng', dataUrl: `${PNG}<script>`, fileName: 'a.png' },
      { type: HUGE },
      { type: 'direction', key: 'a', direction: 'min', nested: deep },
    ]) {
      rejects(CompareFromWebview, value);
    }
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
});

describe('extension → Compare Runs page messages', () => {
  const run = { runId: 'r1', name: HOSTILE, status: 'finished', startTime: 1, endTime: null, experimentId: '7' };

  it('carries hostile names, params and keys as plain data', () => {
    const parsed = CompareToWebview.safeParse({
      type: 'compare',
      tenant: 'acme',
      runs: [run],
      params: [{ key: HOSTILE, values: [HOSTILE], differs: false }],
      metrics: [{ key: HOSTILE, direction: 'min', latest: [null] }],
    });
    assert.ok(parsed.success);
    assert.equal(parsed.data.type === 'compare' && parsed.data.runs[0]!.name, HOSTILE);
    assert.ok(CompareToWebview.safeParse({ type: 'error', message: HOSTILE }).success);
    const points = Array.from({ length: COMPARE_SERIES_MAX_POINTS }, (_, i) => [i, i % 7 === 0 ? null : -i / 3, 1e12 + i]);
    const series = { type: 'series', requestId: 3, xAxis: 'time', curves: [{ runId: 'r1', key: 'k', totalPoints: 1e6, reduced: true, points, min: null, max: 1, last: null }], startTimes: { r1: 0 } };
    assert.ok(CompareToWebview.safeParse(series).success, 'the longest curve passes');
  });

  it('refuses malformed, oversized or foreign messages', () => {
    const curve = { runId: 'r1', key: 'loss', totalPoints: 1, reduced: false, points: [[0, 1, 0]], min: 1, max: 1, last: [0, 1, 0] };
    for (const value of [
      { type: 'compare', tenant: 'acme', runs: [], params: [], metrics: [] },
      { type: 'compare', tenant: 'Not A Tenant', runs: [run], params: [], metrics: [] },
      { type: 'compare', tenant: 'acme', runs: [{ ...run, extra: 1 }], params: [], metrics: [] },
      { type: 'compare', tenant: 'acme', runs: [{ ...run, name: HUGE }], params: [], metrics: [] },
      { type: 'series', requestId: 1, xAxis: 'step', curves: [{ ...curve, points: Array.from({ length: COMPARE_SERIES_MAX_POINTS + 1 }, (_, i) => [i, 1, 0]) }], startTimes: {} },
      { type: 'series', requestId: 1, xAxis: 'step', curves: [{ ...curve, points: [[0, 'x', 0]] }], startTimes: {} },
      { type: 'series', requestId: 1, xAxis: 'step', curves: [{ ...curve, points: [[0, Number.POSITIVE_INFINITY, 0]] }], startTimes: {} },
      { type: 'series', requestId: 1, xAxis: 'step', curves: [{ ...curve, points: [[Number.NaN, 1, 0]] }], startTimes: {} },
      { type: 'series', requestId: 1, xAxis: 'step', curves: [{ ...curve, points: [[0, 1, 0, '<img>']] }], startTimes: {} },
      { type: 'series', requestId: 1, xAxis: 'step', curves: [{ ...curve, points: [[0, 1]] }], startTimes: {} },
      { type: 'series', requestId: 1, xAxis: 'step', curves: [{ ...curve, points: { length: 1, 0: [0, 1, 0] } }], startTimes: {} },
      { type: 'series', requestId: 1, xAxis: 'step', curves: [curve], startTimes: { r1: -5 } },
      { type: 'html', html: '<img src=x onerror=alert(1)>' },
      { type: 'error', message: HUGE },
    ]) {
      rejects(CompareToWebview, value);
    }
  });

  it('restores panel state with defaults, refusing foreign shapes', () => {
    const state = ComparePanelState.parse({ tenant: 'acme', runIds: ['r1', 'r2'] });
    assert.deepEqual(state, { tenant: 'acme', runIds: ['r1', 'r2'], onlyDiffers: true, xAxis: 'step', smoothing: 0, logKeys: [], hidden: [], directions: {} });
    rejects(ComparePanelState, { tenant: 'acme', runIds: [] });
    rejects(ComparePanelState, { tenant: 'acme', runIds: ['r1'], smoothing: 2 });
    rejects(ComparePanelState, { tenant: 'acme', runIds: ['r1'], directions: { loss: 'down' } });
  });
});

describe('Compare Runs data on the extension side', () => {
  const view: CompareView = {
    runs: [runView('r2', 'second'), runView('r1', HOSTILE, { endTime: null, status: 'running' })],
    params: [
      { key: 'lr', values: { r1: '0.1', r2: '0.01' }, differs: true },
      { key: 'seed', values: { r1: '1' }, differs: true },
      { key: 'long', values: { r1: 'v'.repeat(7000), r2: 'v' }, differs: true },
    ],
    metrics: [
      { key: 'loss', direction: 'min', values: { r1: 0.5, r2: 0.4 }, bestRunId: 'r2' },
      { key: 'acc', direction: 'max', values: { r1: null, r2: Number.POSITIVE_INFINITY }, bestRunId: null },
    ],
  };

  it('orders runs as the user picked them, lines up values, and prefers remembered directions', () => {
    const message = toCompareMessage('acme', view, ['r1', 'r2'], { loss: 'max' });
    assert.ok(CompareToWebview.safeParse(message).success);
    assert.deepEqual(message.runs.map((r) => [r.runId, r.name, r.status, r.endTime]), [
      ['r1', HOSTILE, 'running', null],
      ['r2', 'second', 'finished', Date.parse('2026-01-01T00:10:00.000Z')],
    ]);
    assert.equal(message.runs[0]!.startTime, Date.parse('2026-01-01T00:00:00.000Z'));
    assert.deepEqual(message.params[0], { key: 'lr', values: ['0.1', '0.01'], differs: true });
    assert.deepEqual(message.params[1]!.values, ['1', null]);
    assert.equal(message.params[2]!.values[0]!.length, 6000);
    assert.deepEqual(message.metrics, [
      { key: 'loss', direction: 'max', latest: [0.5, 0.4] },
      { key: 'acc', direction: 'max', latest: [null, null] },
    ]);
  });

  it('turns reduced curves into a series answer', () => {
    const series: RunsSeriesView = {
      xAxis: 'relative',
      series: [
        { runId: 'r1', key: 'loss', totalPoints: 100_000, reduced: true, points: [[0, 1, 10], [99_999, null, 20]], min: 0.1, max: 1, last: [99_999, null, 20] },
        { runId: 'r2', key: 'loss', totalPoints: 0, reduced: false, points: [], min: null, max: null, last: null },
      ],
      startTimes: { r1: 5, r2: 7 },
    };
    const message = toSeriesMessage(9, series, { min: 0, max: 10 });
    assert.ok(CompareToWebview.safeParse(message).success);
    assert.equal(message.requestId, 9);
    assert.deepEqual(message.range, { min: 0, max: 10 });
    assert.equal(message.curves[0]!.totalPoints, 100_000);
    assert.deepEqual(message.startTimes, { r1: 5, r2: 7 });
    assert.equal('range' in toSeriesMessage(1, series, undefined), false);
  });

  it('remembers directions per metric for the workspace, forgetting the oldest beyond the cap', async () => {
    const data = new Map<string, unknown>();
    const memento = { get: <T>(k: string) => data.get(k) as T | undefined, update: async (k: string, v: unknown) => void data.set(k, v) };
    const memory = new DirectionMemory(memento);
    assert.deepEqual(memory.all(), {});
    await memory.remember('loss', 'max');
    await memory.remember('loss', 'min');
    await memory.remember('acc', 'max');
    assert.deepEqual(memory.all(), { loss: 'min', acc: 'max' });
    for (let i = 0; i < MAX_REMEMBERED_DIRECTIONS; i++) await memory.remember(`m${i}`, 'max');
    const all = memory.all();
    assert.equal(Object.keys(all).length, MAX_REMEMBERED_DIRECTIONS);
    assert.equal(all.loss, undefined, 'the oldest choice went first');
    data.set('matih.compare.directions', { a: 'min', b: 'sideways', c: 3 });
    assert.deepEqual(memory.all(), { a: 'min' });
  });

  it('checks exports and names', () => {
    assert.deepEqual([...decodePngDataUrl(PNG).slice(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
    assert.throws(() => decodePngDataUrl('data:image/png;base64,PHNjcmlwdD4='), /dataUrl: the image is not a PNG/);
    assert.throws(() => decodePngDataUrl('data:text/plain,hi'), /dataUrl: not a PNG data URL/);
    assert.equal(saveName('../../.ssh/authorized_keys', 'csv'), 'authorized_keys.csv');
    assert.equal(saveName('<img src=x onerror=alert(1)>.csv', 'csv'), 'img-src-x-onerror-alert-1-.csv');
    assert.equal(saveName('C:\\Windows\\evil.exe', 'png'), 'evil.png');
    assert.equal(saveName('loss.png', 'png'), 'loss.png');
    assert.equal(saveName('...', 'csv'), 'compare.csv');
  });

  it('reads targets from other panels and titles panels', () => {
    assert.deepEqual(parseCompareTarget({ tenant: 'acme', runIds: ['a', 'b', 'a'] }), { tenant: 'acme', runIds: ['a', 'b'] });
    for (const bad of [undefined, null, 'a', { tenant: 'acme' }, { tenant: 'acme', runIds: [] }, { tenant: 1, runIds: ['a'] }, { tenant: 'acme', runIds: ['a', 2] }]) {
      assert.equal(parseCompareTarget(bad), undefined);
    }
    assert.equal(targetKey({ tenant: 't', runIds: ['b', 'a'] }), targetKey({ tenant: 't', runIds: ['a', 'b'] }));
    const r = (name: string, runId = 'abcdef123456') => ({ runId, name, status: 'finished' as const, startTime: 0, endTime: null, experimentId: '1' });
    assert.equal(panelTitle([r('a'), r('b')]), 'Compare: a, b');
    assert.equal(panelTitle([r(''), r('b')]), 'Compare: abcdef12, b');
    assert.equal(panelTitle([r('a'.repeat(60)), r('b')]), 'Compare 2 runs');
    assert.equal(panelTitle([r('a'), r('b'), r('c'), r('d')]), 'Compare 4 runs');
  });
});
