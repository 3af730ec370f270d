/**
 * A tenant: the top of the tree. Its children are the tenant's experiments, one page at a time.
 * The active tenant (where scripts log and new experiments go) is marked and opens expanded.
 */
import { MarkdownString, ThemeColor, ThemeIcon, TreeItem, TreeItemCollapsibleState } from 'vscode';
import { Experiments } from '../../../../protocol/src/index.ts';
import type { ExperimentView } from '../../../../protocol/src/index.ts';
import { Commands } from '../../commands/ids.ts';
import { readableError } from '../../util/errors.ts';
import { PagedList } from '../../util/paging.ts';
import { TreeNode } from './base.ts';
import type { PagedNode, TreeContext } from './base.ts';
import { ExperimentNode } from './experimentNode.ts';
import { LoadMoreNode, MessageNode, loadFailed } from './utilityNodes.ts';

export class TenantNode extends TreeNode implements PagedNode {
  readonly tenant: string;
  readonly experiments: PagedList<ExperimentView>;
  readonly pagedWhat = 'experiments';
  readonly #ctx: TreeContext;
  /** Experiment nodes by id, so a node (and the runs it loaded) survives a re-render. */
  readonly #nodes = new Map<string, ExperimentNode>();

  constructor(ctx: TreeContext, tenant: string) {
    super(undefined);
    this.#ctx = ctx;
    this.tenant = tenant;
    this.experiments = new PagedList(
      (e) => e.id,
      (pageToken) => {
        const { showArchived, pageSize } = ctx.settings.current;
        return ctx.daemon.request(Experiments.list, { tenant, showArchived, pageToken, maxResults: pageSize });
      },
    );
  }

  get id(): string {
    return `tenant:${this.tenant}`;
  }

  get active(): boolean {
    return this.#ctx.settings.current.activeTenant === this.tenant;
  }

  get loadedCount(): number {
    return this.experiments.items.length;
  }

  toTreeItem(): TreeItem {
    const active = this.active;
    const item = new TreeItem(
      this.tenant,
      active ? TreeItemCollapsibleState.Expanded : TreeItemCollapsibleState.Collapsed,
    );
    item.id = this.id;
    item.description = active ? 'active tenant' : undefined;
    item.iconPath = active ? new ThemeIcon('organization', new ThemeColor('charts.green')) : new ThemeIcon('organization');
    item.contextValue = active ? 'tenant.active' : 'tenant';
    const tooltip = new MarkdownString();
    tooltip.appendMarkdown(`**Tenant** \`${this.tenant}\`\n\n`);
    tooltip.appendMarkdown(
      active
        ? 'The active tenant: scripts and notebooks log here, new experiments are created here.'
        : 'Right-click → "Make Active Tenant" to log here.',
    );
    item.tooltip = tooltip;
    item.accessibilityInformation = { label: `Tenant ${this.tenant}${active ? ', active' : ''}` };
    return item;
  }

  override async children(): Promise<TreeNode[]> {
    try {
      await this.experiments.ensureLoaded();
    } catch (error) {
      return [loadFailed(this, 'experiments', readableError(error))];
    }
    const nodes: TreeNode[] = this.experiments.items.map((e) => this.#node(e));
    if (nodes.length === 0) {
      // "active": archived experiments may exist but are hidden (the eye icon shows them).
      const what = this.#ctx.settings.current.showArchived ? 'No experiments' : 'No active experiments';
      return [
        new MessageNode(this, `${what} — create one`, 'empty', {
          command: Commands.createExperiment,
          title: 'Create Experiment',
          arguments: [this],
        }),
      ];
    }
    if (this.experiments.hasMore) nodes.push(new LoadMoreNode(this));
    return nodes;
  }

  async loadMore(): Promise<void> {
    await this.experiments.loadNext();
    this.#ctx.changed(this);
  }

  override reset(): void {
    this.experiments.reset();
    for (const node of this.#nodes.values()) node.reset();
    this.#nodes.clear();
  }

  /** The node of a loaded experiment, if it is in the tree. */
  find(experimentId: string): ExperimentNode | undefined {
    return this.#nodes.get(experimentId);
  }

  /** Shows a just-created experiment first, without reloading the pages already there. */
  added(experiment: ExperimentView): ExperimentNode | undefined {
    if (!this.experiments.loaded) return undefined;
    this.experiments.prepend(experiment);
    return this.#node(experiment);
  }

  /** Takes an experiment's new state; drops it from view when it got archived and those are hidden. */
  updated(experiment: ExperimentView): void {
    if (experiment.lifecycleStage === 'deleted' && !this.#ctx.settings.current.showArchived) {
      this.experiments.remove(experiment.id);
      this.#nodes.get(experiment.id)?.reset();
      this.#nodes.delete(experiment.id);
    } else {
      this.experiments.replace(experiment);
      const node = this.#nodes.get(experiment.id);
      if (node !== undefined) node.experiment = experiment;
    }
  }

  #node(experiment: ExperimentView): ExperimentNode {
    let node = this.#nodes.get(experiment.id);
    if (node === undefined) {
      node = new ExperimentNode(this.#ctx, this, experiment);
      this.#nodes.set(experiment.id, node);
    } else {
      node.experiment = experiment;
    }
    return node;
  }
}
