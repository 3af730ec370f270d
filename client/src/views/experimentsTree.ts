/**
 * The sidebar: tenants → experiments → runs → params / metrics / tags / artifacts. Nodes load
 * their own pages; this provider owns the roots, the change events and the tree view, and
 * answers the questions commands ask after a change ("which node shows this run?").
 *
 * Running runs on screen follow the daemon's live frames (liveRuns.ts): the tree tracks which
 * experiments are expanded and whether the sidebar is visible, and tells LiveRuns which runs are.
 *
 * When there is nothing to show — daemon not running, or a single tenant with no experiments —
 * the root is empty so the manifest's welcome content (with its buttons) takes its place.
 */
import { EventEmitter, window } from 'vscode';
import type { Disposable, Event, TreeDataProvider, TreeItem, TreeView } from 'vscode';
import { Live, Runs, Tenants } from '../../../protocol/src/index.ts';
import type { ExperimentView, RunView, TreeChange } from '../../../protocol/src/index.ts';
import { TREE_VIEW_ID } from '../commands/ids.ts';
import type { Settings, SettingsChange } from '../config/settings.ts';
import { sidebarTenants } from '../config/settingsModel.ts';
import type { DaemonApi } from '../daemon/daemonClient.ts';
import type { DaemonLiveSubscriptions } from '../daemon/liveSubscriptions.ts';
import { readableError } from '../util/errors.ts';
import { LiveRuns } from './liveRuns.ts';
import type { TreeContext, TreeNode } from './nodes/base.ts';
import { ExperimentNode } from './nodes/experimentNode.ts';
import { RunNode } from './nodes/runNode.ts';
import { TenantNode } from './nodes/tenantNode.ts';
import type { RunQueryStore } from './runQueryStore.ts';

export class ExperimentsTree implements TreeDataProvider<TreeNode>, TreeContext, Disposable {
  readonly daemon: DaemonApi;
  readonly settings: Settings;
  readonly queries: RunQueryStore;
  readonly view: TreeView<TreeNode>;
  readonly #onDidChangeTreeData = new EventEmitter<TreeNode | TreeNode[] | undefined>();
  readonly onDidChangeTreeData: Event<TreeNode | TreeNode[] | undefined> = this.#onDidChangeTreeData.event;
  readonly #live: LiveRuns<RunNode>;
  /** Ids of the nodes whose children are on screen (VS Code asked for them and they were not collapsed since). */
  readonly #expanded = new Set<string>();
  readonly #disposables: Disposable[];
  /** Tenant nodes by id; kept across re-renders so their loaded pages survive. */
  #tenants = new Map<string, TenantNode>();
  #backend: string | undefined;

