/**
 * A run's artifacts in the tree: an "Artifacts" folder under the run whose folders list their
 * children only when expanded (`Artifacts.list`, one level at a time, so a model with thousands
 * of files costs nothing until opened), and files with their sizes and the file icon theme's
 * icon for their type. Clicking a file opens it (text in a read-only tab, images in a preview).
 * After it, one node per MLflow 3 logged model of the run (`log_model(name=…)` keeps a model's
 * files in the model's own location, not the run's), named as logged, browsed the same way.
 */
import { MarkdownString, ThemeIcon, TreeItem, TreeItemCollapsibleState } from 'vscode';
import { Artifacts, formatBytes, guessArtifactType } from '../../../../protocol/src/index.ts';
import type { ArtifactEntryView, LoggedModelSummaryView } from '../../../../protocol/src/index.ts';
import { artifactDocumentUri, mlflowArtifactUri } from '../../artifacts/contentProvider.ts';
import type { ArtifactRef } from '../../artifacts/contentProvider.ts';
import { ArtifactCommands } from '../../artifacts/ids.ts';
import { readableError } from '../../util/errors.ts';
import { TreeNode } from './base.ts';
import type { DaemonApi } from '../../daemon/daemonClient.ts';
import type { RunNode } from './runNode.ts';
import { MessageNode, loadFailed } from './utilityNodes.ts';

/** What every artifact node can say about itself, for the commands. */
export interface ArtifactNodeBase {
  readonly runNode: RunNode;
  readonly ref: ArtifactRef;
  readonly isDir: boolean;
}

/**
 * `artifact.<root|folder|file>.<live|archived>`: the manifest's menus match on both parts. A
 * logged model's root is `artifact.model.…` and what is inside it `artifact.<folder|file>.model`:
 * its files are the model's as logged, so they offer open, download and copy, not upload or delete.
 */
function contextValue(kind: 'root' | 'folder' | 'file', runNode: RunNode, model: LoggedModelSummaryView | undefined): string {
  if (model !== undefined) return kind === 'root' ? `artifact.model.${runNode.archived ? 'archived' : 'live'}` : `artifact.${kind}.model`;
  return `artifact.${kind}.${runNode.archived ? 'archived' : 'live'}`;
}

/** Where a run's (or its model's) entry sits in the tree's ids. */
function idBase(runNode: RunNode, model: LoggedModelSummaryView | undefined): string {
  return model === undefined ? `${runNode.id}/artifacts` : `${runNode.id}/models/${model.id}`;
}

/** What the daemon's `Artifacts.*` requests name for `path` of the run (or of its `model`). */
function artifactRef(runNode: RunNode, path: string, model: LoggedModelSummaryView | undefined): ArtifactRef {
  return { tenant: runNode.tenant, runId: runNode.run.id, path, ...(model ? { modelId: model.id } : {}) };
}

/**
 * A folder of a run's artifacts; the run's root ("Artifacts") is one with path ''. With `model`,
 * a folder of that logged model's files, its root named as the model.
 */
export class ArtifactFolderNode extends TreeNode implements ArtifactNodeBase {
  readonly runNode: RunNode;
  readonly path: string;
  readonly model: LoggedModelSummaryView | undefined;
  readonly isDir = true;
  #loaded: Promise<TreeNode[]> | undefined;

  constructor(parent: TreeNode, runNode: RunNode, path: string, model?: LoggedModelSummaryView) {
    super(parent);
    this.runNode = runNode;
    this.path = path;
    this.model = model;
  }

  get ref(): ArtifactRef {
    return artifactRef(this.runNode, this.path, this.model);
  }

  get isRoot(): boolean {
    return this.path === '';
  }

  /** The name a download of this folder gets: the folder's, the model's, or `<run>-artifacts`. */
  get name(): string | undefined {
    if (!this.isRoot) return this.path.slice(this.path.lastIndexOf('/') + 1);
    return this.model?.name;
  }

  get id(): string {
    // The root keeps the id the "Artifacts" group always had, so its expansion survives.
    const base = idBase(this.runNode, this.model);
    return this.isRoot ? base : `${base}/${this.path}`;
  }

