/**
 * A server that is slow rather than down: a write whose direct attempt outlives its budget is
 * stored and acknowledged, the attempt is not abandoned, and when it then succeeds the stored copy
 * is dropped instead of sent again; writes behind it wait their turn. A scripted backend stands in
 * for MLflow so the timing is exact.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { OutboxBackend } from '../../server/src/outbox/index.ts';
import type { TrackingBackend } from '../../server/src/tracking/backend.ts';
import type { LogBatchInput } from '../../server/src/tracking/types.ts';
import { FAST_BACKOFF, recorder, tempDir } from './support.ts';

const RUN = 'c'.repeat(32);

/** A backend whose log-batch takes `delays[n]` ms on its n-th call (then answers at once). */
function scripted(delays: number[]): { backend: TrackingBackend; calls: number[] } {
  const calls: number[] = [];
  const backend = new Proxy({} as TrackingBackend, {
    get: (_target, name) => async (...args: unknown[]) => {
      if (name === 'close') return;
      if (name !== 'logBatch') throw new Error(`unexpected call ${String(name)}`);
      const step = (args[1] as LogBatchInput).metrics?.[0]?.step ?? -1;
      const delay = delays[calls.length] ?? 0;
      calls.push(step);
      await sleep(delay);
    },
  });
  return { backend, calls };
}

const point = (step: number): LogBatchInput => ({ metrics: [{ key: 'm', value: step, timestamp: step, step }] });

describe('outbox with a slow server', () => {
  it('acknowledges after the direct budget, keeps order, and never sends a write that landed late again', async () => {
    const { dir, remove } = await tempDir('slow');
    const { backend, calls } = scripted([400]);
    const events = recorder();
    const outbox = OutboxBackend.open(backend, { dataDir: dir, directTimeoutMs: 50, backoff: FAST_BACKOFF, onEvent: events.onEvent });
    try {
      const started = Date.now();
      await outbox.logBatch(RUN, point(0));
      const acked = Date.now() - started;
      assert.ok(acked >= 50 && acked < 300, `acknowledged after ${acked} ms`);
      await outbox.logBatch(RUN, point(1));
      assert.deepEqual(outbox.stats().queued.byRun, { [RUN]: 2 });
      assert.deepEqual(calls, [0], 'nothing overtakes the attempt still in flight');

      assert.equal(await outbox.flush(5000), true);
      assert.deepEqual(calls, [0, 1]);
      assert.deepEqual(events.events.map((e) => e.type), ['queued', 'queued', 'delivered', 'delivered']);
      const stats = outbox.stats();
      assert.deepEqual([stats.queued.entries, stats.delivered, stats.deadLetters, stats.lastError?.code], [0, 2, 0, 'TEMPORARILY_UNAVAILABLE']);
    } finally {
      await outbox.close();
      await remove();
    }
  });
});
