import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BackendCredentialsSchema, InitializationOptionsSchema } from '../../protocol/src/index.ts';
import {
  checkAccessKeyId,
  checkSecretAccessKey,
  checkSessionToken,
  describeS3Scope,
  isS3AuthError,
  s3AuthFailureMessage,
  parseS3Credentials,
  s3CredentialKey,
  s3CredentialScope,
  s3CredentialsFrom,
  withS3Credentials,
} from '../../client/src/config/s3Credentials.ts';
import { credentialKey, normalizeSettings, toDaemonSettings } from '../../client/src/config/settingsModel.ts';

const KEYS = { accessKeyId: 'AKIAEXAMPLE0000001', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };

function keyFor(raw: { artifactsDestination?: string; s3EndpointUrl?: string }): string {
  return s3CredentialKey(s3CredentialScope(normalizeSettings(raw).settings));
}

describe('S3 credentials: keying', () => {
  it('keys by bucket and endpoint, so another destination never gets these keys', () => {
    const a = keyFor({ artifactsDestination: 's3://team-a/runs', s3EndpointUrl: 'http://127.0.0.1:9000' });
    assert.equal(a, 'matih.s3.credentials:team-a@http://127.0.0.1:9000');
    assert.notEqual(a, keyFor({ artifactsDestination: 's3://team-b/runs', s3EndpointUrl: 'http://127.0.0.1:9000' }));
    assert.notEqual(a, keyFor({ artifactsDestination: 's3://team-a/runs', s3EndpointUrl: 'http://127.0.0.1:9001' }));
    assert.notEqual(a, keyFor({ artifactsDestination: 's3://team-a/runs' }));
    // Same storage however spelled: the prefix, a trailing slash, the case of scheme and host.
    assert.equal(a, keyFor({ artifactsDestination: 's3://team-a/other/prefix', s3EndpointUrl: 'HTTP://127.0.0.1:9000/' }));
    assert.equal(a, keyFor({ artifactsDestination: 'S3://Team-A', s3EndpointUrl: 'http://127.0.0.1:9000' }));
  });

  it('keys AWS and non-S3 destinations apart, and never like an MLflow login', () => {
    assert.equal(keyFor({ artifactsDestination: 's3://bucket' }), 'matih.s3.credentials:bucket@aws');
    assert.equal(keyFor({}), 'matih.s3.credentials:*@aws');
    assert.equal(keyFor({ artifactsDestination: '/srv/artifacts', s3EndpointUrl: 'https://minio.example' }), 'matih.s3.credentials:*@https://minio.example');
    assert.equal(keyFor({ s3EndpointUrl: 'https://minio.example:443/' }), keyFor({ s3EndpointUrl: 'https://minio.example' }));
    assert.equal(keyFor({ s3EndpointUrl: 'https://minio.example' }).startsWith(credentialKey('')), false);
  });

  it('describes what the keys are for', () => {
    assert.equal(describeS3Scope({ endpoint: 'http://localhost:9000', bucket: 'ml' }), 'bucket “ml” on http://localhost:9000');
    assert.equal(describeS3Scope({ endpoint: '', bucket: undefined }), 'any bucket on AWS S3');
  });
});

