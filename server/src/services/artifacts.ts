/**
 * A tenant's artifacts, for every surface (the v1 API, the MLflow-compatible API and its artifact
 * proxy, the LSP): the one place tenancy meets the artifact stores. Every call
 *  1. checks what it can without touching anything: the path (`safeArtifactPath`: traversal in
 *     every encoding, absolute and drive paths, backslashes, length) and the declared size;
 *  2. gets the run (or logged model) through the caller's tenant scope, so another tenant's run
 *     answers exactly like a missing one before any store is touched;
 *  3. resolves the run's artifact URI to a store (`file:` only under the allowed roots);
 *  4. only then lists, streams, writes or deletes.
 *
 * Errors come out as {@link TrackingError}s, which every surface already maps: a bad path is
 * INVALID_PARAMETER_VALUE naming `path`, a missing file RESOURCE_DOES_NOT_EXIST, a location this
 * daemon may not touch PERMISSION_DENIED, an upload over the limit {@link ArtifactTooLargeError}.
 */
import { Readable } from 'node:stream';
import { guessArtifactType } from '../../../protocol/src/index.ts';
import { safeArtifactPath } from '../artifacts/path-safety.ts';
import {
  type ArtifactDownload,
  type ArtifactEntry,
  ArtifactNotFoundError,
  ArtifactPathError,
  type ArtifactStore,
  ArtifactUriError,
} from '../artifacts/store.ts';
import type { TrackingBackend } from '../tracking/backend.ts';
import { TrackingError, invalid, runNotFound } from '../tracking/errors.ts';
import { loggedModelNotFound, supportsModels } from '../tracking/models-backend.ts';

/**
 * Picks the store for an artifact URI; throws `ArtifactUriError` for a scheme or place it may not
 * serve. `tenant` picks per-tenant connections (an MLflow workspace per tenant).
 */
export interface ArtifactStoreResolver {
  storeFor(uri: string, tenant?: string): ArtifactStore;
}

/**
 * Whose files: a run's (its `artifact_uri`) or an MLflow 3 logged model's (its `artifact_location`).
 * `experimentId` (stored id), when given, must be the owner's experiment, else it answers like a
 * missing one: an MLflow proxy path names both, and must not reach a run through another experiment.
 */
export type ArtifactOwner = { runId: string; experimentId?: string } | { modelId: string; experimentId?: string };

export interface ArtifactLimits {
  /** Largest file one upload may write, in bytes. */
  maxUploadBytes: number;
  /** How many entries a run's file listing (RunView.artifacts) holds at most. */
  maxListedFiles: number;
  /** How many folders that listing opens at most (each is a request on S3 or an MLflow proxy). */
  maxListedFolders: number;
}

/** 10 GiB: far above a model checkpoint of a laptop-sized run, small enough to stop a runaway loop. */
export const DEFAULT_MAX_UPLOAD_BYTES = 10 * 1024 ** 3;

export const DEFAULT_ARTIFACT_LIMITS: ArtifactLimits = {
  maxUploadBytes: DEFAULT_MAX_UPLOAD_BYTES,
  maxListedFiles: 1000,
  maxListedFolders: 50,
};

/** A file opened for download. */
export interface ArtifactFile extends ArtifactDownload {
  /** The normalised path, relative to the owner's artifact root. */
  path: string;
  /** Guessed from the name only (protocol's `guessArtifactType`), never by sniffing the bytes. */
  contentType: string;
}

export interface ArtifactWriteRequest {
  /** Bytes the body holds, when the caller knows (Content-Length): checked against the limit first. */
  size?: number | undefined;
  /** Aborts the transfer; the store removes what it had written. */
  signal?: AbortSignal | undefined;
  /** Bytes written so far, at most every few hundred milliseconds. */
  onProgress?: ((bytesSoFar: number) => void) | undefined;
}

/** An upload over the daemon's limit; surfaces answer 413 where they can. */
export class ArtifactTooLargeError extends TrackingError {
  readonly limitBytes: number;
  constructor(limitBytes: number, field: string) {
    super('INVALID_PARAMETER_VALUE', `the artifact is larger than this daemon accepts (${limitBytes} bytes)`, field);
    this.name = 'ArtifactTooLargeError';
    this.limitBytes = limitBytes;
  }
}

export class ArtifactService {
  readonly limits: ArtifactLimits;
  readonly #stores: ArtifactStoreResolver;

  constructor(stores: ArtifactStoreResolver, limits: Partial<ArtifactLimits> = {}) {
    this.#stores = stores;
    this.limits = { ...DEFAULT_ARTIFACT_LIMITS, ...limits };
  }

