/**
 * `Artifacts.*`: one tenant's run files through the artifact service (services/artifacts.ts),
 * which checks the path and the run's tenant before any store is touched. Transfers stream
 * between the store and the user's disk (artifact-transfers.ts), report LSP work-done progress
 * under the request's `workDoneToken`, and stop when the request is cancelled.
 */
import type { Connection } from 'vscode-languageserver/node';
import { WorkDoneProgress } from 'vscode-languageserver/node';
import {
  type ArtifactContentView,
  type ArtifactEntryView,
  ARTIFACT_MODELS_MAX,
  Artifacts,
  type LoggedModelListView,
  formatBytes,
  guessArtifactType,
  isTextType,
} from '../../../../protocol/src/index.ts';
import type { ArtifactOwner, ArtifactService } from '../../services/artifacts.ts';
import type { TrackingBackend } from '../../tracking/backend.ts';
import { loggedModelNotFound, supportsModels } from '../../tracking/models-backend.ts';
import type { Listener } from '../listener.ts';
import type { RequestContext, Requests } from '../register.ts';
import type { DaemonSession } from '../session.ts';
import { type RunArtifacts, type TransferProgress, downloadArtifacts, uploadArtifacts } from './artifact-transfers.ts';

/** Progress is reported at most this often (VS Code redraws no faster anyway). */
const REPORT_EVERY_MS = 200;

export function registerArtifactRequests(requests: Requests, session: DaemonSession, connection: Pick<Connection, 'sendProgress'>): void {
  /** Runs `fn` with the tenant's scope and the artifact service of the current listener. */
  const use = <T>(tenant: string, fn: (scope: TrackingBackend, service: ArtifactService) => Promise<T>) =>
    session.use((l: Listener) => fn(l.tenants.scope(tenant), l.artifacts));

  requests.on(Artifacts.list, (p) =>
    use(p.tenant, async (scope, service) => {
      const entries = await service.listOf(scope, await ownerOf(scope, p), p.path);
      const sorted = entries.map(toView).sort(byFoldersThenName);
      return { runId: p.runId, path: p.path, entries: sorted.slice(0, p.maxResults), truncated: sorted.length > p.maxResults };
    }),
  );

  requests.on(Artifacts.delete, (p) =>
    use(p.tenant, async (scope, service) => service.deleteOf(scope, await ownerOf(scope, p), p.path).then(() => null)),
  );

  requests.on(Artifacts.models, (p) => use(p.tenant, (scope) => modelsOf(scope, p.runId)));

  requests.on(Artifacts.read, (p, ctx) =>
    use(p.tenant, async (scope, service) => {
      const files = ownerArtifacts(service, scope, await ownerOf(scope, p));
      return withSignal(ctx, (signal) => readPreview(files, p.runId, p.path, p.maxBytes, signal));
    }),
  );

  requests.on(Artifacts.download, (p, ctx) =>
    use(p.tenant, async (scope, service) => {
      const files = ownerArtifacts(service, scope, await ownerOf(scope, p));
      return withSignal(ctx, (signal) => {
        const name = p.path !== '' ? (p.path.split('/').pop() ?? p.path) : p.modelId !== undefined ? `model ${p.modelId}` : `run ${p.runId}`;
        const progress = reporter(connection, p.workDoneToken, `Downloading ${name}`);
        return progress.around(downloadArtifacts(files, p.path, p.destination, p.overwrite, signal, progress));
      });
    }),
  );

  requests.on(Artifacts.upload, (p, ctx) =>
    use(p.tenant, (scope, service) =>
      withSignal(ctx, (signal) => {
        const name = p.source.split(/[\\/]/).filter(Boolean).pop() ?? p.source;
        const progress = reporter(connection, p.workDoneToken, `Uploading ${name}`);
        return progress.around(uploadArtifacts(ownerArtifacts(service, scope, { runId: p.runId }), p.source, p.destination, signal, progress));
      }),
    ),
  );
}

/** The service bound to one tenant's run or logged model. */
function ownerArtifacts(service: ArtifactService, scope: TrackingBackend, owner: ArtifactOwner): RunArtifacts {
  return {
    list: (path) => service.listOf(scope, owner, path),
    read: (path, signal) => service.readOf(scope, owner, path, signal),
    write: (path, body, options) => service.writeOf(scope, owner, path, body, options),
  };
}

/**
 * Whose files a request addresses: the run's, or (`modelId`) a logged model whose source run is
 * that run. A model of another run, or of another tenant (the scope hides those), answers like
 * a missing one, so a model id alone never reaches files through a run it does not belong to.
 */
async function ownerOf(scope: TrackingBackend, p: { runId: string; modelId?: string | undefined }): Promise<ArtifactOwner> {
  if (p.modelId === undefined) return { runId: p.runId };
  if (!supportsModels(scope)) throw loggedModelNotFound(p.modelId);
  const model = await scope.getLoggedModel(p.modelId);
  if (model.sourceRunId !== p.runId) throw loggedModelNotFound(p.modelId);
  return { modelId: p.modelId, experimentId: model.experimentId };
}

/** Logged models answered per search page (MLflow's own page size limit is higher). */
const MODELS_PAGE = 100;

/**
 * The logged models whose source run is the run, newest first. The run is read first, through
 * the tenant scope: another tenant's run answers like a missing one, and its experiment confines
 * the search. A backend without logged models has none.
 */
