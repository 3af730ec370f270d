/**
 * The outbox's retry rule (§7 item 19): the decision for every HTTP status 100–599, for transport
 * failures, and for other errors; backoff growth, jitter and cap; `Retry-After` parsing; and, over
 * real HTTP against a scripted server, that a `Retry-After` is waited out and that a non-retryable
 * answer sets a record aside after one try while the run's next write is still delivered.
 */

import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_BACKOFF, OutboxBackend, backoffDelay, classifyFailure, isRetryableStatus, retryDelay } from '../../server/src/outbox/index.ts';
import { TrackingError } from '../../server/src/tracking/errors.ts';
import type { TrackingErrorCode } from '../../server/src/tracking/errors.ts';
import { errorFromResponse, errorFromTransport, parseRetryAfter } from '../../server/src/tracking/mlflow/http.ts';
import { MlflowBackend } from '../../server/src/tracking/mlflow/index.ts';
import { FAST_BACKOFF, recorder, tempDir } from './support.ts';

const RETRYABLE = [429, 502, 503, 504];

describe('retry decision', () => {
  it('retries exactly 429, 502, 503 and 504 among the statuses 100-599', () => {
    const retried: number[] = [];
    for (let status = 100; status <= 599; status++) if (isRetryableStatus(status)) retried.push(status);
    assert.deepEqual(retried, RETRYABLE);
  });

  it('judges an MLflow answer by its status alone, whatever error code its body carries', () => {
    const bodies = [
      '',
      'Bad Gateway',
      JSON.stringify({ error_code: 'TEMPORARILY_UNAVAILABLE', message: 'busy' }),
      JSON.stringify({ error_code: 'REQUEST_LIMIT_EXCEEDED', message: 'slow down' }),
      JSON.stringify({ error_code: 'INVALID_PARAMETER_VALUE', message: 'bad' }),
      JSON.stringify({ error_code: 'INTERNAL_ERROR', message: 'boom' }),
    ];
    const wrong: string[] = [];
    let checked = 0;
    for (const body of bodies) {
      for (let status = 100; status <= 599; status++) {
        const verdict = classifyFailure(errorFromResponse(status, body, '3'));
        checked++;
        if (verdict.retry !== RETRYABLE.includes(status) || verdict.httpStatus !== status || verdict.retryAfterMs !== 3000) {
          wrong.push(`${status} ${body || '(empty)'} -> ${JSON.stringify(verdict)}`);
        }
      }
    }
    assert.equal(checked, 3000);
    assert.deepEqual(wrong, []);
  });

  it('retries failures where no answer came (refused, reset, timed out) and nothing else', () => {
    const origin = 'http://127.0.0.1:1';
    for (const code of ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']) {
      const verdict = classifyFailure(errorFromTransport(Object.assign(new Error(code), { code }), origin));
      assert.deepEqual([code, verdict.retry, verdict.code, verdict.httpStatus], [code, true, 'TEMPORARILY_UNAVAILABLE', undefined]);
    }
    // Node reports a refused connection to a name with two addresses as an AggregateError.
    const refused = new AggregateError([Object.assign(new Error('refused'), { code: 'ECONNREFUSED' })], 'connect failed');
    assert.equal(classifyFailure(errorFromTransport(refused, origin)).retry, true);
    assert.equal(classifyFailure(errorFromTransport(new Error('certificate has expired'), origin)).retry, false);
    assert.equal(classifyFailure(new TypeError('a bug')).retry, false);
    assert.equal(classifyFailure('not even an error').retry, false);
  });

  it('judges an error without a status by the status MLflow gives its code', () => {
    const expected: Record<TrackingErrorCode, boolean> = {
      INVALID_PARAMETER_VALUE: false,
      RESOURCE_ALREADY_EXISTS: false,
      RESOURCE_DOES_NOT_EXIST: false,
      INVALID_STATE: false,
      PERMISSION_DENIED: false,
      UNAUTHENTICATED: false,
      REQUEST_LIMIT_EXCEEDED: true,
      TEMPORARILY_UNAVAILABLE: true,
      INTERNAL_ERROR: false,
    };
    for (const [code, retry] of Object.entries(expected)) {
      assert.equal(classifyFailure(new TrackingError(code as TrackingErrorCode, 'x')).retry, retry, code);
    }
  });
});

