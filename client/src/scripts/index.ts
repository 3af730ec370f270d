/**
 * Scripts: the terminal environment (any `python train.py` logs to the daemon) and "Run Python
 * File with Tracking" / "Stop Run". `extension.ts` calls `registerScripts` once.
 */
import { commands, window } from 'vscode';
import type { Disposable, ExtensionContext, LogOutputChannel } from 'vscode';
import type { DaemonApi } from '../daemon/daemonClient.ts';
import { readableError } from '../util/errors.ts';
import { ScriptCommands } from './ids.ts';
import { ScriptRunner } from './runWithTracking.ts';
import { TerminalEnvironment } from './terminalEnvironment.ts';

export { ScriptCommands } from './ids.ts';

export function registerScripts(deps: { context: ExtensionContext; daemon: DaemonApi; log: LogOutputChannel }): Disposable[] {
  const runner = new ScriptRunner(deps.daemon, deps.log);
  const command = (id: string, handler: (...args: unknown[]) => Promise<void>) =>
    commands.registerCommand(id, async (...args: unknown[]) => {
      try {
        await handler(...args);
      } catch (error) {
        const message = readableError(error);
        deps.log.warn(`${id}: ${message}`);
        void window.showErrorMessage(message);
      }
    });
  return [
    new TerminalEnvironment(deps.context.environmentVariableCollection, deps.daemon),
    runner,
    command(ScriptCommands.runPythonFile, (arg) => runner.runPythonFile(arg)),
    command(ScriptCommands.stopRun, (arg) => runner.stopRun(arg)),
  ];
}