async function modelsOf(scope: TrackingBackend, runId: string): Promise<LoggedModelListView> {
  const run = await scope.getRun(runId);
  if (!supportsModels(scope)) return { models: [] };
  // The run id is `[\w-]` only (the protocol checks), so it is safe inside the quotes.
  const page = await scope.searchLoggedModels({
    experimentIds: [run.info.experimentId],
    filter: `source_run_id = '${runId}'`,
    orderBy: [{ fieldName: 'creation_timestamp', ascending: false }],
    maxResults: Math.min(MODELS_PAGE, ARTIFACT_MODELS_MAX),
  });
  const models = page.items
    .filter((m) => m.sourceRunId === runId)
    .slice(0, ARTIFACT_MODELS_MAX)
    .map((m) => ({ id: m.modelId, name: m.name, status: m.status, createdAt: m.creationTimestamp }));
  return { models };
}

/** An AbortSignal that fires when the client cancels the request. */
async function withSignal<T>(ctx: RequestContext, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const abort = new AbortController();
  const listener = ctx.token.onCancellationRequested(() => abort.abort(new Error('cancelled by the client')));
  if (ctx.token.isCancellationRequested) abort.abort(new Error('cancelled by the client'));
  try {
    return await fn(abort.signal);
  } finally {
    listener.dispose();
  }
}

function toView(entry: { path: string; isDir: boolean; size?: number }): ArtifactEntryView {
  return {
    path: entry.path,
    name: entry.path.slice(entry.path.lastIndexOf('/') + 1),
    isDir: entry.isDir,
    ...(entry.size !== undefined && !entry.isDir ? { size: entry.size } : {}),
  };
}

const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

function byFoldersThenName(a: ArtifactEntryView, b: ArtifactEntryView): number {
  if (a.isDir !== b.isDir) return a.isDir ? -1 : 1;
  return collator.compare(a.name, b.name) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

/**
 * A file's first `maxBytes` for a preview: text when the name says text (or says nothing and the
 * bytes are valid UTF-8 without control characters), else base64. A multi-byte character cut by the limit is
 * left out rather than shown as garbage.
 */
async function readPreview(run: RunArtifacts, runId: string, path: string, maxBytes: number, signal: AbortSignal): Promise<ArtifactContentView> {
  const file = await run.read(path, signal);
  const chunks: Buffer[] = [];
  let held = 0;
  let truncated = false;
  try {
    for await (const chunk of file.body) {
      signal.throwIfAborted();
      const buf = chunk as Buffer;
      if (held + buf.length > maxBytes) {
        chunks.push(buf.subarray(0, maxBytes - held));
        held = maxBytes;
        truncated = true;
        break;
      }
      chunks.push(buf);
      held += buf.length;
    }
  } finally {
    file.body.destroy();
  }
  const bytes = Buffer.concat(chunks, held);
  if (file.size !== undefined && file.size > held) truncated = true;
  let contentType = guessArtifactType(path);
  let text: string | undefined;
  if (isTextType(contentType) || contentType === 'application/octet-stream') {
    text = utf8(bytes, truncated);
    if (contentType === 'application/octet-stream' && text !== undefined) {
      // Control characters other than tabs, line breaks and ANSI escapes mean binary.
      if (/[\u0000-\u0008\u000e-\u001a\u001c-\u001f]/.test(text)) text = undefined;
      else contentType = 'text/plain';
    }
  }
  return {
    runId,
    path,
    ...(text !== undefined ? { encoding: 'utf8' as const, content: text } : { encoding: 'base64' as const, content: bytes.toString('base64') }),
    ...(file.size !== undefined ? { size: file.size } : {}),
    truncated,
    contentType,
  };
}

/** The bytes as UTF-8 text, or undefined when they are not; a trailing cut character is dropped when `cut`. */
function utf8(bytes: Buffer, cut: boolean): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes, { stream: cut });
  } catch {
    return undefined;
  }
}

interface Reporter extends TransferProgress {
  /** Ends the progress (whether the work succeeded or not) once `work` settles. */
  around<T>(work: Promise<T>): Promise<T>;
}

/** Work-done progress under the client's token; does nothing when the client sent none. */
function reporter(connection: Pick<Connection, 'sendProgress'>, token: string | number | undefined, title: string): Reporter {
  let files = 0;
  let total = 0;
  let last = 0;
  let begun = false;
  const send = (value: Parameters<typeof progressValue>[0]) => {
    if (token === undefined) return;
    void connection.sendProgress(WorkDoneProgress.type, token, progressValue(value)).catch(() => {});
  };
  return {
    begin(totalFiles, totalBytes) {
      files = totalFiles;
      total = totalBytes;
      begun = true;
      send({ kind: 'begin', title, message: describe(0, 0, files, total), percentage: 0 });
    },
    update(bytes, done) {
      const now = Date.now();
      if (now - last < REPORT_EVERY_MS && done < files) return;
      last = now;
      const percentage = total > 0 ? Math.min(100, Math.floor((bytes / total) * 100)) : files > 0 ? Math.floor((done / files) * 100) : 0;
      send({ kind: 'report', message: describe(bytes, done, files, total), percentage });
    },
    async around(work) {
      try {
        return await work;
      } finally {
        if (begun) send({ kind: 'end' });
      }
    },
  };
}

type ProgressValue =
  | { kind: 'begin'; title: string; message: string; percentage: number }
  | { kind: 'report'; message: string; percentage: number }
  | { kind: 'end' };

function progressValue(value: ProgressValue) {
  return value.kind === 'begin' ? { ...value, cancellable: true } : value;
}

function describe(bytes: number, done: number, files: number, total: number): string {
  const amount = `${formatBytes(bytes)} of ${formatBytes(total)}`;
  return files === 1 ? amount : `${done} of ${files} files · ${amount}`;
}
