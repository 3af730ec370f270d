/**
 * Nodes that are not data: "Load more…" at the end of a page, and a message in place of
 * children (nothing here yet, a load that failed), each with an action where one helps.
 */
import { ThemeColor, ThemeIcon, TreeItem, TreeItemCollapsibleState } from 'vscode';
import type { Command } from 'vscode';
import { Commands } from '../../commands/ids.ts';
import { TreeNode } from './base.ts';
import type { PagedNode } from './base.ts';

export class LoadMoreNode extends TreeNode {
  readonly owner: PagedNode;

  constructor(owner: PagedNode) {
    super(owner);
    this.owner = owner;
  }

  get id(): string {
    return `${this.owner.id}/more`;
  }

  toTreeItem(): TreeItem {
    const item = new TreeItem('Load more…', TreeItemCollapsibleState.None);
    item.id = this.id;
    item.description = `${this.owner.loadedCount} ${this.owner.pagedWhat} shown`;
    item.iconPath = new ThemeIcon('ellipsis');
    item.contextValue = 'loadMore';
    item.command = { command: Commands.loadMore, title: 'Load More', arguments: [this] };
    return item;
  }
}

export type MessageKind = 'info' | 'error' | 'empty';

const ICONS: Record<MessageKind, ThemeIcon> = {
  info: new ThemeIcon('info'),
  error: new ThemeIcon('error', new ThemeColor('errorForeground')),
  empty: new ThemeIcon('circle-slash'),
};

export class MessageNode extends TreeNode {
  readonly message: string;
  readonly kind: MessageKind;
  readonly command: Command | undefined;
  readonly #slot: string;

  /** `slot` keeps ids unique when one parent shows more than one message. */
  constructor(parent: TreeNode, message: string, kind: MessageKind, command?: Command, slot = 'message') {
    super(parent);
    this.message = message;
    this.kind = kind;
    this.command = command;
    this.#slot = slot;
  }

  get id(): string {
    return `${this.parent?.id ?? ''}/${this.#slot}`;
  }

  toTreeItem(): TreeItem {
    const item = new TreeItem(this.message, TreeItemCollapsibleState.None);
    item.id = this.id;
    item.iconPath = ICONS[this.kind];
    item.contextValue = 'message';
    item.tooltip = this.command === undefined ? this.message : `${this.message}\n\nClick: ${this.command.title}`;
    if (this.command !== undefined) item.command = this.command;
    return item;
  }
}

/** A failed load, with a click that retries it (a refresh of the parent). */
export function loadFailed(parent: TreeNode, what: string, error: string): MessageNode {
  return new MessageNode(parent, `Could not load ${what}: ${error}`, 'error', {
    command: Commands.refresh,
    title: 'Retry',
    arguments: [parent],
  });
}
