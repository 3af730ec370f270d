/**
 * The `mlflow-artifacts:` store against real `mlflow server`s: one whose artifact proxy keeps
 * files in a local folder, one whose proxy keeps them in a bucket of a real S3 server. The
 * shared contract runs on both; the files are then checked where the server really put them,
 * and a file the real Python client logged is read back through the store.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { MlflowArtifactProxyStore } from '../../server/src/artifacts/mlflow-proxy-store.ts';
import { S3ArtifactStore } from '../../server/src/artifacts/s3-store.ts';
import { ArtifactUriError } from '../../server/src/artifacts/store.ts';
import { MlflowHttp } from '../../server/src/tracking/mlflow/http.ts';
import { ensureMlflowVenv, startMlflowServer } from '../support/mlflow.ts';
import type { MlflowServer } from '../support/mlflow.ts';
import { startS3Server } from '../support/s3-server.ts';
import type { S3Server } from '../support/s3-server.ts';
import { artifactContract, readText } from './store-contract.ts';

const run = promisify(execFile);

let local: { server: MlflowServer; http: MlflowHttp; store: MlflowArtifactProxyStore };
let onS3: { server: MlflowServer; http: MlflowHttp; store: MlflowArtifactProxyStore; s3: S3Server; direct: S3ArtifactStore };
let counter = 0;
const newRoot = async (): Promise<string> => `mlflow-artifacts:/matih-test/run-${++counter}/artifacts`;

before(async () => {
  // boto3 lets MLflow's S3 artifact repository reach the S3 server.
  await ensureMlflowVenv({ extras: { boto3: 'boto3' } });
  const [plain, s3] = await Promise.all([startMlflowServer(), startS3Server()]);
  const http = new MlflowHttp({ uri: plain.url });
  local = { server: plain, http, store: new MlflowArtifactProxyStore({ http }) };
  const s3Server = await startMlflowServer({ artifactsDestination: `s3://${s3.bucket}/mlflow`, env: s3.env() });
  const s3Http = new MlflowHttp({ uri: s3Server.url });
  onS3 = {
    server: s3Server,
    http: s3Http,
    store: new MlflowArtifactProxyStore({ http: s3Http }),
    s3,
    direct: new S3ArtifactStore({
      endpoint: s3.endpoint,
      region: s3.region,
      forcePathStyle: true,
      credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    }),
  };
});

after(async () => {
  // A failed test can leave a response body unread, and close() waits for it: bound the wait.
  const bounded = (p: Promise<void> | undefined): Promise<unknown> => Promise.race([p, sleep(5_000, undefined, { ref: false })]);
  await bounded(local?.http.close());
  await bounded(onS3?.http.close());
  onS3?.direct.close();
  await Promise.all([local?.server.stop(), onS3?.server.stop()]);
  await onS3?.s3.stop();
});

artifactContract('mlflow proxy (local destination)', () => ({ store: local.store, newRoot, literalNames: false }));
artifactContract('mlflow proxy (S3 destination)', () => ({ store: onS3.store, newRoot, literalNames: false, emptiedFoldersLinger: true }));

describe('mlflow proxy store: where the files land', () => {
  it('puts files in the server’s artifact folder', async () => {
    const root = await newRoot();
    await local.store.write(root, 'model/MLmodel', Readable.from([Buffer.from('flavors: {}\n')]));
    const onDisk = join(local.server.dir, 'artifacts', root.slice('mlflow-artifacts:/'.length), 'model', 'MLmodel');
    assert.equal(readFileSync(onDisk, 'utf8'), 'flavors: {}\n');
  });

  it('puts files in the S3 bucket behind the server', async () => {
    const root = await newRoot();
    await onS3.store.write(root, 'model/MLmodel', Readable.from([Buffer.from('flavors: {}\n')]));
    const s3Root = `s3://${onS3.s3.bucket}/mlflow/${root.slice('mlflow-artifacts:/'.length)}`;
    assert.equal(await readText(onS3.direct, s3Root, 'model/MLmodel'), 'flavors: {}\n');
  });

  it('reads what the real Python client logged', async () => {
    const bin = await ensureMlflowVenv();
    const script = [
      'import mlflow',
      'mlflow.set_experiment("proxy-interop")',
      'with mlflow.start_run() as r:',
      '    mlflow.log_text("logged by python", "notes/readme.txt")',
      '    mlflow.log_dict({"a": 1}, "config.json")',
      '    print("ARTIFACT_URI=" + r.info.artifact_uri)',
    ].join('\n');
    for (const target of [local, onS3]) {
      const { stdout } = await run(join(bin, 'python'), ['-c', script], {
        env: { ...process.env, MLFLOW_TRACKING_URI: target.server.url, ...(target === onS3 ? onS3.s3.env() : {}) },
      });
      // MLflow prints its own lines (a link to the run) on stdout as well.
      const root = /^ARTIFACT_URI=(.*)$/m.exec(stdout)?.[1] ?? stdout;
      assert.match(root, /^mlflow-artifacts:\//);
      assert.deepEqual(
        (await target.store.list(root, '')).map((e) => [e.path, e.isDir]),
        [['config.json', false], ['notes', true]],
      );
      assert.equal(await readText(target.store, root, 'notes/readme.txt'), 'logged by python');
      assert.deepEqual(JSON.parse(await readText(target.store, root, 'config.json')), { a: 1 });
    }
  });
});

describe('mlflow proxy store: URIs', () => {
  it('accepts the host form only for the tracking server itself', async () => {
    const root = await newRoot();
    await local.store.write(root, 'x.txt', Readable.from([Buffer.from('x')]));
    const host = new URL(local.server.url).host;
    const withHost = root.replace('mlflow-artifacts:/', `mlflow-artifacts://${host}/`);
    assert.equal(await readText(local.store, withHost, 'x.txt'), 'x');
    for (const other of [
      root.replace('mlflow-artifacts:/', 'mlflow-artifacts://169.254.169.254/'),
      root.replace('mlflow-artifacts:/', 'mlflow-artifacts://evil.example/'),
      root.replace('mlflow-artifacts:/', `mlflow-artifacts://${host.split(':')[0]}:1/`),
    ]) {
      await assert.rejects(local.store.read(other, 'x.txt'), ArtifactUriError, other);
    }
  });

  it('refuses traversing or malformed roots before any request', async () => {
    for (const bad of ['mlflow-artifacts:/../etc', 'mlflow-artifacts:/a/%2e%2e/%2e%2e/etc', 'mlflow-artifacts:/a?x=1', 'mlflow-artifacts:/a#b', 'mlflow-artifacts:/a\\..\\b', 'file:///etc']) {
      await assert.rejects(local.store.list(bad, ''), ArtifactUriError, bad);
    }
    await assert.rejects(local.store.delete('mlflow-artifacts:/', ''), /whole artifact store/);
  });
});
