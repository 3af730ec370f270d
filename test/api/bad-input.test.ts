import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { startTestDaemon, type TestDaemon } from '../support/daemon.ts';

/** A request with full control of the headers (fetch would set Host and Origin itself). */
function rawRequest(url: string, method: string, path: string, headers: Record<string, string>, body?: string) {
  return new Promise<{ status: number; body: any }>((resolve, reject) => {
    const req = request(url + path, { method, headers, setHost: false }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('v1 bad input', () => {
  let d: TestDaemon;
  let expId: string;
  before(async () => {
    d = await startTestDaemon();
    expId = (await d.call('POST', '/api/v1/experiments', { body: { name: 'base' } })).body.id;
  });
  after(() => d.stop());

  const create = (body: unknown) => d.call('POST', '/api/v1/experiments', { body });

  const cases: [string, unknown, string, RegExp][] = [
    ['empty name', { name: '' }, 'name', /at least 1|>=1/i],
    ['name too long', { name: 'x'.repeat(256) }, 'name', /255/],
    ['name of the wrong type', { name: 42 }, 'name', /expected string/],
    ['missing name', { description: 'no name' }, 'name', /expected string/],
    ['description too long', { name: 'ok', description: 'd'.repeat(1001) }, 'description', /1000/],
    ['unknown field', { name: 'ok', colour: 'red' }, '', /colour/],
    ['tag value of the wrong type', { name: 'ok', tags: { a: 1 } }, 'tags.a', /expected string/],
    ['reserved tenant tag', { name: 'ok', tags: { 'matih.tenant_id': 'globex' } }, 'tags.matih.tenant_id', /reserved/],
    ['a JSON array instead of an object', [1, 2], '', /expected object/],
  ];
  for (const [what, body, field, message] of cases) {
    test(`create experiment: ${what} → 400 naming the field`, async () => {
      const res = await create(body);
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.equal(res.body.error.code, 'validation_error');
      if (field) assert.equal(res.body.error.field, field);
      assert.match(res.body.error.message, message);
    });
  }

  test('nothing was stored by the refused requests', async () => {
    const list = await d.call('GET', '/api/v1/experiments?max_results=1000');
    assert.deepEqual(list.body.experiments.map((e: { name: string }) => e.name), ['base']);
  });

  test('bad JSON is 400 invalid_json', async () => {
    const res = await d.call('POST', '/api/v1/experiments', { raw: '{"name": "x",' });
    assert.equal(res.status, 400);
    assert.equal(res.body.error.code, 'invalid_json');
  });

  test('a write without application/json is 415', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded']) {
      const res = await d.call('POST', '/api/v1/experiments', { raw: '{"name":"x"}', headers: { 'Content-Type': type } });
      assert.equal(res.status, 415, type);
      assert.equal(res.body.error.code, 'unsupported_media_type');
    }
  });

  test('X-Tenant-ID missing or malformed is 400 naming the header', async () => {
    const missing = await d.call('GET', '/api/v1/experiments', { tenant: null });
    assert.equal(missing.status, 400);
    assert.equal(missing.body.error.code, 'missing_tenant');
    assert.equal(missing.body.error.field, 'X-Tenant-ID');
    for (const bad of ['Acme', 'acme_corp', 'a'.repeat(64), 'acme/corp', 'acme corp']) {
      const res = await d.call('GET', '/api/v1/experiments', { tenant: bad });
      assert.equal(res.status, 400, bad);
      assert.equal(res.body.error.code, 'invalid_tenant');
    }
  });

  test('a body over the size limit is 413 and nothing is written', async () => {
    const run = (await d.call('POST', '/api/v1/experiments/runs', { body: { experiment_id: expId } })).body;
    const res = await d.call('POST', `/api/v1/experiments/runs/${run.id}/tags`, { body: { tags: { big: 'x'.repeat(9 * 1024 * 1024) } } });
    assert.equal(res.status, 413);
    assert.equal(res.body.error.code, 'payload_too_large');
    assert.equal((await d.call('GET', `/api/v1/experiments/runs/${run.id}`)).body.tags.big, undefined);
  });

  test('limits inside a batch name the entry at fault', async () => {
    const run = (await d.call('POST', '/api/v1/experiments/runs', { body: { experiment_id: expId } })).body;
    const base = `/api/v1/experiments/runs/${run.id}`;
    const longKey = await d.call('POST', `${base}/metrics`, { body: { key: 'k'.repeat(251), value: 1 } });
    assert.equal(longKey.status, 400);
    assert.equal(longKey.body.error.field, 'key');
    const longParam = await d.call('POST', `${base}/params`, { body: { params: { p: 'v'.repeat(6001) } } });
    assert.equal(longParam.status, 400);
    assert.match(longParam.body.error.message, /6000/);
    const badValue = await d.call('POST', `${base}/metrics`, { body: { key: 'm', value: 'high' } });
    assert.equal(badValue.status, 400);
    assert.equal(badValue.body.error.field, 'value');
    const badStep = await d.call('POST', `${base}/metrics`, { body: { key: 'm', value: 1, step: 1.5 } });
    assert.equal(badStep.status, 400);
    assert.equal(badStep.body.error.field, 'step');
    assert.deepEqual((await d.call('GET', base)).body.metrics, {});
  });

  test('a foreign Host header is refused (DNS rebinding)', async () => {
    for (const host of ['evil.example', `localhost.evil.example:${d.daemon.port}`, `127.0.0.1:${d.daemon.port + 1}`]) {
      const res = await rawRequest(d.url, 'GET', '/api/v1/experiments', { Host: host, 'X-Tenant-ID': 'acme-corp' });
      assert.equal(res.status, 403, host);
      assert.equal(res.body.error.code, 'forbidden_host');
    }
    const ok = await rawRequest(d.url, 'GET', '/api/v1/experiments', { Host: `localhost:${d.daemon.port}`, 'X-Tenant-ID': 'acme-corp' });
    assert.equal(ok.status, 200);
  });

  test('a browser Origin is refused, also for writes that look like forms', async () => {
    const host = `127.0.0.1:${d.daemon.port}`;
    for (const origin of ['https://evil.example', 'null', `http://127.0.0.1:${d.daemon.port + 1}`]) {
      const res = await rawRequest(
        d.url, 'POST', '/api/v1/experiments',
        { Host: host, Origin: origin, 'Content-Type': 'application/json', 'X-Tenant-ID': 'acme-corp' },
        '{"name":"csrf"}',
      );
      assert.equal(res.status, 403, origin);
      assert.equal(res.body.error.code, 'forbidden_origin');
    }
    const list = await d.call('GET', `/api/v1/experiments?filter=${encodeURIComponent("name = 'csrf'")}`);
    assert.deepEqual(list.body.experiments, []);
  });

  test('unknown routes are 404 and wrong methods 405, both as JSON', async () => {
    const nf = await d.call('GET', '/api/v1/nothing-here');
    assert.equal(nf.status, 404);
    assert.equal(nf.body.error.code, 'not_found');
    const na = await d.call('PUT', '/api/v1/experiments', { body: {} });
    assert.equal(na.status, 405);
  });
});
