/**
 * The one place that reads and writes `matih.*` settings. Everything else asks `Settings.current`
 * (a cleaned, typed snapshot) and listens to `onDidChange`, so no module parses raw configuration
 * or caches a stale copy.
 */
import { ConfigurationTarget, EventEmitter, workspace } from 'vscode';
import type { ConfigurationChangeEvent, Disposable, Event, LogOutputChannel } from 'vscode';
import { SETTING_KEYS, normalizeSettings } from './settingsModel.ts';
import type { ExtensionSettings, RawSettings } from './settingsModel.ts';

const SECTION = 'matih';

export { SETTING_KEYS };

export interface SettingsChange {
  previous: ExtensionSettings;
  current: ExtensionSettings;
}

export class Settings implements Disposable {
  readonly #onDidChange = new EventEmitter<SettingsChange>();
  readonly onDidChange: Event<SettingsChange> = this.#onDidChange.event;
  readonly #listener: Disposable;
  readonly #log: LogOutputChannel;
  #current: ExtensionSettings;
  /** Problems already reported, so a bad value is logged once rather than on every change. */
  readonly #reported = new Set<string>();

  constructor(log: LogOutputChannel) {
    this.#log = log;
    this.#current = this.#read();
    this.#listener = workspace.onDidChangeConfiguration((e: ConfigurationChangeEvent) => {
      if (e.affectsConfiguration(SECTION)) this.#refresh();
    });
  }

  get current(): ExtensionSettings {
    return this.#current;
  }

  /**
   * Writes one setting where it is already set (workspace folder, workspace, user), else in the
   * user settings, so a workspace override is updated rather than silently shadowed.
   */
  async update<K extends keyof ExtensionSettings>(field: K, value: ExtensionSettings[K]): Promise<void> {
    const key = SETTING_KEYS[field];
    const config = workspace.getConfiguration(SECTION);
    const inspected = config.inspect(key);
    const target =
      inspected?.workspaceFolderValue !== undefined
        ? ConfigurationTarget.WorkspaceFolder
        : inspected?.workspaceValue !== undefined
          ? ConfigurationTarget.Workspace
          : ConfigurationTarget.Global;
    await config.update(key, value, target);
    // VS Code's change event may come later; callers that read right after expect the new value.
    // `#refresh` fires once: the event that follows finds nothing new.
    this.#refresh();
  }

  dispose(): void {
    this.#listener.dispose();
    this.#onDidChange.dispose();
  }

  /** Re-reads the settings and tells listeners, when anything changed. */
  #refresh(): void {
    const previous = this.#current;
    const current = this.#read();
    if (JSON.stringify(previous) === JSON.stringify(current)) return;
    this.#current = current;
    this.#onDidChange.fire({ previous, current });
  }

  #read(): ExtensionSettings {
    const config = workspace.getConfiguration(SECTION);
    const raw: RawSettings = {};
    for (const [field, key] of Object.entries(SETTING_KEYS) as [keyof ExtensionSettings, string][]) {
      raw[field] = config.get<unknown>(key);
    }
    const { settings, problems } = normalizeSettings(raw);
    for (const problem of problems) {
      if (this.#reported.has(problem)) continue;
      this.#reported.add(problem);
      this.#log.warn(problem);
    }
    return settings;
  }
}
