/**
 * Notebooks: the live chart renderer's messaging, and making the pure-Python helper
 * (`python/matih`, shipped inside the extension) importable without installing anything.
 *
 * How the helper reaches Python:
 * - Terminals: not here; the terminal environment (`client/src/scripts/terminalEnvironment.ts`)
 *   owns the extension's environment variable collection and clears it, so a `PYTHONPATH` entry
 *   for scripts belongs there.
 * - Notebook kernels: VS Code's Jupyter extension starts kernels with the interpreter's own
 *   environment (plus a workspace `.env`), not the terminal collection, so the command
 *   "MATIH: Connect Notebook to Tracking" inserts a first cell that puts the helper's folder on
 *   `sys.path` and calls `matih.connect()`. Works with any local kernel; no install, no secret in
 *   the notebook (the token is read from the discovery file at run time).
 * - Fallback: `%pip install "<extension>/python"` (see `python/README.md`).
 */
import { Commands } from '../commands/ids.ts';
import { commands, NotebookCellData, NotebookCellKind, NotebookEdit, window, workspace, WorkspaceEdit } from 'vscode';
import type { Disposable, ExtensionContext, LogOutputChannel } from 'vscode';
import type { DaemonApi } from '../daemon/daemonClient.ts';
import type { DaemonLiveSubscriptions } from '../daemon/liveSubscriptions.ts';
import { LiveRendererMessaging } from './liveRendererMessaging.ts';

export interface NotebookDeps {
  context: ExtensionContext;
  daemon: DaemonApi;
  /** The one shared instance (see extension.ts). */
  liveSubscriptions: DaemonLiveSubscriptions;
  log: LogOutputChannel;
}

/** The cell that makes a notebook log to the daemon of its window. */
export function connectCellSource(helperDir: string): string {
  // A JSON string is a valid Python string literal (same escapes), whatever the path holds.
  return [
    `import sys; sys.path.insert(0, ${JSON.stringify(helperDir)})  # the MATIH helper shipped with the extension`,
    'import matih',
    'matih.connect()',
  ].join('\n');
}

export function registerNotebooks({ context, daemon, liveSubscriptions, log }: NotebookDeps): Disposable[] {
  const helperDir = context.asAbsolutePath('python');
  return [
    new LiveRendererMessaging(daemon, liveSubscriptions, log),
    commands.registerCommand(Commands.connectNotebook, async () => {
      const editor = window.activeNotebookEditor;
      if (editor === undefined) {
        void window.showInformationMessage('Open a Jupyter notebook first, then connect it to MATIH tracking.');
        return;
      }
      const cell = new NotebookCellData(NotebookCellKind.Code, connectCellSource(helperDir), 'python');
      const edit = new WorkspaceEdit();
      edit.set(editor.notebook.uri, [NotebookEdit.insertCells(0, [cell])]);
      await workspace.applyEdit(edit);
    }),
  ];
}
