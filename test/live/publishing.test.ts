/**
 * Every write path publishes to the hub after the write succeeded, with no code of its own: the
 * v1 API, the MLflow-compatible API (and, in lsp.test.ts, the LSP requests).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { LiveFrame } from '../../protocol/src/index.ts';
import { startTestDaemon, type TestDaemon } from '../support/daemon.ts';
import { v1Run, waitFor } from './support.ts';

describe('publishing from the write paths', () => {
  let d: TestDaemon;
  const frames: LiveFrame[] = [];
  before(async () => {
    d = await startTestDaemon();
  });
  after(() => d.stop());

  const watch = (tenant: string, runId: string) => {
    const sub = d.daemon.hub.subscribe({ deliver: (f) => (frames.push(...f), true), ended: () => {} });
    sub.watch(tenant, [runId]);
    return sub;
  };
  const pointsOf = (runId: string) => frames.filter((f) => f.runId === runId).flatMap((f) => f.points);
  const statusOf = (runId: string) => frames.filter((f) => f.runId === runId && f.status).at(-1)?.status;

  test('v1: log-batch, metrics and finish', async () => {
    const runId = await v1Run(d, 'acme-corp');
    watch('acme-corp', runId);
    const batch = await d.call('POST', `/api/v1/experiments/runs/${runId}/log-batch`, {
      body: { metrics: [{ key: 'loss', value: 0.5, step: 1, timestamp: 1000 }, { key: 'loss', value: 'NaN', step: 2, timestamp: 1001 }] },
    });
    assert.equal(batch.status, 200);
    const one = await d.call('POST', `/api/v1/experiments/runs/${runId}/metrics`, { body: { key: 'acc', value: 0.9, step: 3, timestamp: 1002 } });
    assert.equal(one.status, 200);
    await waitFor(() => pointsOf(runId).length === 3);
    assert.deepEqual(pointsOf(runId), [
      { key: 'loss', step: 1, value: 0.5, timestamp: 1000 },
      { key: 'loss', step: 2, value: null, timestamp: 1001 },
      { key: 'acc', step: 3, value: 0.9, timestamp: 1002 },
    ]);
    assert.equal((await d.call('POST', `/api/v1/experiments/runs/${runId}/finish`, { body: {} })).status, 200);
    const status = await waitFor(() => statusOf(runId));
    assert.equal(status.status, 'FINISHED');
    assert.equal(typeof status.endTime, 'number');
  });

  test('MLflow API: log-batch, log-metric and update', async () => {
    const runId = await v1Run(d, 'acme-corp');
    watch('acme-corp', runId);
    const mlflow = (endpoint: string, body: unknown) =>
      d.call('POST', `/tenants/acme-corp/api/2.0/mlflow/${endpoint}`, { tenant: null, body });
    assert.equal((await mlflow('runs/log-batch', { run_id: runId, metrics: [{ key: 'loss', value: 1, timestamp: 5, step: 0 }] })).status, 200);
    assert.equal((await mlflow('runs/log-metric', { run_id: runId, key: 'loss', value: 0.75, timestamp: 6, step: 1 })).status, 200);
    assert.equal((await mlflow('runs/update', { run_id: runId, status: 'FAILED', end_time: 99 })).status, 200);
    await waitFor(() => pointsOf(runId).length === 2 && statusOf(runId));
    assert.deepEqual(pointsOf(runId).map((p) => [p.step, p.value]), [[0, 1], [1, 0.75]]);
    assert.deepEqual(statusOf(runId), { status: 'FAILED', endTime: 99 });
  });

  test('a refused write publishes nothing; another tenant publishing the same id reaches no one', async () => {
    const runId = await v1Run(d, 'acme-corp');
    watch('acme-corp', runId);
    // Params are write-once: the whole batch, metrics included, is refused.
    assert.equal((await d.call('POST', `/api/v1/experiments/runs/${runId}/params`, { body: { params: { lr: '0.1' } } })).status, 200);
    const refused = await d.call('POST', `/api/v1/experiments/runs/${runId}/log-batch`, {
      body: { metrics: [{ key: 'loss', value: 1 }], params: { lr: '0.2' } },
    });
    assert.notEqual(refused.status, 200);
    // Another tenant naming this run: refused like a missing run, and nothing is published.
    const foreign = await d.call('POST', `/api/v1/experiments/runs/${runId}/metrics`, { tenant: 'globex', body: { key: 'loss', value: 2 } });
    assert.equal(foreign.status, 404);
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(pointsOf(runId), []);
  });
});
