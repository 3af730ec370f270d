/**
 * Where a run's files live. One interface, three stores chosen by the artifact URI's scheme:
 * `file:` (a local folder, the embedded default), `s3:` (S3-compatible storage) and
 * `mlflow-artifacts:` (an MLflow server's artifact proxy). Every path a caller hands in is
 * relative to the URI and goes through `safeArtifactPath` before any store touches it; tenancy
 * (which run, whose run) is checked above this layer, in the artifact service.
 */
import type { Readable } from 'node:stream';

/** One entry of a folder listing. */
export interface ArtifactEntry {
  /** Relative to the artifact URI, `/`-separated, no leading or trailing slash. */
  path: string;
  isDir: boolean;
  /** Bytes; absent for folders and where the store does not say. */
  size?: number;
}

/** Orders entries by path, code unit by code unit (every store's `list` answers in this order). */
export function byPath(a: ArtifactEntry, b: ArtifactEntry): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

/** A file opened for reading: its bytes as a stream, read lazily (bounded memory). */
export interface ArtifactDownload {
  body: Readable;
  /** Bytes, when known before reading. */
  size?: number;
}

export interface ArtifactWriteOptions {
  /** Bytes the body holds, when known (lets S3 choose single-part vs multipart up front). */
  size?: number;
  /** Aborts the transfer; a partly written file is removed (nothing half-written stays). */
  signal?: AbortSignal;
  /** Called as bytes are sent, at most every few hundred milliseconds. */
  onProgress?: (bytesSoFar: number) => void;
}

export interface ArtifactReadOptions {
  signal?: AbortSignal;
}

/**
 * A store of files under artifact URIs. `root` is always a full artifact URI of this store's
 * scheme (a run's or a logged model's); `path` is relative to it ('' for the root itself).
 */
export interface ArtifactStore {
  /** The direct children of `path` (a folder), sorted by path; [] when it does not exist. */
  list(root: string, path: string): Promise<ArtifactEntry[]>;
  /** Opens a file. Throws `ArtifactNotFoundError` when there is none at `path`. */
  read(root: string, path: string, options?: ArtifactReadOptions): Promise<ArtifactDownload>;
  /** Writes (or replaces) a file from a stream; resolves with the bytes written. */
  write(root: string, path: string, body: Readable, options?: ArtifactWriteOptions): Promise<{ size: number }>;
  /** Deletes a file, or a folder with everything under it. Deleting nothing is not an error. */
  delete(root: string, path: string): Promise<void>;
}

/** A path that could leave its root (traversal, absolute, drive, backslash, encoded tricks). */
export class ArtifactPathError extends Error {
  readonly path: string;
  readonly reason: string;
  constructor(path: string, reason: string) {
    super(`invalid artifact path ${JSON.stringify(path.slice(0, 200))}: ${reason}`);
    this.name = 'ArtifactPathError';
    this.path = path;
    this.reason = reason;
  }
}

/** No file at the path. */
export class ArtifactNotFoundError extends Error {
  readonly path: string;
  constructor(path: string) {
    super(`no artifact at ${JSON.stringify(path.slice(0, 200))}`);
    this.name = 'ArtifactNotFoundError';
    this.path = path;
  }
}

/** The URI's scheme has no store here, or the URI is outside the roots this daemon may touch. */
export class ArtifactUriError extends Error {
  readonly uri: string;
  constructor(uri: string, reason: string) {
    super(`artifact location ${JSON.stringify(uri.slice(0, 300))}: ${reason}`);
    this.name = 'ArtifactUriError';
    this.uri = uri;
  }
}
