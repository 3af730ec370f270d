/**
 * S3 keys for artifacts, as pure rules (credentials.ts does the SecretStorage side): which entry
 * holds the keys for the configured storage, how they join the MLflow credentials the daemon
 * receives, what a typed key must look like, and which daemon errors mean "S3 refused the keys
 * or found none", so the editor can offer to set them.
 */
import type { BackendCredentials, S3Credentials } from '../../../protocol/src/index.ts';
import { errorMessage } from '../util/errors.ts';
import { s3Bucket } from './settingsModel.ts';
import type { ExtensionSettings } from './settingsModel.ts';

export const S3_CREDENTIAL_PREFIX = 'matih.s3.credentials:';

/**
 * What one set of keys is for. Keys are kept per endpoint and bucket, so pointing the
 * destination at another bucket or server never hands it the keys of the previous one.
 */
export interface S3CredentialScope {
  /** The endpoint as `scheme://host[:port][/path]` (lowercase host, no trailing slash); '' for AWS. */
  endpoint: string;
  /**
   * The destination's bucket; undefined when the destination is not on S3, where the keys serve
   * `s3:` runs on any bucket of the endpoint (an MLflow server's artifacts, older destinations).
   */
  bucket: string | undefined;
}

export function s3CredentialScope(s: Pick<ExtensionSettings, 'artifactsDestination' | 's3EndpointUrl'>): S3CredentialScope {
  return { endpoint: normalizeEndpoint(s.s3EndpointUrl), bucket: s3Bucket(s.artifactsDestination) };
}

/** One endpoint however it is spelled (`HTTP://Host:80/` and `http://host` are the same server). */
function normalizeEndpoint(endpoint: string): string {
  const text = endpoint.trim();
  if (text === '') return '';
  try {
    const url = new URL(text);
    return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
  } catch {
    return text.replace(/\/+$/, '');
  }
}

/**
 * The SecretStorage key, `matih.s3.credentials:<bucket or *>@<endpoint or aws>`. Bucket names
 * hold no `@`, so the split is unambiguous.
 */
export function s3CredentialKey(scope: S3CredentialScope): string {
  return `${S3_CREDENTIAL_PREFIX}${scope.bucket ?? '*'}@${scope.endpoint === '' ? 'aws' : scope.endpoint}`;
}

/** "bucket “ml” on http://localhost:9000", "any bucket on AWS S3": for prompts and messages. */
export function describeS3Scope(scope: S3CredentialScope): string {
  const server = scope.endpoint === '' ? 'AWS S3' : scope.endpoint;
  return scope.bucket === undefined ? `any bucket on ${server}` : `bucket “${scope.bucket}” on ${server}`;
}

/** Reads back a stored entry; anything but the expected shape counts as none. */
export function parseS3Credentials(stored: string | undefined): S3Credentials | undefined {
  if (stored === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(stored);
    if (typeof value !== 'object' || value === null) return undefined;
    const v = value as Record<string, unknown>;
    const id = v['accessKeyId'];
    const secret = v['secretAccessKey'];
    const token = v['sessionToken'];
    if (typeof id !== 'string' || id === '' || typeof secret !== 'string' || secret === '') return undefined;
    if (token !== undefined && (typeof token !== 'string' || token === '')) return undefined;
    return { accessKeyId: id, secretAccessKey: secret, ...(token !== undefined ? { sessionToken: token } : {}) };
  } catch {
    // A corrupt entry is "no keys": the AWS chain applies and the user can set them again.
    return undefined;
  }
}

/** The keys as typed (trimmed; an empty session token means none), ready to store. */
export function s3CredentialsFrom(accessKeyId: string, secretAccessKey: string, sessionToken = ''): S3Credentials {
  const token = sessionToken.trim();
  return { accessKeyId: accessKeyId.trim(), secretAccessKey: secretAccessKey.trim(), ...(token !== '' ? { sessionToken: token } : {}) };
}

/**
 * What the daemon receives: the MLflow server's login with the storage's S3 keys beside it. An
 * `s3` part already in `mlflow` (never stored there, but the type allows it) is replaced, so
 * keys of another storage cannot ride along.
 */
export function withS3Credentials(mlflow: BackendCredentials, s3: S3Credentials | undefined): BackendCredentials {
  const { s3: _ignored, ...login } = mlflow;
  void _ignored;
  if (s3 === undefined) return login;
  // Field by field: the daemon refuses unknown keys, and objects that went through the AWS SDK gain some ($source).
  const { accessKeyId, secretAccessKey, sessionToken } = s3;
  return { ...login, s3: { accessKeyId, secretAccessKey, ...(sessionToken !== undefined ? { sessionToken } : {}) } };
}

/** Access key ids are printable ASCII without spaces (AWS: 16–128 characters; other servers vary). */
export function checkAccessKeyId(value: string): string | undefined {
  const text = value.trim();
  if (text === '') return 'Access key ID must not be empty';
  if (text.length > 128) return 'Access key ID is at most 128 characters';
  if (!/^[\x21-\x7e]+$/.test(text)) return 'Access key ID must not contain spaces or non-ASCII characters';
  return undefined;
}

export function checkSecretAccessKey(value: string): string | undefined {
  const text = value.trim();
  if (text === '') return 'Secret access key must not be empty';
  if (text.length > 1024) return 'Secret access key is at most 1024 characters';
  if (/\s/.test(text)) return 'Secret access key must not contain spaces';
  return undefined;
}

/** Optional: empty means none. */
export function checkSessionToken(value: string): string | undefined {
  const text = value.trim();
  if (text.length > 8192) return 'Session token is at most 8192 characters';
  if (/\s/.test(text)) return 'Session token must not contain spaces';
  return undefined;
}

/**
 * What S3 (through the AWS SDK in the daemon) says when keys are missing, unknown, wrong,
 * expired or not allowed: the daemon passes the SDK's message on, so the message is what tells.
 */
const S3_AUTH_MESSAGES: readonly RegExp[] = [
  /Could not load credentials from any providers/i,
  // AWS says "The AWS Access Key Id you provided…", SeaweedFS "The access key ID you provided…".
  /Access Key Id you provided does not exist/i,
  /\bInvalidAccessKeyId\b/,
  /request signature we calculated does not match/i,
  /\bSignatureDoesNotMatch\b/,
  /security token included in the request is (?:invalid|expired)/i,
  /provided token has expired/i,
  /\bExpiredToken\b/,
  /\bInvalidToken\b/,
  /^(?:Internal error in the daemon: )?Access Denied\.?$/i,
  /\bAccessDenied\b/,
];

/** True when a failed request's error means S3 needs (other) keys. */
export function isS3AuthError(error: unknown): boolean {
  const message = errorMessage(error) ?? '';
  return S3_AUTH_MESSAGES.some((pattern) => pattern.test(message.trim()));
}

/**
 * The user's words for an S3 auth failure: the daemon reports it as a permission error carrying
 * the SDK's message (older daemons as an internal error); what the user can do is set keys.
 */
export function s3AuthFailureMessage(message: string): string {
  const detail = message.replace(/^(?:Internal error in the daemon|Artifact storage refused the request):\s*/i, '').trim();
  if (/Could not load credentials from any providers/i.test(detail)) {
    return 'S3 artifact storage needs keys: none are stored for it, and the AWS environment and profile have none.';
  }
  return `S3 artifact storage refused the keys: ${detail}`;
}
