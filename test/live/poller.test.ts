/**
 * The live poller against a real MLflow server: runs written straight to MLflow (a direct
 * MlflowBackend standing in for another process, and the Python client) reach hub subscribers,
 * each point once and in order; points the daemon wrote are not published twice; the schedule
 * backs off while idle; polling stops on unsubscribe and when the run ends.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { LiveFrame, LivePoint } from '../../protocol/src/index.ts';
import { MetricHub } from '../../server/src/live/metric-hub.ts';
import { type PollSource, type PollTimers, RunPollers, startMlflowPolling } from '../../server/src/live/poller.ts';
import { withLivePublishing } from '../../server/src/live/publishing-backend.ts';
import { MlflowBackend } from '../../server/src/tracking/mlflow/index.ts';
import type { Metric } from '../../server/src/tracking/types.ts';
import { ensureMlflowVenv, startMlflowServer, type MlflowServer } from '../support/mlflow.ts';
import { waitFor } from './support.ts';

const TENANT = 'acme';

describe('live poller (real MLflow)', () => {
  let server: MlflowServer;
  let writer: MlflowBackend; // "another process": writes that never pass through the daemon
  let experimentId: string;

  before(async () => {
    server = await startMlflowServer();
    writer = new MlflowBackend({ uri: server.url });
    experimentId = await writer.createExperiment({ name: `poller-${Date.now()}` });
  });
  after(async () => {
    await writer?.close();
    await server?.stop();
  });

  const newRun = async () => (await writer.createRun({ experimentId })).info.runId;

  const record = (hub: MetricHub, runId: string) => {
    const frames: LiveFrame[] = [];
    const sub = hub.subscribe({ deliver: (f) => (frames.push(...f), true), ended: () => {} });
    sub.watch(TENANT, [runId]);
    const points = (key?: string): LivePoint[] =>
      frames.flatMap((f) => f.points).filter((p) => key === undefined || p.key === key);
    const status = () => frames.find((f) => f.status)?.status;
    return { sub, frames, points, status };
  };

  /** Counts requests of a source, so tests can see what an idle poll costs. */
  const counting = (inner: PollSource) => {
    const counts = { getRun: 0, interval: 0 };
    const source: PollSource = {
      getRun: (id) => (counts.getRun++, inner.getRun(id)),
      getMetricHistoryInterval: (ids, key, input) => (counts.interval++, inner.getMetricHistoryInterval(ids, key, input)),
    };
    return { source, counts };
  };

  test('bulk-interval read: a step range, whole below max_results', async () => {
    const runId = await newRun();
    const t = Date.now();
    await writer.logBatch(runId, {
      metrics: Array.from({ length: 10 }, (_, i) => ({ key: 'loss', value: i / 10, step: i, timestamp: t + i })),
    });
    const got = await writer.getMetricHistoryInterval([runId], 'loss', { startStep: 3, endStep: 6 });
    assert.deepEqual(got.map((m) => [m.step, m.value, m.runId]), [3, 4, 5, 6].map((s) => [s, s / 10, runId]));
    const sampled = await writer.getMetricHistoryInterval([runId], 'loss', { startStep: 0, endStep: 9, maxResults: 3 });
    assert.equal(sampled.length, 3);
  });

  test('a run logged straight to MLflow streams to a hub subscriber, each point once, in order; then its status', async () => {
    const hub = new MetricHub({ intervalMs: 5 });
    const pollers = new RunPollers(hub, { sourceFor: () => writer, intervalMs: 30, maxIntervalMs: 120 });
    try {
      const runId = await newRun();
      const t0 = Date.now();
      // Logged before the subscription: history, not streamed.
      await writer.logBatch(runId, { metrics: [{ key: 'loss', value: 9, step: 0, timestamp: t0 }] });
      const rec = record(hub, runId);
      await waitFor(() => (pollers.poller(TENANT, runId)?.polls ?? 0) >= 1);

      const expected: Metric[] = [];
      let ts = t0 + 1;
      for (let batch = 0; batch < 6; batch++) {
        const metrics: Metric[] = [];
        for (let i = 0; i < 5; i++) {
          const step = batch * 5 + i + 1;
          metrics.push({ key: 'loss', value: 1 / step, step, timestamp: ts++ });
          // Several points at one step, two even at one timestamp.
          metrics.push({ key: 'acc', value: step, step: batch, timestamp: ts });
          metrics.push({ key: 'acc', value: -step, step: batch, timestamp: ts++ });
        }
        await writer.logBatch(runId, { metrics });
        expected.push(...metrics);
        await new Promise((r) => setTimeout(r, 40));
      }
      // A key that appears later is read from its start.
      const late = [
        { key: 'lr', value: 0.1, step: -5, timestamp: ts++ },
        { key: 'lr', value: 0.2, step: 7, timestamp: ts++ },
      ];
      await writer.logBatch(runId, { metrics: late });
      expected.push(...late);

      await waitFor(() => rec.points().length >= expected.length, 15_000);
      await writer.updateRun(runId, { status: 'FINISHED', endTime: ts });
      await waitFor(() => rec.status());
      assert.deepEqual(rec.status(), { status: 'FINISHED', endTime: ts });
      assert.equal(pollers.poller(TENANT, runId), undefined, 'the poller stops when the run ends');

      const order = (a: Metric, b: Metric) => a.step - b.step || a.timestamp - b.timestamp || a.value - b.value;
      for (const key of ['loss', 'acc', 'lr']) {
        const want = expected.filter((m) => m.key === key).sort(order).map((m) => [m.step, m.timestamp, m.value]);
        assert.deepEqual(rec.points(key).map((p) => [p.step, p.timestamp, p.value]), want, key);
      }
      assert.equal(rec.points().length, expected.length, 'each point once (and none of the history)');
    } finally {
      pollers.close();
      hub.close();
    }
  });

  test('points the daemon wrote (and published) are not published again by the poller', async () => {
    const hub = new MetricHub({ intervalMs: 5 });
    const polling = startMlflowPolling(hub, { kind: 'mlflow', uri: server.url }, { intervalMs: 30, maxIntervalMs: 60 })!;
    const daemonSide = withLivePublishing(writer, TENANT, hub); // what the daemon's tenant backend does
    try {
      const runId = await newRun();
      const rec = record(hub, runId);
      await waitFor(() => (polling.pollers.poller(TENANT, runId)?.polls ?? 0) >= 1);
      const t = Date.now();
      for (let i = 0; i < 10; i++) {
        const through = i % 2 === 0 ? daemonSide : writer; // interleaved: daemon writes and direct writes
        await through.logBatch(runId, { metrics: [{ key: 'loss', value: i, step: i, timestamp: t + i }] });
        await new Promise((r) => setTimeout(r, 25));
      }
      await waitFor(() => rec.points().length >= 10);
      // Several more polls: nothing repeats.
      const polls = polling.pollers.poller(TENANT, runId)!.polls;
      await waitFor(() => polling.pollers.poller(TENANT, runId)!.polls >= polls + 3);
      // Each point once. Across the two paths the order is arrival order: a daemon write is
      // published at once, a direct one at the next poll (in order among themselves).
      const steps = rec.points().map((p) => p.step);
      assert.deepEqual([...steps].sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      const direct = steps.filter((s) => s % 2 === 1);
      assert.deepEqual(direct, [1, 3, 5, 7, 9]);
    } finally {
      await polling.close();
      hub.close();
    }
  });

  test('backs off while idle (x2 up to the cap), back to the base interval when points arrive; stops on unsubscribe', async () => {
    const delays: number[] = [];
    let next: (() => void) | undefined;
    let cleared = 0;
    const timers: PollTimers = {
      set: (fn, ms) => {
        delays.push(ms);
        next = fn;
        return delays.length;
      },
      clear: () => {
        cleared++;
        next = undefined;
      },
    };
    /** Runs the pending poll and waits until it has scheduled the next one. */
    const fire = async () => {
      const fn = next!;
      next = undefined;
      const before = delays.length;
      fn();
      await waitFor(() => delays.length > before);
    };
    const { source, counts } = counting(writer);
    const hub = new MetricHub({ intervalMs: 5 });
    const pollers = new RunPollers(hub, { sourceFor: () => source, timers });
    try {
      const runId = await newRun();
      const rec = record(hub, runId);
      assert.deepEqual(delays, [0], 'the first read is at once');
      await fire(); // sets the cursors
      for (let i = 0; i < 7; i++) await fire(); // idle
      assert.deepEqual(delays, [0, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
      assert.deepEqual(counts, { getRun: 8, interval: 0 }, 'an idle poll is one runs/get');

      await writer.logBatch(runId, { metrics: [{ key: 'loss', value: 1, step: 1, timestamp: Date.now() }] });
      await fire();
      assert.equal(delays.at(-1), 1000, 'new points: back to the base interval');
      assert.equal(counts.interval, 1);
      await waitFor(() => rec.points().length === 1);
      await fire();
      assert.equal(delays.at(-1), 2000);

      rec.sub.unwatch(TENANT, [runId]);
      assert.equal(pollers.active, 0, 'the last subscriber left: the poller stopped');
      assert.equal(next, undefined, 'and its timer is gone');
      assert.ok(cleared >= 1);
    } finally {
      pollers.close();
      hub.close();
    }
  });

  test('a catch-up larger than one bulk-interval answer (2500) narrows the range and misses nothing', async () => {
    const hub = new MetricHub({ intervalMs: 5 });
    const { source, counts } = counting(writer);
    const pollers = new RunPollers(hub, { sourceFor: () => source, intervalMs: 30 });
    try {
      const runId = await newRun();
      const rec = record(hub, runId);
      await waitFor(() => (pollers.poller(TENANT, runId)?.polls ?? 0) >= 1);
      const t = Date.now();
      for (let b = 0; b < 6; b++) {
        const metrics = Array.from({ length: 1000 }, (_, i) => ({ key: 'loss', value: b * 1000 + i, step: b * 1000 + i, timestamp: t + i }));
        await writer.logBatch(runId, { metrics });
      }
      await waitFor(() => rec.points().length >= 6000, 20_000);
      await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(rec.points().map((p) => p.step), Array.from({ length: 6000 }, (_, i) => i));
      assert.ok(counts.interval >= 3, `bulk reads: ${counts.interval}`);
    } finally {
      pollers.close();
      hub.close();
    }
  });

  test('a run that is not RUNNING is not polled', async () => {
    const hub = new MetricHub({ intervalMs: 5 });
    const { source, counts } = counting(writer);
    const pollers = new RunPollers(hub, { sourceFor: () => source, intervalMs: 20 });
    try {
      const runId = await newRun();
      await writer.updateRun(runId, { status: 'FINISHED', endTime: Date.now() });
      record(hub, runId);
      await waitFor(() => counts.getRun === 1 && pollers.active === 0);
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(counts.getRun, 1);
    } finally {
      pollers.close();
      hub.close();
    }
  });

  test('the embedded store is not polled', () => {
    const hub = new MetricHub();
    assert.equal(startMlflowPolling(hub, { kind: 'embedded' }), undefined);
  });

  test('the Python client logging straight to MLflow streams live', async () => {
    const bin = await ensureMlflowVenv();
    const hub = new MetricHub({ intervalMs: 5 });
    const polling = startMlflowPolling(hub, { kind: 'mlflow', uri: server.url }, { intervalMs: 100, maxIntervalMs: 400 })!;
    try {
      const runId = await newRun();
      const rec = record(hub, runId);
      const script = [
        'import mlflow, time',
        'with mlflow.start_run(run_id=__import__("os").environ["RUN_ID"]):',
        '    for i in range(40):',
        '        mlflow.log_metric("loss", 1.0 / (i + 1), step=i)',
        '        time.sleep(0.05)',
      ].join('\n');
      const env: Record<string, string> = {};
      for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('MLFLOW_')) env[k] = v;
      const py = spawn(join(bin, 'python'), ['-c', script], {
        env: { ...env, MLFLOW_TRACKING_URI: server.url, RUN_ID: runId },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      py.stderr.on('data', (c: Buffer) => (stderr += c));
      // Points arrive while the script still runs (not only at the end).
      const seenWhileRunning = new Set<number>();
      const exit = new Promise<number | null>((resolve) => py.on('exit', resolve));
      let done = false;
      void exit.then(() => (done = true));
      while (!done) {
        seenWhileRunning.add(rec.points().length);
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.equal(await exit, 0, stderr);
      await waitFor(() => rec.status(), 10_000);
      assert.equal(rec.status()!.status, 'FINISHED');
      assert.deepEqual(rec.points('loss').map((p) => p.step), Array.from({ length: 40 }, (_, i) => i));
      assert.ok([...seenWhileRunning].filter((n) => n > 0 && n < 40).length >= 3, `counts seen while running: ${[...seenWhileRunning]}`);
    } finally {
      await polling.close();
      hub.close();
    }
  });
});
