/**
 * MLflow credentials and S3 keys for artifacts, kept only in VS Code's SecretStorage (the OS
 * keychain): MLflow logins one entry per server so switching back to a server needs no new login,
 * S3 keys one entry per endpoint and bucket (s3Credentials.ts). They leave the extension host
 * only towards the daemon (initialization options, `Daemon.setCredentials`,
 * `Daemon.testConnection`) and are never logged.
 */
import { EventEmitter } from 'vscode';
import type { Disposable, Event, SecretStorage } from 'vscode';
import type { BackendCredentials, S3Credentials } from '../../../protocol/src/index.ts';
import { S3_CREDENTIAL_PREFIX, parseS3Credentials, s3CredentialKey, s3CredentialScope, withS3Credentials } from './s3Credentials.ts';
import type { S3CredentialScope } from './s3Credentials.ts';
import { credentialKey } from './settingsModel.ts';
import type { ExtensionSettings } from './settingsModel.ts';

const KEY_PREFIX = credentialKey('');

/** Reads back only the shapes `BackendCredentials` allows; anything else counts as none. */
function parse(stored: string | undefined): BackendCredentials {
  if (stored === undefined) return {};
  try {
    const value: unknown = JSON.parse(stored);
    if (typeof value === 'object' && value !== null) {
      const v = value as Record<string, unknown>;
      if (typeof v['token'] === 'string') return { token: v['token'] };
      if (typeof v['username'] === 'string' && typeof v['password'] === 'string') {
        return { username: v['username'], password: v['password'] };
      }
    }
  } catch {
    // A corrupt entry is treated as "no credentials"; the user is asked again on the next switch.
  }
  return {};
}

export function hasCredentials(credentials: BackendCredentials): boolean {
  return Object.keys(credentials).length > 0;
}

export class CredentialStore implements Disposable {
  readonly #secrets: SecretStorage;
  readonly #onDidChange = new EventEmitter<void>();
  /** Fires when credentials change, also when another window changed them. */
  readonly onDidChange: Event<void> = this.#onDidChange.event;
  readonly #listener: Disposable;

  constructor(secrets: SecretStorage) {
    this.#secrets = secrets;
    this.#listener = secrets.onDidChange((e) => {
      if (e.key.startsWith(KEY_PREFIX) || e.key.startsWith(S3_CREDENTIAL_PREFIX)) this.#onDidChange.fire();
    });
  }

  /** The credentials saved for this server; `{}` when none (or when no server is set). */
  async get(mlflowUri: string): Promise<BackendCredentials> {
    if (mlflowUri === '') return {};
    return parse(await this.#secrets.get(credentialKey(mlflowUri)));
  }

  /** Saves (or, for `{}`, forgets) this server's credentials. */
  async set(mlflowUri: string, credentials: BackendCredentials): Promise<void> {
    const key = credentialKey(mlflowUri);
    if (hasCredentials(credentials)) await this.#secrets.store(key, JSON.stringify(credentials));
    else await this.#secrets.delete(key);
  }

  /** The S3 keys saved for this endpoint and bucket; undefined when none (the AWS chain applies). */
  async getS3(scope: S3CredentialScope): Promise<S3Credentials | undefined> {
    return parseS3Credentials(await this.#secrets.get(s3CredentialKey(scope)));
  }

  /** Saves (or, for undefined, forgets) the S3 keys of this endpoint and bucket. */
  async setS3(scope: S3CredentialScope, credentials: S3Credentials | undefined): Promise<void> {
    const key = s3CredentialKey(scope);
    if (credentials !== undefined) await this.#secrets.store(key, JSON.stringify(credentials));
    else await this.#secrets.delete(key);
    // SecretStorage's own event may come later; the daemon should get the keys before the next request.
    this.#onDidChange.fire();
  }

  /** Everything the daemon needs for these settings: the MLflow server's login and the storage's S3 keys. */
  async forDaemon(settings: ExtensionSettings): Promise<BackendCredentials> {
    const [login, s3] = await Promise.all([this.get(settings.mlflowUri), this.getS3(s3CredentialScope(settings))]);
    return withS3Credentials(login, s3);
  }

  dispose(): void {
    this.#listener.dispose();
    this.#onDidChange.dispose();
  }
}
