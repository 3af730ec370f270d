/**
 * A run: name, status icon (a spinning one while it runs), start time and duration. Its children
 * are groups of params, metrics (latest value), tags and artifacts, built from the run view the
 * node holds, so a refreshed run shows new metrics without another request.
 */
import { MarkdownString, ThemeColor, ThemeIcon, TreeItem, TreeItemCollapsibleState } from 'vscode';
import type { RunStatusName, RunView } from '../../../../protocol/src/index.ts';
import {
  escapeMarkdown as md,
  formatDateTime,
  formatDuration,
  runDescription,
  runDuration,
  runLabel,
  statusWord,
} from '../../util/format.ts';
import { userTags } from '../../util/tags.ts';
import { artifactsRoot, modelNodes } from './artifactNodes.ts';
import { TreeNode } from './base.ts';
import { DetailGroupNode } from './detailNodes.ts';
import type { DetailKind } from './detailNodes.ts';
import type { ExperimentNode } from './experimentNode.ts';
import { MessageNode } from './utilityNodes.ts';

const STATUS_ICONS: Record<RunStatusName, ThemeIcon> = {
  running: new ThemeIcon('sync~spin', new ThemeColor('charts.blue')),
  scheduled: new ThemeIcon('clock', new ThemeColor('charts.yellow')),
  finished: new ThemeIcon('pass', new ThemeColor('testing.iconPassed')),
  failed: new ThemeIcon('error', new ThemeColor('testing.iconFailed')),
  killed: new ThemeIcon('circle-slash', new ThemeColor('charts.orange')),
};

const ARCHIVED_ICON = new ThemeIcon('archive', new ThemeColor('disabledForeground'));

/** Runs in these states can still change; the tree follows them live and offers "Mark as …". */
export { isLiveStatus as isLive } from '../liveRunState.ts';

export class RunNode extends TreeNode {
  readonly tenant: string;
  readonly experiment: ExperimentNode;
  run: RunView;

  constructor(parent: ExperimentNode, run: RunView) {
    super(parent);
    this.experiment = parent;
    this.tenant = parent.tenant;
    this.run = run;
  }

  get id(): string {
    return `tenant:${this.tenant}/run:${this.run.id}`;
  }

  get archived(): boolean {
    return this.run.lifecycleStage === 'deleted';
  }

  toTreeItem(): TreeItem {
    const run = this.run;
    const now = new Date();
    const item = new TreeItem(runLabel(run), TreeItemCollapsibleState.Collapsed);
    item.id = this.id;
    item.description = runDescription(run, now);
    item.iconPath = this.archived ? ARCHIVED_ICON : STATUS_ICONS[run.status];
    // `run.<status>.<live|archived>`: the manifest's menus match on both parts.
    item.contextValue = `run.${run.status}.${this.archived ? 'archived' : 'live'}`;
    item.tooltip = this.#tooltip(now);
    item.accessibilityInformation = {
      label: `Run ${runLabel(run)}, ${statusWord(run.status)}${this.archived ? ', archived' : ''}, ${item.description}`,
    };
    return item;
  }

  override async children(): Promise<TreeNode[]> {
    const run = this.run;
    const groups: [DetailKind, number][] = [
      ['params', Object.keys(run.params).length],
      ['metrics', Object.keys(run.metrics).length],
      ['tags', Object.keys(userTags(run.tags)).length],
      ['artifacts', run.artifacts.length],
    ];
    const nodes: TreeNode[] = groups
      .filter(([, count]) => count > 0)
      .map(([kind]) => (kind === 'artifacts' ? artifactsRoot(this) : new DetailGroupNode(this, kind)));
    nodes.push(...(await modelNodes(this)));
    if (nodes.length === 0) nodes.push(new MessageNode(this, 'Nothing logged yet', 'empty'));
    return nodes;
  }

  #tooltip(now: Date): MarkdownString {
    const run = this.run;
    const t = new MarkdownString();
    t.appendMarkdown(`**${md(runLabel(run))}** — ${statusWord(run.status)}${this.archived ? ' (archived)' : ''}\n\n`);
    t.appendMarkdown(`Run \`${run.id}\` · experiment \`${run.experimentId}\` · tenant \`${this.tenant}\`\n\n`);
    t.appendMarkdown(`Started ${formatDateTime(run.startTime)}`);
    if (run.endTime !== null) t.appendMarkdown(` · ended ${formatDateTime(run.endTime)}`);
    const duration = runDuration(run, now);
    if (duration !== undefined) t.appendMarkdown(` · ${formatDuration(duration)}${run.endTime === null ? ' so far' : ''}`);
    t.appendMarkdown('\n\n');
    const counts = [
      `${Object.keys(run.params).length} params`,
      `${Object.keys(run.metrics).length} metrics`,
      `${run.artifacts.length} artifacts`,
    ];
    t.appendMarkdown(counts.join(' · '));
    return t;
  }
}
