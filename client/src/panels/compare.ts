/**
 * "MATIH: Compare Runs…" (`matih.runs.compare`): opens a Compare Runs panel for
 *  - runs selected in the sidebar (the tree passes the clicked node and the selection),
 *  - `{ tenant, runIds }` from another panel or command (the runs table),
 *  - one run or an experiment in the tree, or nothing (the palette): runs picked from a
 *    multi-select list of the experiment's runs (after picking the experiment).
 * Comparing the same runs again reveals their panel. Panels come back after a reload through the
 * serializer, with the runs the page kept in its state.
 */
import { commands, window } from 'vscode';
import type { Disposable, ExtensionContext, LogOutputChannel, QuickPickItem, WebviewPanel } from 'vscode';
import { COMPARE_PANEL_MAX_RUNS, COMPARE_PANEL_VIEW_TYPE, ComparePanelState, Experiments, Runs } from '../../../protocol/src/index.ts';
import type { ExperimentView } from '../../../protocol/src/index.ts';
import { Commands } from '../commands/ids.ts';
import type { Settings } from '../config/settings.ts';
import type { DaemonApi } from '../daemon/daemonClient.ts';
import { readableError } from '../util/errors.ts';
import { runDescription, runLabel } from '../util/format.ts';
import { ExperimentNode } from '../views/nodes/experimentNode.ts';
import { RunNode } from '../views/nodes/runNode.ts';
import { DirectionMemory, parseCompareTarget, targetKey } from './compareData.ts';
import type { CompareTarget } from './compareData.ts';
import { ComparePanel } from './comparePanel.ts';
import type { ComparePanelDeps } from './comparePanel.ts';
import { PanelSet } from './panelHost.ts';

/** The open panels by `targetKey`. */
class ComparePanels implements Disposable {
  readonly #deps: ComparePanelDeps;
  readonly #panels = new PanelSet<ComparePanel>();

  constructor(deps: ComparePanelDeps) {
    this.#deps = deps;
  }

  open(target: CompareTarget): void {
    let runIds = [...new Set(target.runIds)];
    if (runIds.length > COMPARE_PANEL_MAX_RUNS) {
      void window.showWarningMessage(`Compare Runs shows at most ${COMPARE_PANEL_MAX_RUNS} runs; comparing the first ${COMPARE_PANEL_MAX_RUNS}.`);
      runIds = runIds.slice(0, COMPARE_PANEL_MAX_RUNS);
    }
    const clean = { tenant: target.tenant, runIds };
    this.#panels.open(targetKey(clean), COMPARE_PANEL_VIEW_TYPE, 'Compare Runs', this.#deps.extensionUri, (panel, forget) => this.#create(panel, clean, forget));
  }

  /** A panel VS Code restored after a reload: compares again what its page kept; without state it closes. */
  restore(panel: WebviewPanel, state: unknown): void {
    this.#panels.restore(panel, state, ComparePanelState, targetKey, (s, forget) => this.#create(panel, { tenant: s.tenant, runIds: s.runIds }, forget));
  }

  dispose(): void {
    this.#panels.dispose();
  }

  #create(panel: WebviewPanel, target: CompareTarget, forget: () => void): ComparePanel {
    return new ComparePanel(this.#deps, panel, target, forget);
  }
}

interface Pick<T> extends QuickPickItem {
  value: T;
}

async function pickExperiment(daemon: DaemonApi, tenant: string): Promise<ExperimentView | undefined> {
  const page = await daemon.request(Experiments.list, { tenant, maxResults: 1000 });
  if (page.items.length === 0) {
    void window.showInformationMessage(`Tenant "${tenant}" has no experiments to compare runs of.`);
    return undefined;
  }
  const chosen = await window.showQuickPick(
    page.items.map((e): Pick<ExperimentView> => ({ label: e.name, description: `id ${e.id}`, value: e })),
    { title: 'Compare Runs (1/2): experiment', placeHolder: `Pick the experiment in tenant "${tenant}"`, matchOnDescription: true },
  );
  return chosen?.value;
}

