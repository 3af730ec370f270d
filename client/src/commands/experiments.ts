/**
 * Experiment commands: create (name, description, tags), rename, edit description, edit tags,
 * archive, restore, copy id. Inputs are checked as the user types with the daemon's rules; the
 * tree is updated from the daemon's answer rather than reloaded, so paging state survives.
 */
import { env, window } from 'vscode';
import type { Disposable } from 'vscode';
import { Experiments } from '../../../protocol/src/index.ts';
import type { ExperimentView } from '../../../protocol/src/index.ts';
import { formatTags, parseTags, tagChanges, userTags } from '../util/tags.ts';
import { MAX_EXPERIMENT_TAG_VALUE_LENGTH, checkDescription, checkExperimentName } from '../util/validation.ts';
import type { TreeNode } from '../views/nodes/base.ts';
import { ExperimentNode } from '../views/nodes/experimentNode.ts';
import { RunNode } from '../views/nodes/runNode.ts';
import { TenantNode } from '../views/nodes/tenantNode.ts';
import { Commands } from './ids.ts';
import { ask, busy, confirm, register } from './shared.ts';
import type { CommandDeps } from './shared.ts';

/** The tenant a command started from a node acts in; the active tenant from the palette. */
export function tenantOf(deps: CommandDeps, node: unknown): string {
  let n = node as TreeNode | undefined;
  while (n !== undefined) {
    if (n instanceof TenantNode || n instanceof ExperimentNode || n instanceof RunNode) return n.tenant;
    n = n.parent;
  }
  return deps.settings.current.activeTenant;
}

function checkTags(text: string): string | undefined {
  const parsed = parseTags(text, MAX_EXPERIMENT_TAG_VALUE_LENGTH);
  return parsed.ok ? undefined : parsed.message;
}

function tagsOf(text: string): Record<string, string> {
  const parsed = parseTags(text, MAX_EXPERIMENT_TAG_VALUE_LENGTH);
  return parsed.ok ? parsed.tags : {};
}

async function createExperiment(deps: CommandDeps, tenant: string): Promise<void> {
  const title = `Create Experiment in tenant "${tenant}"`;
  const name = await ask({
    title: `${title} (1/3)`,
    prompt: 'Experiment name',
    placeHolder: 'e.g. churn-prediction-v2',
    check: checkExperimentName,
  });
  if (name === undefined) return;
  const description = await ask({
    title: `${title} (2/3)`,
    prompt: 'Description (optional, up to 1000 characters)',
    check: checkDescription,
  });
  if (description === undefined) return;
  const tagText = await ask({
    title: `${title} (3/3)`,
    prompt: 'Tags (optional): key=value pairs separated by commas; write \\, for a comma inside a value',
    placeHolder: 'team=data-science, stage=dev',
    check: checkTags,
  });
  if (tagText === undefined) return;

  const tags = tagsOf(tagText);
  const experiment = await busy('Creating experiment…', () =>
    deps.daemon.request(Experiments.create, {
      tenant,
      name: name.trim(),
      ...(description.trim() !== '' ? { description: description.trim() } : {}),
      ...(Object.keys(tags).length > 0 ? { tags } : {}),
    }),
  );
  await deps.tree.experimentCreated(tenant, experiment);
  window.setStatusBarMessage(`$(beaker) Created experiment "${experiment.name}" in tenant "${tenant}"`, 5000);
}

async function update(
  deps: CommandDeps,
  node: ExperimentNode,
  change: { name?: string; description?: string; tags?: Record<string, string | null> },
): Promise<void> {
  const experiment = await busy('Updating experiment…', () =>
    deps.daemon.request(Experiments.update, { tenant: node.tenant, experimentId: node.experiment.id, ...change }),
  );
  deps.tree.experimentChanged(node, experiment);
}