describe('S3 credentials: stored entries and what the daemon receives', () => {
  it('reads back what was stored, and treats anything else as no keys', () => {
    const typed = s3CredentialsFrom(` ${KEYS.accessKeyId} `, `${KEYS.secretAccessKey}\n`, '  ');
    assert.deepEqual(typed, KEYS);
    assert.deepEqual(parseS3Credentials(JSON.stringify(typed)), KEYS);
    const temporary = s3CredentialsFrom(KEYS.accessKeyId, KEYS.secretAccessKey, 'FwoGZXIvYXdzEXAMPLE');
    assert.deepEqual(parseS3Credentials(JSON.stringify(temporary)), { ...KEYS, sessionToken: 'FwoGZXIvYXdzEXAMPLE' });
    for (const bad of [undefined, '', 'not json', 'null', '[]', '{"accessKeyId":"x"}', '{"accessKeyId":"","secretAccessKey":"y"}', '{"accessKeyId":"x","secretAccessKey":"y","sessionToken":5}']) {
      assert.equal(parseS3Credentials(bad), undefined, String(bad));
    }
  });

  it('merges S3 keys beside each form of MLflow login, in the shape the daemon accepts', () => {
    const logins = [{}, { token: 'dapi-123' }, { username: 'ana', password: 'pw' }];
    for (const login of logins) {
      const merged = withS3Credentials(login, KEYS);
      assert.deepEqual(merged, { ...login, s3: KEYS });
      const parsed = BackendCredentialsSchema.safeParse(merged);
      assert.equal(parsed.success, true, JSON.stringify(login));
      assert.deepEqual(parsed.data, merged);
      // Without keys the login goes alone: the daemon falls back to the AWS chain.
      assert.deepEqual(withS3Credentials(login, undefined), login);
    }
    // An s3 part on the login side is replaced, not kept.
    const stale = { token: 't', s3: { accessKeyId: 'OLD', secretAccessKey: 'old' } };
    assert.deepEqual(withS3Credentials(stale, KEYS), { token: 't', s3: KEYS });
    assert.deepEqual(withS3Credentials(stale, undefined), { token: 't' });
    // Only the three fields travel: the daemon refuses unknown keys, such as the `$source` the AWS SDK adds.
    const marked = { ...KEYS, sessionToken: 'st', $source: { CREDENTIALS_CODE: 'e' } };
    assert.deepEqual(withS3Credentials({}, marked), { s3: { ...KEYS, sessionToken: 'st' } });
    assert.equal(BackendCredentialsSchema.safeParse(withS3Credentials({}, marked)).success, true);
  });

  it('makes initialization options the daemon accepts from settings and stored keys', () => {
    const { settings } = normalizeSettings({ artifactsDestination: 's3://ml/x', s3EndpointUrl: 'http://127.0.0.1:9000', s3PathStyle: true });
    const options = { settings: toDaemonSettings(settings), credentials: withS3Credentials({}, KEYS) };
    const parsed = InitializationOptionsSchema.safeParse(options);
    assert.equal(parsed.success, true);
    assert.deepEqual(parsed.data?.credentials, { s3: KEYS });
    assert.equal(parsed.data?.settings.s3PathStyle, true);
  });
});

describe('S3 credentials: input checks', () => {
  it('names the field at fault', () => {
    assert.equal(checkAccessKeyId(KEYS.accessKeyId), undefined);
    assert.equal(checkAccessKeyId('  '), 'Access key ID must not be empty');
    assert.match(checkAccessKeyId('AKIA EXAMPLE') ?? '', /^Access key ID must not contain spaces/);
    assert.match(checkAccessKeyId('x'.repeat(129)) ?? '', /^Access key ID is at most 128/);
    assert.equal(checkSecretAccessKey(KEYS.secretAccessKey), undefined);
    assert.equal(checkSecretAccessKey(''), 'Secret access key must not be empty');
    assert.match(checkSecretAccessKey('a b') ?? '', /^Secret access key must not contain spaces/);
    assert.equal(checkSessionToken(''), undefined);
    assert.match(checkSessionToken('a b') ?? '', /^Session token must not contain spaces/);
  });
});

describe('S3 credentials: recognising an S3 auth failure', () => {
  it('recognises what the AWS SDK says for missing, unknown, wrong and expired keys', () => {
    for (const message of [
      'Internal error in the daemon: Could not load credentials from any providers',
      'Internal error in the daemon: The AWS Access Key Id you provided does not exist in our records.',
      'Internal error in the daemon: The access key ID you provided does not exist in our records.',
      'Internal error in the daemon: The request signature we calculated does not match the signature you provided. Check your key and signing method.',
      'Internal error in the daemon: The provided token has expired.',
      'Internal error in the daemon: Access Denied',
      'InvalidAccessKeyId: unknown key',
    ]) {
      assert.equal(isS3AuthError(new Error(message)), true, message);
      assert.equal(isS3AuthError({ message, data: { code: 'internal_error' } }), true, message);
    }
  });

  it('says what the user can do rather than "internal error"', () => {
    assert.equal(
      s3AuthFailureMessage('Internal error in the daemon: Could not load credentials from any providers'),
      'S3 artifact storage needs keys: none are stored for it, and the AWS environment and profile have none.',
    );
    assert.equal(
      s3AuthFailureMessage('Internal error in the daemon: The access key ID you provided does not exist in our records.'),
      'S3 artifact storage refused the keys: The access key ID you provided does not exist in our records.',
    );
  });

  it('leaves other failures alone', () => {
    for (const message of [
      'MLflow at http://mlflow:5000 refused the credentials (HTTP 401): check the user name and password, or the token',
      'The run abc does not exist',
      'path: must not contain ".." segments',
      'The MATIH daemon is not running. Restart it from the status bar.',
      'Access to the run is denied for tenant acme',
    ]) {
      assert.equal(isS3AuthError(new Error(message)), false, message);
    }
    assert.equal(isS3AuthError(undefined), false);
    assert.equal(isS3AuthError(42), false);
  });
});
