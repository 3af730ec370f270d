/**
 * The outbox against a real `mlflow server` that goes away (§7 items 18 and 21): writes keep being
 * acknowledged while it is down and every point arrives, in order, after it is back; and a full
 * spool refuses what it cannot store, counts it, and still delivers everything it acknowledged.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OutboxBackend } from '../../server/src/outbox/index.ts';
import { encodeOperation } from '../../server/src/outbox/operations.ts';
import { expectCode } from '../support/tracking-errors.ts';
import { MlflowBackend } from '../../server/src/tracking/mlflow/index.ts';
import type { LogBatchInput, Metric } from '../../server/src/tracking/types.ts';
import { FAST_BACKOFF, deadUri, fullHistory, recorder, tempDir, useMlflowServer } from './support.ts';

/** Batch `i`: five steps of `loss` and `acc`, and a tag that is the last batch's number (an order witness). */
function batch(i: number): LogBatchInput & { metrics: Metric[] } {
  const metrics: Metric[] = [];
  for (let s = 0; s < 5; s++) {
    const step = i * 5 + s;
    metrics.push({ key: 'loss', value: 1 / (step + 1), timestamp: 1_700_000_000_000 + step, step });
    metrics.push({ key: 'acc', value: step === 7 ? Number.NaN : step / 1000, timestamp: 1_700_000_000_000 + step, step });
  }
  return { metrics, tags: [{ key: 'progress', value: String(i) }], ...(i === 0 ? { params: [{ key: 'lr', value: '0.01' }] } : {}) };
}

function pointsOf(batches: number, key: string): Metric[] {
  return Array.from({ length: batches }, (_, i) => batch(i).metrics.filter((m) => m.key === key)).flat();
}