async function rename(deps: CommandDeps, node: ExperimentNode): Promise<void> {
  const current = node.experiment.name;
  const name = await ask({
    title: `Rename Experiment "${current}" (tenant "${node.tenant}")`,
    prompt: 'New name',
    value: current,
    check: checkExperimentName,
  });
  if (name === undefined || name.trim() === current) return;
  await update(deps, node, { name: name.trim() });
}

async function editDescription(deps: CommandDeps, node: ExperimentNode): Promise<void> {
  const current = node.experiment.description;
  const description = await ask({
    title: `Description of "${node.experiment.name}"`,
    prompt: 'Up to 1000 characters; empty removes it',
    value: current,
    check: checkDescription,
  });
  if (description === undefined || description.trim() === current) return;
  await update(deps, node, { description: description.trim() });
}

async function editTags(deps: CommandDeps, node: ExperimentNode): Promise<void> {
  // System tags (mlflow.*, the tenant tag) are neither shown nor sent, so they cannot be broken here.
  const before = userTags(node.experiment.tags);
  const text = await ask({
    title: `Tags of "${node.experiment.name}"`,
    prompt: 'key=value pairs separated by commas; remove a pair to delete that tag',
    value: formatTags(before),
    placeHolder: 'team=data-science, stage=dev',
    check: checkTags,
  });
  if (text === undefined) return;
  const changes = tagChanges(before, tagsOf(text));
  if (Object.keys(changes).length === 0) return;
  await update(deps, node, { tags: changes });
}

async function setArchived(deps: CommandDeps, nodes: ExperimentNode[], archive: boolean): Promise<void> {
  const first = nodes[0];
  if (first === undefined) return;
  if (archive) {
    const tenants = [...new Set(nodes.map((n) => n.tenant))].map((t) => `"${t}"`).join(', ');
    const what = nodes.length === 1 ? `experiment "${first.experiment.name}"` : `${nodes.length} experiments`;
    const ok = await confirm(
      `Archive ${what} in tenant ${tenants}?`,
      'Archived experiments and their runs are hidden, not deleted. Turn on "Show Archived" in the MATIH view to restore them.',
      'Archive',
    );
    if (!ok) return;
  }
  const def = archive ? Experiments.archive : Experiments.restore;
  const done: ExperimentView[] = [];
  await busy(archive ? 'Archiving…' : 'Restoring…', async () => {
    for (const node of nodes) {
      const experiment = await deps.daemon.request(def, { tenant: node.tenant, experimentId: node.experiment.id });
      deps.tree.experimentChanged(node, experiment);
      done.push(experiment);
    }
  });
  const names = done.map((e) => `"${e.name}"`).join(', ');
  window.setStatusBarMessage(`$(archive) ${archive ? 'Archived' : 'Restored'} ${names}`, 5000);
}

export function registerExperimentCommands(deps: CommandDeps): Disposable[] {
  const { tree } = deps;
  return [
    register(deps, Commands.createExperiment, (node?: TreeNode) => createExperiment(deps, tenantOf(deps, node))),
    register(deps, Commands.renameExperiment, (node?: ExperimentNode) => node && rename(deps, node)),
    register(deps, Commands.editExperimentDescription, (node?: ExperimentNode) => node && editDescription(deps, node)),
    register(deps, Commands.editExperimentTags, (node?: ExperimentNode) => node && editTags(deps, node)),
    register(deps, Commands.archiveExperiment, (node?: ExperimentNode, selected?: TreeNode[]) =>
      setArchived(deps, tree.targets(node, selected, ExperimentNode), true),
    ),
    register(deps, Commands.restoreExperiment, (node?: ExperimentNode, selected?: TreeNode[]) =>
      setArchived(deps, tree.targets(node, selected, ExperimentNode), false),
    ),
    register(deps, Commands.copyExperimentId, async (node?: ExperimentNode) => {
      if (node === undefined) return;
      await env.clipboard.writeText(node.experiment.id);
      window.setStatusBarMessage(`Copied experiment id ${node.experiment.id}`, 3000);
    }),
  ];
}
