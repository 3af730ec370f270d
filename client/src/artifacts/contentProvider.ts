/**
 * Text artifacts in read-only editor tabs: `matih-artifact://<tenant>/<runId>/<path>` documents
 * (`?model=<model id>` for the files of one of the run's MLflow 3 logged models)
 * whose text the daemon reads (`Artifacts.read`). A content provider rather than a temp file:
 * nothing lands on disk, the tab is read-only by construction, its title is the artifact's name,
 * and VS Code picks the language from the path's extension (JSON, YAML, CSV, Markdown, Python).
 */
import { EventEmitter, Uri } from 'vscode';
import type { CancellationToken, Event, TextDocumentContentProvider } from 'vscode';
import { ARTIFACT_READ_MAX_BYTES, Artifacts, formatBytes } from '../../../protocol/src/index.ts';
import type { DaemonApi } from '../daemon/daemonClient.ts';
import { ARTIFACT_SCHEME } from './ids.ts';

/** Which artifact: the tenant, its run and the path inside the run. */
export interface ArtifactRef {
  tenant: string;
  runId: string;
  /** '' for the run's root. */
  path: string;
  /** One of the run's logged models: `path` is then inside the model's files, not the run's. */
  modelId?: string;
}

/** The editor URI of an artifact; the path keeps the name, so tab titles and languages follow it. */
export function artifactDocumentUri(ref: ArtifactRef): Uri {
  return Uri.from({
    scheme: ARTIFACT_SCHEME,
    authority: ref.tenant,
    path: `/${ref.runId}/${ref.path}`,
    ...(ref.modelId !== undefined ? { query: `model=${ref.modelId}` } : {}),
  });
}

/** The artifact an editor URI names, or undefined for any other URI. */
export function parseArtifactDocumentUri(uri: Uri): ArtifactRef | undefined {
  if (uri.scheme !== ARTIFACT_SCHEME) return undefined;
  const match = /^\/([^/]+)\/(.+)$/.exec(uri.path);
  if (match === null || uri.authority === '') return undefined;
  const modelId = new URLSearchParams(uri.query).get('model') ?? undefined;
  return { tenant: uri.authority, runId: match[1]!, path: match[2]!, ...(modelId ? { modelId } : {}) };
}

/**
 * MLflow's own URI for an artifact, which `mlflow.artifacts.download_artifacts` takes as is:
 * `runs:/<run>/<path>`, or `models:/<model id>/<path>` for a logged model's file.
 */
export function mlflowArtifactUri(runId: string, path: string, modelId?: string): string {
  return modelId !== undefined ? `models:/${modelId}/${path}` : `runs:/${runId}/${path}`;
}

export class ArtifactContentProvider implements TextDocumentContentProvider {
  readonly #daemon: Pick<DaemonApi, 'request'>;
  readonly #onDidChange = new EventEmitter<Uri>();
  readonly onDidChange: Event<Uri> = this.#onDidChange.event;

  constructor(daemon: Pick<DaemonApi, 'request'>) {
    this.#daemon = daemon;
  }

  /** Re-reads an open document (after an upload replaced the artifact). */
  refresh(uri: Uri): void {
    this.#onDidChange.fire(uri);
  }

  async provideTextDocumentContent(uri: Uri, token: CancellationToken): Promise<string> {
    const ref = parseArtifactDocumentUri(uri);
    if (ref === undefined) throw new Error(`Not an artifact: ${uri.toString()}`);
    const content = await this.#daemon.request(Artifacts.read, { ...ref, maxBytes: ARTIFACT_READ_MAX_BYTES }, token);
    // Text that is not valid UTF-8 still opens, with replacement characters where bytes are odd.
    const text = content.encoding === 'utf8' ? content.content : Buffer.from(content.content, 'base64').toString('utf8');
    if (!content.truncated) return text;
    const size = content.size === undefined ? '' : ` of ${formatBytes(content.size)}`;
    return `${text}\n\n… shown up to ${formatBytes(ARTIFACT_READ_MAX_BYTES)}${size}; download the file for the rest.\n`;
  }

  dispose(): void {
    this.#onDidChange.dispose();
  }
}
