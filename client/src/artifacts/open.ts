/**
 * "Open" on an artifact: text (JSON, YAML, CSV, Markdown, Python, logs, MLmodel…) in a read-only
 * editor tab through the `matih-artifact:` content provider; images (png, jpg, gif, svg, webp)
 * in VS Code's image preview, which needs a real file: the daemon downloads a temporary copy
 * that is removed when the window closes. Anything too big or not shown by an editor offers a
 * Download instead.
 */
import { mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { commands, languages, Uri, window, workspace } from 'vscode';
import type { Disposable } from 'vscode';
import { ARTIFACT_READ_MAX_BYTES, Artifacts, formatBytes, guessArtifactType, isImageType, isTextType } from '../../../protocol/src/index.ts';
import type { DaemonApi } from '../daemon/daemonClient.ts';
import { artifactDocumentUri } from './contentProvider.ts';
import type { ArtifactRef } from './contentProvider.ts';

/** Images larger than this are not previewed (the copy is a full download). */
export const OPEN_IMAGE_MAX_BYTES = 50 * 1000 * 1000;
/** Bytes looked at to tell text from binary when the name says nothing. */
const SNIFF_BYTES = 8192;

/** Languages VS Code does not guess from the name alone (MLflow's extension-less YAML files). */
const LANGUAGE_BY_TYPE: Record<string, string> = { 'application/yaml': 'yaml', 'application/jsonl': 'json' };

export type OpenOutcome = 'opened' | 'too-big' | 'binary';

/** Temporary copies of previewed images, removed on dispose. */
export class PreviewCopies implements Disposable {
  readonly #dir = join(tmpdir(), `matih-artifacts-${process.pid}`);

  /**
   * The local path of an artifact's copy: `<temp>/<run id>/<artifact path>`, so the preview's
   * breadcrumbs say which run and folder the image came from. Only plain name segments are
   * kept; the daemon refuses unsafe artifact paths anyway, before it writes anything.
   */
  async path(ref: ArtifactRef): Promise<string> {
    const segments = ref.path.split('/').filter((s) => s !== '' && s !== '.' && s !== '..');
    const model = ref.modelId !== undefined ? ['models', ref.modelId] : [];
    const file = join(this.#dir, ref.runId, ...model, ...segments);
    await mkdir(dirname(file), { recursive: true });
    return file;
  }

  dispose(): void {
    void rm(this.#dir, { recursive: true, force: true });
  }
}

/**
 * Opens the artifact, or says why it cannot (the caller offers a download then). `size` is the
 * listing's, when known.
 */
export async function openArtifact(
  daemon: Pick<DaemonApi, 'request'>,
  copies: PreviewCopies,
  ref: ArtifactRef,
  size: number | undefined,
): Promise<OpenOutcome> {
  let type = guessArtifactType(ref.path);
  if (isImageType(type)) {
    if (size !== undefined && size > OPEN_IMAGE_MAX_BYTES) return 'too-big';
    const local = await copies.path(ref);
    await daemon.request(Artifacts.download, { ...ref, destination: local, overwrite: true });
    await commands.executeCommand('vscode.open', Uri.file(local), { preview: true });
    return 'opened';
  }
  if (size !== undefined && size > ARTIFACT_READ_MAX_BYTES) return 'too-big';
  if (!isTextType(type)) {
    // The name says nothing (or says binary): let the first bytes decide.
    const head = await daemon.request(Artifacts.read, { ...ref, maxBytes: SNIFF_BYTES });
    if (head.encoding !== 'utf8' || !isTextType(head.contentType)) return 'binary';
    type = head.contentType;
    if (head.size !== undefined && head.size > ARTIFACT_READ_MAX_BYTES) return 'too-big';
  }
  let document = await workspace.openTextDocument(artifactDocumentUri(ref));
  const language = LANGUAGE_BY_TYPE[type];
  if (document.languageId === 'plaintext' && language !== undefined) document = await languages.setTextDocumentLanguage(document, language);
  await window.showTextDocument(document, { preview: true });
  return 'opened';
}

/** Why Open refused, in words, for the message that offers a download. */
export function refusal(outcome: Exclude<OpenOutcome, 'opened'>, path: string, size: number | undefined): string {
  const name = path.slice(path.lastIndexOf('/') + 1);
  if (outcome === 'too-big') {
    const limit = isImageType(guessArtifactType(path)) ? OPEN_IMAGE_MAX_BYTES : ARTIFACT_READ_MAX_BYTES;
    return `"${name}" is ${size === undefined ? 'too big' : formatBytes(size)}; files over ${formatBytes(limit)} are not opened in the editor.`;
  }
  return `"${name}" is a binary file (${guessArtifactType(path)}); the editor cannot show it.`;
}
