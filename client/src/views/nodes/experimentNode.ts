/**
 * An experiment: its runs, one page at a time, filtered and ordered by the experiment's run
 * query. The active query is in the description, so a "missing" run is never a mystery.
 */
import { MarkdownString, ThemeIcon, TreeItem, TreeItemCollapsibleState } from 'vscode';
import { Runs } from '../../../../protocol/src/index.ts';
import type { ExperimentView, RunView } from '../../../../protocol/src/index.ts';
import { Commands } from '../../commands/ids.ts';
import { readableError } from '../../util/errors.ts';
import { escapeMarkdown as md, experimentDescription, formatDateTime } from '../../util/format.ts';
import { PagedList } from '../../util/paging.ts';
import { describeQuery, isFiltered } from '../../util/runQuery.ts';
import type { RunQuery } from '../../util/runQuery.ts';
import { userTags } from '../../util/tags.ts';
import { TreeNode } from './base.ts';
import type { PagedNode, TreeContext } from './base.ts';
import { RunNode } from './runNode.ts';
import type { TenantNode } from './tenantNode.ts';
import { LoadMoreNode, MessageNode, loadFailed } from './utilityNodes.ts';

export class ExperimentNode extends TreeNode implements PagedNode {
  readonly tenant: string;
  readonly runs: PagedList<RunView>;
  readonly pagedWhat = 'runs';
  experiment: ExperimentView;
  readonly #ctx: TreeContext;
  readonly #nodes = new Map<string, RunNode>();

  constructor(ctx: TreeContext, parent: TenantNode, experiment: ExperimentView) {
    super(parent);
    this.#ctx = ctx;
    this.tenant = parent.tenant;
    this.experiment = experiment;
    this.runs = new PagedList(
      (r) => r.id,
      (pageToken) => {
        const { showArchived, pageSize } = ctx.settings.current;
        const query = this.query;
        return ctx.daemon.request(Runs.list, {
          tenant: this.tenant,
          experimentId: this.experiment.id,
          showArchived,
          ...(query.filter !== undefined ? { filter: query.filter } : {}),
          ...(query.orderBy !== undefined ? { orderBy: query.orderBy } : {}),
          pageToken,
          maxResults: pageSize,
        });
      },
    );
  }

  get id(): string {
    return `tenant:${this.tenant}/experiment:${this.experiment.id}`;
  }

  get query(): RunQuery {
    return this.#ctx.queries.get(this.tenant, this.experiment.id);
  }

  get archived(): boolean {
    return this.experiment.lifecycleStage === 'deleted';
  }

  get loadedCount(): number {
    return this.runs.items.length;
  }

  toTreeItem(): TreeItem {
    const e = this.experiment;
    const query = this.query;
    const item = new TreeItem(e.name, TreeItemCollapsibleState.Collapsed);
    item.id = this.id;
    item.description = experimentDescription(e, describeQuery(query));
    item.iconPath = new ThemeIcon(this.archived ? 'archive' : isFiltered(query) ? 'filter' : 'beaker');
    item.contextValue = `experiment.${this.archived ? 'archived' : 'live'}${isFiltered(query) ? '.filtered' : ''}`;
    item.tooltip = this.#tooltip(query);
    item.accessibilityInformation = {
      label: `Experiment ${e.name}${this.archived ? ', archived' : ''}${isFiltered(query) ? ', runs filtered' : ''}`,
    };
    return item;
  }

  override async children(): Promise<TreeNode[]> {
    try {
      await this.runs.ensureLoaded();
    } catch (error) {
      return [loadFailed(this, 'runs', readableError(error))];
    }
    const nodes: TreeNode[] = this.runs.items.map((r) => this.#node(r));
    if (nodes.length === 0) {
      if (isFiltered(this.query)) {
        return [
          new MessageNode(this, 'No runs match the filter — clear it', 'empty', {
            command: Commands.clearRunQuery,
            title: 'Clear Filter and Order',
            arguments: [this],
          }),
        ];
      }
      return [
        new MessageNode(this, 'No runs yet — log one from a script, or create one', 'empty', {
          command: Commands.createRun,
          title: 'Create Run',
          arguments: [this],
        }),
      ];
    }
    if (this.runs.hasMore) nodes.push(new LoadMoreNode(this));
    return nodes;
  }

  async loadMore(): Promise<void> {
    await this.runs.loadNext();
    this.#ctx.changed(this);
  }

  override reset(): void {
    this.runs.reset();
    for (const node of this.#nodes.values()) this.#ctx.unwatchRun(node);
    this.#nodes.clear();
  }

  find(runId: string): RunNode | undefined {
    return this.#nodes.get(runId);
  }

  /** Shows a just-created run first, without reloading the pages already there. */
  added(run: RunView): RunNode | undefined {
    if (!this.runs.loaded) return undefined;
    this.runs.prepend(run);
    return this.#node(run);
  }

  /** Takes a run's new state; drops it from view when it got archived and those are hidden. */
  updated(run: RunView): void {
    const node = this.#nodes.get(run.id);
    if (run.lifecycleStage === 'deleted' && !this.#ctx.settings.current.showArchived) {
      this.runs.remove(run.id);
      if (node !== undefined) this.#ctx.unwatchRun(node);
      this.#nodes.delete(run.id);
    } else {
      this.runs.replace(run);
      if (node !== undefined) {
        node.run = run;
        this.#ctx.watchRun(node);
      }
    }
  }

  /** Metric keys of the loaded runs, for the "Order Runs" choices. */
  metricKeys(): string[] {
    return [...new Set(this.runs.items.flatMap((r) => Object.keys(r.metrics)))];
  }

  #node(run: RunView): RunNode {
    let node = this.#nodes.get(run.id);
    if (node === undefined) {
      node = new RunNode(this, run);
      this.#nodes.set(run.id, node);
    } else {
      node.run = run;
    }
    this.#ctx.watchRun(node);
    return node;
  }

  #tooltip(query: RunQuery): MarkdownString {
    const e = this.experiment;
    const t = new MarkdownString();
    t.appendMarkdown(`**${md(e.name)}**${this.archived ? ' (archived)' : ''}\n\n`);
    if (e.description !== '') t.appendMarkdown(`${md(e.description)}\n\n`);
    t.appendMarkdown(`Id \`${e.id}\` · tenant \`${this.tenant}\`\n\n`);
    t.appendMarkdown(`Created ${formatDateTime(e.createdAt)} · updated ${formatDateTime(e.lastUpdated)}\n\n`);
    const tags = Object.entries(userTags(e.tags));
    if (tags.length > 0) t.appendMarkdown(`Tags: ${tags.map(([k, v]) => `\`${k}\`=${md(v)}`).join(', ')}\n\n`);
    if (query.filter !== undefined) t.appendMarkdown(`Run filter: \`${query.filter}\`\n\n`);
    if (query.orderBy !== undefined) t.appendMarkdown(`Run order: \`${query.orderBy.join(', ')}\`\n\n`);
    return t;
  }
}
