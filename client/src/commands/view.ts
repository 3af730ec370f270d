/**
 * Sidebar commands: refresh (a node or everything), load the next page, show or hide archived
 * experiments and runs, copy a param / metric / tag value.
 */
import { env, window } from 'vscode';
import type { Disposable } from 'vscode';
import type { TreeNode } from '../views/nodes/base.ts';
import { DetailGroupNode, DetailLeafNode } from '../views/nodes/detailNodes.ts';
import { RunNode } from '../views/nodes/runNode.ts';
import { LoadMoreNode, MessageNode } from '../views/nodes/utilityNodes.ts';
import { Commands } from './ids.ts';
import { busy, register } from './shared.ts';
import type { CommandDeps } from './shared.ts';

/** Nodes without children of their own refresh their parent; a run (or its groups) is re-read. */
function refreshTarget(node: TreeNode | undefined): TreeNode | undefined {
  if (node instanceof LoadMoreNode || node instanceof MessageNode || node instanceof DetailLeafNode) return node.parent;
  return node;
}

export function registerViewCommands(deps: CommandDeps): Disposable[] {
  const { tree, settings } = deps;
  return [
    register(deps, Commands.refresh, async (node?: TreeNode) => {
      const target = refreshTarget(node);
      if (target instanceof DetailGroupNode) await tree.reloadRun(target.runNode);
      else if (target instanceof RunNode) await tree.reloadRun(target);
      else tree.refresh(target);
    }),
    register(deps, Commands.loadMore, async (node?: LoadMoreNode) => {
      if (!(node instanceof LoadMoreNode)) return;
      await busy(`Loading more ${node.owner.pagedWhat}…`, () => node.owner.loadMore());
    }),
    register(deps, Commands.showArchived, () => settings.update('showArchived', true)),
    register(deps, Commands.hideArchived, () => settings.update('showArchived', false)),
    register(deps, Commands.copyValue, async (node?: DetailLeafNode) => {
      if (!(node instanceof DetailLeafNode)) return;
      await env.clipboard.writeText(node.copyText);
      window.setStatusBarMessage(`Copied ${node.key}`, 3000);
    }),
  ];
}
