import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { MLFLOW_ROUTES } from '../../server/src/api/mlflow/index.ts';
import { encodeDouble } from '../../server/src/api/mlflow/present.ts';
import { type MlflowServer, endpointPath, missing, startMlflowServer } from './harness.ts';

describe('MLflow API: wire format', () => {
  let s: MlflowServer;
  before(async () => {
    s = await startMlflowServer();
  });
  after(() => s.stop());

  test('a body double-encoded as a JSON string is decoded twice; unknown fields are ignored', async () => {
    const raw = JSON.stringify(JSON.stringify({ name: 'double-encoded' }));
    const res = await s.call('POST', 'experiments/create', { raw });
    assert.equal(res.status, 200, res.text);
    const extra = await s.post('experiments/create', { name: 'extra', bogus: 1, nested: { a: [1] } });
    assert.equal(extra.status, 200);
    assert.equal((await s.get('experiments/get-by-name', { experiment_name: 'double-encoded' })).status, 200);
  });

  test('an empty body reads as {}; malformed JSON and non-objects are refused in MLflow\'s shape', async () => {
    const empty = await s.call('POST', 'experiments/create', { raw: '' });
    assert.equal(empty.status, 400);
    assert.deepEqual(empty.body, missing('name'));
    const bad = await s.call('POST', 'experiments/create', { raw: '{"name": ' });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error_code, 'BAD_REQUEST');
    assert.match(bad.body.message, /^Request body is not valid JSON/);
    const list = await s.call('POST', 'experiments/create', { raw: '[1]' });
    assert.equal(list.status, 400);
    assert.deepEqual(list.body, { error_code: 'BAD_REQUEST', message: 'Request body must be a JSON object' });
    const str = await s.call('POST', 'experiments/create', { raw: '"not json"' });
    assert.deepEqual(str.body, { error_code: 'BAD_REQUEST', message: 'Request body is a JSON string that does not hold valid JSON' });
  });

  test('int64 fields go out as JSON numbers and enums as names; the content type is JSON', async () => {
    const res = await s.post('runs/create', { start_time: 1700000000123 });
    assert.match(res.text, /"start_time":1700000000123[,}]/);
    assert.match(res.text, /"status":"RUNNING"/);
    const runId = res.body.run.info.run_id;
    await s.post('runs/log-metric', { run_id: runId, key: 'm', value: 1, timestamp: '1700000000999', step: '12345678901' });
    const got = await s.get('runs/get', { run_id: runId });
    assert.match(got.text, /"timestamp":1700000000999,"step":12345678901\}/);
    const exp = await s.get('experiments/get', { experiment_id: '0' });
    assert.match(exp.text, /"creation_time":\d{13}[,}]/);
    const raw = await fetch(s.url + endpointPath('experiments/get', { query: { experiment_id: '0' } }));
    assert.equal(raw.headers.get('content-type'), 'application/json; charset=utf-8');
  });

  test('doubles use protobuf\'s JSON spelling for NaN and the infinities', () => {
    assert.deepEqual([NaN, Infinity, -Infinity, 0.25, -0].map(encodeDouble), ['NaN', 'Infinity', '-Infinity', 0.25, -0]);
    assert.equal(JSON.stringify({ v: encodeDouble(-Infinity) }), '{"v":"-Infinity"}');
  });

  test('numbers outside the exact integer range and fractional int64 are refused', async () => {
    const runId = (await s.post('runs/create', {})).body.run.info.run_id;
    for (const timestamp of [1.5, '1.5', '99999999999999999999', true]) {
      const res = await s.post('runs/log-metric', { run_id: runId, key: 'm', value: 1, timestamp });
      assert.equal(res.status, 400, `timestamp ${String(timestamp)}`);
      assert.equal(res.body.error_code, 'INVALID_PARAMETER_VALUE');
    }
  });

  test('an unset end_time is left out and appears once the run ends', async () => {
    const run = (await s.post('runs/create', {})).body.run;
    assert.equal('end_time' in run.info, false);
    const info = (await s.post('runs/update', { run_id: run.info.run_id, status: 'KILLED', end_time: 1 })).body.run_info;
    assert.equal(info.end_time, 1);
    assert.equal(info.status, 'KILLED');
  });

  test('every endpoint answers under the /ajax-api alias too', async () => {
    const created = await s.post('experiments/create', { name: 'via-ajax' }, { ajax: true });
    assert.equal(created.status, 200);
    const got = await s.get('experiments/get', { experiment_id: created.body.experiment_id }, { ajax: true });
    assert.equal(got.body.experiment.name, 'via-ajax');
    const run = await s.post('runs/create', { experiment_id: created.body.experiment_id }, { ajax: true });
    assert.equal(run.status, 200);
    const search = await s.post('runs/search', { experiment_ids: [created.body.experiment_id] }, { ajax: true });
    assert.equal(search.body.runs.length, 1);
  });

  test('every route is mounted under /api, /ajax-api and both tenant prefixes (legacy bulk only under ajax)', async () => {
    for (const route of MLFLOW_ROUTES) {
      for (const ajax of [false, true]) {
        for (const tenant of [undefined, 'mounted']) {
          const path = endpointPath(route.path, { ajax, ...(tenant ? { tenant } : {}) });
          const res = await fetch(s.url + path, {
            method: route.method,
            headers: { 'Content-Type': 'application/json' },
            ...(route.method === 'POST' ? { body: '{}' } : {}),
          });
          const body = (await res.json()) as Record<string, unknown>;
          if (route.ajaxOnly && !ajax) {
            // Not served there: the catch-all's NOT_IMPLEMENTED, as for any unknown MLflow path.
            assert.equal(res.status, 501, path);
            assert.equal(body.error_code, 'NOT_IMPLEMENTED');
          } else {
            // Mounted: the answer is MLflow's, success or an MLflow-shaped error.
            assert.equal('error' in body, false, `${route.method} ${path}: ${JSON.stringify(body)}`);
          }
        }
      }
    }
  });

  test('the HTTP layer\'s own refusals: wrong method, missing content type; an unknown endpoint is NOT_IMPLEMENTED', async () => {
    const method = await s.call('GET', 'runs/create');
    assert.equal(method.status, 405);
    const type = await fetch(s.url + endpointPath('experiments/create'), { method: 'POST', body: '{"name":"x"}' });
    assert.equal(type.status, 415);
    const unknown = await s.get('runs/nope');
    assert.equal(unknown.status, 501);
    assert.equal(unknown.body.error_code, 'NOT_IMPLEMENTED');
  });

  test('errors carry exactly error_code and message', async () => {
    const res = await s.get('runs/get', { run_id: 'f'.repeat(32) });
    assert.deepEqual(Object.keys(res.body), ['error_code', 'message']);
  });
});
