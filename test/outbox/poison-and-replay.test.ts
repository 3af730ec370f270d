/**
 * What a real `mlflow server` makes of queued writes it must judge (§7 item 23): a record it
 * refuses is set aside after one try while the rest of the run's queue is delivered; and records
 * replayed after they were already applied (a crash between "accepted" and "removed from the
 * spool") change nothing, so at-least-once delivery is harmless.
 *
 * Queues are built by an outbox whose server is unreachable (a port with no listener), then
 * delivered by a new outbox opened on the same spool with the server reachable, as after a restart
 * of the daemon.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OutboxBackend } from '../../server/src/outbox/index.ts';
import { MlflowBackend } from '../../server/src/tracking/mlflow/index.ts';
import type { LogBatchInput, Metric } from '../../server/src/tracking/types.ts';
import { FAST_BACKOFF, deadUri, fullHistory, recorder, tempDir, useMlflowServer } from './support.ts';

const points = (from: number, to: number): Metric[] =>
  Array.from({ length: to - from + 1 }, (_, i) => ({ key: 'loss', value: (from + i) / 10, timestamp: 9000 + from + i, step: from + i }));

describe('outbox replay against a real MLflow server', () => {
  const mlflow = useMlflowServer('outbox-replay');

  /** Queues writes with the server unreachable, then reopens the spool online and flushes. */
  async function queueThenDeliver(queue: (outbox: OutboxBackend) => Promise<void>, beforeDelivery?: () => Promise<void>) {
    const { dir, remove } = await tempDir('replay');
    const offline = OutboxBackend.open(new MlflowBackend({ uri: await deadUri() }), { dataDir: dir, backoff: FAST_BACKOFF });
    try {
      await queue(offline);
    } finally {
      await offline.close();
    }
    await beforeDelivery?.();
    const events = recorder();
    const online = OutboxBackend.open(new MlflowBackend({ uri: mlflow.server.url }), { dataDir: dir, backoff: FAST_BACKOFF, onEvent: events.onEvent });
    const queued = online.stats().queued.entries;
    const drained = await online.flush(30_000);
    return { online, events, queued, drained, done: async () => { await online.close(); await remove(); } };
  }

  it('sets a param change aside after one try and delivers the rest of the run', async () => {
    const runId = (await mlflow.direct.createRun({ experimentId: mlflow.experimentId })).info.runId;
    await mlflow.direct.logBatch(runId, { params: [{ key: 'lr', value: '0.01' }], metrics: points(0, 0) });
    const poison: LogBatchInput = { params: [{ key: 'lr', value: '0.5' }], metrics: points(6, 8) };
    const result = await queueThenDeliver(async (outbox) => {
      await outbox.logBatch(runId, { metrics: points(1, 5) });
      await outbox.logBatch(runId, poison);
      await outbox.logBatch(runId, { metrics: points(9, 12), tags: [{ key: 'after', value: 'poison' }] });
      await outbox.updateRun(runId, { status: 'FINISHED', endTime: 99_000 });
    });
    try {
      assert.deepEqual([result.queued, result.drained], [4, true]);
      const letters = result.online.deadLetters();
      assert.equal(letters.length, 1);
      const [letter] = letters;
      assert.deepEqual(
        { lane: letter!.lane, kind: letter!.kind, attempts: letter!.attempts, code: letter!.errorCode, status: letter!.httpStatus },
        { lane: `run:${runId}`, kind: 'logBatch', attempts: 1, code: 'INVALID_PARAMETER_VALUE', status: 400 },
      );
      assert.match(letter!.errorMessage, /Changing param values is not allowed/);
      assert.deepEqual(JSON.parse(letter!.payload), { kind: 'logBatch', runId, batch: { metrics: poison.metrics, params: poison.params, tags: [] } });
      // One try: the server saw it once, refused it, and nothing was retried.
      assert.deepEqual(result.events.events.map((e) => e.type), ['delivered', 'dead-lettered', 'delivered', 'delivered']);

      // MLflow refuses the whole poison batch, so its points are missing and nothing else is.
      assert.deepEqual(await fullHistory(mlflow.direct, runId, 'loss'), [...points(0, 5), ...points(9, 12)]);
      const run = await mlflow.direct.getRun(runId);
      assert.deepEqual([run.data.params, run.data.tags['after'], run.info.status, run.info.endTime], [{ lr: '0.01' }, 'poison', 'FINISHED', 99_000]);
      const stats = result.online.stats();
      assert.deepEqual([stats.queued.entries, stats.deadLetters, stats.delivered, stats.lastError?.httpStatus], [0, 1, 3, 400]);

      // Set aside, not lost: it can be looked at, and discarded once understood.
      assert.equal(result.online.discardDeadLetters(), 1);
      assert.equal(result.online.stats().deadLetters, 0);
    } finally {
      await result.done();
    }
  });

  it('replays records the server had already applied without changing anything', async () => {
    const runId = (await mlflow.direct.createRun({ experimentId: mlflow.experimentId })).info.runId;
    const batch: LogBatchInput = {
      metrics: [...points(0, 4), { key: 'nan', value: Number.NaN, timestamp: 1, step: 0 }],
      params: [{ key: 'q', value: '1' }],
      tags: [{ key: 't', value: 'x' }, { key: 'gone', value: 'soon' }],
    };
    const writes = async (b: MlflowBackend | OutboxBackend): Promise<void> => {
      await b.logBatch(runId, batch);
      await b.deleteRunTag(runId, 'gone');
      await b.updateRun(runId, { status: 'FINISHED', endTime: 77_000 });
      await b.setExperimentTag(mlflow.experimentId, 'k', 'v');
      await b.deleteExperimentTag(mlflow.experimentId, 'k');
      await b.deleteRun(runId);
      await b.restoreRun(runId);
    };
    // The crash: every write reached the server, none was removed from the spool.
    const result = await queueThenDeliver(writes, () => writes(mlflow.direct));
    try {
      assert.deepEqual([result.queued, result.drained], [7, true]);
      assert.deepEqual(result.online.deadLetters(), []);
      assert.deepEqual([result.events.count('delivered'), result.events.count('retrying')], [7, 0]);
      assert.deepEqual(await fullHistory(mlflow.direct, runId, 'loss'), points(0, 4));
      assert.equal((await fullHistory(mlflow.direct, runId, 'nan')).length, 1);
      const run = await mlflow.direct.getRun(runId);
      assert.deepEqual(run.data.params, { q: '1' });
      assert.deepEqual([run.data.tags['t'], Object.hasOwn(run.data.tags, 'gone')], ['x', false]);
      assert.deepEqual([run.info.status, run.info.endTime, run.info.lifecycleStage], ['FINISHED', 77_000, 'active']);
      assert.equal(Object.hasOwn((await mlflow.direct.getExperiment(mlflow.experimentId)).tags, 'k'), false);
    } finally {
      await result.done();
    }
  });
});
