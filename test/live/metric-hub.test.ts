import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LiveEndReason, LiveFrame } from '../../protocol/src/index.ts';
import { MetricHub, type PublishedMetric } from '../../server/src/live/metric-hub.ts';

/** A sink that records every delivery with its time. */
function recorder(accept = () => true) {
  const deliveries: { at: number; frames: LiveFrame[] }[] = [];
  const ended: LiveEndReason[] = [];
  return {
    deliveries,
    ended,
    sink: {
      deliver(frames: LiveFrame[]) {
        deliveries.push({ at: performance.now(), frames });
        return accept();
      },
      ended: (r: LiveEndReason) => void ended.push(r),
    },
    points: (runId?: string) => deliveries.flatMap((d) => d.frames.filter((f) => !runId || f.runId === runId).flatMap((f) => f.points)),
  };
}

async function waitUntil(ok: () => boolean): Promise<void> {
  while (!ok()) await sleep(5);
}

const point = (key: string, step: number, value = step): PublishedMetric => ({ key, step, value, timestamp: 1_700_000_000_000 + step });

describe('MetricHub', () => {
  test('coalesces: at most ~20 deliveries a second, every point once, in order per key', async () => {
    const hub = new MetricHub();
    const r = recorder();
    hub.subscribe(r.sink).watch('acme', ['run1']);
    const started = performance.now();
    let step = 0;
    // ~1 s of a fast training loop: a few points per millisecond under two keys.
    while (performance.now() - started < 1000) {
      for (let i = 0; i < 5; i++, step++) hub.publishMetrics('acme', 'run1', [point('loss', step), point('acc', step)]);
      await sleep(1);
    }
    await sleep(120);
    const elapsed = (r.deliveries.at(-1)!.at - r.deliveries[0]!.at) / 1000;
    assert.ok(r.deliveries.length <= Math.ceil(elapsed * 20) + 1, `${r.deliveries.length} deliveries in ${elapsed.toFixed(2)} s`);
    for (let i = 1; i < r.deliveries.length; i++) {
      assert.ok(r.deliveries[i]!.at - r.deliveries[i - 1]!.at >= 45, 'deliveries at least one interval apart');
    }
    for (const key of ['loss', 'acc']) {
      const steps = r.points().filter((p) => p.key === key).map((p) => p.step);
      assert.deepEqual(steps, Array.from({ length: step }, (_, i) => i), `${key}: every point once, in order`);
    }
    assert.equal(hub.stats().delivered, 2 * step);
  });

  test('the first point after a quiet spell goes out at once; the next waits for the interval', async () => {
    // A long interval keeps this robust on a loaded machine: "at once" is far below it.
    const hub = new MetricHub({ intervalMs: 1000 });
    const r = recorder();
    hub.subscribe(r.sink).watch('acme', ['run1']);
    const t0 = performance.now();
    hub.publishMetrics('acme', 'run1', [point('loss', 0)]);
    await waitUntil(() => r.deliveries.length === 1);
    assert.ok(r.deliveries[0]!.at - t0 < 500);
    hub.publishMetrics('acme', 'run1', [point('loss', 1)]);
    await waitUntil(() => r.deliveries.length === 2);
    assert.ok(r.deliveries[1]!.at - r.deliveries[0]!.at >= 990);
    hub.close();
  });

  test('key filter, NaN and infinities, status after points, tenants kept apart', async () => {
    const hub = new MetricHub();
    const r = recorder();
    const other = recorder();
    hub.subscribe(r.sink).watch('acme', ['run1'], ['loss']);
    hub.subscribe(other.sink).watch('globex', ['run1']);
    hub.publishMetrics('acme', 'run1', [point('loss', 0, Number.NaN), point('acc', 0), point('loss', 1, Infinity), point('loss', 2, -Infinity)]);
    hub.publishStatus('acme', 'run1', { status: 'FINISHED', endTime: 5 });
    await sleep(20);
    assert.equal(r.deliveries.length, 1);
    const [frame] = r.deliveries[0]!.frames;
    assert.deepEqual(frame, {
      runId: 'run1',
      tenant: 'acme',
      points: [
        { key: 'loss', step: 0, value: null, timestamp: 1_700_000_000_000 },
        { key: 'loss', step: 1, value: 1.7976931348623157e308, timestamp: 1_700_000_000_001 },
        { key: 'loss', step: 2, value: -1.7976931348623157e308, timestamp: 1_700_000_000_002 },
      ],
      status: { status: 'FINISHED', endTime: 5 },
    });
    // JSON round trip keeps it: nothing in a frame needs special encoding.
    assert.deepEqual(JSON.parse(JSON.stringify(frame)), frame);
    assert.equal(other.deliveries.length, 0, 'same run id, other tenant: nothing');
  });

  test('unwatch stops frames; several runs of one window come in one delivery', async () => {
    const hub = new MetricHub();
    const r = recorder();
    const s = hub.subscribe(r.sink);
    s.watch('acme', ['a', 'b']);
    hub.publishMetrics('acme', 'a', [point('x', 0)]);
    await sleep(5);
    hub.publishMetrics('acme', 'a', [point('x', 1)]);
    hub.publishMetrics('acme', 'b', [point('x', 0)]);
    await sleep(80);
    assert.equal(r.deliveries.length, 2);
    assert.deepEqual(
      r.deliveries[1]!.frames.map((f) => f.runId),
      ['a', 'b'],
    );
    s.unwatch('acme', ['a', 'b']);
    hub.publishMetrics('acme', 'a', [point('x', 2)]);
    await sleep(80);
    assert.equal(r.deliveries.length, 2);
  });

  test('a subscriber that cannot keep up is ended; the others get everything', async () => {
    const hub = new MetricHub({ maxPending: 1000 });
    const fast = recorder();
    const full = recorder();
    const backedUp = recorder(() => false);
    hub.subscribe(fast.sink).watch('acme', ['run1']);
    hub.subscribe(full.sink).watch('acme', ['run1']);
    hub.subscribe(backedUp.sink).watch('acme', ['run1']);
    // The first delivery goes out at once; 1500 more points then wait for the next window.
    hub.publishMetrics('acme', 'run1', [point('x', 0)]);
    await sleep(5);
    assert.deepEqual(backedUp.ended, ['overflow'], 'a sink that reports backlog is ended');
    // 1500 points in one window would exceed maxPending; spread over windows, each drains in time.
    for (let step = 1; step <= 1500; step++) {
      hub.publishMetrics('acme', 'run1', [point('x', step)]);
      if (step % 500 === 0) await sleep(60);
    }
    await sleep(80);
    assert.deepEqual(full.ended, [], 'within the bound when drained each window');
    assert.equal(fast.points().length, 1501);
    assert.equal(hub.stats().overflows, 1);

    const burst = recorder();
    hub.subscribe(burst.sink).watch('acme', ['run2']);
    hub.publishMetrics('acme', 'run2', Array.from({ length: 1001 }, (_, i) => point('x', i)));
    assert.deepEqual(burst.ended, ['overflow'], 'more than maxPending waiting: ended, not dropped silently');
    assert.equal(hub.stats().subscribers, 2);
  });
});
