/**
 * The inline code lens's click (the daemon's lenses name INLINE_OPEN_LIVE_COMMAND): opens the
 * Live panel on the lens's run through LIVE_OPEN_COMMAND, or says readably why it cannot.
 * The lenses and hovers themselves come from the daemon's LSP side (server/src/lsp/inline).
 */
import { commands, window } from 'vscode';
import type { Disposable } from 'vscode';
import { INLINE_OPEN_LIVE_COMMAND, LIVE_OPEN_COMMAND } from '../../../protocol/src/index.ts';

export function registerInlineCommands(): Disposable[] {
  return [
    commands.registerCommand(INLINE_OPEN_LIVE_COMMAND, async (runId: unknown, tenant: unknown) => {
      if (typeof runId !== 'string' || typeof tenant !== 'string') {
        void window.showInformationMessage('This code lens names no run to show yet.');
        return;
      }
      const available = await commands.getCommands(true);
      if (!available.includes(LIVE_OPEN_COMMAND)) {
        void window.showInformationMessage(
          `The Live Metrics panel is not available in this version of MATIH Experiments, so run ${runId} (tenant ${tenant}) cannot be opened there yet.`,
        );
        return;
      }
      try {
        await commands.executeCommand(LIVE_OPEN_COMMAND, runId, tenant);
      } catch (err) {
        void window.showErrorMessage(`Could not open the Live panel: ${err instanceof Error ? err.message : String(err)}`);
      }
    }),
  ];
}