  toTreeItem(): TreeItem {
    const name = this.name ?? 'Artifacts';
    const item = new TreeItem(name, TreeItemCollapsibleState.Collapsed);
    item.id = this.id;
    item.contextValue = contextValue(this.isRoot ? 'root' : 'folder', this.runNode, this.model);
    if (this.isRoot && this.model !== undefined) {
      item.iconPath = new ThemeIcon('package');
      item.description = 'logged model';
      const status = this.model.status?.replace(/^LOGGED_MODEL_/, '').toLowerCase().replace(/_/g, ' ');
      const created = this.model.createdAt === undefined ? undefined : `created ${new Date(this.model.createdAt).toLocaleString()}`;
      item.tooltip = plainTooltip(
        [`Logged model "${this.model.name}" of run ${this.runNode.run.id}`, this.model.id, [status, created].filter(Boolean).join(' · ')]
          .filter(Boolean)
          .join('\n\n'),
      );
    } else if (this.isRoot) {
      item.iconPath = new ThemeIcon('files');
      const count = this.runNode.run.artifacts.length;
      if (count > 0) item.description = `${count} ${count === 1 ? 'file' : 'files'}`;
      item.tooltip = plainTooltip(`Artifacts of run ${this.runNode.run.id}`);
    } else {
      // A codicon, not the file icon theme's folder: the default theme draws none, and a bare
      // folder row under the "Artifacts" icon reads as a level shallower than it is.
      item.iconPath = new ThemeIcon('folder');
      item.tooltip = plainTooltip(this.path);
    }
    return item;
  }

  override children(): Promise<TreeNode[]> {
    this.#loaded ??= this.#load();
    return this.#loaded;
  }

  override reset(): void {
    this.#loaded = undefined;
  }

  async #load(): Promise<TreeNode[]> {
    try {
      if (lister === undefined) throw new Error('The artifact commands are not set up yet.');
      const listing = await lister.request(Artifacts.list, { ...this.ref, maxResults: 1000 });
      const nodes: TreeNode[] = listing.entries.map((entry) =>
        entry.isDir ? new ArtifactFolderNode(this, this.runNode, entry.path, this.model) : new ArtifactFileNode(this, this.runNode, entry, this.model),
      );
      const empty = !this.isRoot ? 'Empty folder' : this.model !== undefined ? 'No files in this model' : 'No artifacts yet';
      if (nodes.length === 0) nodes.push(new MessageNode(this, empty, 'empty'));
      if (listing.truncated) {
        nodes.push(new MessageNode(this, `Only the first ${listing.entries.length} entries are shown`, 'info', undefined, 'truncated'));
      }
      return nodes;
    } catch (error) {
      // The next expansion (or the Retry click) tries again.
      this.#loaded = undefined;
      return [loadFailed(this, !this.isRoot ? 'this folder' : this.model !== undefined ? 'the model\'s files' : 'artifacts', readableError(error))];
    }
  }
}

export class ArtifactFileNode extends TreeNode implements ArtifactNodeBase {
  readonly runNode: RunNode;
  readonly entry: ArtifactEntryView;
  readonly model: LoggedModelSummaryView | undefined;
  readonly isDir = false;

  constructor(parent: TreeNode, runNode: RunNode, entry: ArtifactEntryView, model?: LoggedModelSummaryView) {
    super(parent);
    this.runNode = runNode;
    this.entry = entry;
    this.model = model;
  }

  get ref(): ArtifactRef {
    return artifactRef(this.runNode, this.entry.path, this.model);
  }

  get id(): string {
    return `${idBase(this.runNode, this.model)}/${this.entry.path}`;
  }