  /** The direct children of folder `path` ('' for the root) of a run, sorted, with sizes of files. */
  list(scope: TrackingBackend, runId: string, path = ''): Promise<ArtifactEntry[]> {
    return this.listOf(scope, { runId }, path);
  }

  /** Opens a run's file for streaming; RESOURCE_DOES_NOT_EXIST when there is none at `path`. */
  read(scope: TrackingBackend, runId: string, path: string, signal?: AbortSignal): Promise<ArtifactFile> {
    return this.readOf(scope, { runId }, path, signal);
  }

  /** Writes (or replaces) a run's file from a stream; nothing half-written stays on failure. */
  write(scope: TrackingBackend, runId: string, path: string, body: Readable, request: ArtifactWriteRequest = {}): Promise<{ path: string; size: number }> {
    return this.writeOf(scope, { runId }, path, body, request);
  }

  /** Deletes a run's file or folder (with everything under it). The root itself cannot be deleted. */
  delete(scope: TrackingBackend, runId: string, path: string): Promise<void> {
    return this.deleteOf(scope, { runId }, path);
  }

  /** {@link list} for a run or a logged model. */
  async listOf(scope: TrackingBackend, owner: ArtifactOwner, path = ''): Promise<ArtifactEntry[]> {
    const rel = checkedPath(path, false);
    const { root, store } = await this.locate(scope, owner, 'read');
    return wrapStoreErrors(() => store.list(root, rel));
  }

  /** {@link read} for a run or a logged model. */
  async readOf(scope: TrackingBackend, owner: ArtifactOwner, path: string, signal?: AbortSignal): Promise<ArtifactFile> {
    const rel = checkedPath(path, true);
    const { root, store } = await this.locate(scope, owner, 'read');
    const file = await wrapStoreErrors(() => store.read(root, rel, signal ? { signal } : {})).catch(async (err: unknown) => {
      if (err instanceof TrackingError && err.code !== 'INTERNAL_ERROR') throw err;
      // Some stores answer a missing file with a server error (an MLflow server over S3 answers
      // 500): a client would retry that for minutes. Its folder's listing says whether it exists.
      const parent = rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : '';
      const siblings = await store.list(root, parent).catch(() => undefined);
      if (siblings && !siblings.some((e) => e.path === rel && !e.isDir)) throw notFound(rel);
      throw err;
    });
    return { ...file, path: rel, contentType: guessArtifactType(rel) };
  }

  /** {@link write} for a run or a logged model. */
  async writeOf(
    scope: TrackingBackend,
    owner: ArtifactOwner,
    path: string,
    body: Readable,
    request: ArtifactWriteRequest = {},
  ): Promise<{ path: string; size: number }> {
    const limit = this.limits.maxUploadBytes;
    const rel = checkedPath(path, true);
    if (request.size !== undefined && request.size > limit) throw new ArtifactTooLargeError(limit, 'size');
    const { root, store } = await this.locate(scope, owner, 'write');
    // The declared size may be absent or wrong: the bytes are counted as they pass, and the store's
    // write is aborted (removing what it wrote) the moment they exceed the limit. Lazy: nothing is
    // read from `body` until the store reads, so an error before then has no one to miss it.
    const abort = new AbortController();
    const signal = request.signal ? AbortSignal.any([request.signal, abort.signal]) : abort.signal;
    let tooLarge: ArtifactTooLargeError | undefined;
    async function* counted(): AsyncGenerator<Buffer> {
      let seen = 0;
      for await (const chunk of body as AsyncIterable<Buffer>) {
        seen += chunk.length;
        if (seen > limit) {
          tooLarge = new ArtifactTooLargeError(limit, 'body');
          abort.abort(tooLarge);
          throw tooLarge;
        }
        yield chunk;
      }
    }
    try {
      const written = await wrapStoreErrors(() =>
        store.write(root, rel, Readable.from(counted(), { objectMode: false }), {
          signal,
          ...(request.size !== undefined ? { size: request.size } : {}),
          ...(request.onProgress ? { onProgress: request.onProgress } : {}),
        }),
      );
      return { path: rel, size: written.size };
    } catch (err) {
      throw tooLarge ?? err;
    }
  }

  /** {@link delete} for a run or a logged model. */
  async deleteOf(scope: TrackingBackend, owner: ArtifactOwner, path: string): Promise<void> {
    const rel = checkedPath(path, true);
    const { root, store } = await this.locate(scope, owner, 'write');
    await wrapStoreErrors(() => store.delete(root, rel));
  }