describe('outbox in front of a real MLflow server', () => {
  const mlflow = useMlflowServer('outbox-outage');

  it('acknowledges writes while the server is down and delivers every point, in order, after it restarts', async () => {
    const { dir, remove } = await tempDir('outage');
    const events = recorder();
    const outbox = OutboxBackend.open(new MlflowBackend({ uri: mlflow.server.url }), { dataDir: dir, backoff: FAST_BACKOFF, onEvent: events.onEvent });
    try {
      const run = await outbox.createRun({ experimentId: mlflow.experimentId, runName: 'through-an-outage' });
      const runId = run.info.runId;
      for (let i = 0; i < 20; i++) await outbox.logBatch(runId, batch(i));
      assert.equal(events.count('queued'), 0, 'a healthy server is written to directly');

      await mlflow.server.kill();
      const downAt = Date.now();
      for (let i = 20; i < 60; i++) await outbox.logBatch(runId, batch(i));
      await outbox.setExperimentTag(mlflow.experimentId, 'state', 'written during the outage');
      const ackMs = Date.now() - downAt;
      // Creating a run needs the server's id: refused, not queued.
      await expectCode(outbox.createRun({ experimentId: mlflow.experimentId }), 'TEMPORARILY_UNAVAILABLE');
      const down = outbox.stats();
      assert.deepEqual(down.queued.byRun, { [runId]: 40 });
      assert.deepEqual(down.queued.byExperiment, { [mlflow.experimentId]: 1 });
      assert.equal(down.queued.entries, 41);
      assert.equal(down.lastError?.code, 'TEMPORARILY_UNAVAILABLE');
      assert.equal(down.deadLetters, 0);

      await mlflow.server.restart();
      console.log(`41 writes acknowledged in ${ackMs} ms while down; mlflow restarted in ${mlflow.server.startupMs} ms`);
      for (let i = 60; i < 80; i++) await outbox.logBatch(runId, batch(i));
      const finished = await outbox.updateRun(runId, { status: 'FINISHED', endTime: 1_700_000_999_000 });
      assert.equal(finished.status, 'FINISHED');
      assert.equal(await outbox.flush(60_000), true);

      assert.deepEqual(await fullHistory(mlflow.direct, runId, 'loss'), pointsOf(80, 'loss'));
      assert.deepEqual(await fullHistory(mlflow.direct, runId, 'acc'), pointsOf(80, 'acc'));
      const stored = await mlflow.direct.getRun(runId);
      assert.equal(stored.data.tags['progress'], '79');
      assert.deepEqual(stored.data.params, { lr: '0.01' });
      assert.deepEqual([stored.info.status, stored.info.endTime], ['FINISHED', 1_700_000_999_000]);
      assert.equal((await mlflow.direct.getExperiment(mlflow.experimentId)).tags['state'], 'written during the outage');

      const stats = outbox.stats();
      assert.deepEqual(
        { queued: stats.queued, deadLetters: stats.deadLetters, dropped: stats.dropped, delivered: stats.delivered },
        {
          queued: { entries: 0, bytes: 0, byRun: {}, byExperiment: {} },
          deadLetters: 0,
          dropped: { spoolFull: 0, spoolError: 0, deadLettersDiscarded: 0 },
          delivered: events.count('queued'),
        },
      );
      assert.ok(stats.lastSuccessfulFlush !== null && stats.lastSuccessfulFlush >= downAt);
      assert.equal(events.count('dead-lettered'), 0);
    } finally {
      await outbox.close();
      await remove();
    }
  });

  it('refuses writes it cannot store once full, counts them, and delivers all it acknowledged', async () => {
    const { dir, remove } = await tempDir('bound');
    const runs = [await mlflow.direct.createRun({ experimentId: mlflow.experimentId }), await mlflow.direct.createRun({ experimentId: mlflow.experimentId })].map((r) => r.info.runId);
    const [a, b] = runs as [string, string];
    const one = (step: number): LogBatchInput => ({ metrics: [{ key: 'm', value: step, timestamp: 5000 + step, step }] });
    const size = (runId: string, step: number): number =>
      Buffer.byteLength(encodeOperation({ kind: 'logBatch', runId, batch: { metrics: one(step).metrics!, params: [], tags: [] } }));
    // Room for exactly 5 entries; the byte limit is far away.
    const limits = { maxEntries: 5, maxBytes: 100 * size(a, 0) };
    const offline = OutboxBackend.open(new MlflowBackend({ uri: await deadUri() }), { dataDir: dir, limits, backoff: FAST_BACKOFF });
    try {
      for (let step = 0; step < 3; step++) await offline.logBatch(a, one(step));
      for (let step = 0; step < 2; step++) await offline.logBatch(b, one(step));
      const refused = await expectCode(offline.logBatch(a, one(3)), 'REQUEST_LIMIT_EXCEEDED');
      assert.match(refused.message, /outbox is full \(5 writes, \d+ bytes .*limits 5 writes/);
      await expectCode(offline.logBatch(b, one(2)), 'REQUEST_LIMIT_EXCEEDED');
      await expectCode(offline.deleteRunTag(a, 'x'), 'REQUEST_LIMIT_EXCEEDED');
      // Bad input is still refused as bad input, before any question of room.
      await expectCode(offline.logBatch(a, { metrics: [{ key: '../x', value: 1, timestamp: 1, step: 0 }] }), 'INVALID_PARAMETER_VALUE');
      const full = offline.stats();
      assert.deepEqual(
        { entries: full.queued.entries, byRun: full.queued.byRun, dropped: full.dropped },
        { entries: 5, byRun: { [a]: 3, [b]: 2 }, dropped: { spoolFull: 3, spoolError: 0, deadLettersDiscarded: 0 } },
      );
    } finally {
      await offline.close();
    }

    // Tighter bytes than entries: the third write of this size does not fit.
    const { dir: dir2, remove: remove2 } = await tempDir('bound-bytes');
    const byBytes = OutboxBackend.open(new MlflowBackend({ uri: await deadUri() }), {
      dataDir: dir2,
      limits: { maxEntries: 100, maxBytes: size(b, 10) * 3 - 1 },
      backoff: FAST_BACKOFF,
    });
    try {
      await byBytes.logBatch(b, one(10));
      await byBytes.logBatch(b, one(11));
      await expectCode(byBytes.logBatch(b, one(12)), 'REQUEST_LIMIT_EXCEEDED');
      assert.deepEqual([byBytes.stats().queued.entries, byBytes.stats().dropped.spoolFull], [2, 1]);
    } finally {
      await byBytes.close();
    }

    // The daemon comes back with the server reachable: what was acknowledged is delivered, what
    // was refused never appears, and the drop counters survive the restart.
    const online = OutboxBackend.open(new MlflowBackend({ uri: mlflow.server.url }), { dataDir: dir, limits, backoff: FAST_BACKOFF });
    const online2 = OutboxBackend.open(new MlflowBackend({ uri: mlflow.server.url }), { dataDir: dir2, backoff: FAST_BACKOFF });
    try {
      assert.equal(online.stats().queued.entries, 5);
      assert.equal(await online.flush(30_000), true);
      assert.equal(await online2.flush(30_000), true);
      const history = async (runId: string) => (await fullHistory(mlflow.direct, runId, 'm')).map((m) => m.step);
      assert.deepEqual(await history(a), [0, 1, 2]);
      assert.deepEqual(await history(b), [0, 1, 10, 11]);
      assert.deepEqual([online.stats().dropped.spoolFull, online.stats().delivered, online.stats().queued.entries], [3, 5, 0]);
      // With room again, writes are accepted.
      await online.logBatch(a, one(3));
      assert.deepEqual(await history(a), [0, 1, 2, 3]);
    } finally {
      await online.close();
      await online2.close();
      await remove();
      await remove2();
    }
  });
});
