/**
 * The spool file on its own: one owner at a time, doubles stored exactly, dead letters capped and
 * counted, requeue in one piece, and counters and lane order that survive a reopen.
 */

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { OutboxBackend } from '../../server/src/outbox/index.ts';
import { decodeOperation, encodeOperation } from '../../server/src/outbox/operations.ts';
import { Spool } from '../../server/src/outbox/spool.ts';
import type { FailureVerdict } from '../../server/src/outbox/retry-policy.ts';
import { TrackingError } from '../../server/src/tracking/errors.ts';
import { MlflowBackend } from '../../server/src/tracking/mlflow/index.ts';
import { deadUri, tempDir } from './support.ts';

const LIMITS = { maxEntries: 100, maxBytes: 1 << 20, maxDeadLetters: 2 };
const REFUSED: FailureVerdict = { retry: false, httpStatus: 400, retryAfterMs: undefined, code: 'INVALID_PARAMETER_VALUE', message: 'no' };

describe('outbox spool', () => {
  it('lets one daemon own a spool at a time', async () => {
    const { dir, remove } = await tempDir('lock');
    const first = OutboxBackend.open(new MlflowBackend({ uri: await deadUri() }), { dataDir: dir });
    try {
      assert.throws(
        // The URI is never contacted: opening the spool fails first.
        () => OutboxBackend.open(new MlflowBackend({ uri: 'http://127.0.0.1:9' }), { dataDir: dir }),
        (err: unknown) => err instanceof TrackingError && err.code === 'INTERNAL_ERROR' && /is in use by another daemon/.test(err.message),
      );
    } finally {
      await first.close();
    }
    const again = OutboxBackend.open(new MlflowBackend({ uri: await deadUri() }), { dataDir: dir });
    await again.close();
    await remove();
  });

  it('stores every double exactly, NaN, infinities and -0 included', () => {
    const values = [Number.NaN, Infinity, -Infinity, -0, 0, 5e-324, Number.MAX_VALUE, -1.5, 0.1 + 0.2];
    const op = {
      kind: 'logBatch' as const,
      runId: 'r1',
      batch: { metrics: values.map((value, step) => ({ key: 'm', value, timestamp: 1, step })), params: [], tags: [] },
    };
    const back = decodeOperation(encodeOperation(op));
    assert.equal(back.kind, 'logBatch');
    const got = back.kind === 'logBatch' ? (back.batch.metrics ?? []).map((m) => m.value) : [];
    assert.deepEqual(got.map((v, i) => Object.is(v, values[i])), values.map(() => true));
    assert.throws(() => decodeOperation('{"kind":"dropTable"}'), /not an outbox operation/);
  });

  it('caps dead letters, discarding the oldest, requeues atomically, and keeps its counters across a reopen', async () => {
    const { dir, remove } = await tempDir('dead');
    const path = join(dir, 'outbox.db');
    let spool = Spool.open(path, LIMITS);
    try {
      for (const [lane, n] of [['run:a', 1], ['run:b', 1], ['run:a', 2], ['run:c', 1], ['run:a', 3]] as const) {
        spool.enqueue(lane, 'logBatch', JSON.stringify({ lane, n }), 1000);
      }
      assert.deepEqual(spool.lanes(), ['run:a', 'run:b', 'run:c']);
      for (const lane of ['run:b', 'run:c']) spool.deadLetter(spool.head(lane)!, REFUSED, 2000);
      spool.delivered(spool.head('run:a')!, 3000);
      spool.deadLetter(spool.head('run:a')!, REFUSED, 4000);
      assert.deepEqual(spool.listDeadLetters(10).map((d) => [d.lane, JSON.parse(d.payload).n]), [['run:c', 1], ['run:a', 2]]);
      assert.deepEqual([spool.deadLetterCount, spool.counters.deadLettersDiscarded, spool.counters.delivered], [2, 1, 1]);

      spool.close();
      spool = Spool.open(path, LIMITS);
      assert.deepEqual([spool.entries, spool.depth('run:a'), spool.deadLetterCount], [1, 1, 2]);
      assert.deepEqual(spool.counters, { delivered: 1, droppedFull: 0, deadLettersDiscarded: 1 });
      assert.deepEqual([spool.lastDeliveryAt, spool.lastError?.code, spool.lastError?.at], [3000, 'INVALID_PARAMETER_VALUE', 4000]);

      // Back at the end of its lane, behind what was queued meanwhile.
      const [, aTwo] = spool.listDeadLetters(10);
      assert.equal(spool.requeueDeadLetters([aTwo!.id], 5000), 1);
      assert.deepEqual([spool.entries, spool.depth('run:a'), spool.deadLetterCount], [2, 2, 1]);
      spool.delivered(spool.head('run:a')!, 6000);
      assert.deepEqual(JSON.parse(spool.head('run:a')!.payload), { lane: 'run:a', n: 2 });
      assert.equal(spool.discardDeadLetters(undefined), 1);
    } finally {
      spool.close();
      await remove();
    }
  });
});

