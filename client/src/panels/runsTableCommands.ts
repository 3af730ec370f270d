/**
 * The commands and serializers of the inspect panels this area owns: "Open Runs Table" (an
 * experiment's context menu and inline button, the palette) and "Open Run Details" (a run's
 * context menu, the runs table, the palette). From the palette they ask for an experiment (and a
 * run) of the active tenant.
 */
import { commands, QuickPickItemKind, window } from 'vscode';
import type { Disposable, QuickPickItem } from 'vscode';
import { Experiments, Runs, RUN_DETAILS_VIEW_TYPE, RUNS_TABLE_VIEW_TYPE } from '../../../protocol/src/index.ts';
import type { RunsTableContext } from '../../../protocol/src/index.ts';
import { Commands } from '../commands/ids.ts';
import { register } from '../commands/shared.ts';
import type { CommandDeps } from '../commands/shared.ts';
import type { DaemonApi } from '../daemon/daemonClient.ts';
import { runLabel } from '../util/format.ts';
import { DetailGroupNode } from '../views/nodes/detailNodes.ts';
import { ExperimentNode } from '../views/nodes/experimentNode.ts';
import { RunNode } from '../views/nodes/runNode.ts';
import type { ExperimentsTree } from '../views/experimentsTree.ts';
import { RunDetailsPanels } from './runDetails.ts';
import type { RunRef } from './runDetails.ts';
import { RunsTablePanels } from './runsTable.ts';

interface Choice<T> extends QuickPickItem {
  value?: T;
}

async function pickExperiment(daemon: DaemonApi, tenant: string, title: string): Promise<RunsTableContext | undefined> {
  const page = await daemon.request(Experiments.list, { tenant, maxResults: 1000 });
  if (page.items.length === 0) {
    void window.showInformationMessage(`Tenant "${tenant}" has no experiments yet.`);
    return undefined;
  }
  const chosen = await window.showQuickPick<Choice<RunsTableContext>>(
    page.items.map((e) => ({
      label: e.name,
      description: `experiment ${e.id}`,
      value: { tenant, experimentId: e.id, experimentName: e.name },
    })),
    { title, placeHolder: `An experiment of tenant "${tenant}"`, matchOnDescription: true },
  );
  return chosen?.value;
}

async function pickRun(daemon: DaemonApi, tenant: string): Promise<RunRef | undefined> {
  const experiment = await pickExperiment(daemon, tenant, 'Open Run Details: experiment');
  if (experiment === undefined) return undefined;
  const runs = await daemon.request(Runs.list, { tenant, experimentId: experiment.experimentId, maxResults: 200 });
  if (runs.items.length === 0) {
    void window.showInformationMessage(`Experiment "${experiment.experimentName}" has no runs yet.`);
    return undefined;
  }
  const items: Choice<RunRef>[] = [{ label: experiment.experimentName, kind: QuickPickItemKind.Separator }];
  for (const run of runs.items) {
    items.push({ label: runLabel(run), description: `${run.status} · started ${new Date(run.startTime).toLocaleString()}`, detail: run.id, value: { tenant, runId: run.id } });
  }
  const chosen = await window.showQuickPick(items, { title: 'Open Run Details: run', placeHolder: 'The latest 200 runs', matchOnDescription: true, matchOnDetail: true });
  return chosen?.value;
}

/** Reveals a run's Artifacts group (or the run, without artifacts) in the sidebar, loading the nodes on the way. */
async function revealArtifacts(tree: ExperimentsTree, ref: RunRef, experimentId: string): Promise<boolean> {
  await commands.executeCommand('workbench.view.extension.matih');
  const tenant = tree.tenantNode(ref.tenant);
  if (tenant === undefined) return false;
  const experiment = (await tree.getChildren(tenant)).find((n): n is ExperimentNode => n instanceof ExperimentNode && n.experiment.id === experimentId);
  if (experiment === undefined) return false;
  const run = (await tree.getChildren(experiment)).find((n): n is RunNode => n instanceof RunNode && n.run.id === ref.runId);
  if (run === undefined) return false;
  const group = (await tree.getChildren(run)).find((n) => n instanceof DetailGroupNode && n.kind === 'artifacts');
  await tree.view.reveal(group ?? run, { select: true, focus: true, expand: true });
  return true;
}

const isString = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

/** `{ tenant, runId }` (from the runs table, other panels), `(runId, tenant)`, or a run node. */
function runRefOf(arg: unknown, second: unknown): RunRef | undefined {
  if (arg instanceof RunNode) return { tenant: arg.tenant, runId: arg.run.id };
  if (isString(arg) && isString(second)) return { runId: arg, tenant: second };
  if (typeof arg === 'object' && arg !== null) {
    const { tenant, runId } = arg as Record<string, unknown>;
    if (isString(tenant) && isString(runId)) return { tenant, runId };
  }
  return undefined;
}

/** An experiment node, or `{ tenant, experimentId, experimentName? }`. */
function experimentOf(arg: unknown): RunsTableContext | undefined {
  if (arg instanceof ExperimentNode) return { tenant: arg.tenant, experimentId: arg.experiment.id, experimentName: arg.experiment.name };
  if (typeof arg === 'object' && arg !== null) {
    const { tenant, experimentId, experimentName } = arg as Record<string, unknown>;
    if (isString(tenant) && isString(experimentId)) return { tenant, experimentId, experimentName: isString(experimentName) ? experimentName : experimentId };
  }
  return undefined;
}

export function registerInspectPanels(deps: CommandDeps): Disposable[] {
  const tables = new RunsTablePanels(deps.context, deps.daemon, deps.log, () => deps.settings.current.showArchived);
  const details = new RunDetailsPanels(deps.context, deps.daemon, deps.log, (ref, experimentId) => revealArtifacts(deps.tree, ref, experimentId));
  return [
    tables,
    details,
    register(deps, Commands.openRunsTable, async (node?: unknown) => {
      let context = experimentOf(node);
      if (context !== undefined && context.experimentName === context.experimentId) {
        const experiment = await deps.daemon.request(Experiments.get, { tenant: context.tenant, experimentId: context.experimentId });
        context = { ...context, experimentName: experiment.name };
      }
      context ??= await pickExperiment(deps.daemon, deps.settings.current.activeTenant, 'Open Runs Table');
      if (context !== undefined) tables.open(context);
    }),
    register(deps, Commands.openRunDetails, async (node?: unknown, second?: unknown) => {
      const ref = runRefOf(node, second) ?? (await pickRun(deps.daemon, deps.settings.current.activeTenant));
      if (ref !== undefined) details.open(ref);
    }),
    window.registerWebviewPanelSerializer(RUNS_TABLE_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel, state) => tables.restore(panel, state),
    }),
    window.registerWebviewPanelSerializer(RUN_DETAILS_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel, state) => details.restore(panel, state),
    }),
  ];
}
