/**
 * Every new integrated terminal gets MLFLOW_TRACKING_URI (the daemon with the active tenant) and
 * MLFLOW_TRACKING_TOKEN through the extension's EnvironmentVariableCollection, so `python
 * train.py` typed there logs to the daemon with no change to the script. Re-applied when the
 * daemon restarts (new port and token) or the active tenant changes; `matih.terminal.injectEnvironment`
 * false clears it.
 */
import { MarkdownString, workspace } from 'vscode';
import type { Disposable, EnvironmentVariableCollection } from 'vscode';
import type { DaemonApi } from '../daemon/daemonClient.ts';
import { readEndpoint } from './endpoint.ts';
import { ScriptSettings } from './ids.ts';
import { trackingEnv, trackingUri } from './model.ts';

export class TerminalEnvironment implements Disposable {
  readonly #collection: EnvironmentVariableCollection;
  readonly #daemon: DaemonApi;
  readonly #disposables: Disposable[] = [];
  /** Applies one at a time, the latest status last. */
  #queue: Promise<void> = Promise.resolve();
  #applied = '';

  constructor(collection: EnvironmentVariableCollection, daemon: DaemonApi) {
    this.#collection = collection;
    this.#daemon = daemon;
    // Not kept across window reloads: the port and token change with every daemon.
    collection.persistent = false;
    this.#disposables.push(
      daemon.onDidChangeStatus(() => this.refresh()),
      workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(`matih.${ScriptSettings.injectEnvironment}`)) this.refresh();
      }),
    );
    this.refresh();
  }

  refresh(): void {
    this.#queue = this.#queue.then(() => this.#apply()).catch(() => undefined);
  }

  async #apply(): Promise<void> {
    const enabled = workspace.getConfiguration('matih').get<boolean>(ScriptSettings.injectEnvironment, true) !== false;
    const endpoint = enabled ? await readEndpoint(this.#daemon.status) : undefined;
    const env = endpoint ? trackingEnv(endpoint) : undefined;
    const key = env ? JSON.stringify(env) : '';
    if (key === this.#applied) return;
    this.#applied = key;
    this.#collection.clear();
    if (!env || !endpoint) return;
    for (const [name, value] of Object.entries(env)) this.#collection.replace(name, value);
    this.#collection.description = new MarkdownString(
      `MATIH Experiments: \`mlflow\` in new terminals logs to the editor's daemon, tenant **${endpoint.tenant}** (\`${trackingUri(endpoint)}\`). ` +
        'Turn off with `matih.terminal.injectEnvironment`.',
    );
  }

  dispose(): void {
    for (const d of this.#disposables.splice(0)) d.dispose();
  }
}