  constructor(daemon: DaemonApi, settings: Settings, queries: RunQueryStore, subscriptions: DaemonLiveSubscriptions) {
    this.daemon = daemon;
    this.settings = settings;
    this.queries = queries;
    this.view = window.createTreeView(TREE_VIEW_ID, {
      treeDataProvider: this,
      showCollapseAll: true,
      // Several runs selected at once are what "compare" (and bulk archive / mark) act on.
      canSelectMany: true,
    });
    this.#live = new LiveRuns<RunNode>({
      acquire: (tenant, runId) => subscriptions.acquire(tenant, runId),
      read: (tenant, runId) => daemon.request(Runs.get, { tenant, runId }),
      get ready() {
        return daemon.state === 'running';
      },
      apply: (node, run) => node.experiment.updated(run),
      // A run that left the view (archived elsewhere, hidden) needs its experiment re-rendered.
      changed: (nodes) => this.changed([...new Set(nodes.map((n) => (n.experiment.find(n.run.id) === n ? n : n.experiment)))]),
    });
    this.#live.setActive(this.view.visible);
    this.#disposables = [
      this.view,
      { dispose: () => this.#live.dispose() },
      this.#onDidChangeTreeData,
      daemon.onNotification(Live.frame, ({ frames }) => this.#live.onFrames(frames)),
      daemon.onNotification(Live.treeChanged, ({ changes }) => this.#onTreeChanged(changes)),
      subscriptions.onDidResubscribe(() => this.#live.resubscribed()),
      this.view.onDidChangeVisibility(({ visible }) => this.#live.setActive(visible)),
      this.view.onDidExpandElement(({ element }) => {
        this.#expanded.add(element.id);
        for (const run of runNodesUnder(element)) this.watchRun(run);
      }),
      this.view.onDidCollapseElement(({ element }) => {
        this.#expanded.delete(element.id);
        for (const run of runNodesUnder(element)) this.#live.unwatch(run);
      }),
      daemon.onDidChangeState((state) => {
        // A (re)started daemon may hold different data (another backend, a crash-restart): reload.
        if (state === 'running') this.refresh();
        else this.changed();
      }),
      daemon.onDidChangeStatus((status) => {
        if (status === undefined) return;
        if (this.#backend !== undefined && this.#backend !== status.backend) this.refresh();
        this.#backend = status.backend;
        this.view.description = status.backend.split(' ')[0];
      }),
      settings.onDidChange((change) => this.#onSettingsChanged(change)),
    ];
  }

  getTreeItem(node: TreeNode): TreeItem {
    return node.toTreeItem();
  }

  getChildren(node?: TreeNode): Promise<TreeNode[]> {
    if (node === undefined) return this.#roots();
    this.#expanded.add(node.id);
    return node.children();
  }

  getParent(node: TreeNode): TreeNode | undefined {
    return node.parent;
  }

  changed(node?: TreeNode | TreeNode[]): void {
    this.#onDidChangeTreeData.fire(node);
  }

  /** Reloads `node`'s children, or everything. */
  refresh(node?: TreeNode): void {
    if (node === undefined) {
      for (const tenant of this.#tenants.values()) tenant.reset();
    } else {
      node.reset();
    }
    this.changed(node);
  }

  /** Follows a run node live while it is on screen: its experiment and tenant are expanded. */
  watchRun(node: TreeNode): void {
    if (!(node instanceof RunNode)) return;
    const experiment = node.experiment;
    const onScreen = this.#expanded.has(experiment.id) && (experiment.parent === undefined || this.#expanded.has(experiment.parent.id));
    if (onScreen) this.#live.watch(node);
    else this.#live.unwatch(node);
  }

  unwatchRun(node: TreeNode): void {
    if (node instanceof RunNode) this.#live.unwatch(node);
  }

  tenantNode(tenant: string): TenantNode | undefined {
    return this.#tenants.get(tenant);
  }

  /** Shows a new experiment at the top of its tenant and selects it. */
  async experimentCreated(tenant: string, experiment: ExperimentView): Promise<void> {
    const tenantNode = this.#tenants.get(tenant);
    const node = tenantNode?.added(experiment);
    // The root may have been empty (welcome view): re-render it, not just the tenant.
    this.changed();
    if (node !== undefined) await this.#reveal(node);
    else if (tenantNode !== undefined) await this.#reveal(tenantNode, true);
  }

  experimentChanged(node: ExperimentNode, experiment: ExperimentView): void {
    const tenantNode = this.#tenants.get(node.tenant);
    if (tenantNode === undefined) return;
    tenantNode.updated(experiment);
    this.changed(tenantNode);
  }

  async runCreated(experiment: ExperimentNode, run: RunView): Promise<void> {
    const node = experiment.added(run);
    this.changed(experiment);
    if (node !== undefined) {
      await this.#reveal(node);
      return;
    }
    // Runs not loaded yet (collapsed experiment): expanding loads them, new run included.
    await this.#reveal(experiment, true);
    const loaded = experiment.find(run.id);
    if (loaded !== undefined) await this.#reveal(loaded);
  }

  runChanged(node: RunNode, run: RunView): void {
    node.experiment.updated(run);
    // A run that left the view (archived, hidden) needs its parent re-rendered, not itself.
    this.changed(node.experiment.find(run.id) === undefined ? node.experiment : node);
  }

  /** The nodes a command acts on: the selection when the clicked node is part of it, else that node. */
  targets<T extends TreeNode>(clicked: T | undefined, selected: readonly TreeNode[] | undefined, kind: abstract new (...args: never[]) => T): T[] {
    if (clicked === undefined) return [];
    if (selected !== undefined && selected.length > 1 && selected.includes(clicked)) {
      return selected.filter((n): n is T => n instanceof kind);
    }
    return [clicked];
  }

  dispose(): void {
    for (const d of this.#disposables) d.dispose();
  }

  async #roots(): Promise<TreeNode[]> {
    if (this.daemon.state !== 'running') return [];
    const settings = this.settings.current;
    let fromDaemon: string[] = [];
    try {
      fromDaemon = (await this.daemon.request(Tenants.list, { configured: settings.tenants })).tenants;
    } catch (error) {
      // Still show what settings name; each tenant reports its own load error.
      void window.setStatusBarMessage(`MATIH: could not list tenants: ${readableError(error)}`, 5000);
    }
    const previous = this.#tenants;
    this.#tenants = new Map();
    for (const tenant of sidebarTenants(settings, fromDaemon)) {
      this.#tenants.set(tenant, previous.get(tenant) ?? new TenantNode(this, tenant));
    }
    for (const [tenant, node] of previous) if (!this.#tenants.has(tenant)) node.reset();
    const nodes = [...this.#tenants.values()];
    // A fresh start (no tenant added, the one tenant empty): leave the root empty so the welcome
    // view offers the first steps. A tenant the user added is shown even while it is empty.
    const only = nodes.length === 1 && settings.tenants.length === 0 ? nodes[0] : undefined;
    if (only !== undefined) {
      await only.experiments.ensureLoaded().catch(() => undefined);
      if (only.experiments.loaded && only.experiments.items.length === 0) return [];
    }
    return nodes;
  }

  /**
   * Experiments and runs created or changed through the daemon by anyone (a script, a notebook,
   * a command of this window): reload the lists that show them. A list not loaded yet loads
   * fresh when expanded, and an item this window already shows (it created it) needs nothing.
   */
  #onTreeChanged(changes: TreeChange[]): void {
    let root = false;
    const reload = new Set<TreeNode>();
    for (const change of changes) {
      const tenant = this.#tenants.get(change.tenant);
      if (tenant === undefined) {
        // A tenant new to the sidebar (found through its tags) appears at the root.
        root = true;
        continue;
      }
      if (!tenant.experiments.loaded) continue;
      const experiment = change.experimentId !== undefined ? tenant.find(change.experimentId) : undefined;
      if (change.kind === 'experiments') {
        if (change.created && experiment !== undefined) continue;
        reload.add(tenant);
        // The welcome view stands in for a tenant with no experiments: the root must re-render.
        if (tenant.experiments.items.length === 0) root = true;
        continue;
      }
      const owner = experiment ?? this.#experimentShowing(tenant, change.runId);
      if (owner === undefined) {
        // A run of an experiment this window does not list yet: the experiment itself is new.
        if (change.created && change.experimentId !== undefined) reload.add(tenant);
        continue;
      }
      if (!owner.runs.loaded) continue;
      if (change.created && change.runId !== undefined && owner.find(change.runId) !== undefined) continue;
      reload.add(owner);
    }
    for (const node of reload) node.reset();
    if (root) this.changed();
    else if (reload.size > 0) this.changed([...reload]);
  }

  #experimentShowing(tenant: TenantNode, runId: string | undefined): ExperimentNode | undefined {
    if (runId === undefined) return undefined;
    for (const e of tenant.experiments.items) {
      const node = tenant.find(e.id);
      if (node?.find(runId) !== undefined) return node;
    }
    return undefined;
  }

  #onSettingsChanged({ previous, current }: SettingsChange): void {
    if (previous.showArchived !== current.showArchived || previous.pageSize !== current.pageSize) {
      this.refresh();
    } else if (
      previous.activeTenant !== current.activeTenant ||
      previous.tenants.join() !== current.tenants.join()
    ) {
      this.changed();
    }
  }

  async #reveal(node: TreeNode, expand = false): Promise<void> {
    try {
      await this.view.reveal(node, { select: true, focus: false, expand });
    } catch {
      // Revealing is a courtesy; a node VS Code has not rendered yet cannot be revealed.
    }
  }
}

/** The loaded run nodes below a tenant or an experiment. */
function runNodesUnder(node: TreeNode): RunNode[] {
  const experiments =
    node instanceof TenantNode
      ? node.experiments.items.map((e) => node.find(e.id)).filter((e) => e !== undefined)
      : node instanceof ExperimentNode
        ? [node]
        : [];
  return experiments.flatMap((e) => e.runs.items.map((r) => e.find(r.id)).filter((r) => r !== undefined));
}
