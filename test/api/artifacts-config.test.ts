/**
 * The daemon's artifact configuration (`--artifacts-destination`, S3 settings, upload limit) and
 * the rule for an `artifact_location` a caller asks for.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, test } from 'node:test';
import { BackendCredentialsSchema, DaemonSettingsSchema } from '../../protocol/src/index.ts';
import { parseByteSize, resolveArtifactConfig, s3SettingsFromEnv } from '../../server/src/config/artifact-config.ts';
import { artifactConfig } from '../../server/src/lsp/listener.ts';
import { Router } from '../../server/src/http/router.ts';
import { checkLocation } from '../../server/src/services/artifact-locations.ts';
import { TrackingError } from '../../server/src/tracking/errors.ts';

const DATA = '/srv/matih';

describe('artifact config', () => {
  test('the default destination is the data directory\'s artifacts folder', () => {
    const c = resolveArtifactConfig({}, DATA);
    assert.equal(c.destination, pathToFileURL(join(DATA, 'artifacts')).href);
    assert.equal(c.isDefault, true);
    assert.deepEqual(c.localRoots, [join(DATA, 'artifacts')]);
    assert.equal(c.maxUploadBytes, 10 * 1024 ** 3);
  });

  test('an S3 destination is normalised; a local one becomes a file: URI and an allowed root', () => {
    const s3 = resolveArtifactConfig({ destination: 's3://Team-Bucket/ml/artifacts/' }, DATA);
    assert.equal(s3.destination, 's3://team-bucket/ml/artifacts');
    assert.equal(s3.isDefault, false);
    assert.deepEqual(s3.localRoots, [join(DATA, 'artifacts')]);
    const local = resolveArtifactConfig({ destination: '/mnt/shared/artifacts/' }, DATA);
    assert.equal(local.destination, 'file:///mnt/shared/artifacts');
    assert.deepEqual(local.localRoots, [join(DATA, 'artifacts'), '/mnt/shared/artifacts']);
  });

  test('bad destinations are refused with the reason', () => {
    for (const [destination, reason] of [
      ['relative/dir', /absolute folder/],
      ['ftp://host/x', /'ftp:' scheme is not supported/],
      ['s3://a/x', /valid bucket name/],
      ['s3://bucket/a/../b', /'\.\.' segments/],
      ['s3://bucket/x?versionId=1', /s3:\/\/bucket\[\/prefix\]/],
    ] as const) {
      assert.throws(() => resolveArtifactConfig({ destination }, DATA), reason, destination);
    }
    assert.throws(() => resolveArtifactConfig({ maxUploadBytes: 0 }, DATA), /positive number of bytes/);
    assert.throws(() => resolveArtifactConfig({ s3: { endpointUrl: 'http://user:pw@minio:9000' } }, DATA), /without credentials/);
  });

  test("S3 settings from MLflow's and AWS's environment variables", () => {
    assert.deepEqual(s3SettingsFromEnv({ MLFLOW_S3_ENDPOINT_URL: 'http://minio:9000', AWS_DEFAULT_REGION: 'eu-west-1' }), {
      endpointUrl: 'http://minio:9000',
      region: 'eu-west-1',
    });
    assert.deepEqual(s3SettingsFromEnv({ AWS_ENDPOINT_URL_S3: 'http://s3:8333', AWS_REGION: 'us-east-2', AWS_DEFAULT_REGION: 'x' }), {
      endpointUrl: 'http://s3:8333',
      region: 'us-east-2',
    });
    assert.deepEqual(s3SettingsFromEnv({}), {});
  });

  test('upload sizes in binary units', () => {
    assert.equal(parseByteSize('1024', 'x'), 1024);
    assert.equal(parseByteSize('500MiB', 'x'), 500 * 1024 ** 2);
    assert.equal(parseByteSize('2G', 'x'), 2 * 1024 ** 3);
    assert.equal(parseByteSize('1.5kb', 'x'), 1536);
    assert.throws(() => parseByteSize('lots', '--max-upload-size'), /--max-upload-size must be a size/);
    assert.throws(() => parseByteSize('0', '--max-upload-size'), /at least one byte/);
  });
});

describe("a caller's artifact_location", () => {
  const local = resolveArtifactConfig({}, DATA);
  const s3 = resolveArtifactConfig({ destination: 's3://bucket/team' }, DATA);
  const refused = (location: string, config = local, kind: 'embedded' | 'mlflow' = 'embedded', reason?: RegExp) =>
    assert.throws(
      () => checkLocation(location, config, kind),
      (err: unknown) => err instanceof TrackingError && err.field === 'artifact_location' && (!reason || reason.test(err.message)),
      location,
    );

  test('inside a served folder or prefix it is taken (an absolute path as a file: URI)', () => {
    assert.equal(checkLocation(`${pathToFileURL(DATA).href}/artifacts/mine`, local, 'embedded'), 'file:///srv/matih/artifacts/mine');
    assert.equal(checkLocation('/srv/matih/artifacts/mine', local, 'embedded'), 'file:///srv/matih/artifacts/mine');
    assert.equal(checkLocation('s3://bucket/team/project/', s3, 'embedded'), 's3://bucket/team/project');
    assert.equal(checkLocation('mlflow-artifacts:/team/x', local, 'mlflow'), 'mlflow-artifacts:/team/x');
  });

  test('anywhere else it is refused naming the field', () => {
    refused('file:///etc', local, 'embedded', /outside the folders/);
    refused('/srv/matih/artifacts-evil/x', local, 'embedded', /outside the folders/);
    refused('/srv/matih/artifacts/../secrets', local);
    refused('s3://bucket/team', local, 'embedded', /keeps artifacts in a local folder/);
    refused('s3://bucket/teamx/a', s3, 'embedded', /not inside s3:\/\/bucket\/team/);
    refused('s3://other/team/a', s3);
    refused('s3://bucket/team/../other', s3);
    refused('mlflow-artifacts:/x', local, 'embedded', /needs an MLflow server/);
    refused('mlflow-artifacts://evil-host/x', local, 'mlflow');
    refused('http://169.254.169.254/latest/meta-data', local, 'embedded', /'http:' scheme/);
    refused('relative/dir');
  });
});

describe("the editor's artifact settings and S3 keys", () => {
  test('settings are checked and mapped onto the daemon config; S3 keys come only from the credentials', () => {
    const settings = DaemonSettingsSchema.parse({
      artifactsDestination: 's3://bucket/team',
      s3EndpointUrl: 'http://127.0.0.1:8333',
      s3Region: 'eu-central-1',
      s3PathStyle: true,
    });
    const credentials = BackendCredentialsSchema.parse({ token: 't', s3: { accessKeyId: 'AK', secretAccessKey: 'SK' } });
    assert.deepEqual(credentials, { token: 't', s3: { accessKeyId: 'AK', secretAccessKey: 'SK' } });
    assert.deepEqual(artifactConfig(settings, credentials, {}), {
      destination: 's3://bucket/team',
      s3: { endpointUrl: 'http://127.0.0.1:8333', region: 'eu-central-1', pathStyle: true, credentials: { accessKeyId: 'AK', secretAccessKey: 'SK' } },
    });
    // Without settings, MLflow's and AWS's environment fill in; without keys, the AWS chain applies.
    const plain = DaemonSettingsSchema.parse({});
    assert.deepEqual(artifactConfig(plain, {}, { MLFLOW_S3_ENDPOINT_URL: 'http://minio:9000', AWS_REGION: 'us-west-2' }), {
      s3: { endpointUrl: 'http://minio:9000', region: 'us-west-2' },
    });
  });

  test('bad artifact settings and keys are refused naming the field, never echoing a secret', () => {
    const bad = DaemonSettingsSchema.safeParse({ artifactsDestination: 'relative/dir', s3EndpointUrl: 'http://ak:sk@minio:9000' });
    assert.equal(bad.success, false);
    const paths = bad.error!.issues.map((i) => i.path.join('.'));
    assert.deepEqual(paths.sort(), ['artifactsDestination', 's3EndpointUrl']);
    assert.ok(!JSON.stringify(bad.error!.issues).includes('sk@'));
    const keys = BackendCredentialsSchema.safeParse({ s3: { accessKeyId: 'AK' } });
    assert.equal(keys.success, false);
    assert.deepEqual(keys.error!.issues.map((i) => i.path.join('.')), ['s3.secretAccessKey']);
  });
});

describe('raw-body routes', () => {
  test('only PUT may take a raw body: a POST of any type would be a "simple request" a web page can send', () => {
    const handler = async () => ({ status: 200 });
    const raw = { rawBody: { limitBytes: () => 1 } };
    assert.throws(() => new Router().add('POST', '/upload', handler, raw), /Only PUT routes may take a raw body/);
    const router = new Router().add('PUT', '/upload/*path', handler, raw);
    const match = router.match('PUT', ['upload', 'a', 'b.txt']);
    assert.equal(match.kind, 'found');
    assert.equal(match.kind === 'found' && match.options.rawBody?.limitBytes(), 1);
  });
});
