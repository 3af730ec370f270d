/**
 * Run commands: create, rename, set / delete a tag, archive / restore, mark finished / failed / killed
 * (for runs a crashed script left "running"), copy the id, open in the MLflow UI. Commands that
 * make sense for many runs act on the whole selection.
 */
import { env, Uri, window } from 'vscode';
import type { Disposable } from 'vscode';
import { Runs } from '../../../protocol/src/index.ts';
import type { RunStatusName, RunView } from '../../../protocol/src/index.ts';
import { runLabel, statusWord } from '../util/format.ts';
import { mlflowRunUrl } from '../util/mlflowLinks.ts';
import { parseTags } from '../util/tags.ts';
import { MAX_RUN_TAG_VALUE_LENGTH, checkRunName, checkTagKey, tagValueCheck } from '../util/validation.ts';
import type { TreeNode } from '../views/nodes/base.ts';
import { DetailLeafNode } from '../views/nodes/detailNodes.ts';
import type { ExperimentNode } from '../views/nodes/experimentNode.ts';
import { RunNode } from '../views/nodes/runNode.ts';
import { Commands } from './ids.ts';
import { ask, busy, register } from './shared.ts';
import type { CommandDeps } from './shared.ts';

async function createRun(deps: CommandDeps, node: ExperimentNode): Promise<void> {
  const title = `Create Run in "${node.experiment.name}"`;
  const name = await ask({
    title: `${title} (1/2)`,
    prompt: 'Run name (optional; empty picks one like MLflow does)',
    check: (value) => (value.trim() === '' ? undefined : checkRunName(value)),
  });
  if (name === undefined) return;
  const tagText = await ask({
    title: `${title} (2/2)`,
    prompt: 'Tags (optional): key=value pairs separated by commas',
    placeHolder: 'model=xgboost, dataset=v3',
    check: (value) => {
      const parsed = parseTags(value, MAX_RUN_TAG_VALUE_LENGTH);
      return parsed.ok ? undefined : parsed.message;
    },
  });
  if (tagText === undefined) return;
  const parsed = parseTags(tagText, MAX_RUN_TAG_VALUE_LENGTH);
  const tags = parsed.ok ? parsed.tags : {};
  const run = await busy('Creating run…', () =>
    deps.daemon.request(Runs.create, {
      tenant: node.tenant,
      experimentId: node.experiment.id,
      ...(name.trim() !== '' ? { name: name.trim() } : {}),
      ...(Object.keys(tags).length > 0 ? { tags } : {}),
    }),
  );
  await deps.tree.runCreated(node, run);
}

async function renameRun(deps: CommandDeps, node: RunNode): Promise<void> {
  const current = node.run.name ?? '';
  const name = await ask({
    title: `Rename Run "${runLabel(node.run)}"`,
    prompt: 'New name (up to 250 characters)',
    value: current,
    check: checkRunName,
  });
  if (name === undefined || name.trim() === current) return;
  const run = await busy('Renaming run…', () =>
    deps.daemon.request(Runs.update, { tenant: node.tenant, runId: node.run.id, name: name.trim() }),
  );
  deps.tree.runChanged(node, run);
}

/** Sets a tag; started from a tag's row, it edits that tag's value. */
async function setTag(deps: CommandDeps, node: RunNode, presetKey?: string): Promise<void> {
  const title = `Set Tag on "${runLabel(node.run)}"`;
  const key =
    presetKey ?? (await ask({ title: `${title} (1/2)`, prompt: 'Tag key', placeHolder: 'e.g. stage', check: checkTagKey }));
  if (key === undefined) return;
  const value = await ask({
    title: presetKey === undefined ? `${title} (2/2)` : title,
    prompt: `Value of "${key}"`,
    value: node.run.tags[key] ?? '',
    check: tagValueCheck(MAX_RUN_TAG_VALUE_LENGTH),
  });
  if (value === undefined) return;
  const run = await busy('Setting tag…', () =>
    deps.daemon.request(Runs.setTag, { tenant: node.tenant, runId: node.run.id, key, value }),
  );
  deps.tree.runChanged(node, run);
}

async function deleteTag(deps: CommandDeps, leaf: DetailLeafNode): Promise<void> {
  const node = leaf.group.runNode;
  const run = await busy('Deleting tag…', () =>
    deps.daemon.request(Runs.deleteTag, { tenant: node.tenant, runId: node.run.id, key: leaf.key }),
  );
  deps.tree.runChanged(node, run);
  window.setStatusBarMessage(`Deleted tag "${leaf.key}" of "${runLabel(run)}"`, 4000);
}

/** The run a command acts on, and the tag when it was started from a tag's row. */
function runAndTag(node: unknown): [RunNode, string | undefined] | undefined {
  if (node instanceof RunNode) return [node, undefined];
  if (node instanceof DetailLeafNode && node.group.kind === 'tags') return [node.group.runNode, node.key];
  return undefined;
}

