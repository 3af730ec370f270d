/**
 * ArtifactStores: the store is picked by scheme, and every other kind of location — bare paths,
 * drive paths, http(s) (SSRF), unknown schemes — is refused by name before any store sees it
 * (security-and-reliability.md §7 item 7).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { LocalArtifactStore } from '../../server/src/artifacts/local-store.ts';
import { MlflowArtifactProxyStore } from '../../server/src/artifacts/mlflow-proxy-store.ts';
import { ArtifactStores } from '../../server/src/artifacts/resolver.ts';
import { S3ArtifactStore } from '../../server/src/artifacts/s3-store.ts';
import { ArtifactUriError } from '../../server/src/artifacts/store.ts';
import { MlflowHttp } from '../../server/src/tracking/mlflow/http.ts';

const dir = mkdtempSync(join(tmpdir(), 'matih-resolver-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('ArtifactStores', () => {
  it('picks the store by scheme, case-insensitively', async () => {
    const stores = new ArtifactStores({ localRoots: [dir], s3: { region: 'us-east-1' }, mlflow: { uri: 'http://127.0.0.1:5000' } });
    try {
      assert.ok(stores.storeFor(`file://${dir}/run`) instanceof LocalArtifactStore);
      assert.ok(stores.storeFor(`FILE://${dir}/run`) instanceof LocalArtifactStore);
      assert.ok(stores.storeFor('s3://bucket/run') instanceof S3ArtifactStore);
      assert.equal(stores.storeFor('s3://bucket/a'), stores.storeFor('s3://other/b'));
      assert.ok(stores.storeFor('mlflow-artifacts:/1/run/artifacts') instanceof MlflowArtifactProxyStore);
    } finally {
      await stores.close();
    }
  });

  it('refuses every other location, naming the scheme', () => {
    const stores = new ArtifactStores({ localRoots: [dir] });
    const cases: [string, RegExp][] = [
      ['http://169.254.169.254/latest/meta-data', /'http:' scheme has no artifact store/],
      ['https://[::ffff:127.0.0.1]/x', /'https:' scheme/],
      ['hdfs://namenode/x', /'hdfs:' scheme/],
      ['dbfs:/databricks/x', /'dbfs:' scheme/],
      ['gs://bucket/x', /'gs:' scheme/],
      ['/etc/passwd', /no URI scheme/],
      ['relative/path', /no URI scheme/],
      ['', /no URI scheme/],
      ['C:\\Windows\\win.ini', /no URI scheme/],
      ['c:/windows', /no URI scheme/],
      ['mlflow-artifacts:/1/run', /not connected to one/],
    ];
    for (const [uri, reason] of cases) {
      assert.throws(() => stores.storeFor(uri), (err: unknown) => err instanceof ArtifactUriError && reason.test(err.message), uri);
    }
  });

  it('keeps one MLflow transport per workspace, and shares a given transport without one', async () => {
    const stores = new ArtifactStores({ localRoots: [], mlflow: { uri: 'http://127.0.0.1:5000' } });
    const a = stores.storeFor('mlflow-artifacts:/x', { workspace: 'team-a' });
    assert.equal(stores.storeFor('mlflow-artifacts:/y', { workspace: 'team-a' }), a);
    assert.notEqual(stores.storeFor('mlflow-artifacts:/x', { workspace: 'team-b' }), a);
    assert.notEqual(stores.storeFor('mlflow-artifacts:/x'), a);
    await stores.close();

    const http = new MlflowHttp({ uri: 'http://127.0.0.1:5000' });
    const shared = new ArtifactStores({ localRoots: [], mlflow: { http } });
    assert.ok(shared.storeFor('mlflow-artifacts:/x') instanceof MlflowArtifactProxyStore);
    assert.throws(() => shared.storeFor('mlflow-artifacts:/x', { workspace: 'team-a' }), /per-workspace/);
    await shared.close();
    await http.close();
  });
});
