import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LiveHolds, LiveSubscriptions } from '../../client/src/daemon/liveSubscriptions.ts';
import type { LiveRequest } from '../../client/src/daemon/liveSubscriptions.ts';

interface Call {
  op: 'subscribe' | 'unsubscribe';
  tenant: string;
  runId: string;
  resolve: () => void;
  reject: (error: Error) => void;
}

/** A fake `request` recording the calls; `auto` answers at once, else each call waits to be settled. */
function fake(auto = true): { request: LiveRequest; calls: Call[]; log: () => string[] } {
  const calls: Call[] = [];
  const request = ((def: { method: string }, params: { tenant: string; runIds: string[] }) =>
    new Promise<unknown>((resolve, reject) => {
      const op = def.method.endsWith('unsubscribe') ? 'unsubscribe' : 'subscribe';
      calls.push({ op, tenant: params.tenant, runId: params.runIds[0]!, resolve: () => resolve(null), reject });
      if (auto) resolve(null);
    })) as unknown as LiveRequest;
  return { request, calls, log: () => calls.map((c) => `${c.op} ${c.tenant}/${c.runId}`) };
}

const tick = async (): Promise<void> => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

describe('LiveSubscriptions', () => {
  it('subscribes for the first holder and unsubscribes after the last release', async () => {
    const f = fake();
    const subs = new LiveSubscriptions(f.request);
    const a = await subs.acquire('t', 'r1');
    const b = await subs.acquire('t', 'r1');
    const c = await subs.acquire('t', 'r2');
    const d = await subs.acquire('u', 'r1');
    assert.deepEqual(f.log(), ['subscribe t/r1', 'subscribe t/r2', 'subscribe u/r1']);
    a();
    await tick();
    assert.deepEqual(f.log().length, 3);
    b();
    c();
    await tick();
    assert.deepEqual(f.log().slice(3), ['unsubscribe t/r1', 'unsubscribe t/r2']);
    assert.deepEqual(subs.held, [{ tenant: 'u', runId: 'r1', holders: 1 }]);
    d();
    await tick();
    assert.deepEqual(subs.held, []);
  });

  it('ignores a second release of the same hold', async () => {
    const f = fake();
    const subs = new LiveSubscriptions(f.request);
    const a = await subs.acquire('t', 'r');
    const b = await subs.acquire('t', 'r');
    a();
    a();
    await tick();
    assert.deepEqual(f.log(), ['subscribe t/r']);
    b();
    b();
    a();
    await tick();
    assert.deepEqual(f.log(), ['subscribe t/r', 'unsubscribe t/r']);
  });

  it('an acquire during the first subscribe waits for it and sends nothing', async () => {
    const f = fake(false);
    const subs = new LiveSubscriptions(f.request);
    let firstDone = false;
    let secondDone = false;
    const first = subs.acquire('t', 'r').then((r) => ((firstDone = true), r));
    const second = subs.acquire('t', 'r').then((r) => ((secondDone = true), r));
    await tick();
    assert.equal(f.calls.length, 1);
    assert.equal(firstDone || secondDone, false);
    f.calls[0]!.resolve();
    const [a, b] = await Promise.all([first, second]);
    assert.equal(f.calls.length, 1);
    a();
    b();
    await tick();
    assert.deepEqual(f.log(), ['subscribe t/r', 'unsubscribe t/r']);
  });

  it('a release during an in-flight subscribe unsubscribes only after it', async () => {
    const f = fake(false);
    const subs = new LiveSubscriptions(f.request);
    const acquiring = subs.acquire('t', 'r');
    await tick();
    f.calls[0]!.resolve();
    const a = await acquiring;
    void subs.resubscribeAll();
    await tick();
    assert.deepEqual(f.log(), ['subscribe t/r', 'subscribe t/r']);
    a();
    await tick();
    assert.equal(f.calls.length, 2, 'the unsubscribe waits for the in-flight subscribe');
    f.calls[1]!.resolve();
    await tick();
    assert.deepEqual(f.log(), ['subscribe t/r', 'subscribe t/r', 'unsubscribe t/r']);
  });

  it('an acquire during an in-flight unsubscribe subscribes again after it', async () => {
    const f = fake(false);
    const subs = new LiveSubscriptions(f.request);
    const acquiring = subs.acquire('t', 'r');
    await tick();
    f.calls[0]!.resolve();
    (await acquiring)();
    await tick();
    assert.deepEqual(f.log(), ['subscribe t/r', 'unsubscribe t/r']);
    const again = subs.acquire('t', 'r');
    await tick();
    assert.equal(f.calls.length, 2, 'the subscribe waits for the in-flight unsubscribe');
    f.calls[1]!.resolve();
    await tick();
    assert.deepEqual(f.log(), ['subscribe t/r', 'unsubscribe t/r', 'subscribe t/r']);
    f.calls[2]!.resolve();
    const b = await again;
    assert.deepEqual(subs.held, [{ tenant: 't', runId: 'r', holders: 1 }]);
    b();
    await tick();
    f.calls[3]!.resolve();
    await tick();
    assert.deepEqual(f.log().at(-1), 'unsubscribe t/r');
    assert.deepEqual(subs.held, []);
  });

  it('a failed subscribe rejects every waiting acquire, holds nothing, and the next acquire retries', async () => {
    const f = fake(false);
    const errors: string[] = [];
    const subs = new LiveSubscriptions(f.request, (m) => errors.push(m));
    const first = subs.acquire('t', 'r');
    const second = subs.acquire('t', 'r');
    await tick();
    f.calls[0]!.reject(new Error('not_found'));
    await assert.rejects(first, /not_found/);
    await assert.rejects(second, /not_found/);
    await tick();
    assert.deepEqual(subs.held, []);
    assert.equal(errors.length, 1);
    assert.deepEqual(f.log(), ['subscribe t/r'], 'nothing to unsubscribe after a failed subscribe');
    const third = subs.acquire('t', 'r');
    await tick();
    f.calls[1]!.resolve();
    (await third)();
    await tick();
    f.calls[2]?.resolve();
    assert.deepEqual(f.log(), ['subscribe t/r', 'subscribe t/r', 'unsubscribe t/r']);
  });

  it('resubscribeAll sends one subscribe per held run, none for released ones', async () => {
    const f = fake();
    const subs = new LiveSubscriptions(f.request);
    const a = await subs.acquire('t', 'r1');
    await subs.acquire('t', 'r1');
    await subs.acquire('u', 'r2');
    const c = await subs.acquire('t', 'r3');
    c();
    await tick();
    f.calls.splice(0);
    await subs.resubscribeAll();
    assert.deepEqual(f.log().sort(), ['subscribe t/r1', 'subscribe u/r2']);
    // Counts are unchanged: r1 is still held twice.
    a();
    await tick();
    assert.deepEqual(f.log().sort(), ['subscribe t/r1', 'subscribe u/r2']);
  });

  it('an acquire waiting on a subscribe cut short by a restart follows the resubscribe', async () => {
    const f = fake(false);
    const subs = new LiveSubscriptions(f.request);
    const first = subs.acquire('t', 'r');
    await tick();
    const resubscribed = subs.resubscribeAll();
    f.calls[0]!.reject(new Error('connection closed'));
    await tick();
    assert.deepEqual(f.log(), ['subscribe t/r', 'subscribe t/r']);
    f.calls[1]!.resolve();
    await resubscribed;
    const release = await first;
    assert.deepEqual(subs.held, [{ tenant: 't', runId: 'r', holders: 1 }]);
    release();
    await tick();
    assert.deepEqual(f.log().at(-1), 'unsubscribe t/r');
  });
});

