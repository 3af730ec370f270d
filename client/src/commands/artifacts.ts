/**
 * Artifact commands: upload a file or folder to a run (from the run or an artifact folder in
 * the sidebar, from the explorer, or the palette), download a file or folder, open a file,
 * delete with a modal confirmation, copy the path or MLflow's `runs:/` URI. Transfers show a
 * cancellable progress notification (artifacts/transfers.ts).
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, join } from 'node:path';
import { commands, env, Uri, window, workspace } from 'vscode';
import type { Disposable } from 'vscode';
import { Artifacts, Runs } from '../../../protocol/src/index.ts';
import { ArtifactContentProvider, mlflowArtifactUri } from '../artifacts/contentProvider.ts';
import type { ArtifactRef } from '../artifacts/contentProvider.ts';
import { ARTIFACT_SCHEME, ArtifactCommands } from '../artifacts/ids.ts';
import { PreviewCopies, openArtifact, refusal } from '../artifacts/open.ts';
import { pickRun } from '../artifacts/pickRun.ts';
import type { PickedRun } from '../artifacts/pickRun.ts';
import { describeTransfer, transfer } from '../artifacts/transfers.ts';
import { runLabel } from '../util/format.ts';
import { ArtifactFileNode, ArtifactFolderNode, artifactsRoot, setArtifactLister } from '../views/nodes/artifactNodes.ts';
import type { ArtifactNode } from '../views/nodes/artifactNodes.ts';
import { RunNode } from '../views/nodes/runNode.ts';
import { confirm, register } from './shared.ts';
import type { CommandDeps } from './shared.ts';

/** Where an upload goes: a run and a folder in it ('' for its root). */
interface UploadTarget extends PickedRun {
  folder: string;
  runNode: RunNode | undefined;
  /** The folder node the upload started from, reloaded afterwards. */
  folderNode?: ArtifactFolderNode;
}

function joinPath(folder: string, name: string): string {
  return folder === '' ? name : `${folder}/${name}`;
}

/** The run node showing `run`, if the sidebar has loaded it. */
function findRunNode(deps: CommandDeps, tenant: string, experimentId: string, runId: string): RunNode | undefined {
  return deps.tree.tenantNode(tenant)?.find(experimentId)?.find(runId);
}

/** Re-reads the run so its counts are current and reloads the folders shown under it. */
async function refreshRun(deps: CommandDeps, runNode: RunNode | undefined, folder?: ArtifactFolderNode): Promise<void> {
  if (runNode === undefined) return;
  const root = artifactsRoot(runNode);
  root.reset();
  folder?.reset();
  const run = await deps.daemon.request(Runs.get, { tenant: runNode.tenant, runId: runNode.run.id });
  deps.tree.runChanged(runNode, run);
  deps.tree.changed(folder ?? root);
}

/** The run (and folder) an upload goes to: the clicked node's, else one the user picks. */
async function uploadTarget(deps: CommandDeps, node: unknown, title: string): Promise<UploadTarget | undefined> {
  if (node instanceof RunNode) return { tenant: node.tenant, run: node.run, folder: '', runNode: node };
  // A logged model's files are as logged: an upload from one goes to its run.
  if (node instanceof ArtifactFolderNode && node.model !== undefined) return { tenant: node.runNode.tenant, run: node.runNode.run, folder: '', runNode: node.runNode };
  if (node instanceof ArtifactFolderNode) {
    return { tenant: node.runNode.tenant, run: node.runNode.run, folder: node.path, runNode: node.runNode, folderNode: node };
  }
  const selectedNode = deps.tree.view.selection.find((n): n is RunNode => n instanceof RunNode);
  const selected = selectedNode === undefined ? undefined : { tenant: selectedNode.tenant, run: selectedNode.run };
  const picked = await pickRun(deps.daemon, deps.settings.current.activeTenant, title, selected);
  if (picked === undefined) return undefined;
  return { ...picked, folder: '', runNode: findRunNode(deps, picked.tenant, picked.run.experimentId, picked.run.id) };
}