/** A multi-select list of the experiment's runs (newest first), `preselected` ticked. */
async function pickRuns(daemon: DaemonApi, tenant: string, experiment: { id: string; name: string }, preselected: readonly string[]): Promise<string[] | undefined> {
  const quickPick = window.createQuickPick<Pick<string>>();
  quickPick.title = `Compare Runs: runs of "${experiment.name}"`;
  quickPick.placeholder = 'Loading runs…';
  quickPick.canSelectMany = true;
  quickPick.matchOnDescription = true;
  quickPick.matchOnDetail = true;
  quickPick.busy = true;
  quickPick.show();
  try {
    const chosen = new Promise<string[] | undefined>((resolve) => {
      quickPick.onDidAccept(() => resolve(quickPick.selectedItems.map((i) => i.value)));
      quickPick.onDidHide(() => resolve(undefined));
    });
    const page = await daemon.request(Runs.list, { tenant, experimentId: experiment.id, maxResults: 1000 });
    const now = new Date();
    const items = page.items.map((run): Pick<string> => ({ label: runLabel(run), description: runDescription(run, now), detail: run.id, value: run.id }));
    quickPick.items = items;
    quickPick.selectedItems = items.filter((i) => preselected.includes(i.value));
    quickPick.placeholder = items.length === 0 ? 'This experiment has no runs' : 'Tick two or more runs, then press Enter';
    quickPick.busy = false;
    const ids = await chosen;
    return ids === undefined || ids.length === 0 ? undefined : ids;
  } finally {
    quickPick.dispose();
  }
}

export interface CompareDeps {
  readonly context: ExtensionContext;
  readonly daemon: DaemonApi;
  readonly settings: Settings;
  readonly log: LogOutputChannel;
}

/** The Compare Runs command (tree, palette, other panels) and the panels' serializer. */
export function registerCompareRuns(deps: CompareDeps): Disposable {
  const panels = new ComparePanels({
    extensionUri: deps.context.extensionUri,
    daemon: deps.daemon,
    directions: new DirectionMemory(deps.context.workspaceState),
    log: deps.log,
  });
  const compare = async (arg?: unknown, selected?: unknown): Promise<void> => {
    try {
      const target = parseCompareTarget(arg);
      if (target !== undefined) {
        panels.open(target);
        return;
      }
      const nodes = Array.isArray(selected) && selected.length > 0 ? selected : [arg];
      const runNodes = nodes.filter((n): n is RunNode => n instanceof RunNode);
      if (runNodes.length >= 2) {
        const tenants = new Set(runNodes.map((n) => n.tenant));
        if (tenants.size > 1) {
          void window.showWarningMessage('Compare runs of one tenant at a time: the selection spans tenants ' + [...tenants].join(', ') + '.');
          return;
        }
        panels.open({ tenant: runNodes[0]!.tenant, runIds: runNodes.map((n) => n.run.id) });
        return;
      }
      // One run or an experiment: pick (more) runs of that experiment; nothing: of a picked experiment.
      const runNode = runNodes[0];
      const experimentNode = runNode?.experiment ?? nodes.find((n): n is ExperimentNode => n instanceof ExperimentNode);
      const tenant = experimentNode?.tenant ?? deps.settings.current.activeTenant;
      const experiment = experimentNode?.experiment ?? (await pickExperiment(deps.daemon, tenant));
      if (experiment === undefined) return;
      const runIds = await pickRuns(deps.daemon, tenant, experiment, runNode === undefined ? [] : [runNode.run.id]);
      if (runIds !== undefined) panels.open({ tenant, runIds });
    } catch (error) {
      const message = readableError(error);
      deps.log.warn(`${Commands.compareRuns}: ${message}`);
      void window.showErrorMessage(message);
    }
  };
  const disposables: Disposable[] = [
    panels,
    commands.registerCommand(Commands.compareRuns, compare),
    window.registerWebviewPanelSerializer(COMPARE_PANEL_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel, state) => panels.restore(panel, state),
    }),
  ];
  return { dispose: () => disposables.forEach((d) => d.dispose()) };
}
