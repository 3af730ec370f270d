/**
 * What a run holds: a group per kind (params, metrics, tags, artifacts) and a leaf per entry.
 * Groups read the run from their run node each time, so they follow a run that is re-read while
 * it trains. Metrics show their latest value; system tags (`mlflow.*`, the tenant tag) stay hidden.
 */
import { MarkdownString, ThemeIcon, TreeItem, TreeItemCollapsibleState } from 'vscode';
import { formatMetricValue, shorten } from '../../util/format.ts';
import { userTags } from '../../util/tags.ts';
import { TreeNode } from './base.ts';
import type { RunNode } from './runNode.ts';

export type DetailKind = 'params' | 'metrics' | 'tags' | 'artifacts';

// Leaves carry an icon too: without one their labels start left of their group's label, which
// reads as the wrong nesting level.
const GROUPS: Record<DetailKind, { label: string; icon: string; leaf: string; leafIcon: string }> = {
  params: { label: 'Parameters', icon: 'settings', leaf: 'param', leafIcon: 'symbol-variable' },
  metrics: { label: 'Metrics', icon: 'graph-line', leaf: 'metric', leafIcon: 'symbol-number' },
  tags: { label: 'Tags', icon: 'tag', leaf: 'tag', leafIcon: 'symbol-key' },
  artifacts: { label: 'Artifacts', icon: 'files', leaf: 'artifact', leafIcon: 'file' },
};

/** Keys sorted as a person reads them: `lr` before `val/loss`, `epoch_2` before `epoch_10`. */
const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

export class DetailGroupNode extends TreeNode {
  readonly kind: DetailKind;
  readonly runNode: RunNode;

  constructor(parent: RunNode, kind: DetailKind) {
    super(parent);
    this.runNode = parent;
    this.kind = kind;
  }

  get id(): string {
    return `${this.runNode.id}/${this.kind}`;
  }

  /** `[key, shown value]` pairs of this group, sorted. */
  entries(): [string, string][] {
    const run = this.runNode.run;
    let pairs: [string, string][];
    switch (this.kind) {
      case 'params':
        pairs = Object.entries(run.params);
        break;
      case 'metrics':
        pairs = Object.entries(run.metrics).map(([k, v]) => [k, formatMetricValue(v)]);
        break;
      case 'tags':
        pairs = Object.entries(userTags(run.tags));
        break;
      case 'artifacts':
        pairs = run.artifacts.map((path) => [path, '']);
        break;
    }
    return pairs.sort(([a], [b]) => collator.compare(a, b));
  }

  toTreeItem(): TreeItem {
    const group = GROUPS[this.kind];
    const item = new TreeItem(group.label, TreeItemCollapsibleState.Collapsed);
    item.id = this.id;
    item.description = String(this.entries().length);
    item.iconPath = new ThemeIcon(group.icon);
    item.contextValue = `group.${this.kind}`;
    return item;
  }

  override children(): Promise<TreeNode[]> {
    return Promise.resolve(this.entries().map(([key, value]) => new DetailLeafNode(this, key, value)));
  }
}

export class DetailLeafNode extends TreeNode {
  readonly group: DetailGroupNode;
  readonly key: string;
  /** The shown value (metrics formatted); empty for artifacts. */
  readonly value: string;

  constructor(parent: DetailGroupNode, key: string, value: string) {
    super(parent);
    this.group = parent;
    this.key = key;
    this.value = value;
  }

  get id(): string {
    return `${this.group.id}/${this.key}`;
  }

  /** What "Copy Value" copies: the value, or an artifact's path. */
  get copyText(): string {
    return this.group.kind === 'artifacts' ? this.key : this.value;
  }

  toTreeItem(): TreeItem {
    const kind = this.group.kind;
    const item = new TreeItem(this.key, TreeItemCollapsibleState.None);
    item.id = this.id;
    item.contextValue = GROUPS[kind].leaf;
    if (kind === 'artifacts') {
      item.iconPath = new ThemeIcon(this.key.endsWith('/') ? 'folder' : 'file');
      item.tooltip = this.key;
    } else {
      item.iconPath = new ThemeIcon(GROUPS[kind].leafIcon);
      item.description = shorten(this.value, 80);
      const tooltip = new MarkdownString();
      tooltip.appendMarkdown(`\`${this.key}\`\n\n`);
      tooltip.appendCodeblock(this.value, 'text');
      item.tooltip = tooltip;
    }
    return item;
  }
}
