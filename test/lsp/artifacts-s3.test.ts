import assert from 'node:assert/strict';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Artifacts, Daemon, Experiments, Runs } from '../../protocol/src/index.ts';
import type { BackendCredentials, S3Credentials } from '../../protocol/src/index.ts';
import { isS3AuthError, withS3Credentials } from '../../client/src/config/s3Credentials.ts';
import { normalizeSettings, toDaemonSettings } from '../../client/src/config/settingsModel.ts';
import { s3Client, startS3Server } from '../support/s3-server.ts';
import type { S3Server } from '../support/s3-server.ts';
import { type LspDaemon, startLspDaemon } from './harness.ts';

/**
 * An S3 artifact destination through the daemon started the way the extension starts it: the
 * settings as the extension maps them (`matih.artifacts.*` → `toDaemonSettings`), S3 keys as the
 * extension sends them from SecretStorage (`withS3Credentials`, in the initialization options or
 * `Daemon.setCredentials`), uploads landing in a real S3 server (SeaweedFS). Without stored keys
 * the daemon must use the AWS profile chain; with none anywhere, or wrong ones, it must fail in a
 * way the extension recognises as "offer Set Credentials…", never echoing a secret.
 */

const CSV = 'x,y\n1,2\n3,4\n';
const PREFIX = 'team-a/experiments';

let s3: S3Server;
let check: S3Client;
let local: string;
let keys: S3Credentials;
/** Keeps the daemon off this machine's own AWS set-up: no variables, no files, no instance metadata. */
let isolated: NodeJS.ProcessEnv;

before(async () => {
  s3 = await startS3Server({ bucket: 'matih-lsp-s3' });
  keys = { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey };
  check = s3Client(s3);
  local = await mkdtemp(join(tmpdir(), 'matih-lsp-s3-'));
  await writeFile(join(local, 'train.csv'), CSV);
  isolated = {
    AWS_ACCESS_KEY_ID: '',
    AWS_SECRET_ACCESS_KEY: '',
    AWS_SESSION_TOKEN: '',
    AWS_PROFILE: '',
    AWS_REGION: '',
    AWS_DEFAULT_REGION: '',
    MLFLOW_S3_ENDPOINT_URL: '',
    AWS_ENDPOINT_URL_S3: '',
    AWS_SHARED_CREDENTIALS_FILE: join(local, 'no-credentials'),
    AWS_CONFIG_FILE: join(local, 'no-config'),
    AWS_EC2_METADATA_DISABLED: 'true',
  };
});
after(async () => {
  check?.destroy();
  await s3?.stop();
  if (local) await rm(local, { recursive: true, force: true });
});

/** Initialization options as the extension builds them from `matih.*` settings and stored keys. */
function options(stored: S3Credentials | undefined, login: BackendCredentials = {}) {
  const { settings, problems } = normalizeSettings({
    tenants: ['acme'],
    activeTenant: 'acme',
    artifactsDestination: `s3://${s3.bucket}/${PREFIX}`,
    s3EndpointUrl: `${s3.endpoint}/`,
    s3Region: s3.region,
    s3PathStyle: true,
  });
  assert.deepEqual(problems, []);
  return { settings: toDaemonSettings(settings), credentials: withS3Credentials(login, stored) };
}

async function newRun(d: LspDaemon, name: string): Promise<{ runId: string; artifactLocation: string }> {
  const experiment = await d.request(Experiments.create, { tenant: 'acme', name });
  const run = await d.request(Runs.create, { tenant: 'acme', experimentId: experiment.id, name: 'on-s3' });
  return { runId: run.id, artifactLocation: experiment.artifactLocation };
}

const upload = (d: LspDaemon, runId: string) =>
  d.request(Artifacts.upload, { tenant: 'acme', runId, source: join(local, 'train.csv'), destination: 'data/train.csv' });

/** The object as the S3 server holds it, read with a client of its own. */
async function objectOf(runId: string): Promise<{ key: string; body: string }> {
  const listed = await check.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: `${PREFIX}/` }));
  const keys = (listed.Contents ?? []).map((o) => o.Key ?? '').filter((k) => k.includes(`/${runId}/`) && k.endsWith('/data/train.csv'));
  assert.equal(keys.length, 1, `one train.csv under ${PREFIX}/ for run ${runId}: ${JSON.stringify(keys)}`);
  const got = await check.send(new GetObjectCommand({ Bucket: s3.bucket, Key: keys[0] }));
  return { key: keys[0]!, body: await got.Body!.transformToString() };
}

function assertNoSecret(d: LspDaemon, ...texts: string[]): void {
  for (const text of [...texts, d.output(), ...d.logs]) {
    assert.equal(text.includes(s3.secretAccessKey), false, 'the secret access key appeared in daemon output or an error');
  }
}

