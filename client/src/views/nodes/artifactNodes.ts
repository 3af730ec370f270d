/**
 * A run's artifacts in the tree: an "Artifacts" folder under the run whose folders list their
 * children only when expanded (`Artifacts.list`, one level at a time, so a model with thousands
 * of files costs nothing until opened), and files with their sizes and the file icon theme's
 * icon for their type. Clicking a file opens it (text in a read-only tab, images in a preview).
 */
import { MarkdownString, ThemeIcon, TreeItem, TreeItemCollapsibleState } from 'vscode';
import { Artifacts, formatBytes, guessArtifactType } from '../../../../protocol/src/index.ts';
import type { ArtifactEntryView } from '../../../../protocol/src/index.ts';
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

/** `artifact.<root|folder|file>.<live|archived>`: the manifest's menus match on both parts. */
function contextValue(kind: 'root' | 'folder' | 'file', runNode: RunNode): string {
  return `artifact.${kind}.${runNode.archived ? 'archived' : 'live'}`;
}

/** A folder of a run's artifacts; the run's root ("Artifacts") is one with path ''. */
export class ArtifactFolderNode extends TreeNode implements ArtifactNodeBase {
  readonly runNode: RunNode;
  readonly path: string;
  readonly isDir = true;
  #loaded: Promise<TreeNode[]> | undefined;

  constructor(parent: TreeNode, runNode: RunNode, path: string) {
    super(parent);
    this.runNode = runNode;
    this.path = path;
  }

  get ref(): ArtifactRef {
    return { tenant: this.runNode.tenant, runId: this.runNode.run.id, path: this.path };
  }

  get isRoot(): boolean {
    return this.path === '';
  }

  get id(): string {
    // The root keeps the id the "Artifacts" group always had, so its expansion survives.
    return this.isRoot ? `${this.runNode.id}/artifacts` : `${this.runNode.id}/artifacts/${this.path}`;
  }

  toTreeItem(): TreeItem {
    const name = this.isRoot ? 'Artifacts' : this.path.slice(this.path.lastIndexOf('/') + 1);
    const item = new TreeItem(name, TreeItemCollapsibleState.Collapsed);
    item.id = this.id;
    item.contextValue = contextValue(this.isRoot ? 'root' : 'folder', this.runNode);
    if (this.isRoot) {
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
        entry.isDir ? new ArtifactFolderNode(this, this.runNode, entry.path) : new ArtifactFileNode(this, this.runNode, entry),
      );
      if (nodes.length === 0) nodes.push(new MessageNode(this, this.isRoot ? 'No artifacts yet' : 'Empty folder', 'empty'));
      if (listing.truncated) {
        nodes.push(new MessageNode(this, `Only the first ${listing.entries.length} entries are shown`, 'info', undefined, 'truncated'));
      }
      return nodes;
    } catch (error) {
      // The next expansion (or the Retry click) tries again.
      this.#loaded = undefined;
      return [loadFailed(this, this.isRoot ? 'artifacts' : 'this folder', readableError(error))];
    }
  }
}

export class ArtifactFileNode extends TreeNode implements ArtifactNodeBase {
  readonly runNode: RunNode;
  readonly entry: ArtifactEntryView;
  readonly isDir = false;

  constructor(parent: TreeNode, runNode: RunNode, entry: ArtifactEntryView) {
    super(parent);
    this.runNode = runNode;
    this.entry = entry;
  }

  get ref(): ArtifactRef {
    return { tenant: this.runNode.tenant, runId: this.runNode.run.id, path: this.entry.path };
  }

  get id(): string {
    return `${this.runNode.id}/artifacts/${this.entry.path}`;
  }

  toTreeItem(): TreeItem {
    const item = new TreeItem(this.entry.name, TreeItemCollapsibleState.None);
    item.id = this.id;
    // ThemeIcon.File plus a resourceUri: the user's file icon theme picks the icon by extension.
    item.iconPath = ThemeIcon.File;
    item.resourceUri = artifactDocumentUri(this.ref);
    item.description = this.entry.size === undefined ? undefined : formatBytes(this.entry.size);
    item.contextValue = contextValue('file', this.runNode);
    const tooltip = new MarkdownString();
    tooltip.appendText(this.entry.path);
    tooltip.appendMarkdown('\n\n');
    tooltip.appendText(
      [this.entry.size === undefined ? undefined : formatBytes(this.entry.size), guessArtifactType(this.entry.path)].filter(Boolean).join(' · '),
    );
    tooltip.appendMarkdown('\n\n');
    tooltip.appendText(mlflowArtifactUri(this.runNode.run.id, this.entry.path));
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
