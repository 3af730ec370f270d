/**
 * MLflow's artifact endpoints on the daemon (embedded store): runs and logged models are shown
 * with `mlflow-artifacts:` URIs, and the proxy (`/api/2.0/mlflow-artifacts/artifacts/...`), the
 * tracking API's `artifacts/list` and `/get-artifact` map those paths back to the caller's own
 * runs and models only. Another tenant's run answers like a missing one; traversal is refused.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { supportsModels } from '../../server/src/tracking/models-backend.ts';
import { startTestDaemon, type TestDaemon } from '../support/daemon.ts';
import { rawRequest } from '../support/raw-request.ts';

const A = 'acme';
const B = 'globex';

describe('MLflow API: artifacts through the daemon', () => {
  let d: TestDaemon;
  let exp: string;
  let runId: string;
  let runDir: string;
  const api = (tenant: string, rest: string) => `/tenants/${tenant}/api/2.0/${rest}`;
  const proxy = (tenant: string, rest: string) => api(tenant, `mlflow-artifacts/artifacts${rest}`);
  const mlflow = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(d.url + path, {
      method,
      ...(body !== undefined ? { body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers, text };
  };
  const put = (path: string, body: string, type = 'text/plain') => fetch(d.url + path, { method: 'PUT', body, headers: { 'Content-Type': type } });

  before(async () => {
    d = await startTestDaemon();
    exp = (await mlflow('POST', api(A, 'mlflow/experiments/create'), { name: 'artifacts' })).body.experiment_id;
    const run = await mlflow('POST', api(A, 'mlflow/runs/create'), { experiment_id: exp, start_time: Date.now() });
    runId = run.body.run.info.run_id;
    runDir = fileURLToPath((await d.daemon.backendFor(A).getRun(runId)).info.artifactUri);
  });
  after(() => d.stop());

  test('runs and logged models are shown with mlflow-artifacts: URIs; experiments keep their real location', async () => {
    const run = await mlflow('GET', `${api(A, 'mlflow/runs/get')}?run_id=${runId}`);
    assert.equal(run.body.run.info.artifact_uri, `mlflow-artifacts:/${exp}/${runId}/artifacts`);
    const inDefault = await mlflow('POST', api(A, 'mlflow/runs/create'), { experiment_id: '0', start_time: Date.now() });
    assert.equal(inDefault.body.run.info.artifact_uri, `mlflow-artifacts:/0/${inDefault.body.run.info.run_id}/artifacts`);
    const model = await mlflow('POST', api(A, 'mlflow/logged-models'), { experiment_id: exp, source_run_id: runId });
    assert.equal(model.body.model.info.artifact_uri, `mlflow-artifacts:/${exp}/models/${model.body.model.info.model_id}/artifacts`);
    const experiment = await mlflow('GET', `${api(A, 'mlflow/experiments/get')}?experiment_id=${exp}`);
    assert.match(experiment.body.experiment.artifact_location, /^file:\/\//);
  });

  test('the proxy uploads, lists (base names, sizes), downloads and deletes a run\'s files', async () => {
    assert.equal((await put(proxy(A, `/${exp}/${runId}/artifacts/plots/loss.png`), 'png-bytes', 'image/png')).status, 200);
    assert.equal((await put(proxy(A, `/${exp}/${runId}/artifacts/params.json`), '{"lr":0.1}', 'application/json')).status, 200);
    assert.equal(await readFile(join(runDir, 'plots', 'loss.png'), 'utf8'), 'png-bytes');

    const root = await mlflow('GET', `${proxy(A, '')}?path=${exp}/${runId}/artifacts`);
    assert.deepEqual(root.body, { files: [{ path: 'params.json', is_dir: false, file_size: 10 }, { path: 'plots', is_dir: true }] });
    const sub = await mlflow('GET', `${proxy(A, '')}?path=${exp}/${runId}/artifacts/plots`);
    assert.deepEqual(sub.body, { files: [{ path: 'loss.png', is_dir: false, file_size: 9 }] });
    // The ajax alias serves the same.
    const ajax = await mlflow('GET', `/tenants/${A}/ajax-api/2.0/mlflow-artifacts/artifacts?path=${exp}/${runId}/artifacts/plots`);
    assert.deepEqual(ajax.body, sub.body);

    const get = await fetch(d.url + proxy(A, `/${exp}/${runId}/artifacts/params.json`));
    assert.equal(get.status, 200);
    assert.equal(get.headers.get('content-type'), 'application/json');
    assert.match(get.headers.get('content-disposition') ?? '', /^attachment; filename="params.json"/);
    assert.equal(get.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(await get.text(), '{"lr":0.1}');

    const listed = await mlflow('GET', `${api(A, 'mlflow/artifacts/list')}?run_id=${runId}&path=plots`);
    assert.deepEqual(listed.body, { root_uri: `mlflow-artifacts:/${exp}/${runId}/artifacts`, files: [{ path: 'plots/loss.png', is_dir: false, file_size: 9 }] });
    const viaUi = await fetch(`${d.url}/tenants/${A}/get-artifact?run_id=${runId}&path=plots/loss.png`);
    assert.equal(await viaUi.text(), 'png-bytes');

    assert.equal((await mlflow('DELETE', proxy(A, `/${exp}/${runId}/artifacts/plots`))).status, 200);
    assert.equal(existsSync(join(runDir, 'plots')), false);
    const gone = await mlflow('GET', proxy(A, `/${exp}/${runId}/artifacts/plots/loss.png`));
    assert.equal(gone.status, 404);
    assert.equal(gone.body.error_code, 'RESOURCE_DOES_NOT_EXIST');
  });

  test("a logged model's files go to the model's own folder", async () => {
    const model = (await mlflow('POST', api(A, 'mlflow/logged-models'), { experiment_id: exp })).body.model.info;
    assert.equal((await put(proxy(A, `/${exp}/models/${model.model_id}/artifacts/MLmodel`), 'flavors: {}\n')).status, 200);
    const backend = d.daemon.backendFor(A);
    assert.ok(supportsModels(backend));
    const location = (await backend.getLoggedModel(model.model_id)).artifactLocation;
    assert.equal(await readFile(join(fileURLToPath(location), 'MLmodel'), 'utf8'), 'flavors: {}\n');
    const listed = await mlflow('GET', `${proxy(A, '')}?path=${exp}/models/${model.model_id}/artifacts`);
    assert.deepEqual(listed.body, { files: [{ path: 'MLmodel', is_dir: false, file_size: 12 }] });
  });

  test("another tenant reaches nothing of the run: every route answers as for a missing run, and nothing changes", async () => {
    await put(proxy(A, `/${exp}/${runId}/artifacts/secret.txt`), 'acme only');
    const missing = 'f'.repeat(32);
    const same = async (method: string, path: (id: string) => string, body?: string) => {
      const send = (p: string) => fetch(d.url + p, { method, ...(body !== undefined ? { body } : {}) });
      const foreign = await send(path(runId));
      const absent = await send(path(missing));
      const foreignText = (await foreign.text()).replaceAll(runId, '<id>');
      const absentText = (await absent.text()).replaceAll(missing, '<id>');
      assert.equal(foreign.status, 404, `${method} ${path('<id>')}: ${foreignText}`);
      assert.deepEqual([foreign.status, foreignText], [absent.status, absentText], `${method} ${path('<id>')}`);
    };
    await same('GET', (id) => proxy(B, `/${exp}/${id}/artifacts/secret.txt`));
    await same('GET', (id) => `${proxy(B, '')}?path=${exp}/${id}/artifacts`);
    await same('PUT', (id) => proxy(B, `/${exp}/${id}/artifacts/secret.txt`), 'overwritten');
    await same('PUT', (id) => proxy(B, `/${exp}/${id}/artifacts/planted.txt`), 'planted');
    await same('DELETE', (id) => proxy(B, `/${exp}/${id}/artifacts/secret.txt`));
    await same('GET', (id) => `${api(B, 'mlflow/artifacts/list')}?run_id=${id}`);
    await same('GET', (id) => `/tenants/${B}/get-artifact?run_id=${id}&path=secret.txt`);
    // Tenant B's "0" is its own Default, not the experiment the run is in.
    await same('GET', (id) => proxy(B, `/0/${id}/artifacts/secret.txt`));
    // The owner naming the run under another experiment id gets the same answer as a missing run.
    const other = (await mlflow('POST', api(A, 'mlflow/experiments/create'), { name: 'other' })).body.experiment_id;
    const wrongExp = await mlflow('GET', proxy(A, `/${other}/${runId}/artifacts/secret.txt`));
    assert.equal(wrongExp.status, 404);
    assert.equal(await readFile(join(runDir, 'secret.txt'), 'utf8'), 'acme only');
    assert.equal(existsSync(join(runDir, 'planted.txt')), false);
  });

  test('traversal through the proxy is refused with a 400 naming the path problem, and nothing is written', async () => {
    const before = await readdir(d.dataDir, { recursive: true });
    const prefix = proxy(A, `/${exp}/${runId}/artifacts`);
    for (const path of ['..%2F..%2F..%2F..%2Fescape.txt', '%2e%2e/escape.txt', '%252e%252e%252fescape.txt', 'a%5C..%5Cescape.txt', 'C%3A%5Cescape.txt', '%2Fetc%2Fpasswd']) {
      for (const method of ['PUT', 'GET', 'DELETE']) {
        const res = await rawRequest(d.url, method, `${prefix}/${path}`, {}, method === 'PUT' ? 'x' : undefined);
        assert.equal(res.status, 400, `${method} ${path}: ${res.text}`);
        assert.match(res.text, /path/i, path);
      }
    }
    for (const path of [`${exp}/${runId}/artifacts/../../x`, `${exp}/${runId}/artifacts/%2e%2e%2fx`, `${exp}/${runId}/artifacts/a%5Cb`]) {
      const res = await rawRequest(d.url, 'GET', `${proxy(A, '')}?path=${encodeURIComponent(path)}`, {});
      assert.equal(res.status, 400, `${path}: ${res.text}`);
      assert.equal(JSON.parse(res.text).error_code, 'INVALID_PARAMETER_VALUE');
    }
    const listed = await rawRequest(d.url, 'GET', `${api(A, 'mlflow/artifacts/list')}?run_id=${runId}&path=..%2F..`, {});
    assert.equal(listed.status, 400, listed.text);
    assert.deepEqual(await readdir(d.dataDir, { recursive: true }), before);
  });

  test('multipart and presigned routes answer NOT_IMPLEMENTED; server-info says no multipart', async () => {
    const mpu = await mlflow('POST', api(A, `mlflow-artifacts/mpu/create/${exp}/${runId}/artifacts/x`), { path: 'x', num_parts: 2 });
    assert.equal(mpu.status, 501);
    assert.equal(mpu.body.error_code, 'NOT_IMPLEMENTED');
    const info = await mlflow('GET', `/tenants/${A}/api/3.0/mlflow/server-info`);
    assert.deepEqual(info.body, { workspaces_enabled: false, multipart_uploads_enabled: false, multipart_downloads_enabled: false });
  });
});
