/**
 * The sidebar: tenants → experiments → runs → params / metrics / tags / artifacts. Nodes load
 * their own pages; this provider owns the roots, the change events and the tree view, and
 * answers the questions commands ask after a change ("which node shows this run?").
 *
 * When there is nothing to show — daemon not running, or a single tenant with no experiments —
 * the root is empty so the manifest's welcome content (with its buttons) takes its place.
 */
import { EventEmitter, window } from 'vscode';
import type { Disposable, Event, TreeDataProvider, TreeItem, TreeView } from 'vscode';
import { Tenants } from '../../../protocol/src/index.ts';
import type { ExperimentView, RunView } from '../../../protocol/src/index.ts';
import { TREE_VIEW_ID } from '../commands/ids.ts';
import type { Settings, SettingsChange } from '../config/settings.ts';
import { sidebarTenants } from '../config/settingsModel.ts';
import type { DaemonApi } from '../daemon/daemonClient.ts';
import { readableError } from '../util/errors.ts';
import { LiveRuns } from './liveRuns.ts';
import type { TreeContext, TreeNode } from './nodes/base.ts';
import type { ExperimentNode } from './nodes/experimentNode.ts';
import { RunNode } from './nodes/runNode.ts';
import { TenantNode } from './nodes/tenantNode.ts';
import type { RunQueryStore } from './runQueryStore.ts';

export class ExperimentsTree implements TreeDataProvider<TreeNode>, TreeContext, Disposable {
  readonly daemon: DaemonApi;
  readonly settings: Settings;
  readonly queries: RunQueryStore;
  readonly view: TreeView<TreeNode>;
  readonly #onDidChangeTreeData = new EventEmitter<TreeNode | undefined>();
  readonly onDidChangeTreeData: Event<TreeNode | undefined> = this.#onDidChangeTreeData.event;
  readonly #live: LiveRuns;
  readonly #disposables: Disposable[];
  /** Tenant nodes by id; kept across re-renders so their loaded pages survive. */
  #tenants = new Map<string, TenantNode>();
  #backend: string | undefined;

  constructor(daemon: DaemonApi, settings: Settings, queries: RunQueryStore) {
    this.daemon = daemon;
    this.settings = settings;
    this.queries = queries;
    this.view = window.createTreeView(TREE_VIEW_ID, {
      treeDataProvider: this,
      showCollapseAll: true,
      // Several runs selected at once are what "compare" (and bulk archive / mark) act on.
      canSelectMany: true,
    });
    const view = this.view;
    this.#live = new LiveRuns({
      daemon,
      changed: (node) => this.changed(node),
      get visible() {
        return view.visible;
      },
    });
    this.#disposables = [
      this.view,
      this.#live,
      this.#onDidChangeTreeData,
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
    return node === undefined ? this.#roots() : node.children();
  }

  getParent(node: TreeNode): TreeNode | undefined {
    return node.parent;
  }

  changed(node?: TreeNode): void {
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

  watchRun(node: TreeNode): void {
    if (node instanceof RunNode) this.#live.watch(node);
  }

  unwatchRun(node: TreeNode): void {
    this.#live.unwatch(node);
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
