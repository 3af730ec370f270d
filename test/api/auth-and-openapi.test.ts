import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { V1_PUBLIC_PATHS } from '../../server/src/api/v1/index.ts';
import { startTestDaemon, type TestDaemon } from '../support/daemon.ts';

const TOKEN = 'test-token-0123456789abcdef0123456789';

describe('token and OpenAPI', () => {
  let d: TestDaemon;
  let spec: any;
  before(async () => {
    d = await startTestDaemon({ token: TOKEN });
    spec = (await d.call('GET', '/api/v1/openapi.json', { tenant: null })).body;
  });
  after(() => d.stop());

  test('the OpenAPI document is 3.1 and carries the seed models', () => {
    assert.equal(spec.openapi, '3.1.0');
    const create = spec.paths['/api/v1/experiments'].post;
    const body = create.requestBody.content['application/json'].schema;
    assert.deepEqual(body.required, ['name']);
    assert.equal(body.properties.name.maxLength, 255);
    assert.equal(body.properties.description.maxLength, 1000);
    assert.equal(body.additionalProperties, false);
    const out = create.responses['201'].content['application/json'].schema;
    assert.deepEqual(Object.keys(out.properties).sort(), [
      'artifact_location', 'created_at', 'description', 'id', 'last_updated', 'lifecycle_stage', 'name', 'tags',
    ]);
    assert.ok(create.parameters.some((p: { name: string; in: string }) => p.name === 'X-Tenant-ID' && p.in === 'header'));
    const run = spec.paths['/api/v1/experiments/runs/{run_id}'].get.responses['200'].content['application/json'].schema;
    assert.deepEqual(run.properties.status.enum, ['running', 'scheduled', 'finished', 'failed', 'killed']);
  });

  test('every route in the document needs the token, except the public ones (fail closed)', async () => {
    let checked = 0;
    for (const [path, ops] of Object.entries<Record<string, unknown>>(spec.paths)) {
      for (const method of Object.keys(ops)) {
        const concrete = path.replace(/\{[^}]+\}/g, '1');
        const res = await d.call(method.toUpperCase(), concrete, method === 'get' || method === 'delete' ? {} : { body: {} });
        if (V1_PUBLIC_PATHS.includes(path)) {
          assert.equal(res.status, 200, `${method} ${path} is public`);
        } else {
          assert.equal(res.status, 401, `${method} ${path} without a token`);
          assert.equal(res.body.error.code, 'unauthorized');
        }
        checked++;
      }
    }
    assert.ok(checked >= 25, `only ${checked} operations in the document`);
  });

  test('a wrong token is refused, the right one passes', async () => {
    for (const auth of ['', 'Bearer', `Bearer ${TOKEN.slice(0, -1)}`, `Bearer ${TOKEN.slice(0, -1)}x`, `Basic ${TOKEN}`]) {
      const res = await d.call('GET', '/api/v1/experiments', { headers: { Authorization: auth } });
      assert.equal(res.status, 401, auth);
    }
    const ok = await d.call('GET', '/api/v1/experiments', { headers: { Authorization: `Bearer ${TOKEN}` } });
    assert.equal(ok.status, 200);
  });
});
