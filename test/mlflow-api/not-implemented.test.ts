/**
 * MLflow paths the daemon does not serve (registered models, traces, artifact multipart, ...) answer as
 * MLflow answers an unsupported endpoint, `501 {"error_code":"NOT_IMPLEMENTED"}`, under every
 * prefix; known paths keep their routes and a wrong method stays a 405. Also the router's
 * catch-all (`*name`) that this rests on.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Router, parseTarget } from '../../server/src/http/router.ts';
import type { Handler } from '../../server/src/http/router.ts';
import { type MlflowServer, startMlflowServer } from './harness.ts';

describe('MLflow API: endpoints it does not serve', () => {
  let s: MlflowServer;
  before(async () => {
    s = await startMlflowServer();
  });
  after(() => s.stop());

  const raw = async (method: string, path: string) => {
    const res = await fetch(s.url + path, { method });
    return { status: res.status, body: (await res.json()) as { error_code: string; message: string } };
  };

  test('answer 501 NOT_IMPLEMENTED in MLflow\'s error shape, under /api, /ajax-api, 2.0, 3.0 and a tenant', async () => {
    for (const [method, path] of [
      ['GET', '/api/2.0/mlflow/registered-models/search'],
      ['POST', '/api/2.0/mlflow/model-versions/create'],
      ['POST', '/api/2.0/mlflow-artifacts/mpu/create/1/r/artifacts/x'],
      ['PATCH', '/ajax-api/2.0/mlflow/registered-models/update'],
      ['DELETE', '/api/2.0/mlflow/registered-models/alias'],
      ['GET', '/api/3.0/mlflow/traces/tr-1'],
      ['POST', '/ajax-api/3.0/mlflow/traces/search'],
      ['GET', '/tenants/acme/api/2.0/mlflow/logged-models/m-1/artifacts/directories'],
      ['PUT', '/tenants/acme/api/3.0/mlflow/workspaces/x'],
    ]) {
      const res = await raw(method!, path!);
      assert.equal(res.status, 501, `${method} ${path}`);
      assert.equal(res.body.error_code, 'NOT_IMPLEMENTED');
      assert.equal(res.body.message, `${method} ${path!.split('?')[0]} is not implemented by this server.`);
    }
  });

  test('served paths are unaffected: a wrong method is still a 405, a bad tenant still a 400', async () => {
    assert.equal((await raw('GET', '/api/2.0/mlflow/experiments/search?max_results=1')).status, 200);
    assert.equal((await raw('GET', '/api/2.0/mlflow/runs/log-batch')).status, 405);
    assert.equal((await raw('PUT', '/api/2.0/mlflow/logged-models/m-1')).status, 405);
    assert.equal((await raw('GET', '/tenants/Not_Valid/api/2.0/mlflow/registered-models/search')).status, 400);
    // The artifact proxy is served (test/mlflow-api/artifacts.test.ts); its list route takes GET only.
    assert.equal((await raw('PUT', '/api/2.0/mlflow-artifacts/artifacts')).status, 405);
  });
});

describe('Router: catch-all routes', () => {
  const h = (name: string): Handler => async () => ({ status: 200, body: name });
  const router = new Router()
    .add('GET', '/api/mlflow/runs/get', h('get'))
    .add('GET', '/api/mlflow/models/:id', h('model'))
    .add('GET', '/api/mlflow/*rest', h('rest'))
    .add('POST', '/api/mlflow/*rest', h('rest'))
    .add('GET', '/api/*rest', h('outer'));
  const match = (method: string, url: string) => router.match(method, parseTarget(url).segments);
  const routed = (method: string, url: string) => {
    const m = match(method, url);
    return m.kind === 'found' ? { pattern: m.pattern, params: m.params } : m;
  };

  test('answers only paths no other route knows, with the rest of the path as a parameter', () => {
    assert.deepEqual(routed('GET', '/api/mlflow/runs/get'), { pattern: '/api/mlflow/runs/get', params: {} });
    assert.deepEqual(routed('GET', '/api/mlflow/models/7'), { pattern: '/api/mlflow/models/:id', params: { id: '7' } });
    assert.deepEqual(routed('GET', '/api/mlflow/a/b%2Fc/d'), { pattern: '/api/mlflow/*rest', params: { rest: 'a/b/c/d' } });
    // The longer literal prefix wins between two catch-alls; a catch-all needs one segment at least.
    assert.deepEqual(routed('GET', '/api/other'), { pattern: '/api/*rest', params: { rest: 'other' } });
    assert.deepEqual(routed('GET', '/api/mlflow'), { pattern: '/api/*rest', params: { rest: 'mlflow' } });
    assert.deepEqual(routed('GET', '/api'), { kind: 'not_found' });
    assert.deepEqual(routed('GET', '/other'), { kind: 'not_found' });
  });

  test('a known path with another method is a 405, not the catch-all', () => {
    assert.deepEqual(match('POST', '/api/mlflow/runs/get'), { kind: 'method_not_allowed', allow: ['GET', 'HEAD'] });
    assert.deepEqual(match('POST', '/api/mlflow/models/7'), { kind: 'method_not_allowed', allow: ['GET', 'HEAD'] });
    assert.deepEqual(match('DELETE', '/api/mlflow/x'), { kind: 'method_not_allowed', allow: ['GET', 'HEAD', 'POST'] });
  });

  test('a catch-all must end the pattern and clashes like any route', () => {
    assert.throws(() => new Router().add('GET', '/a/*rest/b', h('x')), /must be the last segment/);
    assert.throws(() => new Router().add('GET', '/a/*', h('x')), /Bad parameter name/);
    assert.throws(() => new Router().add('GET', '/a/*x', h('x')).add('GET', '/a/*y', h('y')), /duplicates/);
  });
});
