/** WebSocket `/api/v1/stream`: the HTTP security checks on upgrade, tenancy, bad input, limits and slow readers. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTestDaemon, type TestDaemon } from '../support/daemon.ts';
import { openStream, refusedUpgrade, v1Run, waitFor } from './support.ts';

const TOKEN = 'stream-test-token-0123456789abcdef';
const auth = { Authorization: `Bearer ${TOKEN}` };

describe('/api/v1/stream', () => {
  let d: TestDaemon;
  let acmeRun: string;
  let globexRun: string;
  before(async () => {
    d = await startTestDaemon({
      token: TOKEN,
      allowedOrigins: ['http://127.0.0.1:9999'],
      streamLimits: { maxConnections: 4, maxRunsPerConnection: 3, maxBufferedBytes: 256 * 1024 },
    });
    acmeRun = await v1Run(d, 'acme', auth);
    globexRun = await v1Run(d, 'globex', auth);
  });
  after(() => d.stop());

  test('the upgrade passes the same Host, Origin and token checks as HTTP', async () => {
    const noToken = await refusedUpgrade(d.url, {});
    assert.equal(noToken.status, 401);
    assert.equal(noToken.body.error.code, 'unauthorized');
    const badToken = await refusedUpgrade(d.url, { Authorization: 'Bearer nope' });
    assert.equal(badToken.status, 401);
    const host = await refusedUpgrade(d.url, { ...auth, Host: `evil.example:${d.daemon.port}` });
    assert.equal(host.status, 403);
    assert.equal(host.body.error.code, 'forbidden_host');
    const origin = await refusedUpgrade(d.url, { ...auth, Origin: 'https://evil.example' });
    assert.equal(origin.status, 403);
    assert.equal(origin.body.error.code, 'forbidden_origin');
    const path = await refusedUpgrade(d.url, auth, '/api/v1/elsewhere');
    assert.equal(path.status, 404);
    // An allowed origin with the token gets in.
    const ok = await openStream(d.url, { ...auth, Origin: 'http://127.0.0.1:9999' });
    ok.ws.close();
  });

  test("another tenant's run is refused exactly like a missing one", async () => {
    const c = await openStream(d.url, auth);
    c.send({ type: 'subscribe', tenant: 'acme', runIds: [globexRun] });
    const foreign = await c.reply();
    c.send({ type: 'subscribe', tenant: 'acme', runIds: ['0123456789abcdef0123456789abcdef'] });
    const missing = await c.reply();
    assert.equal(foreign.type, 'error');
    const mask = (m: unknown, id: string) => JSON.parse(JSON.stringify(m).replaceAll(id, 'ID'));
    assert.deepEqual(mask(foreign, globexRun), mask(missing, '0123456789abcdef0123456789abcdef'));
    assert.deepEqual(mask(foreign, globexRun), { type: 'error', code: 'not_found', message: 'Run ID not found', field: 'runIds' });
    // Its own run is fine, and its points arrive.
    c.send({ type: 'subscribe', tenant: 'acme', runIds: [acmeRun] });
    assert.deepEqual(await c.reply(), { type: 'subscribed', tenant: 'acme', runIds: [acmeRun] });
    await d.call('POST', `/api/v1/experiments/runs/${acmeRun}/metrics`, { tenant: 'acme', headers: auth, body: { key: 'loss', value: 1 } });
    await waitFor(() => c.frames().length === 1);
    assert.equal(c.frames()[0]!.points[0]!.key, 'loss');
    c.ws.close();
  });

  test('bad messages are refused and the connection stays usable; binary and oversized ones close it', async () => {
    const c = await openStream(d.url, auth);
    for (const bad of ['not json', '[]', { type: 'hello' }, { type: 'subscribe', tenant: 'acme' }, { type: 'subscribe', tenant: 'Bad!', runIds: ['x'] }, { type: 'subscribe', tenant: 'acme', runIds: ['x'], extra: 1 }]) {
      c.send(bad);
      const r = await c.reply();
      assert.equal(r.type, 'error', JSON.stringify(bad));
      assert.equal((r as { code: string }).code, 'validation_error');
    }
    c.send({ type: 'subscribe', tenant: 'acme', runIds: [acmeRun] });
    assert.equal((await c.reply()).type, 'subscribed');
    c.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    assert.equal((await c.closed).code, 1003);

    const big = await openStream(d.url, auth);
    big.send({ type: 'subscribe', tenant: 'acme', runIds: [acmeRun], keys: ['k'.repeat(20_000)] });
    assert.equal((await big.closed).code, 1009, 'over maxPayload');
  });

  test('limits: runs per connection and connections in total', async () => {
    const c = await openStream(d.url, auth);
    const runs = [acmeRun, await v1Run(d, 'acme', auth), await v1Run(d, 'acme', auth)];
    c.send({ type: 'subscribe', tenant: 'acme', runIds: runs });
    assert.equal((await c.reply()).type, 'subscribed');
    c.send({ type: 'subscribe', tenant: 'acme', runIds: [await v1Run(d, 'acme', auth)] });
    const r = await c.reply();
    assert.equal((r as { code: string }).code, 'rate_limited');
    const more = [await openStream(d.url, auth), await openStream(d.url, auth), await openStream(d.url, auth)];
    const refused = await refusedUpgrade(d.url, auth);
    assert.equal(refused.status, 503);
    for (const m of [c, ...more]) m.ws.close();
    await Promise.all([c, ...more].map((m) => m.closed));
  });

  test('a slow reader is cut off (1013) while a fast one receives every point', async () => {
    const fast = await openStream(d.url, auth);
    const slow = await openStream(d.url, auth);
    for (const c of [fast, slow]) {
      c.send({ type: 'subscribe', tenant: 'acme', runIds: [acmeRun], keys: ['bulk'] });
      assert.equal((await c.reply()).type, 'subscribed');
    }
    slow.ws.pause(); // stops reading its socket: the daemon's send buffer for it grows
    const before = d.daemon.stream.stats().slowClosed;
    const total = 200_000;
    for (let step = 0; step < total; step += 2000) {
      d.daemon.hub.publishMetrics(
        'acme',
        acmeRun,
        Array.from({ length: 2000 }, (_, i) => ({ key: 'bulk', step: step + i, value: step + i, timestamp: 1_700_000_000_000 })),
      );
      await sleep(5);
    }
    await waitFor(() => fast.frames().reduce((n, f) => n + f.points.length, 0) >= total, 20_000);
    const steps = fast.frames().flatMap((f) => f.points.map((p) => p.step));
    assert.equal(steps.length, total);
    assert.ok(steps.every((s, i) => s === i), 'every point once, in order');
    slow.ws.resume();
    // 1013 when it reads the close frame in time; 1006 when the daemon had to drop the socket
    // first (it waits 1 s for a reader that stopped reading), as on a loaded machine.
    assert.ok([1013, 1006].includes((await slow.closed).code));
    assert.equal(d.daemon.stream.stats().slowClosed, before + 1);
    fast.ws.close();
  });
});

describe('/api/v1/stream with a token bound to a tenant', () => {
  let d: TestDaemon;
  before(async () => (d = await startTestDaemon({ token: TOKEN, tokenTenant: 'acme' })));
  after(() => d.stop());

  test('only that tenant may be named', async () => {
    const c = await openStream(d.url, auth);
    c.send({ type: 'subscribe', tenant: 'globex', runIds: ['abc'] });
    assert.deepEqual(await c.reply(), { type: 'error', code: 'forbidden', message: 'This token may only use tenant acme', field: 'tenant' });
    c.ws.close();
  });
});