  toTreeItem(): TreeItem {
    const item = new TreeItem(this.entry.name, TreeItemCollapsibleState.None);
    item.id = this.id;
    // ThemeIcon.File plus a resourceUri: the user's file icon theme picks the icon by extension.
    item.iconPath = ThemeIcon.File;
    item.resourceUri = artifactDocumentUri(this.ref);
    item.description = this.entry.size === undefined ? undefined : formatBytes(this.entry.size);
    item.contextValue = contextValue('file', this.runNode, this.model);
    const tooltip = new MarkdownString();
    tooltip.appendText(this.entry.path);
    tooltip.appendMarkdown('\n\n');
    tooltip.appendText(
      [this.entry.size === undefined ? undefined : formatBytes(this.entry.size), guessArtifactType(this.entry.path)].filter(Boolean).join(' · '),
    );
    tooltip.appendMarkdown('\n\n');
    tooltip.appendText(mlflowArtifactUri(this.runNode.run.id, this.entry.path, this.model?.id));
    item.tooltip = tooltip;
    item.command = { command: ArtifactCommands.openArtifact, title: 'Open', arguments: [this] };
    return item;
  }
}

export type ArtifactNode = ArtifactFolderNode | ArtifactFileNode;

/**
 * A tooltip as plain text. Not a string: VS Code reads a string tooltip out as the row's
 * accessible name, which should stay "name description" like every other row of the tree.
 */
function plainTooltip(text: string): MarkdownString {
  return new MarkdownString().appendText(text);
}

/**
 * Who lists folders. Run nodes are built without the tree's context, so the artifact commands
 * hand the daemon over once at activation; that keeps the run node's change to one line.
 */
let lister: Pick<DaemonApi, 'request'> | undefined;

export function setArtifactLister(daemon: Pick<DaemonApi, 'request'> | undefined): void {
  lister = daemon;
}

/** The "Artifacts" node of each run node, kept while the run's file list stays the same. */
const roots = new WeakMap<RunNode, { node: ArtifactFolderNode; files: string }>();

/**
 * The run's "Artifacts" node. The same node comes back while the run's files are unchanged (so
 * a run re-read every few seconds does not re-list expanded folders); new files reset it.
 */
export function artifactsRoot(runNode: RunNode): ArtifactFolderNode {
  const files = runNode.run.artifacts.join('\n');
  const known = roots.get(runNode);
  if (known !== undefined) {
    if (known.files !== files) {
      known.node.reset();
      known.files = files;
    }
    return known.node;
  }
  const node = new ArtifactFolderNode(runNode, runNode, '');
  roots.set(runNode, { node, files });
  return node;
}

/** The logged-model nodes of each run node, and what they were loaded for. */
const models = new WeakMap<RunNode, { key: string; nodes: Promise<TreeNode[]>; byId: Map<string, ArtifactFolderNode> }>();

/**
 * One node per logged model of the run (`Artifacts.models`, one request when the run expands;
 * none for runs in a list). Asked again once the run's state or files change, since a running
 * run may log a model later; a model already shown keeps its node, so its expansion survives.
 */
export function modelNodes(runNode: RunNode): Promise<TreeNode[]> {
  const run = runNode.run;
  const key = `${run.status}|${run.endTime}|${run.lifecycleStage}|${run.artifacts.length}`;
  const known = models.get(runNode);
  if (known !== undefined && known.key === key) return known.nodes;
  const byId = known?.byId ?? new Map<string, ArtifactFolderNode>();
  // Before the artifact commands are set up there is no one to ask; the run still shows.
  if (lister === undefined) return Promise.resolve([]);
  const daemon = lister;
  const nodes = (async (): Promise<TreeNode[]> => {
    try {
      const answer = await daemon.request(Artifacts.models, { tenant: runNode.tenant, runId: run.id });
      return answer.models.map((model) => {
        const node = byId.get(model.id);
        if (node !== undefined && node.model?.name === model.name && node.model.status === model.status) return node;
        const fresh = new ArtifactFolderNode(runNode, runNode, '', model);
        byId.set(model.id, fresh);
        return fresh;
      });
    } catch (error) {
      // The next expansion (or the Retry click) asks again.
      models.delete(runNode);
      return [loadFailed(runNode, 'the logged models', readableError(error))];
    }
  })();
  models.set(runNode, { key, nodes, byId });
  return nodes;
}
