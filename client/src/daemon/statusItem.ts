/**
 * The status bar item: which tenant new work goes to, which backend holds it, and whether the
 * daemon is healthy. Tenant switching is a known pain in other ML extensions; keeping the active
 * tenant always visible (and one click from its details) is the cheap cure. Also sets the context
 * keys the manifest's `when` clauses use.
 */
import { commands, MarkdownString, StatusBarAlignment, ThemeColor, window } from 'vscode';
import type { Disposable, StatusBarItem } from 'vscode';
import type { DaemonStatus } from '../../../protocol/src/index.ts';
import { Commands } from '../commands/ids.ts';
import type { Settings } from '../config/settings.ts';
import { escapeMarkdown as escape } from '../util/format.ts';
import type { DaemonApi, DaemonState } from './daemonClient.ts';

/** `embedded`, or `mlflow` without the origin (the tooltip has it). */
export function backendKind(status: DaemonStatus | undefined, fallback: string): string {
  return status?.backend.split(' ')[0] ?? fallback;
}

export class DaemonStatusItem implements Disposable {
  readonly #item: StatusBarItem;
  readonly #daemon: DaemonApi;
  readonly #settings: Settings;
  readonly #disposables: Disposable[];

  constructor(daemon: DaemonApi, settings: Settings) {
    this.#daemon = daemon;
    this.#settings = settings;
    this.#item = window.createStatusBarItem('matih.status', StatusBarAlignment.Left, 50);
    this.#item.name = 'MATIH Experiments';
    this.#item.command = Commands.showStatus;
    this.#disposables = [
      this.#item,
      daemon.onDidChangeState(() => this.update()),
      daemon.onDidChangeStatus(() => this.update()),
      settings.onDidChange(() => this.update()),
    ];
    this.update();
    this.#item.show();
  }

  update(): void {
    const state = this.#daemon.state;
    const status = this.#daemon.status;
    const settings = this.#settings.current;
    const tenant = settings.activeTenant;
    const backend = backendKind(status, settings.backend);
    const healthy = status?.healthy ?? true;

    this.#item.text = this.#text(state, tenant, backend, healthy);
    this.#item.backgroundColor =
      state === 'failed' || state === 'stopped'
        ? new ThemeColor('statusBarItem.errorBackground')
        : !healthy
          ? new ThemeColor('statusBarItem.warningBackground')
          : undefined;
    this.#item.tooltip = this.#tooltip(state, tenant, status);
    this.#item.accessibilityInformation = {
      label: `MATIH Experiments: tenant ${tenant}, backend ${backend}, daemon ${state}${healthy ? '' : ', unhealthy'}`,
    };

    void commands.executeCommand('setContext', 'matih.daemonState', state);
    void commands.executeCommand('setContext', 'matih.backend', backend);
    void commands.executeCommand('setContext', 'matih.mlflowUi', status?.mlflowUiUrl !== undefined);
  }

  dispose(): void {
    for (const d of this.#disposables) d.dispose();
  }

  #text(state: DaemonState, tenant: string, backend: string, healthy: boolean): string {
    switch (state) {
      case 'starting':
        return '$(loading~spin) MATIH';
      case 'failed':
      case 'stopped':
        return '$(error) MATIH: daemon stopped';
      case 'running':
        return `${healthy ? '$(beaker)' : '$(warning)'} ${tenant} · ${backend}`;
    }
  }

  #tooltip(state: DaemonState, tenant: string, status: DaemonStatus | undefined): MarkdownString {
    const md = new MarkdownString(undefined, true);
    md.isTrusted = { enabledCommands: [Commands.switchTenant, Commands.chooseBackend, Commands.restartDaemon, Commands.showStatus] };
    md.appendMarkdown('**MATIH Experiments**\n\n');
    md.appendMarkdown(`Active tenant: \`${tenant}\`\n\n`);
    if (status !== undefined) {
      md.appendMarkdown(`Backend: \`${status.backend}\`\n\n`);
      md.appendMarkdown(status.healthy ? 'Health: $(pass) healthy\n\n' : `Health: $(warning) ${escape(status.problem ?? 'unhealthy')}\n\n`);
    } else {
      md.appendMarkdown(`Daemon: ${state}\n\n`);
    }
    md.appendMarkdown(
      `[Switch Tenant](command:${Commands.switchTenant}) · [Choose Backend](command:${Commands.chooseBackend}) · ` +
        `[Restart Daemon](command:${Commands.restartDaemon}) · [Details](command:${Commands.showStatus})`,
    );
    return md;
  }
}