  /**
   * Relative paths of the files under an artifact URI, sorted, at most `maxListedFiles`: what
   * RunView.artifacts holds. The caller already read the run through its tenant scope. A location
   * this daemon cannot reach lists nothing rather than failing the run's view.
   */
  listFiles = async (artifactUri: string, tenant?: string): Promise<string[]> => {
    let store: ArtifactStore;
    try {
      store = this.#stores.storeFor(artifactUri, tenant);
    } catch {
      return [];
    }
    const out: string[] = [];
    let folders = 0;
    const walk = async (dir: string): Promise<void> => {
      if (folders++ >= this.limits.maxListedFolders) return;
      const entries = await store.list(artifactUri, dir);
      for (const entry of entries) {
        if (out.length >= this.limits.maxListedFiles) return;
        if (entry.isDir) await walk(entry.path);
        else out.push(entry.path);
      }
    };
    try {
      await walk('');
    } catch {
      // Unreachable store, expired credentials: the run still shows, with what was listed so far.
    }
    return out;
  };

  /** The owner's artifact root and its store, after the tenant scope has vouched for the owner. */
  private async locate(scope: TrackingBackend, owner: ArtifactOwner, mode: 'read' | 'write'): Promise<{ root: string; store: ArtifactStore }> {
    let root: string;
    if ('runId' in owner) {
      const run = await scope.getRun(owner.runId);
      if (owner.experimentId !== undefined && owner.experimentId !== run.info.experimentId) throw runNotFound(owner.runId);
      if (mode === 'write' && run.info.lifecycleStage !== 'active') {
        throw invalid(`The run ${owner.runId} must be in the 'active' state to change its artifacts. Current state is ${run.info.lifecycleStage}.`, 'run_id');
      }
      root = run.info.artifactUri;
    } else {
      if (!supportsModels(scope)) throw invalid('logged models are not supported by the tracking backend in use', 'model_id');
      const model = await scope.getLoggedModel(owner.modelId);
      if (owner.experimentId !== undefined && owner.experimentId !== model.experimentId) throw loggedModelNotFound(owner.modelId);
      root = model.artifactLocation;
    }
    try {
      return { root, store: this.#stores.storeFor(root, tenantOf(scope)) };
    } catch (err) {
      if (err instanceof ArtifactUriError) throw new TrackingError('PERMISSION_DENIED', err.message);
      throw err;
    }
  }
}

/** The tenant of a TenantScope (the backend every surface hands in); undefined for a bare backend. */
function tenantOf(scope: TrackingBackend): string | undefined {
  const id = (scope as { tenantId?: unknown }).tenantId;
  return typeof id === 'string' ? id : undefined;
}

/** The path through `safeArtifactPath`, normalised, or INVALID_PARAMETER_VALUE naming `field`. */
export function validArtifactPath(path: string, field = 'path'): string {
  try {
    return safeArtifactPath(path);
  } catch (err) {
    if (err instanceof ArtifactPathError) throw invalid(err.message, field);
    throw err;
  }
}

/** The path normalised, or INVALID_PARAMETER_VALUE naming `path`. A file path may not be the root. */
function checkedPath(path: string, file: boolean): string {
  const rel = validArtifactPath(path);
  if (file && rel === '') throw invalid('path must name a file or folder under the artifact root, not the root itself', 'path');
  return rel;
}

/** RESOURCE_DOES_NOT_EXIST naming `path`, as every surface answers a missing file. */
export function notFound(path: string): TrackingError {
  return new TrackingError('RESOURCE_DOES_NOT_EXIST', new ArtifactNotFoundError(path).message, 'path');
}

/** Store errors in the tracking vocabulary every surface maps; anything else (I/O, network) passes on. */
async function wrapStoreErrors<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ArtifactNotFoundError) throw notFound(err.path);
    if (err instanceof ArtifactPathError) throw invalid(err.message, 'path');
    if (err instanceof ArtifactUriError) throw new TrackingError('PERMISSION_DENIED', err.message);
    if (isStorageAuthError(err)) {
      // The store's keys, not the caller's token: a 403 with the SDK's words, so the editor can
      // offer to set keys and an HTTP client does not mistake it for a daemon bug or a bad token.
      throw new TrackingError('PERMISSION_DENIED', `Artifact storage refused the request: ${(err as Error).message}`);
    }
    throw err;
  }
}

const STORAGE_AUTH_ERRORS = new Set([
  'CredentialsProviderError',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'AccessDenied',
  'ExpiredToken',
  'InvalidToken',
]);

/** An S3 SDK error saying the storage's credentials are missing, wrong or not allowed. */
function isStorageAuthError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (STORAGE_AUTH_ERRORS.has(err.name)) return true;
  const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return status === 401 || status === 403;
}