async function upload(deps: CommandDeps, kind: 'file' | 'folder', node: unknown, selection: unknown): Promise<void> {
  // From the explorer: the clicked resource, or the whole selection it belongs to.
  let sources: Uri[] | undefined;
  if (node instanceof Uri) {
    sources = Array.isArray(selection) && selection.length > 0 ? selection.filter((u): u is Uri => u instanceof Uri) : [node];
  }
  const what = kind === 'file' ? 'File' : 'Folder';
  const names = sources?.map((u) => `"${basename(u.fsPath)}"`);
  const pickTitle = names === undefined ? `Upload ${what} to Run` : `Upload ${names.length === 1 ? names[0] : `${names.length} items`} to Run`;
  const target = await uploadTarget(deps, node instanceof Uri ? undefined : node, pickTitle);
  if (target === undefined) return;
  const where = `run "${runLabel(target.run)}"${target.folder === '' ? '' : ` (${target.folder}/)`}`;
  sources ??= await window.showOpenDialog({
    title: `Upload ${what} to ${where}`,
    openLabel: 'Upload',
    canSelectFiles: kind === 'file',
    canSelectFolders: kind === 'folder',
    canSelectMany: true,
    ...(workspace.workspaceFolders?.[0] ? { defaultUri: workspace.workspaceFolders[0].uri } : {}),
  });
  if (sources === undefined || sources.length === 0) return;
  const done: string[] = [];
  try {
    for (const source of sources) {
      const name = basename(source.fsPath);
      const result = await transfer(deps.daemon, `Uploading "${name}" to ${where}`, Artifacts.upload, {
        tenant: target.tenant,
        runId: target.run.id,
        source: source.fsPath,
        destination: joinPath(target.folder, name),
      });
      if (result === undefined) break; // cancelled: the rest are not started
      done.push(describeTransfer(result, name));
    }
  } finally {
    if (done.length > 0) await refreshRun(deps, target.runNode, target.folderNode?.isRoot === false ? target.folderNode : undefined);
  }
  if (done.length > 0) void window.showInformationMessage(`Uploaded ${done.join('; ')} to ${where}.`);
}

async function download(deps: CommandDeps, node: ArtifactNode): Promise<void> {
  const ref = node.ref;
  const run = node.runNode.run;
  const folderName = node instanceof ArtifactFolderNode ? node.name : undefined;
  const name = folderName ?? (ref.path === '' ? `${runLabel(run)}-artifacts` : ref.path.slice(ref.path.lastIndexOf('/') + 1));
  const base = workspace.workspaceFolders?.[0]?.uri.fsPath ?? homedir();
  let destination: string;
  let overwrite = false;
  if (node instanceof ArtifactFileNode) {
    const chosen = await window.showSaveDialog({ title: `Download "${ref.path}"`, saveLabel: 'Download', defaultUri: Uri.file(join(base, name)) });
    if (chosen === undefined) return;
    destination = chosen.fsPath;
    overwrite = true; // the save dialog already asked about replacing
  } else {
    const chosen = await window.showOpenDialog({
      title: `Download "${ref.path || folderName || 'all artifacts'}" into…`,
      openLabel: 'Download Here',
      canSelectFiles: false,
      canSelectFolders: true,
      defaultUri: Uri.file(base),
    });
    if (chosen?.[0] === undefined) return;
    destination = join(chosen[0].fsPath, name);
    if (existsSync(destination)) {
      overwrite = await confirm(`"${destination}" exists. Replace the files in it?`, 'Files of the same name are replaced; others stay.', 'Replace');
      if (!overwrite) return;
    }
  }
  const result = await transfer(deps.daemon, `Downloading "${ref.path || name}"`, Artifacts.download, { ...ref, destination, overwrite });
  if (result === undefined) return;
  const choice = await window.showInformationMessage(
    `Downloaded ${describeTransfer(result, name)} to ${destination}.`,
    ...(node instanceof ArtifactFileNode ? ['Open'] : []),
  );
  if (choice === 'Open') await commands.executeCommand('vscode.open', Uri.file(destination));
}