describe('backoff', () => {
  it('doubles from 250 ms up to a 10 s ceiling', () => {
    const nominal = Array.from({ length: 10 }, (_, i) => backoffDelay(i + 1, DEFAULT_BACKOFF, () => 0));
    assert.deepEqual(nominal, [250, 500, 1000, 2000, 4000, 8000, 10_000, 10_000, 10_000, 10_000]);
    assert.equal(backoffDelay(5000, DEFAULT_BACKOFF, () => 0), 10_000);
  });

  it('takes a random part of up to half of each wait, and never exceeds the ceiling', () => {
    const smallest = Array.from({ length: 8 }, (_, i) => backoffDelay(i + 1, DEFAULT_BACKOFF, () => 1));
    assert.deepEqual(smallest, [125, 250, 500, 1000, 2000, 4000, 5000, 5000]);
    assert.equal(backoffDelay(3, DEFAULT_BACKOFF, () => 0.25), 875);
    const samples = Array.from({ length: 1000 }, () => backoffDelay(30, DEFAULT_BACKOFF));
    assert.deepEqual(samples.filter((d) => d < 5000 || d > 10_000), []);
    assert.ok(new Set(samples).size > 100, `jitter spreads the waits (${new Set(samples).size} distinct of 1000)`);
    assert.equal(backoffDelay(4, { ...DEFAULT_BACKOFF, jitter: 0 }, () => 0.9), 2000);
  });

  it('waits for Retry-After when the server asks for longer, up to 5 minutes', () => {
    assert.equal(retryDelay(1, { retryAfterMs: 7000 }, DEFAULT_BACKOFF, () => 0), 7000);
    assert.equal(retryDelay(8, { retryAfterMs: 1000 }, DEFAULT_BACKOFF, () => 0), 10_000);
    assert.equal(retryDelay(1, { retryAfterMs: 86_400_000 }, DEFAULT_BACKOFF, () => 0), 300_000);
    assert.equal(retryDelay(2, { retryAfterMs: undefined }, DEFAULT_BACKOFF, () => 0), 500);
  });

  it('reads Retry-After as delay-seconds or an HTTP date', () => {
    const now = Date.UTC(2026, 0, 2, 3, 4, 5);
    assert.equal(parseRetryAfter('7', now), 7000);
    assert.equal(parseRetryAfter(' 12 ', now), 12_000);
    assert.equal(parseRetryAfter('0', now), 0);
    assert.equal(parseRetryAfter(['3', '9'], now), 3000);
    assert.equal(parseRetryAfter(new Date(now + 30_000).toUTCString(), now), 30_000);
    assert.equal(parseRetryAfter('Fri, 02 Jan 2026 03:04:00 GMT', now), 0);
    for (const bad of [undefined, '', 'soon', '-1', '1.5', 'Xyz, 99 Foo 2026']) assert.equal(parseRetryAfter(bad, now), undefined, String(bad));
  });
});

describe('over HTTP, against a scripted MLflow', () => {
  const RUN_SLOW = 'a'.repeat(32);
  const RUN_POISON = 'b'.repeat(32);
  let server: Server;
  let uri: string;
  const seen: { runId: string; at: number; steps: number[] }[] = [];

  before(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as { run_id?: string; metrics?: { step: number }[] };
        const runId = body.run_id ?? '';
        seen.push({ runId, at: Date.now(), steps: (body.metrics ?? []).map((m) => m.step) });
        const nth = seen.filter((s) => s.runId === runId).length;
        const answer = (status: number, payload: unknown, headers: Record<string, string> = {}): void => {
          res.writeHead(status, { 'content-type': 'application/json', ...headers });
          res.end(JSON.stringify(payload));
        };
        if (runId === RUN_SLOW && nth === 1) {
          return answer(503, { error_code: 'TEMPORARILY_UNAVAILABLE', message: 'warming up' }, { 'retry-after': '1' });
        }
        // The poison: a 500 whose body claims a temporary problem; the status is what counts.
        if (runId === RUN_POISON && nth === 1) return answer(500, { error_code: 'TEMPORARILY_UNAVAILABLE', message: 'db error' });
        answer(200, {});
      });
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    uri = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((done) => server.close(() => done()));
  });

  it('waits out Retry-After, sets a 500 aside after one try, and delivers the rest of the run', async () => {
    const { dir, remove } = await tempDir('retry');
    const events = recorder();
    const outbox = OutboxBackend.open(new MlflowBackend({ uri }), { dataDir: dir, backoff: FAST_BACKOFF, onEvent: events.onEvent });
    try {
      const point = (step: number) => ({ metrics: [{ key: 'm', value: step, timestamp: 1000 + step, step }] });
      // The 503 answers the direct attempt: the write is stored and acknowledged. The server asked
      // for a pause, so the next writes are queued without trying it.
      await outbox.logBatch(RUN_SLOW, point(0));
      await outbox.logBatch(RUN_POISON, point(0));
      await outbox.logBatch(RUN_POISON, point(1));
      assert.deepEqual(outbox.stats().queued, { entries: 3, bytes: outbox.stats().queued.bytes, byRun: { [RUN_SLOW]: 1, [RUN_POISON]: 2 }, byExperiment: {} });
      assert.equal(await outbox.flush(10_000), true);

      const slow = seen.filter((s) => s.runId === RUN_SLOW);
      assert.deepEqual(slow.map((s) => s.steps), [[0], [0]]);
      const waited = slow[1]!.at - slow[0]!.at;
      assert.ok(waited >= 1000, `the retry came ${waited} ms after a Retry-After of 1 s`);
      // Every lane paused with it: the server said when to come back.
      assert.ok(seen.find((s) => s.runId === RUN_POISON)!.at - slow[0]!.at >= 1000);

      const poison = seen.filter((s) => s.runId === RUN_POISON);
      assert.deepEqual(poison.map((s) => s.steps), [[0], [1]]);
      const [dead] = outbox.deadLetters();
      assert.deepEqual(
        { count: outbox.deadLetters().length, lane: dead?.lane, attempts: dead?.attempts, code: dead?.errorCode, status: dead?.httpStatus, message: dead?.errorMessage },
        { count: 1, lane: `run:${RUN_POISON}`, attempts: 1, code: 'TEMPORARILY_UNAVAILABLE', status: 500, message: 'db error' },
      );
      const stats = outbox.stats();
      assert.deepEqual(
        { queued: stats.queued.entries, deadLetters: stats.deadLetters, delivered: stats.delivered, dropped: stats.dropped },
        { queued: 0, deadLetters: 1, delivered: 2, dropped: { spoolFull: 0, spoolError: 0, deadLettersDiscarded: 0 } },
      );
      assert.deepEqual(events.events.filter((e) => e.type === 'dead-lettered').length, 1);
      // Nothing is retried afterwards.
      await new Promise((r) => setTimeout(r, 400));
      assert.equal(seen.length, 4);
    } finally {
      await outbox.close();
      await remove();
    }
  });
});
