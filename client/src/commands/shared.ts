/**
 * What every command module uses: the services they act on, a registration that turns any
 * failure into a readable message (never a stack trace), input boxes that validate while the
 * user types, and a busy indicator on the sidebar while the daemon works.
 */
import { commands, ProgressLocation, window } from 'vscode';
import type { Disposable, ExtensionContext, LogOutputChannel } from 'vscode';
import type { CredentialStore } from '../config/credentials.ts';
import type { Settings } from '../config/settings.ts';
import type { DaemonClient } from '../daemon/daemonClient.ts';
import { readableError } from '../util/errors.ts';
import { showFailure } from './failures.ts';
import type { ExperimentsTree } from '../views/experimentsTree.ts';
import { TREE_VIEW_ID } from './ids.ts';
import type { CommandId } from './ids.ts';

export interface CommandDeps {
  readonly context: ExtensionContext;
  readonly daemon: DaemonClient;
  readonly settings: Settings;
  readonly credentials: CredentialStore;
  readonly tree: ExperimentsTree;
  readonly log: LogOutputChannel;
}

/**
 * Registers a command whose failures are shown as the daemon's message. Arguments are whatever
 * VS Code passes: the clicked tree node and the selection for menu commands, nothing from the
 * palette, the `arguments` of a tree item's command; hence `any`, narrowed by each handler.
 */
export function register(deps: CommandDeps, id: CommandId, handler: (...args: any[]) => unknown): Disposable {
  return commands.registerCommand(id, async (...args: unknown[]) => {
    try {
      return await handler(...args);
    } catch (error) {
      const message = readableError(error);
      deps.log.warn(`${id}: ${message}`);
      void showFailure(message, error);
      return undefined;
    }
  });
}

export interface AskOptions {
  title: string;
  prompt: string;
  value?: string;
  placeHolder?: string;
  password?: boolean;
  /** Runs on every keystroke; answers a message to block accepting, or nothing. */
  check?: (value: string) => string | undefined | Promise<string | undefined>;
}

/** An input box; `undefined` when the user pressed Escape. */
export async function ask(options: AskOptions): Promise<string | undefined> {
  const check = options.check;
  return window.showInputBox({
    title: options.title,
    prompt: options.prompt,
    value: options.value,
    valueSelection: options.value === undefined ? undefined : [0, options.value.length],
    placeHolder: options.placeHolder,
    password: options.password ?? false,
    ignoreFocusOut: true,
    validateInput: check === undefined ? undefined : (value) => check(value),
  });
}

/** A modal yes/no; the question names the tenant, since the same name can exist in several. */
export async function confirm(message: string, detail: string, action: string): Promise<boolean> {
  const choice = await window.showWarningMessage(message, { modal: true, detail }, action);
  return choice === action;
}

/** Runs `work` with a progress bar on the sidebar (and a status-bar spinner), since a remote MLflow can be slow. */
export function busy<T>(title: string, work: () => Promise<T>): Promise<T> {
  return Promise.resolve(
    window.withProgress({ location: { viewId: TREE_VIEW_ID }, title }, () =>
      window.withProgress({ location: ProgressLocation.Window, title: `MATIH: ${title}` }, work),
    ),
  );
}
