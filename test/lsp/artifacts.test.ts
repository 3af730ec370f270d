import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CancellationTokenSource, ResponseError, WorkDoneProgress } from 'vscode-languageserver-protocol/node';
import { Artifacts, Daemon, type DaemonDiscovery, Experiments, Runs } from '../../protocol/src/index.ts';
import { embeddedOptions, type LspDaemon, startLspDaemon } from './harness.ts';

/**
 * `Artifacts.*` through a daemon started the way the extension starts it, on the embedded store
 * (artifacts in the data directory): transfers between real local folders and the store, with
 * their work-done progress, cancellation, tenancy and path refusals.
 */

/** A 1×1 PNG (red pixel). */
const MLMODEL = 'flavors:\n  sklearn: {}\n';
const METRICS = JSON.stringify({ accuracy: 0.93 });
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==', 'base64');

type Progress = { kind: string; title?: string; message?: string; percentage?: number; cancellable?: boolean };

describe('artifacts over LSP', () => {
  let d: LspDaemon;
  let local: string;
  let runId: string;

  before(async () => {
    d = await startLspDaemon({ initializationOptions: embeddedOptions() });
    local = await mkdtemp(join(tmpdir(), 'matih-artifacts-lsp-'));
    const experiment = await d.request(Experiments.create, { tenant: 'acme', name: 'artifacts' });
    runId = (await d.request(Runs.create, { tenant: 'acme', experimentId: experiment.id, name: 'with-files' })).id;
    // A nested folder as a script would leave it.
    await mkdir(join(local, 'out', 'model', 'data'), { recursive: true });
    await writeFile(join(local, 'out', 'metrics.json'), METRICS);
    await writeFile(join(local, 'out', 'model', 'MLmodel'), MLMODEL);
    await writeFile(join(local, 'out', 'model', 'data', 'weights.bin'), Buffer.alloc(300_000, 7));
    await writeFile(join(local, 'out', 'plot.png'), PNG);
  });
  after(async () => {
    await d.stop();
    await d.dispose();
    await rm(local, { recursive: true, force: true });
  });

  /** Sends `def` with a fresh work-done token and collects what the daemon reports under it. */
  async function withProgress<R>(method: string, params: Record<string, unknown>, onValue?: (v: Progress, cancel: () => void) => void) {
    const token = `t-${Math.random().toString(36).slice(2)}`;
    const values: Progress[] = [];
    const source = new CancellationTokenSource();
    const sub = d.connection.onProgress(WorkDoneProgress.type, token, (v) => {
      values.push(v as Progress);
      onValue?.(v as Progress, () => source.cancel());
    });
    try {
      const result = (await d.connection.sendRequest(method, { ...params, workDoneToken: token }, source.token)) as R;
      return { result, values };
    } catch (err) {
      return { error: err as ResponseError<unknown>, values };
    } finally {
      sub.dispose();
    }
  }

  test('upload a folder, list it lazily with sizes, folders first', async () => {
    const { result, values } = await withProgress<{ files: number; bytes: number }>(Artifacts.upload.method, {
      tenant: 'acme',
      runId,
      source: join(local, 'out'),
      destination: '',
    });
    assert.deepEqual(result, { files: 4, bytes: 300_000 + METRICS.length + MLMODEL.length + PNG.length });
    assert.equal(values[0]!.kind, 'begin');
    assert.equal(values[0]!.title, 'Uploading out');
    assert.equal(values[0]!.cancellable, true);
    assert.equal(values.at(-1)!.kind, 'end');
    assert.equal(values.filter((v) => v.kind === 'report').at(-1)!.percentage, 100);

    const root = await d.request(Artifacts.list, { tenant: 'acme', runId });
    assert.deepEqual(root, {
      runId,
      path: '',
      truncated: false,
      entries: [
        { path: 'model', name: 'model', isDir: true },
        { path: 'metrics.json', name: 'metrics.json', isDir: false, size: 17 },
        { path: 'plot.png', name: 'plot.png', isDir: false, size: PNG.length },
      ],
    });
    const model = await d.request(Artifacts.list, { tenant: 'acme', runId, path: 'model' });
    assert.deepEqual(
      model.entries.map((e) => [e.path, e.isDir, e.size]),
      [
        ['model/data', true, undefined],
        ['model/MLmodel', false, MLMODEL.length],
      ],
    );
    const page = await d.request(Artifacts.list, { tenant: 'acme', runId, maxResults: 2 });
    assert.equal(page.entries.length, 2);
    assert.equal(page.truncated, true);
    // The run view lists the files too (what the tree's "Artifacts" count shows).
    const run = await d.request(Runs.get, { tenant: 'acme', runId });
    assert.deepEqual(run.artifacts, ['metrics.json', 'model/MLmodel', 'model/data/weights.bin', 'plot.png']);
  });

  test('read: text as text, images as base64, truncated at maxBytes, content type guessed', async () => {
    const json = await d.request(Artifacts.read, { tenant: 'acme', runId, path: 'metrics.json' });
    assert.deepEqual(json, { runId, path: 'metrics.json', encoding: 'utf8', content: METRICS, size: 17, truncated: false, contentType: 'application/json' });
    const mlmodel = await d.request(Artifacts.read, { tenant: 'acme', runId, path: 'model/MLmodel' });
    assert.equal(mlmodel.contentType, 'application/yaml');
    assert.equal(mlmodel.content, MLMODEL);
    const png = await d.request(Artifacts.read, { tenant: 'acme', runId, path: 'plot.png' });
    assert.equal(png.encoding, 'base64');
    assert.equal(png.contentType, 'image/png');
    assert.deepEqual(Buffer.from(png.content, 'base64'), PNG);
    const head = await d.request(Artifacts.read, { tenant: 'acme', runId, path: 'model/data/weights.bin', maxBytes: 1000 });
    assert.equal(head.encoding, 'base64');
    assert.equal(head.truncated, true);
    assert.equal(head.size, 300_000);
    assert.equal(Buffer.from(head.content, 'base64').length, 1000);
    const tooMuch = await d.failure(Artifacts.read, { tenant: 'acme', runId, path: 'metrics.json', maxBytes: 6 * 1024 * 1024 });
    assert.equal(tooMuch.data?.code, 'validation_error');
    assert.equal(tooMuch.data?.field, 'maxBytes');
    const missing = await d.failure(Artifacts.read, { tenant: 'acme', runId, path: 'nope.txt' });
    assert.equal(missing.data?.code, 'not_found');
  });

  test('download a file and a folder; an existing file is refused unless replacing is allowed', async () => {
    const dest = join(local, 'down');
    const file = await withProgress<{ files: number; bytes: number }>(Artifacts.download.method, {
      tenant: 'acme',
      runId,
      path: 'model/data/weights.bin',
      destination: join(dest, 'weights.bin'),
    });
    assert.deepEqual(file.result, { files: 1, bytes: 300_000 });
    assert.equal(file.values[0]!.title, 'Downloading weights.bin');
    assert.deepEqual(await readFile(join(dest, 'weights.bin')), Buffer.alloc(300_000, 7));

    const folder = await d.request(Artifacts.download, { tenant: 'acme', runId, path: 'model', destination: join(dest, 'model') });
    assert.deepEqual(folder, { files: 2, bytes: 300_000 + MLMODEL.length });
    assert.equal(await readFile(join(dest, 'model', 'MLmodel'), 'utf8'), MLMODEL);
    assert.equal((await stat(join(dest, 'model', 'data', 'weights.bin'))).size, 300_000);

    const again = await d.failure(Artifacts.download, { tenant: 'acme', runId, path: 'model', destination: join(dest, 'model') });
    assert.equal(again.data?.code, 'already_exists');
    assert.equal(again.data?.field, 'destination');
    assert.match(again.message, /MLmodel already exists/);
    await writeFile(join(dest, 'model', 'MLmodel'), 'changed locally');
    assert.deepEqual(await d.request(Artifacts.download, { tenant: 'acme', runId, path: 'model', destination: join(dest, 'model'), overwrite: true }), {
      files: 2,
      bytes: 300_000 + MLMODEL.length,
    });
    assert.equal(await readFile(join(dest, 'model', 'MLmodel'), 'utf8'), MLMODEL);

    const intoFolder = await d.failure(Artifacts.download, { tenant: 'acme', runId, path: 'metrics.json', destination: dest });
    assert.equal(intoFolder.data?.field, 'destination');
    assert.match(intoFolder.message, /is a folder/);
    const gone = await d.failure(Artifacts.download, { tenant: 'acme', runId, path: 'model/none.bin', destination: join(dest, 'x') });
    assert.equal(gone.data?.code, 'not_found');
  });

  test('upload a single file to a path; upload errors name the field', async () => {
    await writeFile(join(local, 'notes.md'), '# Notes\n');
    assert.deepEqual(await d.request(Artifacts.upload, { tenant: 'acme', runId, source: join(local, 'notes.md'), destination: 'docs/README.md' }), {
      files: 1,
      bytes: 8,
    });
    // A destination ending in "/" is a folder: the file keeps its name.
    await d.request(Artifacts.upload, { tenant: 'acme', runId, source: join(local, 'notes.md'), destination: 'docs/' });
    const docs = await d.request(Artifacts.list, { tenant: 'acme', runId, path: 'docs' });
    assert.deepEqual(docs.entries.map((e) => e.path), ['docs/notes.md', 'docs/README.md']);

    const noSource = await d.failure(Artifacts.upload, { tenant: 'acme', runId, source: join(local, 'missing.txt'), destination: 'x.txt' });
    assert.equal(noSource.data?.code, 'validation_error');
    assert.equal(noSource.data?.field, 'source');
    assert.match(noSource.message, /there is no file or folder at .*missing\.txt/);
    const relative = await d.failure(Artifacts.upload, { tenant: 'acme', runId, source: 'notes.md', destination: 'x.txt' });
    assert.equal(relative.data?.field, 'source');
    assert.match(relative.message, /must be an absolute local path/);
  });

  test('traversal is refused with a message that says why, before anything is touched', async () => {
    const cases: [string, RegExp][] = [
      ['../secrets', /".." segment/],
      ['%2e%2e/secrets', /percent-encodes a ".." segment/],
      ['%252e%252e/secrets', /multiply percent-encodes a ".." segment/],
      ['/etc/passwd', /is absolute/],
      ['model\\..\\..\\x', /backslash/],
      ['C:/Windows', /drive letter/],
    ];
    for (const [path, why] of cases) {
      const list = await d.failure(Artifacts.list, { tenant: 'acme', runId, path });
      assert.equal(list.data?.code, 'validation_error', path);
      assert.equal(list.data?.field, 'path', path);
      assert.match(list.message, why, path);
      const read = await d.failure(Artifacts.read, { tenant: 'acme', runId, path });
      assert.match(read.message, why, path);
      const download = await d.failure(Artifacts.download, { tenant: 'acme', runId, path, destination: join(local, 'never') });
      assert.equal(download.data?.code, 'validation_error', path);
      assert.equal(download.data?.field, 'path', path);
      assert.match(download.message, why, path);
    }
    await writeFile(join(local, 'evil.txt'), 'x');
    const up = await d.failure(Artifacts.upload, { tenant: 'acme', runId, source: join(local, 'evil.txt'), destination: '../../evil.txt' });
    assert.equal(up.data?.field, 'destination');
    assert.match(up.message, /".." segment/);
    const del = await d.failure(Artifacts.delete, { tenant: 'acme', runId, path: 'model/../../..' });
    assert.equal(del.data?.field, 'path');
    // Nothing was written outside the run: the data directory holds no evil.txt.
    assert.deepEqual(await findFiles(d.home, (name) => name === 'evil.txt'), []);
  });

  test("another tenant's run is answered exactly like a missing one", async () => {
    const foreign = await d.failure(Artifacts.list, { tenant: 'globex', runId });
    const missingId = 'f'.repeat(32);
    const missing = await d.failure(Artifacts.list, { tenant: 'globex', runId: missingId });
    assert.equal(foreign.data?.code, 'not_found');
    assert.equal(missing.data?.code, 'not_found');
    assert.equal(foreign.message.replace(runId, '<id>'), missing.message.replace(missingId, '<id>'));
    const read = await d.failure(Artifacts.read, { tenant: 'globex', runId, path: 'metrics.json' });
    assert.equal(read.data?.code, 'not_found');
    const down = await d.failure(Artifacts.download, { tenant: 'globex', runId, path: 'metrics.json', destination: join(local, 'leak.json') });
    assert.equal(down.data?.code, 'not_found');
    await assert.rejects(stat(join(local, 'leak.json')), { code: 'ENOENT' });
    const del = await d.failure(Artifacts.delete, { tenant: 'globex', runId, path: 'metrics.json' });
    assert.equal(del.data?.code, 'not_found');
    // Still there for its owner.
    assert.equal((await d.request(Artifacts.read, { tenant: 'acme', runId, path: 'metrics.json' })).content, METRICS);
  });

  test('cancelling a download or an upload leaves no partial file, locally or in the store', async () => {
    const big = join(local, 'big.bin');
    await writeFile(big, '');
    await truncate(big, 128 * 1024 * 1024);
    await d.request(Artifacts.upload, { tenant: 'acme', runId, source: big, destination: 'big.bin' });

    const dest = join(local, 'cancelled');
    await mkdir(dest);
    // Cancelled at the first progress report, with most of the 128 MB still to copy.
    const down = await withProgress(Artifacts.download.method, { tenant: 'acme', runId, path: 'big.bin', destination: join(dest, 'big.bin') }, (v, cancel) => {
      if (v.kind === 'report') cancel();
    });
    assert.ok(down.error instanceof ResponseError, 'the download was cancelled');
    assert.equal(down.error.code, -32800);
    assert.deepEqual(await readdir(dest), []);
    assert.equal(down.values.at(-1)!.kind, 'end');

    const up = await withProgress(Artifacts.upload.method, { tenant: 'acme', runId, source: big, destination: 'again/big.bin' }, (v, cancel) => {
      if (v.kind === 'report') cancel();
    });
    assert.ok(up.error instanceof ResponseError, 'the upload was cancelled');
    assert.equal(up.error.code, -32800);
    assert.deepEqual((await d.request(Artifacts.list, { tenant: 'acme', runId, path: 'again' })).entries, []);
    // The local store may keep the (empty) folder it made for the file; no file is in it.
    await d.request(Artifacts.delete, { tenant: 'acme', runId, path: 'again' });
    assert.deepEqual(await findFiles(d.home, (name) => name.includes('matih-part')), []);
    // The cancelled download's file is the stored one, whole: compare digests of a full download.
    await d.request(Artifacts.download, { tenant: 'acme', runId, path: 'big.bin', destination: join(dest, 'big.bin') });
    assert.equal(await digest(join(dest, 'big.bin')), await digest(big));
    await rm(dest, { recursive: true });
    await d.request(Artifacts.delete, { tenant: 'acme', runId, path: 'big.bin' });
  });

  test('delete a file, then a folder with everything in it', async () => {
    await d.request(Artifacts.delete, { tenant: 'acme', runId, path: 'plot.png' });
    await d.request(Artifacts.delete, { tenant: 'acme', runId, path: 'model' });
    const root = await d.request(Artifacts.list, { tenant: 'acme', runId });
    assert.deepEqual(root.entries.map((e) => e.path), ['docs', 'metrics.json']);
    const rootDelete = await d.failure(Artifacts.delete, { tenant: 'acme', runId, path: '' });
    assert.equal(rootDelete.data?.field, 'path');
  });

  test("a run's MLflow 3 logged models: listed, their files listed, read and downloaded through their run only", async () => {
    // What `mlflow.<flavor>.log_model` does, through the daemon's MLflow-compatible API.
    const status = await d.request(Daemon.status, {});
    const discovery = JSON.parse(await readFile(status.discoveryFile!, 'utf8')) as DaemonDiscovery;
    const mlflow = async (method: string, path: string, body?: unknown): Promise<any> => {
      const res = await fetch(`${discovery.url}/tenants/acme/api/2.0/${path}`, {
        method,
        headers: { authorization: `Bearer ${discovery.token}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      });
      const text = await res.text();
      assert.equal(res.status, 200, `${method} ${path}: ${text}`);
      return text === '' ? {} : JSON.parse(text);
    };
    const experimentId = (await mlflow('POST', 'mlflow/experiments/create', { name: 'logged-models' })).experiment_id as string;
    const trainRun = (await mlflow('POST', 'mlflow/runs/create', { experiment_id: experimentId })).run.info.run_id as string;
    const otherRun = (await mlflow('POST', 'mlflow/runs/create', { experiment_id: experimentId })).run.info.run_id as string;
    const created = (await mlflow('POST', 'mlflow/logged-models', { experiment_id: experimentId, name: 'model', source_run_id: trainRun })).model.info;
    const modelId = created.model_id as string;
    assert.match(modelId, /^m-[0-9a-f]{32}$/);
    const proxy = `mlflow-artifacts/artifacts/${(created.artifact_uri as string).replace(/^mlflow-artifacts:\//, '')}`;
    await mlflow('PUT', `${proxy}/MLmodel`, `model_id: ${modelId}\n${MLMODEL}`);
    await mlflow('PUT', `${proxy}/data/model.pkl`, 'pickled');
    await mlflow('PATCH', `mlflow/logged-models/${modelId}`, { model_id: modelId, status: 'LOGGED_MODEL_READY' });

    const listed = await d.request(Artifacts.models, { tenant: 'acme', runId: trainRun });
    assert.equal(listed.models.length, 1);
    assert.deepEqual({ ...listed.models[0], createdAt: undefined }, { id: modelId, name: 'model', status: 'LOGGED_MODEL_READY', createdAt: undefined });
    assert.equal(typeof listed.models[0]!.createdAt, 'number');
    assert.deepEqual(await d.request(Artifacts.models, { tenant: 'acme', runId: otherRun }), { models: [] });
    // The model's files are not the run's.
    assert.deepEqual((await d.request(Artifacts.list, { tenant: 'acme', runId: trainRun })).entries, []);

    const root = await d.request(Artifacts.list, { tenant: 'acme', runId: trainRun, modelId });
    assert.deepEqual(root.entries, [
      { path: 'data', name: 'data', isDir: true },
      { path: 'MLmodel', name: 'MLmodel', isDir: false, size: `model_id: ${modelId}\n${MLMODEL}`.length },
    ]);
    const text = await d.request(Artifacts.read, { tenant: 'acme', runId: trainRun, modelId, path: 'MLmodel' });
    assert.equal(text.content, `model_id: ${modelId}\n${MLMODEL}`);
    assert.equal(text.contentType, 'application/yaml');
    const into = join(local, 'downloaded-model');
    assert.deepEqual(await d.request(Artifacts.download, { tenant: 'acme', runId: trainRun, modelId, path: '', destination: into }), {
      files: 2,
      bytes: `model_id: ${modelId}\n${MLMODEL}`.length + 'pickled'.length,
    });
    assert.equal(await readFile(join(into, 'MLmodel'), 'utf8'), `model_id: ${modelId}\n${MLMODEL}`);
    assert.equal(await readFile(join(into, 'data', 'model.pkl'), 'utf8'), 'pickled');

    // Through another run, another tenant, or a made-up id: not found, alike, and nothing written.
    const missingId = `m-${'0'.repeat(32)}`;
    const viaOther = await d.failure(Artifacts.list, { tenant: 'acme', runId: otherRun, modelId });
    const missing = await d.failure(Artifacts.list, { tenant: 'acme', runId: trainRun, modelId: missingId });
    assert.equal(viaOther.data?.code, 'not_found');
    assert.equal(missing.data?.code, 'not_found');
    assert.equal(viaOther.message.replace(modelId, '<id>'), missing.message.replace(missingId, '<id>'));
    const readOther = await d.failure(Artifacts.read, { tenant: 'acme', runId: otherRun, modelId, path: 'MLmodel' });
    assert.equal(readOther.data?.code, 'not_found');
    const leak = join(local, 'leaked-model');
    const downOther = await d.failure(Artifacts.download, { tenant: 'acme', runId: otherRun, modelId, path: '', destination: leak });
    assert.equal(downOther.data?.code, 'not_found');
    const deleteOther = await d.failure(Artifacts.delete, { tenant: 'acme', runId: otherRun, modelId, path: 'MLmodel' });
    assert.equal(deleteOther.data?.code, 'not_found');
    for (const tenant of ['globex']) {
      assert.equal((await d.failure(Artifacts.models, { tenant, runId: trainRun })).data?.code, 'not_found');
      assert.equal((await d.failure(Artifacts.list, { tenant, runId: trainRun, modelId })).data?.code, 'not_found');
      assert.equal((await d.failure(Artifacts.read, { tenant, runId: trainRun, modelId, path: 'MLmodel' })).data?.code, 'not_found');
      const down = await d.failure(Artifacts.download, { tenant, runId: trainRun, modelId, path: '', destination: leak });
      assert.equal(down.data?.code, 'not_found');
    }
    await assert.rejects(stat(leak), { code: 'ENOENT' });
    const badId = await d.failure(Artifacts.list, { tenant: 'acme', runId: trainRun, modelId: 'model' });
    assert.equal(badId.data?.field, 'modelId');
    // Still all there for its run.
    assert.equal((await d.request(Artifacts.list, { tenant: 'acme', runId: trainRun, modelId })).entries.length, 2);
  });
});

async function findFiles(dir: string, match: (name: string) => boolean): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && match(entry.name)) found.push(join(entry.parentPath, entry.name));
  }
  return found;
}

async function digest(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of (await import('node:fs')).createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
