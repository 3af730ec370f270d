/**
 * S3 keys as a user meets them: `matih.artifacts.destination` points at a real S3 server
 * (SeaweedFS) and no keys exist anywhere (the AWS environment and profile are emptied), so an
 * upload from the Explorer fails with an error that offers "Set Credentials…"; that button asks
 * for the keys (the secret in a password box), keeps them in SecretStorage, and the same upload
 * then lands in the bucket. The secret appears in no setting and no log. One code-server start.
 */
import assert from 'node:assert/strict';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { s3Client, startS3Server } from '../support/s3-server.ts';
import type { S3Server } from '../support/s3-server.ts';
import { type Matih, clearNotifications, e2eSkip, explorerContextMenu, matihLog, notificationButton, snap, startMatih, userSettings, waitFor } from './support/matih.ts';

const skip = e2eSkip();
const TENANT = 'default';
const PREFIX = 'editor-artifacts';
let s3: S3Server;
let check: S3Client;
let m: Matih;
let scratch: string;
let runId: string;

before(async () => {
  if (skip) return;
  s3 = await startS3Server({ bucket: 'matih-e2e-keys' });
  check = s3Client(s3);
  scratch = await mkdtemp(join(tmpdir(), 'matih-e2e-keys-'));
  m = await startMatih({
    // No keys from this machine's AWS set-up: the daemon must get them from the editor.
    env: {
      AWS_ACCESS_KEY_ID: '',
      AWS_SECRET_ACCESS_KEY: '',
      AWS_SESSION_TOKEN: '',
      AWS_PROFILE: '',
      AWS_SHARED_CREDENTIALS_FILE: join(scratch, 'no-credentials'),
      AWS_CONFIG_FILE: join(scratch, 'no-config'),
      AWS_EC2_METADATA_DISABLED: 'true',
    },
  });
  // Workspace settings, as a team would commit them: the artifact settings are machine-overridable,
  // which a remote window such as code-server's ignores in user settings. Set while running, so
  // the daemon also takes the change.
  await mkdir(join(m.editor.workspace, '.vscode'), { recursive: true });
  await writeFile(
    join(m.editor.workspace, '.vscode', 'settings.json'),
    JSON.stringify({
      'matih.artifacts.destination': `s3://${s3.bucket}/${PREFIX}`,
      'matih.artifacts.s3.endpointUrl': s3.endpoint,
      'matih.artifacts.s3.region': s3.region,
      'matih.artifacts.s3.pathStyle': true,
    }),
  );
  await waitFor('the daemon to take the settings', () => matihLog(m.editor).includes('workspace/didChangeConfiguration sent'), { timeoutMs: 30_000 });
  const experiment = await waitFor('an experiment created on S3', async () => {
    const created = await m.api.createExperiment(TENANT, { name: `keys-from-the-editor-${Date.now()}` }).catch(() => undefined);
    return created && (await m.api.call<{ artifact_location: string }>(TENANT, 'GET', `/api/v1/experiments/${created.id}`)).artifact_location.startsWith(`s3://${s3.bucket}/`)
      ? created
      : undefined;
  }, { timeoutMs: 30_000 });
  runId = (await m.api.createRun(TENANT, { experiment_id: experiment.id, name: 'on-s3' })).id;
}, { timeout: 600_000 });

after(async () => {
  await m?.editor.close();
  check?.destroy();
  await s3?.stop();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

/** Right-click → "Upload File to Run…" on requirements.txt in the Explorer, then the run. */
async function uploadFromExplorer(): Promise<void> {
  const { page, quick } = m;
  await explorerContextMenu(page, 'requirements.txt', 'Upload File to Run…');
  await waitFor('runs in the list', async () => (await quick.options()).some((o) => o.includes('on-s3')));
  await quick.choose('Upload "requirements.txt" to Run', /on-s3/);
}

/** The keys of the bucket's objects under the run. */
async function objectKeys(): Promise<string[]> {
  const listed = await check.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: `${PREFIX}/` }));
  return (listed.Contents ?? []).map((o) => o.Key ?? '').filter((k) => k.includes(`/${runId}/`));
}

test('an upload without keys offers "Set Credentials…", whose keys make the upload land in S3', { skip, timeout: 240_000 }, async () => {
  const { page, quick, editor } = m;
  await clearNotifications(editor);
  await uploadFromExplorer();
  const error = await editor.waitForNotification(/S3 artifact storage needs keys/, 60_000);
  assert.match(error, /none are stored for it, and the AWS environment and profile have none/);
  assert.deepEqual(await objectKeys(), []);
  await waitFor('the upload progress to close', async () => !(await editor.notifications()).some((n) => /Uploading/.test(n)));
  await snap(editor, 'artifact-credentials-error');

  await notificationButton(page, /S3 artifact storage needs keys/, 'Set Credentials…');
  const first = await quick.waitForTitle('Artifact Storage Credentials (1/3): Access Key ID');
  assert.ok(first);
  const prompt = await quick.message();
  assert.match(prompt, new RegExp(`bucket “${s3.bucket}” on ${s3.endpoint.replace(/[.]/g, '\\.')}`));
  assert.match(prompt, /without them the daemon uses the AWS environment and profile/);
  await snap(editor, 'artifact-credentials-prompt');
  // Checked while typing.
  await quick.fillAndExpectMessage('has space', /Access key ID must not contain spaces/);
  await quick.answer('Artifact Storage Credentials (1/3): Access Key ID', s3.accessKeyId);
  await quick.waitForTitle('Artifact Storage Credentials (2/3): Secret Access Key');
  assert.equal(await quick.input.getAttribute('type'), 'password');
  await quick.answer('Artifact Storage Credentials (2/3): Secret Access Key', s3.secretAccessKey);
  await quick.answer('Artifact Storage Credentials (3/3): Session Token', '');
  await editor.waitForNotification(new RegExp(`Saved the S3 keys for bucket “${s3.bucket}”`), 15_000);

  await clearNotifications(editor);
  await uploadFromExplorer();
  const size = readFileSync(join(editor.workspace, 'requirements.txt')).length;
  await editor.waitForNotification(new RegExp(`Uploaded requirements\\.txt \\(${size} B\\) to run "on-s3"`), 60_000);
  const keys = await objectKeys();
  assert.equal(keys.length, 1, JSON.stringify(keys));
  assert.match(keys[0]!, new RegExp(`^${PREFIX}/${TENANT}/[^/]+/${runId}/artifacts/requirements\\.txt$`));
  const stored = await check.send(new GetObjectCommand({ Bucket: s3.bucket, Key: keys[0] }));
  assert.equal(await stored.Body!.transformToString(), readFileSync(join(editor.workspace, 'requirements.txt'), 'utf8'));
  await waitFor('the upload progress to close', async () => !(await editor.notifications()).some((n) => /Uploading/.test(n)));
  await snap(editor, 'artifact-credentials-uploaded');

  // The secret is in SecretStorage only: not in settings, not in the extension's log.
  assert.equal(JSON.stringify(userSettings(editor)).includes(s3.secretAccessKey), false);
  assert.equal(matihLog(editor).includes(s3.secretAccessKey), false);
});

test('Clear removes the keys: the next upload asks for them again', { skip, timeout: 120_000 }, async () => {
  const { editor } = m;
  await clearNotifications(editor);
  await editor.runCommand('MATIH: Clear Artifact Storage Credentials');
  await editor.waitForNotification(new RegExp(`Removed the S3 keys for bucket “${s3.bucket}”`), 15_000);
  await clearNotifications(editor);
  await uploadFromExplorer();
  await editor.waitForNotification(/S3 artifact storage needs keys/, 60_000);
});