async function open(deps: CommandDeps, copies: PreviewCopies, node: ArtifactFileNode): Promise<void> {
  const outcome = await openArtifact(deps.daemon, copies, node.ref, node.entry.size);
  if (outcome === 'opened') return;
  const choice = await window.showWarningMessage(refusal(outcome, node.ref.path, node.entry.size), 'Download…');
  if (choice === 'Download…') await download(deps, node);
}

async function remove(deps: CommandDeps, nodes: ArtifactNode[]): Promise<void> {
  const targets = nodes.filter((n) => n.ref.path !== '');
  const first = targets[0];
  if (first === undefined) return;
  const run = first.runNode.run;
  const what =
    targets.length === 1 ? `${first.isDir ? 'the folder' : ''} "${first.ref.path}"`.trim() : `${targets.length} artifacts`;
  const detail = [
    targets.length > 1 ? targets.map((n) => n.ref.path).join('\n') + '\n' : '',
    targets.some((n) => n.isDir) ? 'Folders are deleted with everything in them. ' : '',
    `Run ${run.id}, tenant "${first.runNode.tenant}". This cannot be undone.`,
  ].join('');
  if (!(await confirm(`Delete ${what} from run "${runLabel(run)}"?`, detail, 'Delete'))) return;
  try {
    for (const node of targets) await deps.daemon.request(Artifacts.delete, node.ref);
  } finally {
    const parent = first.parent instanceof ArtifactFolderNode ? first.parent : undefined;
    await refreshRun(deps, first.runNode, parent?.isRoot && parent.model === undefined ? undefined : parent);
  }
  window.setStatusBarMessage(`Deleted ${what} from run "${runLabel(run)}"`, 5000);
}

/** The clicked node, or the selection it is part of (artifact nodes only). */
function artifactTargets(node: unknown, selected: unknown): ArtifactNode[] {
  const isArtifact = (n: unknown): n is ArtifactNode => n instanceof ArtifactFileNode || n instanceof ArtifactFolderNode;
  if (!isArtifact(node)) return [];
  if (Array.isArray(selected) && selected.length > 1 && selected.includes(node)) return selected.filter(isArtifact);
  return [node];
}

async function copy(refs: ArtifactRef[], text: (ref: ArtifactRef) => string, what: string): Promise<void> {
  if (refs.length === 0) return;
  await env.clipboard.writeText(refs.map(text).join('\n'));
  window.setStatusBarMessage(refs.length === 1 ? `Copied ${what} ${text(refs[0]!)}` : `Copied ${refs.length} ${what}s`, 3000);
}

export function registerArtifactCommands(deps: CommandDeps): Disposable[] {
  const provider = new ArtifactContentProvider(deps.daemon);
  const copies = new PreviewCopies();
  setArtifactLister(deps.daemon);
  return [
    provider,
    copies,
    { dispose: () => setArtifactLister(undefined) },
    workspace.registerTextDocumentContentProvider(ARTIFACT_SCHEME, provider),
    register(deps, ArtifactCommands.uploadArtifactFile, (node?: unknown, selection?: unknown) => upload(deps, 'file', node, selection)),
    register(deps, ArtifactCommands.uploadArtifactFolder, (node?: unknown, selection?: unknown) => upload(deps, 'folder', node, selection)),
    register(deps, ArtifactCommands.downloadArtifact, async (node?: unknown) => {
      const [target] = artifactTargets(node, undefined);
      if (target !== undefined) await download(deps, target);
    }),
    register(deps, ArtifactCommands.openArtifact, async (node?: unknown) => {
      if (node instanceof ArtifactFileNode) await open(deps, copies, node);
    }),
    register(deps, ArtifactCommands.deleteArtifact, (node?: unknown, selected?: unknown) => remove(deps, artifactTargets(node, selected))),
    register(deps, ArtifactCommands.copyArtifactPath, (node?: unknown, selected?: unknown) =>
      copy(artifactTargets(node, selected).map((n) => n.ref), (ref) => ref.path, 'path'),
    ),
    register(deps, ArtifactCommands.copyArtifactUri, (node?: unknown, selected?: unknown) =>
      copy(artifactTargets(node, selected).map((n) => n.ref), (ref) => mlflowArtifactUri(ref.runId, ref.path, ref.modelId), 'URI'),
    ),
  ];
}
