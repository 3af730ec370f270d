import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { frameToMessages, toPanelRun } from '../../client/src/panels/liveData.ts';
import { LIVE_PANEL_MAX_POINTS, LiveFromWebview, LivePanelState, LiveToWebview } from '../../protocol/src/index.ts';
import type { RunView } from '../../protocol/src/index.ts';
import { HUGE, deeplyNested, rejects } from '../support/schema-probe.ts';

const HOSTILE = '"><img src=x onerror=alert(1)></script><script>alert(1)</script>';

describe('webview → extension messages', () => {
  it('accepts the known ones', () => {
    assert.ok(LiveFromWebview.safeParse({ type: 'ready' }).success);
    assert.ok(LiveFromWebview.safeParse({ type: 'removeRun', runId: 'abc' }).success);
  });

  it('rejects unknown types, extra keys, wrong types, huge strings and odd shapes without throwing', () => {
    const deep = deeplyNested();
    for (const value of [
      undefined,
      null,
      42,
      'ready',
      [],
      {},
      { type: 'exec', command: 'rm -rf /' },
      { type: 'READY' },
      { type: 'ready', extra: 1 },
      { type: 'ready', __proto__: { polluted: true } },
      JSON.parse('{"type":"ready","__proto__":{"polluted":true}}'),
      JSON.parse('{"type":"ready","constructor":{"prototype":{"polluted":true}}}'),
      { type: 'removeRun' },
      { type: 'removeRun', runId: 42 },
      { type: 'removeRun', runId: '' },
      { type: 'removeRun', runId: HUGE },
      { type: HUGE },
      { type: 'removeRun', runId: 'a', nested: deep },
      deep,
    ]) {
      rejects(LiveFromWebview, value);
    }
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
});

describe('extension → webview messages', () => {
  const run = { tenant: 'acme', runId: 'r1', name: HOSTILE, status: 'RUNNING', startTime: 1 };

  it('carries hostile names as plain data', () => {
    const parsed = LiveToWebview.safeParse({ type: 'run', run, reset: false });
    assert.ok(parsed.success);
    assert.equal(parsed.data.type === 'run' && parsed.data.run.name, HOSTILE);
    assert.ok(LiveToWebview.safeParse({ type: 'points', runId: 'r1', key: HOSTILE, points: [[1, null, 2]] }).success);
  });

  it('rejects malformed ones', () => {
    for (const value of [
      { type: 'run', run: { ...run, status: 'running' }, reset: false },
      { type: 'run', run: { ...run, name: HUGE }, reset: false },
      { type: 'run', run: { ...run, extra: 1 }, reset: false },
      { type: 'points', runId: 'r1', key: 'loss', points: [[1, 'x', 2]] },
      { type: 'points', runId: 'r1', key: 'loss', points: [[1.5, 1, 2]] },
      { type: 'points', runId: 'r1', key: 'loss', points: [[1, Infinity, 2]] },
      { type: 'points', runId: 'r1', key: 'loss', points: [[1, 1]] },
      { type: 'points', runId: 'r1', key: '', points: [] },
      { type: 'points', runId: 'r1', key: 'loss', points: new Array(LIVE_PANEL_MAX_POINTS + 1).fill([1, 1, 1]) },
      { type: 'error', message: HUGE },
      { type: 'html', html: '<b>' },
    ]) {
      rejects(LiveToWebview, value);
    }
  });

  it('restores only a well-formed state', () => {
    assert.ok(LivePanelState.safeParse({ runs: [{ tenant: 'acme', runId: 'r1' }], smoothing: 0.6, xAxis: 'time' }).success);
    rejects(LivePanelState, { runs: [{ tenant: 'ACME!', runId: 'r1' }], smoothing: 0, xAxis: 'step' });
    rejects(LivePanelState, { runs: [], smoothing: 5, xAxis: 'step' });
    rejects(LivePanelState, { runs: [], smoothing: 0, xAxis: 'epoch' });
    rejects(LivePanelState, undefined);
  });
});

describe('frames and runs into panel messages', () => {
  it('groups a frame by key, keeps write order, and appends the status last', () => {
    const messages = frameToMessages({
      runId: 'r1',
      tenant: 'acme',
      points: [
        { key: 'loss', step: 1, value: 0.9, timestamp: 10 },
        { key: 'acc', step: 1, value: 0.1, timestamp: 10 },
        { key: 'loss', step: 2, value: null, timestamp: 20 },
      ],
      status: { status: 'FINISHED', endTime: 30 },
    });
    assert.deepEqual(messages, [
      { type: 'points', runId: 'r1', key: 'loss', points: [[1, 0.9, 10], [2, null, 20]] },
      { type: 'points', runId: 'r1', key: 'acc', points: [[1, 0.1, 10]] },
      { type: 'status', runId: 'r1', status: 'FINISHED' },
    ]);
    for (const m of messages) assert.ok(LiveToWebview.safeParse(m).success);
  });

  it('turns a run view into a valid panel run', () => {
    const view = {
      id: 'r1',
      experimentId: '1',
      name: HOSTILE,
      status: 'running',
      lifecycleStage: 'active',
      startTime: '2026-01-02T03:04:05.000Z',
      endTime: null,
      durationSeconds: null,
      tags: {},
      params: {},
      metrics: {},
      artifacts: [],
    } satisfies RunView;
    const run = toPanelRun('acme', view);
    assert.deepEqual(run, { tenant: 'acme', runId: 'r1', name: HOSTILE, status: 'RUNNING', startTime: Date.parse(view.startTime) });
    assert.ok(LiveToWebview.safeParse({ type: 'run', run, reset: true }).success);
  });
});
