/**
 * A run's artifacts over the v1 API on the embedded store: upload (raw body, streamed), list with
 * sizes, download (streamed, attachment, nosniff), delete; the upload limit (declared and
 * streamed), tenant isolation, path traversal in its encodings, and where experiments' artifacts
 * may live.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { startTestDaemon, type TestDaemon } from '../support/daemon.ts';
import { rawRequest } from '../support/raw-request.ts';

const A = 'acme-corp';
const B = 'globex';

function sha(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

describe('v1 API: run artifacts', () => {
  let d: TestDaemon;
  let runId: string;
  let runDir: string;
  const base = () => `/api/v1/experiments/runs/${runId}/artifacts`;
  const send = (method: string, path: string, body?: Uint8Array | string, headers: Record<string, string> = {}, tenant = A) =>
    fetch(d.url + path, { method, headers: { 'X-Tenant-ID': tenant, ...headers }, ...(body !== undefined ? { body } : {}) });

  before(async () => {
    d = await startTestDaemon({ artifacts: { maxUploadBytes: 8 * 1024 * 1024 } });
    const exp = await d.call('POST', '/api/v1/experiments', { body: { name: 'artifacts' } });
    runId = (await d.call('POST', '/api/v1/experiments/runs', { body: { experiment_id: exp.body.id } })).body.id;
    runDir = fileURLToPath((await d.daemon.backendFor(A).getRun(runId)).info.artifactUri);
  });
  after(() => d.stop());

  test('upload, list with sizes, download byte for byte, and the run lists its files', async () => {
    const big = randomBytes(5 * 1024 * 1024 + 3);
    const put = await send('PUT', `${base()}/model/weights.bin`, big, { 'Content-Type': 'application/octet-stream' });
    assert.equal(put.status, 201);
    assert.deepEqual(await put.json(), { run_id: runId, path: 'model/weights.bin', size: big.length });
    // Any declared type is taken: a PUT always costs a browser a CORS preflight.
    assert.equal((await send('PUT', `${base()}/notes%20%C3%BC.txt`, 'hello', { 'Content-Type': 'text/plain' })).status, 201);
    assert.equal(sha(await readFile(join(runDir, 'model', 'weights.bin'))), sha(big));

    const root = await d.call('GET', base());
    assert.equal(root.status, 200);
    assert.deepEqual(root.body, {
      run_id: runId,
      path: '',
      artifacts: [
        { path: 'model', is_dir: true, size: null },
        { path: 'notes ü.txt', is_dir: false, size: 5 },
      ],
    });
    const folder = await d.call('GET', `${base()}?path=model`);
    assert.deepEqual(folder.body.artifacts, [{ path: 'model/weights.bin', is_dir: false, size: big.length }]);

    const get = await send('GET', `${base()}/model/weights.bin`);
    assert.equal(get.status, 200);
    assert.equal(get.headers.get('content-type'), 'application/octet-stream');
    assert.equal(get.headers.get('content-length'), String(big.length));
    assert.equal(get.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(get.headers.get('content-disposition'), `attachment; filename="weights.bin"; filename*=UTF-8''weights.bin`);
    assert.equal(sha(new Uint8Array(await get.arrayBuffer())), sha(big));
    const text = await send('GET', `${base()}/notes%20%C3%BC.txt`);
    assert.equal(text.headers.get('content-type'), 'text/plain');
    assert.equal(text.headers.get('content-disposition'), `attachment; filename="notes _.txt"; filename*=UTF-8''notes%20%C3%BC.txt`);
    assert.equal(await text.text(), 'hello');

    const run = await d.call('GET', `/api/v1/experiments/runs/${runId}`);
    assert.deepEqual(run.body.artifacts, ['model/weights.bin', 'notes ü.txt']);
  });

  test('delete a file, then a folder; a missing file is a 404 naming the path', async () => {
    await send('PUT', `${base()}/tmp/a.txt`, 'a');
    await send('PUT', `${base()}/tmp/sub/b.txt`, 'b');
    assert.equal((await send('DELETE', `${base()}/tmp/a.txt`)).status, 204);
    assert.deepEqual((await d.call('GET', `${base()}?path=tmp`)).body.artifacts, [{ path: 'tmp/sub', is_dir: true, size: null }]);
    assert.equal((await send('DELETE', `${base()}/tmp`)).status, 204);
    assert.equal(existsSync(join(runDir, 'tmp')), false);
    const missing = await send('GET', `${base()}/tmp/sub/b.txt`);
    assert.equal(missing.status, 404);
    const body = (await missing.json()) as { error: { code: string; field: string } };
    assert.equal(body.error.code, 'not_found');
    assert.equal(body.error.field, 'path');
  });

  test('another tenant cannot list, read, write or delete: it answers exactly like a missing run', async () => {
    await send('PUT', `${base()}/secret.txt`, 'tenant A only');
    const missingRun = 'f'.repeat(32);
    const asMissing = async (res: Response) => {
      const body = await res.text();
      return { status: res.status, body: body.replaceAll(runId, '<id>') };
    };
    const cases: [string, string, string | undefined][] = [
      ['GET', '', undefined],
      ['GET', '/secret.txt', undefined],
      ['PUT', '/secret.txt', 'overwritten by B'],
      ['PUT', '/planted.txt', 'planted by B'],
      ['DELETE', '/secret.txt', undefined],
    ];
    for (const [method, suffix, body] of cases) {
      const foreign = await asMissing(await send(method, `${base()}${suffix}`, body, {}, B));
      const missing = await asMissing(await send(method, `/api/v1/experiments/runs/${missingRun}/artifacts${suffix}`, body, {}, B));
      assert.equal(foreign.status, 404, `${method} ${suffix}`);
      assert.deepEqual(foreign, { ...missing, body: missing.body.replaceAll(missingRun, '<id>') }, `${method} ${suffix}`);
    }
    assert.equal(await readFile(join(runDir, 'secret.txt'), 'utf8'), 'tenant A only');
    assert.equal(existsSync(join(runDir, 'planted.txt')), false);
  });

  test('path traversal in every encoding is refused with a 400, and nothing lands outside the run', async () => {
    const before = await readdir(d.dataDir, { recursive: true });
    for (const path of [
      '..%2F..%2F..%2Fescape.txt',
      '%2e%2e/escape.txt',
      'a/%252e%252e%252f%252e%252e%252fescape.txt',
      'a%5C..%5C..%5Cescape.txt',
      'C%3A%5Cescape.txt',
      '%2Fetc%2Fescape.txt',
      'a/..%2F..%2F..%2F..%2Fescape.txt',
      'ok/%00escape.txt',
    ]) {
      for (const method of ['PUT', 'GET', 'DELETE']) {
        const res = await rawRequest(d.url, method, `${base()}/${path}`, { 'X-Tenant-ID': A }, method === 'PUT' ? 'x' : undefined);
        assert.equal(res.status, 400, `${method} ${path}: ${res.text}`);
        const body = JSON.parse(res.text) as { error: { code: string; message: string } };
        assert.match(body.error.code, /^(validation_error|invalid_path)$/, path);
        assert.match(body.error.message, /path/i, path);
      }
    }
    for (const path of ['../..', '/etc', 'a/../../b', '%2e%2e']) {
      const res = await d.call('GET', `${base()}?path=${encodeURIComponent(path)}`);
      assert.equal(res.status, 400, path);
      assert.equal(res.body.error.field, 'path');
    }
    assert.deepEqual(await readdir(d.dataDir, { recursive: true }), before);
  });

  test('the upload limit: a declared length over it is refused before reading, a chunked body as it streams', async () => {
    const small = await startTestDaemon({ artifacts: { maxUploadBytes: 1024 } });
    try {
      const exp = await small.call('POST', '/api/v1/experiments', { body: { name: 'limit' } });
      const id = (await small.call('POST', '/api/v1/experiments/runs', { body: { experiment_id: exp.body.id } })).body.id;
      const dir = fileURLToPath((await small.daemon.backendFor(A).getRun(id)).info.artifactUri);
      const path = `/api/v1/experiments/runs/${id}/artifacts/big.bin`;
      const declared = await fetch(small.url + path, { method: 'PUT', headers: { 'X-Tenant-ID': A }, body: randomBytes(2048) });
      assert.equal(declared.status, 413);
      assert.equal(((await declared.json()) as { error: { code: string } }).error.code, 'payload_too_large');

      // No Content-Length: the body arrives chunked and is cut off once past the limit.
      const chunks = Array.from({ length: 8 }, () => randomBytes(512));
      const chunked = await rawRequest(small.url, 'PUT', path, { 'X-Tenant-ID': A, 'Transfer-Encoding': 'chunked' }, chunks);
      assert.equal(chunked.status, 413, chunked.text);
      assert.deepEqual(existsSync(dir) ? await readdir(dir) : [], []);
      const fits = await fetch(small.url + path, { method: 'PUT', headers: { 'X-Tenant-ID': A }, body: randomBytes(1024) });
      assert.equal(fits.status, 201);
    } finally {
      await small.stop();
    }
  });

  test('an archived run takes no new artifacts but still serves its files', async () => {
    const exp = await d.call('POST', '/api/v1/experiments', { body: { name: 'archived' } });
    const id = (await d.call('POST', '/api/v1/experiments/runs', { body: { experiment_id: exp.body.id } })).body.id;
    assert.equal((await send('PUT', `/api/v1/experiments/runs/${id}/artifacts/a.txt`, 'a')).status, 201);
    await d.call('POST', `/api/v1/experiments/runs/${id}/archive`);
    const put = await send('PUT', `/api/v1/experiments/runs/${id}/artifacts/b.txt`, 'b');
    assert.equal(put.status, 400);
    assert.match(((await put.json()) as { error: { message: string } }).error.message, /'active' state/);
    assert.equal(await (await send('GET', `/api/v1/experiments/runs/${id}/artifacts/a.txt`)).text(), 'a');
  });

  test("a caller's artifact_location must lie in a folder the daemon keeps artifacts in", async () => {
    const outside = await d.call('POST', '/api/v1/experiments', { body: { name: 'outside', artifact_location: 'file:///tmp/elsewhere' } });
    assert.equal(outside.status, 400, JSON.stringify(outside.body));
    assert.equal(outside.body.error.field, 'artifact_location');
    assert.match(outside.body.error.message, /outside the folders this daemon keeps artifacts in/);
    for (const location of ['s3://bucket/x', 'http://169.254.169.254/latest', 'hdfs://nn/x', 'relative/dir']) {
      const res = await d.call('POST', '/api/v1/experiments', { body: { name: `loc-${location.length}`, artifact_location: location } });
      assert.equal(res.status, 400, location);
      assert.equal(res.body.error.field, 'artifact_location', location);
    }
    const inside = pathToFileURL(join(d.dataDir, 'artifacts', 'team-area')).href;
    const ok = await d.call('POST', '/api/v1/experiments', { body: { name: 'inside', artifact_location: inside } });
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
    assert.equal(ok.body.artifact_location, inside);
  });
});
