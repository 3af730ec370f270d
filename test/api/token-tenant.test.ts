import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestDaemon, type TestDaemon } from '../support/daemon.ts';

const TOKEN = 'tenant-bound-token-0123456789abcdef';
const auth = { Authorization: `Bearer ${TOKEN}` };

/** A token bound to a tenant wins over whatever tenant a request names. */
describe('token bound to a tenant', () => {
  let d: TestDaemon;
  before(async () => (d = await startTestDaemon({ token: TOKEN, tokenTenant: 'acme' })));
  after(() => d.stop());

  test('v1: X-Tenant-ID may only name the token tenant, and may be left out', async () => {
    const created = await d.call('POST', '/api/v1/experiments', { tenant: null, headers: auth, body: { name: 'bound' } });
    assert.equal(created.status, 201);
    const same = await d.call('GET', `/api/v1/experiments/${created.body.id}`, { tenant: 'acme', headers: auth });
    assert.equal(same.status, 200);
    const other = await d.call('GET', '/api/v1/experiments', { tenant: 'globex', headers: auth });
    assert.equal(other.status, 403);
    assert.equal(other.body.error.code, 'forbidden');
    assert.equal(other.body.error.field, 'X-Tenant-ID');
  });

  test('MLflow API: the token tenant is used, a different path tenant is refused', async () => {
    const mlflow = (path: string) =>
      fetch(`${d.url}${path}`, {
        method: 'POST',
        headers: { ...auth, 'Content-Type': 'application/json' },
        body: JSON.stringify({ max_results: 10 }),
      });
    const plain = await mlflow('/api/2.0/mlflow/experiments/search');
    assert.equal(plain.status, 200);
    const names = ((await plain.json()) as { experiments: { name: string }[] }).experiments.map((e) => e.name).sort();
    assert.deepEqual(names, ['Default', 'bound']);
    const own = await mlflow('/tenants/acme/api/2.0/mlflow/experiments/search');
    assert.equal(own.status, 200);
    const foreign = await mlflow('/tenants/globex/api/2.0/mlflow/experiments/search');
    assert.equal(foreign.status, 403);
    assert.equal(((await foreign.json()) as { error_code: string }).error_code, 'PERMISSION_DENIED');
  });
});