describe('LiveHolds', () => {
  it('holds each run once per owner, however often it is loaded, and releases it once', async () => {
    const f = fake();
    const subs = new LiveSubscriptions(f.request);
    const panel = new LiveHolds(subs);
    const notebook = new LiveHolds(subs);
    await panel.hold('t', 'r');
    await panel.hold('t', 'r');
    await notebook.hold('t', 'r');
    assert.deepEqual(subs.held, [{ tenant: 't', runId: 'r', holders: 2 }]);
    panel.release('t', 'r');
    panel.release('t', 'r');
    await tick();
    assert.deepEqual(subs.held, [{ tenant: 't', runId: 'r', holders: 1 }]);
    assert.deepEqual(f.log(), ['subscribe t/r']);
    notebook.releaseAll();
    await tick();
    assert.deepEqual(f.log(), ['subscribe t/r', 'unsubscribe t/r']);
  });

  it('forgets a hold whose subscribe failed, so the next load tries again', async () => {
    const f = fake(false);
    const holds = new LiveHolds(new LiveSubscriptions(f.request));
    const first = holds.hold('t', 'r');
    await tick();
    f.calls[0]!.reject(new Error('daemon down'));
    await assert.rejects(first, /daemon down/);
    await tick();
    const second = holds.hold('t', 'r');
    await tick();
    f.calls[1]!.resolve();
    await second;
    assert.deepEqual(f.log(), ['subscribe t/r', 'subscribe t/r']);
  });
});
