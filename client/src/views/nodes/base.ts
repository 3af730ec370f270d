/**
 * The tree's building blocks: the base node every kind extends, and the context they share.
 * A node owns its loaded children (pages of experiments or runs), so collapsing and re-expanding
 * costs no request and a refresh is just `reset()` plus a change event on that node.
 */
import type { TreeItem } from 'vscode';
import type { Settings } from '../../config/settings.ts';
import type { DaemonApi } from '../../daemon/daemonClient.ts';
import type { RunQueryStore } from '../runQueryStore.ts';

/** What nodes need from the tree around them. */
export interface TreeContext {
  readonly daemon: DaemonApi;
  readonly settings: Settings;
  readonly queries: RunQueryStore;
  /** Tells VS Code that `node` (or, without one, the whole tree) changed. */
  changed(node?: TreeNode): void;
  /** Running runs on screen follow the daemon's live frames; run nodes report themselves here. */
  watchRun(node: TreeNode & { readonly run: { readonly status: string } }): void;
  unwatchRun(node: TreeNode): void;
}

export abstract class TreeNode {
  readonly parent: TreeNode | undefined;

  constructor(parent: TreeNode | undefined) {
    this.parent = parent;
  }

  /**
   * Stable across refreshes and unique in the tree: VS Code keys expansion and selection by it,
   * and refuses a tree that repeats one.
   */
  abstract get id(): string;

  /** A fresh item each time, so a change event shows new labels, icons and descriptions. */
  abstract toTreeItem(): TreeItem;

  children(): Promise<TreeNode[]> {
    return Promise.resolve([]);
  }

  /** Forgets loaded children; the next expansion reloads them. */
  reset(): void {}
}

/** A node that loads its children a page at a time. */
export interface PagedNode extends TreeNode {
  /** What is paged, for the "Load more…" node: `experiments`, `runs`. */
  readonly pagedWhat: string;
  readonly loadedCount: number;
  loadMore(): Promise<void>;
}
