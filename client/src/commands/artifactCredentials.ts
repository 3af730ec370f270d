/**
 * "MATIH: Set Artifact Storage Credentials…" and "Clear …": S3 keys for `s3:` artifacts, asked
 * for the configured endpoint and destination bucket and kept only in SecretStorage. The daemon
 * gets them through the credential store's change event (DaemonClient sends `Daemon.setCredentials`);
 * without stored keys it uses the AWS environment and profile chain, which the prompts say.
 */
import { window } from 'vscode';
import type { Disposable } from 'vscode';
import {
  checkAccessKeyId,
  checkSecretAccessKey,
  checkSessionToken,
  describeS3Scope,
  s3CredentialScope,
  s3CredentialsFrom,
} from '../config/s3Credentials.ts';
import type { S3CredentialScope } from '../config/s3Credentials.ts';
import type { ExtensionSettings } from '../config/settingsModel.ts';
import { Commands } from './ids.ts';
import { ask, register } from './shared.ts';
import type { CommandDeps } from './shared.ts';

const TITLE = 'Artifact Storage Credentials';
const AWS_CHAIN = 'the AWS environment and profile (AWS_ACCESS_KEY_ID, AWS_PROFILE, ~/.aws/credentials)';

/** What the keys will be used for, in the user's words. */
function purpose(settings: ExtensionSettings, scope: S3CredentialScope): string {
  const where = describeS3Scope(scope);
  if (scope.bucket !== undefined) return `S3 keys for ${where}, where matih.artifacts.destination keeps new artifacts.`;
  if (settings.backend === 'mlflow') return `S3 keys for s3:// artifacts of the MLflow server's runs on ${where}.`;
  return `S3 keys for s3:// artifacts on ${where} (matih.artifacts.destination is not an s3:// URL).`;
}

async function setCredentials(deps: CommandDeps): Promise<void> {
  const settings = deps.settings.current;
  const scope = s3CredentialScope(settings);
  const saved = await deps.credentials.getS3(scope);
  const intro = `${purpose(settings, scope)} Kept in the editor's secret storage; without them the daemon uses ${AWS_CHAIN}.`;
  const accessKeyId = await ask({
    title: `${TITLE} (1/3): Access Key ID`,
    prompt: intro,
    placeHolder: 'Access key ID, e.g. AKIA… or your MinIO user',
    ...(saved !== undefined ? { value: saved.accessKeyId } : {}),
    check: checkAccessKeyId,
  });
  if (accessKeyId === undefined) return;
  const secretAccessKey = await ask({
    title: `${TITLE} (2/3): Secret Access Key`,
    prompt: `Secret access key of ${accessKeyId.trim()}`,
    password: true,
    check: checkSecretAccessKey,
  });
  if (secretAccessKey === undefined) return;
  const sessionToken = await ask({
    title: `${TITLE} (3/3): Session Token`,
    prompt: 'Session token, only for temporary (STS) keys; leave empty otherwise',
    password: true,
    check: checkSessionToken,
  });
  if (sessionToken === undefined) return;
  await deps.credentials.setS3(scope, s3CredentialsFrom(accessKeyId, secretAccessKey, sessionToken));
  deps.log.info(`S3 keys stored for ${describeS3Scope(scope)}`);
  void window.showInformationMessage(`Saved the S3 keys for ${describeS3Scope(scope)} in the editor's secret storage; the daemon uses them from now on.`);
}

async function clearCredentials(deps: CommandDeps): Promise<void> {
  const scope = s3CredentialScope(deps.settings.current);
  const where = describeS3Scope(scope);
  if ((await deps.credentials.getS3(scope)) === undefined) {
    void window.showInformationMessage(`No S3 keys are stored for ${where}; the daemon uses ${AWS_CHAIN}.`);
    return;
  }
  await deps.credentials.setS3(scope, undefined);
  deps.log.info(`S3 keys removed for ${where}`);
  void window.showInformationMessage(`Removed the S3 keys for ${where}; the daemon now uses ${AWS_CHAIN}.`);
}

export function registerArtifactCredentialCommands(deps: CommandDeps): Disposable[] {
  return [
    register(deps, Commands.setArtifactCredentials, () => setCredentials(deps)),
    register(deps, Commands.clearArtifactCredentials, () => clearCredentials(deps)),
  ];
}