/** Applies one request to each run, updating the tree as each answer arrives. */
async function forEachRun(
  deps: CommandDeps,
  nodes: RunNode[],
  title: string,
  send: (node: RunNode) => Promise<RunView>,
): Promise<RunView[]> {
  const done: RunView[] = [];
  await busy(title, async () => {
    for (const node of nodes) {
      const run = await send(node);
      deps.tree.runChanged(node, run);
      done.push(run);
    }
  });
  return done;
}

function summary(runs: RunView[]): string {
  const first = runs[0];
  return runs.length === 1 && first !== undefined ? `run "${runLabel(first)}"` : `${runs.length} runs`;
}

async function setArchived(deps: CommandDeps, nodes: RunNode[], archive: boolean): Promise<void> {
  if (nodes.length === 0) return;
  const def = archive ? Runs.archive : Runs.restore;
  const done = await forEachRun(deps, nodes, archive ? 'Archiving…' : 'Restoring…', (node) =>
    deps.daemon.request(def, { tenant: node.tenant, runId: node.run.id }),
  );
  if (!archive) return;
  // Archiving is undoable, so it asks nothing first and offers the undo after.
  const choice = await window.showInformationMessage(`Archived ${summary(done)}.`, 'Undo');
  if (choice !== 'Undo') return;
  const tenants = new Map(nodes.map((n) => [n.run.id, n.tenant]));
  await busy('Restoring…', async () => {
    for (const run of done) {
      await deps.daemon.request(Runs.restore, { tenant: tenants.get(run.id) ?? '', runId: run.id });
    }
  });
  const experiments = new Set(nodes.map((n) => n.experiment));
  for (const experiment of experiments) deps.tree.refresh(experiment);
}

async function mark(deps: CommandDeps, nodes: RunNode[], status: RunStatusName): Promise<void> {
  if (nodes.length === 0) return;
  const done = await forEachRun(deps, nodes, `Marking ${statusWord(status).toLowerCase()}…`, (node) =>
    deps.daemon.request(Runs.update, { tenant: node.tenant, runId: node.run.id, status }),
  );
  window.setStatusBarMessage(`Marked ${summary(done)} as ${statusWord(status).toLowerCase()}`, 5000);
}

async function openInMlflow(deps: CommandDeps, node: RunNode): Promise<void> {
  const status = deps.daemon.status ?? (await deps.daemon.refreshStatus());
  const uiUrl = status?.mlflowUiUrl;
  if (uiUrl === undefined) {
    void window.showInformationMessage('Open in MLflow needs the MLflow backend: run "MATIH: Choose Backend".');
    return;
  }
  await env.openExternal(Uri.parse(mlflowRunUrl(uiUrl, node.run.experimentId, node.run.id)));
}

export function registerRunCommands(deps: CommandDeps): Disposable[] {
  const { tree } = deps;
  const targets = (node?: RunNode, selected?: TreeNode[]): RunNode[] => tree.targets(node, selected, RunNode);
  return [
    register(deps, Commands.createRun, (node?: ExperimentNode) => node && createRun(deps, node)),
    register(deps, Commands.renameRun, (node?: RunNode) => node && renameRun(deps, node)),
    register(deps, Commands.setRunTag, (node?: RunNode | DetailLeafNode) => {
      const target = runAndTag(node);
      return target && setTag(deps, target[0], target[1]);
    }),
    register(deps, Commands.deleteRunTag, (node?: DetailLeafNode) => {
      if (node instanceof DetailLeafNode && node.group.kind === 'tags') return deleteTag(deps, node);
      return undefined;
    }),
    register(deps, Commands.archiveRun, (node?: RunNode, sel?: TreeNode[]) => setArchived(deps, targets(node, sel), true)),
    register(deps, Commands.restoreRun, (node?: RunNode, sel?: TreeNode[]) => setArchived(deps, targets(node, sel), false)),
    register(deps, Commands.markRunFinished, (node?: RunNode, sel?: TreeNode[]) => mark(deps, targets(node, sel), 'finished')),
    register(deps, Commands.markRunFailed, (node?: RunNode, sel?: TreeNode[]) => mark(deps, targets(node, sel), 'failed')),
    register(deps, Commands.markRunKilled, (node?: RunNode, sel?: TreeNode[]) => mark(deps, targets(node, sel), 'killed')),
    register(deps, Commands.copyRunId, async (node?: RunNode, sel?: TreeNode[]) => {
      const ids = targets(node, sel).map((n) => n.run.id);
      if (ids.length === 0) return;
      await env.clipboard.writeText(ids.join('\n'));
      window.setStatusBarMessage(ids.length === 1 ? `Copied run id ${ids[0]}` : `Copied ${ids.length} run ids`, 3000);
    }),
    register(deps, Commands.openRunInMlflow, (node?: RunNode) => node && openInMlflow(deps, node)),
  ];
}
