/**
 * The tree's live following, without the editor: how a frame changes a run view, the refresh
 * coalescer, and the tracker's subscriptions (real LiveSubscriptions over a recording request).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LiveFrame, RunView } from '../../protocol/src/index.ts';
import { LiveSubscriptions } from '../../client/src/daemon/liveSubscriptions.ts';
import type { LiveRequest } from '../../client/src/daemon/liveSubscriptions.ts';
import { Coalescer, applyFrame } from '../../client/src/views/liveRunState.ts';
import type { MetricCursors, Schedule } from '../../client/src/views/liveRunState.ts';
import { FALLBACK_TICKS, LiveRuns } from '../../client/src/views/liveRuns.ts';
import type { LiveRunNode } from '../../client/src/views/liveRuns.ts';

function runView(over: Partial<RunView> = {}): RunView {
  return {
    id: 'r1',
    experimentId: '1',
    name: 'probe',
    status: 'running',
    lifecycleStage: 'active',
    startTime: '2026-01-01T00:00:00.000Z',
    endTime: null,
    durationSeconds: null,
    tags: {},
    params: {},
    metrics: { loss: 1 },
    artifacts: [],
    ...over,
  };
}

const frame = (points: [key: string, step: number, value: number | null, ts?: number][], extra: Partial<LiveFrame> = {}): LiveFrame => ({
  runId: 'r1',
  tenant: 't',
  points: points.map(([key, step, value, ts]) => ({ key, step, value, timestamp: ts ?? 1000 + step })),
  ...extra,
});

/** A virtual clock with timers that run only when `advance` passes them. */
function clock(): { schedule: Schedule; now: () => number; advance: (ms: number) => void } {
  let now = 0;
  let timers: { at: number; cb: () => void; live: boolean }[] = [];
  const schedule: Schedule = (cb, ms) => {
    const t = { at: now + ms, cb, live: true };
    timers.push(t);
    return { cancel: () => void (t.live = false) };
  };
  const advance = (ms: number) => {
    const end = now + ms;
    for (;;) {
      const due = timers.filter((t) => t.live && t.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      now = due.at;
      due.live = false;
      timers = timers.filter((t) => t.live);
      due.cb();
    }
    now = end;
  };
  return { schedule, now: () => now, advance };
}

const tick = async (): Promise<void> => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
};

describe('applyFrame', () => {
  it('shows the latest point per key by step, NaN as null, and keeps the object when nothing changed', () => {
    const cursors: MetricCursors = new Map();
    const run = runView();
    const a = applyFrame(run, frame([['loss', 3, 0.5], ['loss', 4, 0.25], ['acc', 4, null]]), cursors);
    assert.deepEqual(a.metrics, { loss: 0.25, acc: null });
    assert.deepEqual(run.metrics, { loss: 1 }, 'the old view is not changed in place');
    // An older step (logged late) does not replace the shown value; a later timestamp at the same step does.
    const b = applyFrame(a, frame([['loss', 2, 9]]), cursors);
    assert.equal(b, a, 'same object: nothing shown changed');
    const c = applyFrame(b, frame([['loss', 4, 0.2, 5000]]), cursors);
    assert.equal(c.metrics.loss, 0.2);
    assert.equal(applyFrame(c, frame([['loss', 5, 0.2]]), cursors), c, 'same value at a later step: nothing to redraw');
  });

  it('applies a status change with its end time and duration', () => {
    const run = runView();
    const end = Date.parse(run.startTime) + 90_500;
    const done = applyFrame(run, frame([['loss', 9, 0.1]], { status: { status: 'FINISHED', endTime: end } }), new Map());
    assert.equal(done.status, 'finished');
    assert.equal(done.endTime, new Date(end).toISOString());
    assert.equal(done.durationSeconds, 90.5);
    assert.equal(done.metrics.loss, 0.1);
    assert.equal(applyFrame(done, frame([], { status: { status: 'FINISHED', endTime: end } }), new Map()), done);
  });
});

