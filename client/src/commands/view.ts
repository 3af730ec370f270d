/**
 * Sidebar commands: refresh (the whole tree), load the next page, show or hide archived
 * experiments and runs, copy a param / metric / tag value.
 */
import { env, window } from 'vscode';
import type { Disposable } from 'vscode';
import { DetailLeafNode } from '../views/nodes/detailNodes.ts';
import { LoadMoreNode } from '../views/nodes/utilityNodes.ts';
import { Commands } from './ids.ts';
import { busy, register } from './shared.ts';
import type { CommandDeps } from './shared.ts';

export function registerViewCommands(deps: CommandDeps): Disposable[] {
  const { tree, settings } = deps;
  return [
    // Always the whole tree. The view's title button runs this command with the *focused* node as
    // its argument (VS Code's `$focusedTreeItem`), exactly like the item's context menu does, so
    // the argument cannot say "just this node": refreshing only it made the title's Refresh miss
    // new tenants and experiments whenever a row had focus.
    register(deps, Commands.refresh, () => tree.refresh()),
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