describe('S3 artifacts over LSP with keys from the extension', () => {
  test('keys in the initialization options: the upload lands in the S3 server, under the destination', async () => {
    const d = await startLspDaemon({ initializationOptions: options(keys), env: isolated });
    try {
      const { runId, artifactLocation } = await newRun(d, 'init-keys');
      // Inside the destination, under the tenant (artifacts are tenant-scoped like everything else).
      assert.match(artifactLocation, new RegExp(`^s3://${s3.bucket}/${PREFIX}/acme/[^/]+$`));
      assert.deepEqual(await upload(d, runId), { files: 1, bytes: CSV.length });
      const stored = await objectOf(runId);
      assert.equal(stored.body, CSV);
      assert.equal(`s3://${s3.bucket}/${stored.key}`, `${artifactLocation}/${runId}/artifacts/data/train.csv`);
      // And back through the daemon.
      const listed = await d.request(Artifacts.list, { tenant: 'acme', runId, path: 'data' });
      assert.deepEqual(listed.entries.map((e) => [e.path, e.size]), [['data/train.csv', CSV.length]]);
      const read = await d.request(Artifacts.read, { tenant: 'acme', runId, path: 'data/train.csv' });
      assert.equal(read.content, CSV);

      // Wrong keys sent later (a mistyped secret, an unknown key id): S3 refuses, and the extension can tell.
      const wrong: S3Credentials[] = [
        { ...keys, secretAccessKey: 'not-the-secret-0000000000000000000000000' },
        { accessKeyId: 'MATIHUNKNOWNKEY00001', secretAccessKey: 'not-the-secret-0000000000000000000000000' },
      ];
      for (const bad of wrong) {
        await d.request(Daemon.setCredentials, { credentials: withS3Credentials({}, bad) });
        const refused = await d.failure(Artifacts.upload, { tenant: 'acme', runId, source: join(local, 'train.csv'), destination: 'data/again.csv' });
        assert.equal(isS3AuthError(refused), true, `not recognised as an S3 auth error: ${refused.message}`);
        assert.doesNotMatch(refused.message, /not-the-secret/);
        assertNoSecret(d, refused.message);
      }
      const listing = await d.failure(Artifacts.list, { tenant: 'acme', runId, path: 'data' });
      assert.equal(isS3AuthError(listing), true, `not recognised as an S3 auth error: ${listing.message}`);
      // The right keys again: the refused uploads left nothing behind.
      await d.request(Daemon.setCredentials, { credentials: withS3Credentials({}, keys) });
      const restored = await d.request(Artifacts.list, { tenant: 'acme', runId, path: 'data' });
      assert.deepEqual(restored.entries.map((e) => e.path), ['data/train.csv']);
    } finally {
      await d.stop();
      await d.dispose();
    }
  });

  test('no keys anywhere: the failure offers credentials; keys sent with setCredentials make the same upload work', async () => {
    const d = await startLspDaemon({ initializationOptions: options(undefined, { token: 'mlflow-token-unused' }), env: isolated });
    try {
      const { runId } = await newRun(d, 'later-keys');
      const missing = await d.failure(Artifacts.upload, { tenant: 'acme', runId, source: join(local, 'train.csv'), destination: 'data/train.csv' });
      assert.equal(isS3AuthError(missing), true, `not recognised as an S3 auth error: ${missing.message}`);

      // What DaemonClient sends after "Set Artifact Storage Credentials…": the login kept, the keys beside it.
      await d.request(Daemon.setCredentials, { credentials: withS3Credentials({ token: 'mlflow-token-unused' }, keys) });
      assert.deepEqual(await upload(d, runId), { files: 1, bytes: CSV.length });
      assert.equal((await objectOf(runId)).body, CSV);
      assertNoSecret(d, missing.message);
    } finally {
      await d.stop();
      await d.dispose();
    }
  });

  test('no stored keys: the daemon uses the AWS profile chain', async () => {
    const profiles = join(local, 'aws-credentials');
    await writeFile(profiles, `[matih-test]\naws_access_key_id = ${keys.accessKeyId}\naws_secret_access_key = ${keys.secretAccessKey}\n`, { mode: 0o600 });
    const d = await startLspDaemon({
      initializationOptions: options(undefined),
      env: { ...isolated, AWS_SHARED_CREDENTIALS_FILE: profiles, AWS_PROFILE: 'matih-test' },
    });
    try {
      const { runId } = await newRun(d, 'profile-chain');
      assert.deepEqual(await upload(d, runId), { files: 1, bytes: CSV.length });
      assert.equal((await objectOf(runId)).body, CSV);
    } finally {
      await d.stop();
      await d.dispose();
    }
  });
});
