/**
 * "Which run?" for uploads started outside a run (the explorer's context menu, the palette): a
 * quick pick of the active tenant's latest active runs, grouped by experiment, with the run
 * selected in the sidebar first.
 */
import { QuickPickItemKind, window } from 'vscode';
import type { QuickPickItem } from 'vscode';
import { Experiments, Runs } from '../../../protocol/src/index.ts';
import type { RunView } from '../../../protocol/src/index.ts';
import type { DaemonApi } from '../daemon/daemonClient.ts';
import { readableError } from '../util/errors.ts';
import { runLabel, statusWord } from '../util/format.ts';

/** A run as picked: its tenant and view. */
export interface PickedRun {
  tenant: string;
  run: RunView;
}

interface RunItem extends QuickPickItem {
  picked_?: PickedRun;
}

/** Experiments searched, and latest runs shown per experiment. */
const EXPERIMENTS = 50;
const RUNS_PER_EXPERIMENT = 10;

export async function pickRun(daemon: Pick<DaemonApi, 'request'>, tenant: string, title: string, selected?: PickedRun): Promise<PickedRun | undefined> {
  const quickPick = window.createQuickPick<RunItem>();
  quickPick.title = title;
  quickPick.placeholder = `Looking for runs in tenant "${tenant}"…`;
  quickPick.matchOnDescription = true;
  quickPick.matchOnDetail = true;
  quickPick.busy = true;
  const chosen = new Promise<PickedRun | undefined>((resolve) => {
    quickPick.onDidAccept(() => resolve(quickPick.selectedItems[0]?.picked_));
    quickPick.onDidHide(() => resolve(undefined));
  });
  quickPick.show();
  try {
    const items: RunItem[] = [];
    if (selected !== undefined) {
      items.push({ label: 'Selected in the sidebar', kind: QuickPickItemKind.Separator }, item(selected));
    }
    const experiments = await daemon.request(Experiments.list, { tenant, maxResults: EXPERIMENTS });
    const pages = await Promise.all(
      experiments.items.map((experiment) =>
        daemon.request(Runs.list, { tenant, experimentId: experiment.id, maxResults: RUNS_PER_EXPERIMENT }).then((page) => ({ experiment, page })),
      ),
    );
    for (const { experiment, page } of pages) {
      const runs = page.items.filter((run) => run.id !== selected?.run.id);
      if (runs.length === 0) continue;
      items.push({ label: experiment.name, kind: QuickPickItemKind.Separator }, ...runs.map((run) => item({ tenant, run })));
    }
    quickPick.items = items;
    quickPick.placeholder = items.length > 0 ? 'Pick the run to upload to' : `Tenant "${tenant}" has no active runs yet; create one first`;
  } catch (error) {
    quickPick.placeholder = `Could not list runs: ${readableError(error)}`;
  } finally {
    quickPick.busy = false;
  }
  try {
    return await chosen;
  } finally {
    quickPick.dispose();
  }
}

function item(picked: PickedRun): RunItem {
  const run = picked.run;
  return {
    label: runLabel(run),
    description: `${statusWord(run.status)} · started ${new Date(run.startTime).toLocaleString()}`,
    detail: run.id,
    picked_: picked,
  };
}
