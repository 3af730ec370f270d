/**
 * MLflow credentials, kept only in VS Code's SecretStorage (the OS keychain), one entry per
 * server so switching back to a server needs no new login. They leave the extension host only
 * towards the daemon (initialization options, `Daemon.setCredentials`, `Daemon.testConnection`)
 * and are never logged.
 */
import { EventEmitter } from 'vscode';
import type { Disposable, Event, SecretStorage } from 'vscode';
import type { BackendCredentials } from '../../../protocol/src/index.ts';
import { credentialKey } from './settingsModel.ts';

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
      if (e.key.startsWith(KEY_PREFIX)) this.#onDidChange.fire();
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

  dispose(): void {
    this.#listener.dispose();
    this.#onDidChange.dispose();
  }
}