describe('Coalescer', () => {
  it('hands the first change over at once and later ones at most once per interval, each node once', () => {
    const c = clock();
    const flushed: string[][] = [];
    const co = new Coalescer<string>((items) => flushed.push(items), 500, c.schedule, c.now);
    co.add('a');
    c.advance(0);
    assert.deepEqual(flushed, [['a']]);
    c.advance(100);
    co.add('a');
    co.add('b');
    co.add('a');
    c.advance(399);
    assert.equal(flushed.length, 1, 'not before the interval ended');
    c.advance(1);
    assert.deepEqual(flushed, [['a'], ['a', 'b']]);
    // Twenty changes within two seconds: at most five hand-overs (the first, then one per 500 ms).
    for (let i = 0; i < 20; i++) {
      co.add(i % 2 ? 'a' : 'b');
      c.advance(100);
    }
    c.advance(500);
    assert.ok(flushed.length - 2 <= 5, `${flushed.length - 2} hand-overs`);
    co.add('x');
    co.delete('x');
    c.advance(1000);
    assert.ok(!flushed.flat().includes('x'), 'a deleted node is not handed over');
  });
});

interface Node extends LiveRunNode {
  run: RunView;
}

function harness(options: { refuse?: boolean } = {}) {
  const c = clock();
  const calls: string[] = [];
  let refuse = options.refuse ?? false;
  const request = ((def: { method: string }, params: { tenant: string; runIds: string[] }) => {
    const op = def.method.endsWith('unsubscribe') ? 'unsubscribe' : 'subscribe';
    calls.push(`${op} ${params.tenant}/${params.runIds[0]}`);
    return op === 'subscribe' && refuse ? Promise.reject(new Error('too many runs')) : Promise.resolve(null);
  }) as unknown as LiveRequest;
  const subscriptions = new LiveSubscriptions(request);
  const stored = new Map<string, RunView>();
  const reads: string[] = [];
  const changed: string[][] = [];
  const errors: string[] = [];
  const live = new LiveRuns<Node>(
    {
      acquire: (tenant, runId) => subscriptions.acquire(tenant, runId),
      read: async (tenant, runId) => {
        reads.push(`${tenant}/${runId}`);
        const run = stored.get(runId);
        if (!run) throw Object.assign(new Error('gone'), { data: { code: 'not_found' } });
        return run;
      },
      ready: true,
      apply: (node, run) => {
        node.run = run;
        live.watch(node);
      },
      changed: (nodes) => changed.push(nodes.map((n) => `${n.run.id}:${n.run.status}:${JSON.stringify(n.run.metrics)}`)),
      onError: (m) => errors.push(m),
    },
    { refreshMs: 500, tickMs: 5000, schedule: c.schedule, now: c.now },
  );
  return {
    c, calls, stored, reads, changed, errors, live,
    node: (run: RunView): Node => ({ id: `tenant:t/run:${run.id}`, tenant: 't', run }),
    setRefuse: (v: boolean) => void (refuse = v),
  };
}

