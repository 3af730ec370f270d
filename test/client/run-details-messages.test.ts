/**
 * The Run details panel's messages (both ways) and what the extension builds from the daemon's
 * run and curves: hostile strings stay plain data, malformed or outsized messages are refused
 * without throwing, values are cut to the bounds, MLflow's tags become the overview's fields.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toDetailsSeries, toRunDetails } from '../../client/src/panels/runDetailsData.ts';
import { RUN_DETAILS_MAX_POINTS, RunDetailsFromWebview, RunDetailsPanelState, RunDetailsToWebview } from '../../protocol/src/index.ts';
import type { RunView } from '../../protocol/src/index.ts';
import { sortedKeys, userTagKeys } from '../../webviews/src/run-details/keys.ts';
import { HUGE, rejects } from '../support/schema-probe.ts';

const HOSTILE = '"><img src=x onerror=alert(1)></script><script>alert(1)</script>';

const run: RunView = {
  id: 'abc123',
  experimentId: '4',
  name: HOSTILE,
  status: 'running',
  lifecycleStage: 'active',
  startTime: '2026-11-27T10:00:00.000Z',
  endTime: null,
  durationSeconds: null,
  tags: { 'mlflow.user': 'ada', 'mlflow.source.name': 'train.py', 'mlflow.source.type': 'LOCAL', 'matih.tenant_id': 'acme', team: HOSTILE },
  params: { lr: '0.1', [HOSTILE]: 'y'.repeat(20_000) },
  metrics: { loss: 0.25, [HOSTILE]: null },
  artifacts: Array.from({ length: 250 }, (_, i) => `model/file-${i}.bin`),
};

describe('Run details messages', () => {
  it('builds the run from the daemon view, with the overview fields from MLflow tags', () => {
    const details = toRunDetails('acme', run, HOSTILE);
    assert.equal(details.user, 'ada');
    assert.equal(details.source, 'train.py');
    assert.equal(details.sourceType, 'LOCAL');
    assert.equal(details.startTime, Date.parse('2026-11-27T10:00:00.000Z'));
    assert.equal(details.endTime, null);
    assert.equal(details.params[HOSTILE]!.length, 10_000);
    assert.equal(details.artifacts.count, 250);
    assert.equal(details.artifacts.paths.length, 200);
    const parsed = RunDetailsToWebview.safeParse({ type: 'run', run: details });
    assert.ok(parsed.success);
    assert.equal(parsed.data.type === 'run' && parsed.data.run.name, HOSTILE);
  });

  it('lists user tags only, keys in reading order', () => {
    assert.deepEqual(userTagKeys(run.tags), ['team']);
    assert.deepEqual(sortedKeys({ 'acc_10': 1, acc_2: 1, Loss: 1, lr: 1 }), ['acc_2', 'acc_10', 'Loss', 'lr']);
  });

  it('maps curves and caps their points', () => {
    const points = Array.from({ length: RUN_DETAILS_MAX_POINTS + 10 }, (_, i) => [i, i === 3 ? null : i / 2, 0] as [number, number | null, number]);
    const s = toDetailsSeries({ runId: 'abc123', key: HOSTILE, totalPoints: 1e6, reduced: true, points, min: 0, max: 1e308, last: [9, 4.5, 0] });
    assert.equal(s.points.length, RUN_DETAILS_MAX_POINTS);
    assert.deepEqual(s.points[3], [3, null]);
    assert.deepEqual(s.last, [9, 4.5]);
    assert.ok(RunDetailsToWebview.safeParse({ type: 'series', series: [s] }).success);
  });

  it('refuses malformed messages both ways without throwing', () => {
    for (const value of [
      { type: 'ready', extra: true },
      { type: 'loadSeries', keys: [], width: 100 },
      { type: 'loadSeries', keys: ['a'], width: 10_000 },
      { type: 'loadSeries', keys: Array.from({ length: 101 }, (_, i) => `k${i}`), width: 100 },
      { type: 'copyRunId', text: HUGE },
      { type: 'openFile', path: '/etc/passwd' },
      JSON.parse('{"type":"refresh","__proto__":{"polluted":true}}'),
    ]) {
      rejects(RunDetailsFromWebview, value);
    }
    const details = toRunDetails('acme', run, null);
    for (const value of [
      { type: 'run', run: { ...details, name: HUGE } },
      { type: 'run', run: { ...details, extra: 1 } },
      { type: 'run', run: { ...details, tenant: 'ACME' } },
      { type: 'series', series: [{ key: 'x', points: [[0, 'one']], totalPoints: 1, reduced: false, min: null, max: null, last: null }] },
      { type: 'error', message: HUGE },
      { type: 'html', html: HOSTILE },
    ]) {
      rejects(RunDetailsToWebview, value);
    }
    assert.ok(RunDetailsFromWebview.safeParse({ type: 'loadSeries', keys: [HOSTILE], width: 240 }).success);
    assert.ok(RunDetailsPanelState.safeParse({ tenant: 'acme', runId: 'abc123' }).success);
    rejects(RunDetailsPanelState, { tenant: 'acme', runId: '../x' });
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
});
