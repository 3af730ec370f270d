/**
 * The extension's entry point: wires the daemon owner, the status bar item, the sidebar and the
 * commands together, and nothing else. The daemon starts in the background so activation never
 * waits on it; everything that needs it waits (or says it is not running) on its own.
 */
// First: configures zod before the protocol's schemas are built (see zodSetup.ts).
import './zodSetup.ts';
import { window } from 'vscode';
import type { ExtensionContext } from 'vscode';
import { registerCommands } from './commands/index.ts';
import { CredentialStore } from './config/credentials.ts';
import { Settings } from './config/settings.ts';
import { DaemonClient } from './daemon/daemonClient.ts';
import { DaemonLiveSubscriptions } from './daemon/liveSubscriptions.ts';
import { DaemonStatusItem } from './daemon/statusItem.ts';
import { registerInlineCommands } from './inline/openLive.ts';
import { registerNotebooks } from './notebooks/index.ts';
import { registerCompareRuns } from './panels/compare.ts';
import { registerLiveMetrics } from './panels/liveMetrics.ts';
import { registerInspectPanels } from './panels/runsTableCommands.ts';
import { registerScripts } from './scripts/index.ts';
import { ExperimentsTree } from './views/experimentsTree.ts';
import { RunQueryStore } from './views/runQueryStore.ts';

let daemon: DaemonClient | undefined;

export function activate(context: ExtensionContext): void {
  const log = window.createOutputChannel('MATIH Experiments', { log: true });
  const settings = new Settings(log);
  const credentials = new CredentialStore(context.secrets);
  daemon = new DaemonClient(context, settings, credentials, log);
  // One counted set of live subscriptions for the Live Metrics panel, the notebook renderer and the tree.
  const liveSubscriptions = new DaemonLiveSubscriptions(daemon, (message) => log.warn(`Live: ${message}`));
  const tree = new ExperimentsTree(daemon, settings, new RunQueryStore(context.workspaceState), liveSubscriptions);
  const deps = { context, daemon, liveSubscriptions, settings, credentials, tree, log };
  context.subscriptions.push(
    log,
    settings,
    credentials,
    daemon,
    liveSubscriptions,
    new DaemonStatusItem(daemon, settings),
    tree,
    ...registerCommands(deps),
    ...registerInlineCommands(),
    ...registerNotebooks(deps),
    registerLiveMetrics(deps),
    ...registerInspectPanels(deps),
    registerCompareRuns(deps),
    ...registerScripts(deps),
  );
  void daemon.start();
}

/** Stops the daemon and waits for it, so no orphan process outlives the window. */
export async function deactivate(): Promise<void> {
  const owner = daemon;
  daemon = undefined;
  await owner?.stop();
}