describe('LiveRuns', () => {
  it('subscribes a watched running run, reads it once, follows its frames calmly, and lets it go when it ends', async () => {
    const h = harness();
    const run = runView();
    h.stored.set('r1', run);
    const node = h.node(run);
    h.live.watch(node);
    await tick();
    assert.deepEqual(h.calls, ['subscribe t/r1']);
    assert.deepEqual(h.reads, ['t/r1'], 'read once right after subscribing (closes the gap since listing)');
    assert.deepEqual(h.live.watched, [{ tenant: 't', runId: 'r1', mode: 'live' }]);
    h.c.advance(0);
    h.changed.length = 0;

    // Ten frames within a second: the tree hears of the node at most twice.
    for (let step = 1; step <= 10; step++) {
      h.live.onFrames([frame([['loss', step, 1 / step]])]);
      h.c.advance(100);
    }
    h.c.advance(500);
    assert.ok(h.changed.length >= 1 && h.changed.length <= 3, `${h.changed.length} refreshes`);
    assert.equal(node.run.metrics.loss, 0.1);
    assert.match(h.changed.at(-1)![0]!, /"loss":0\.1/);
    // Frames of runs nobody watches are ignored.
    h.live.onFrames([{ ...frame([['loss', 1, 5]]), runId: 'other' }]);

    // The run finishes: the node shows it, the subscription goes, the final state is read.
    h.stored.set('r1', runView({ status: 'finished', endTime: '2026-01-01T00:01:00.000Z', durationSeconds: 60, metrics: { loss: 0.1, acc: 0.9 } }));
    h.live.onFrames([frame([], { status: { status: 'FINISHED', endTime: Date.parse('2026-01-01T00:01:00.000Z') } })]);
    await tick();
    h.c.advance(1000);
    assert.equal(node.run.status, 'finished');
    assert.deepEqual(node.run.metrics, { loss: 0.1, acc: 0.9 }, 'the re-read final state');
    assert.deepEqual(h.calls, ['subscribe t/r1', 'unsubscribe t/r1']);
    assert.deepEqual(h.live.watched, []);
    assert.match(h.changed.at(-1)![0]!, /^r1:finished:/);
  });

  it('does not follow ended or archived runs, and unsubscribes on unwatch and while hidden', async () => {
    const h = harness();
    h.live.watch(h.node(runView({ id: 'done', status: 'finished' })));
    h.live.watch(h.node(runView({ id: 'arch', lifecycleStage: 'deleted' })));
    await tick();
    assert.deepEqual(h.calls, []);

    h.stored.set('r1', runView());
    const node = h.node(runView());
    h.live.watch(node);
    await tick();
    h.live.setActive(false);
    await tick();
    assert.deepEqual(h.calls, ['subscribe t/r1', 'unsubscribe t/r1']);
    h.live.onFrames([frame([['loss', 1, 7]])]);
    assert.equal(node.run.metrics.loss, 1, 'a hidden tree takes no frames');
    h.live.setActive(true);
    await tick();
    assert.deepEqual(h.calls.slice(2), ['subscribe t/r1']);
    assert.equal(h.reads.length, 2, 'shown again: read once more');
    h.live.unwatch(node);
    await tick();
    assert.deepEqual(h.calls.slice(3), ['unsubscribe t/r1']);
    assert.deepEqual(h.live.watched, []);
  });

  it('falls back to a slow poll only for a run the daemon refused to stream, and subscribes when it can', async () => {
    const h = harness({ refuse: true });
    h.stored.set('r1', runView());
    const node = h.node(runView());
    h.live.watch(node);
    await tick();
    assert.deepEqual(h.live.watched, [{ tenant: 't', runId: 'r1', mode: 'fallback' }]);
    assert.equal(h.errors.length, 1);
    assert.deepEqual(h.reads, []);
    // Not every tick polls: only every FALLBACK_TICKS-th.
    h.c.advance(5000 * (FALLBACK_TICKS - 1));
    await tick();
    assert.deepEqual(h.reads, []);
    h.stored.set('r1', runView({ metrics: { loss: 0.5 } }));
    h.setRefuse(false);
    h.c.advance(5000);
    await tick();
    assert.equal(node.run.metrics.loss, 0.5, 'polled');
    assert.equal(h.live.watched[0]!.mode, 'live', 'and subscribed again');
  });

  it('stops following a run deleted elsewhere', async () => {
    const h = harness();
    h.live.watch(h.node(runView()));
    await tick();
    assert.deepEqual(h.reads, ['t/r1']);
    assert.deepEqual(h.live.watched, []);
    assert.deepEqual(h.calls, ['subscribe t/r1', 'unsubscribe t/r1']);
  });
});

describe('LiveRuns stream budget', () => {
  it('streams at most maxStreams runs and reads the others on the fallback poll', async () => {
    const c = clock();
    const calls: string[] = [];
    const request = ((def: { method: string }, params: { runIds: string[] }) => {
      calls.push(`${def.method.endsWith('unsubscribe') ? 'unsubscribe' : 'subscribe'} ${params.runIds[0]}`);
      return Promise.resolve(null);
    }) as unknown as LiveRequest;
    const subscriptions = new LiveSubscriptions(request);
    const reads: string[] = [];
    const live = new LiveRuns<Node>(
      {
        acquire: (tenant, runId) => subscriptions.acquire(tenant, runId),
        read: async (_tenant, runId) => (reads.push(runId), runView({ id: runId })),
        ready: true,
        apply: (node, run) => void (node.run = run),
        changed: () => undefined,
      },
      { maxStreams: 2, tickMs: 1000, schedule: c.schedule, now: c.now },
    );
    const nodes = ['a', 'b', 'c'].map((id): Node => ({ id, tenant: 't', run: runView({ id }) }));
    for (const n of nodes) live.watch(n);
    await tick();
    assert.deepEqual(calls, ['subscribe a', 'subscribe b']);
    assert.deepEqual(live.watched.map((w) => w.mode), ['live', 'live', 'fallback']);
    c.advance(1000 * FALLBACK_TICKS);
    await tick();
    assert.ok(reads.includes('c'), 'the run without a stream is polled');
    // One streamed run goes: the next poll moves the waiting one onto a stream.
    live.unwatch(nodes[0]!);
    c.advance(1000 * FALLBACK_TICKS);
    await tick();
    assert.deepEqual(live.watched.map((w) => `${w.runId}:${w.mode}`), ['b:live', 'c:live']);
    live.dispose();
  });
});
