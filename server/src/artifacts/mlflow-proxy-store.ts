/**
 * The `mlflow-artifacts:` store: a run's files behind an MLflow tracking server started with
 * `--serve-artifacts` (`mlflow-artifacts:/<path>` URIs), through its artifact proxy at
 * `/api/2.0/mlflow-artifacts/artifacts/<path>`. It rides on the tracking backend's own
 * {@link MlflowHttp}: the same connection pool, credentials and workspace header.
 *
 * Bodies stream both ways. An upload cut short (abort, or a body shorter than declared) drops the
 * connection mid-body; MLflow's server then discards its staging file, so nothing half-written
 * is stored. MLflow's multipart endpoints (`/mlflow-artifacts/mpu/*`) are not used: they hand out
 * presigned URLs of the server's own bucket for the client to PUT to directly, which would have
 * the daemon send bytes to whatever address the server names.
 */
import { Readable, addAbortSignal, pipeline } from 'node:stream';
import { z } from 'zod';
import { errorFromResponse } from '../tracking/mlflow/http.ts';
import type { MlflowHttp } from '../tracking/mlflow/http.ts';
import { joinArtifactPath, safeArtifactPath } from './path-safety.ts';
import { ArtifactNotFoundError, ArtifactPathError, ArtifactUriError, byPath } from './store.ts';
import type {
  ArtifactDownload,
  ArtifactEntry,
  ArtifactReadOptions,
  ArtifactStore,
  ArtifactWriteOptions,
} from './store.ts';
import { ByteCounter, checkDeclaredSize } from './transfer.ts';

const ENDPOINT = 'mlflow-artifacts/artifacts';

const listResponse = z.object({
  files: z
    .array(
      z.object({
        path: z.string(),
        is_dir: z.boolean().optional(),
        // int64 in MLflow's proto: JSON may carry it as a string.
        file_size: z.union([z.number(), z.string()]).optional(),
      }),
    )
    .optional(),
});

export interface MlflowProxyStoreOptions {
  /** The tracking server's transport (its pool, auth and workspace header). */
  http: MlflowHttp;
}

export class MlflowArtifactProxyStore implements ArtifactStore {
  readonly #http: MlflowHttp;

  constructor(options: MlflowProxyStoreOptions) {
    this.#http = options.http;
  }

  async list(root: string, path: string): Promise<ArtifactEntry[]> {
    const rel = proxyPath(path);
    const full = joinArtifactPath(this.#rootPath(root), rel);
    const parsed = listResponse.safeParse(await this.#listing(full));
    if (!parsed.success) throw new Error(`MLflow server at ${this.#http.origin} answered an artifact listing in an unexpected shape`);
    const entries: ArtifactEntry[] = [];
    for (const file of parsed.data.files ?? []) {
      // The server names entries by basename; anything else (a "/" or "..") is not trusted.
      const name = file.path.split('/').pop() ?? '';
      if (name === '' || name === '.' || name === '..') continue;
      if (file.is_dir) entries.push({ path: joinArtifactPath(rel, name), isDir: true });
      else {
        // MLflow always sizes files; its JSON drops a zero, so an absent size is an empty file.
        const size = Number(file.file_size ?? 0);
        entries.push({ path: joinArtifactPath(rel, name), isDir: false, ...(Number.isFinite(size) ? { size } : {}) });
      }
    }
    return entries.sort(byPath);
  }

  async read(root: string, path: string, options: ArtifactReadOptions = {}): Promise<ArtifactDownload> {
    const rel = proxyPath(path);
    const full = joinArtifactPath(this.#rootPath(root), rel);
    options.signal?.throwIfAborted();
    if (rel === '') throw new ArtifactNotFoundError(path);
    const res = await this.#http.raw('GET', `${ENDPOINT}/${encodePath(full)}`, options.signal ? { signal: options.signal } : {});
    if (res.statusCode !== 200) {
      const text = await res.body.text();
      // Each destination fails its own way on a missing file (a 404, a 400 for a folder, a 500
      // wrapping boto3's HeadObject 404): when the listing does not show the file, it is missing.
      if (isMissing(res.statusCode, text) || !(await this.#exists(full, false))) throw new ArtifactNotFoundError(path);
      throw errorFromResponse(res.statusCode, text, res.headers['retry-after']);
    }
    const length = Number(res.headers['content-length']);
    const body = Readable.from(res.body, { objectMode: false });
    if (options.signal) addAbortSignal(options.signal, body);
    return { body, ...(Number.isSafeInteger(length) && length >= 0 ? { size: length } : {}) };
  }

  async write(root: string, path: string, body: Readable, options: ArtifactWriteOptions = {}): Promise<{ size: number }> {
    const rel = proxyPath(path);
    checkDeclaredSize(options.size);
    const full = joinArtifactPath(this.#rootPath(root), rel);
    if (rel === '') throw new ArtifactPathError(path, 'names the artifact root itself, not a file');
    options.signal?.throwIfAborted();
    const counter = new ByteCounter(options.onProgress, options.size);
    pipeline(body, counter, () => undefined);
    let res;
    try {
      res = await this.#http.raw('PUT', `${ENDPOINT}/${encodePath(full)}`, {
        body: counter,
        headers: {
          'content-type': 'application/octet-stream',
          ...(options.size !== undefined ? { 'content-length': String(options.size) } : {}),
        },
        ...(options.signal ? { signal: options.signal } : {}),
      });
    } catch (err) {
      counter.destroy();
      throw err;
    }
    const text = await res.body.text();
    if (res.statusCode !== 200) {
      counter.destroy();
      throw errorFromResponse(res.statusCode, text, res.headers['retry-after']);
    }
    return { size: counter.bytes };
  }

  async delete(root: string, path: string): Promise<void> {
    const rel = proxyPath(path);
    const full = joinArtifactPath(this.#rootPath(root), rel);
    if (full === '') throw new ArtifactUriError(root, 'is the server’s whole artifact store, not one run’s folder; refusing to delete it');
    // A missing path is not an error here (as in the other stores); MLflow's repositories differ
    // on whether deleting nothing fails, so look first.
    if (!(await this.#exists(full))) return;
    const res = await this.#http.raw('DELETE', `${ENDPOINT}/${encodePath(full)}`);
    const text = await res.body.text();
    if (res.statusCode !== 200 && !isMissing(res.statusCode, text)) {
      throw errorFromResponse(res.statusCode, text, res.headers['retry-after']);
    }
  }

  /** Whether anything (a file, or a folder with files, unless `folders` is false) is at `full`. */
  async #exists(full: string, folders = true): Promise<boolean> {
    const slash = full.lastIndexOf('/');
    const parent = slash < 0 ? '' : full.slice(0, slash);
    const name = full.slice(slash + 1);
    const parsed = listResponse.safeParse(await this.#listing(parent));
    return parsed.success && (parsed.data.files ?? []).some((f) => f.path.split('/').pop() === name && (folders || !f.is_dir));
  }

  /** The server's JSON listing of folder `full` ('' for the store's root), not yet checked for shape. */
  async #listing(full: string): Promise<unknown> {
    const res = await this.#http.raw('GET', ENDPOINT, { query: full === '' ? {} : { path: full } });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw errorFromResponse(res.statusCode, text, res.headers['retry-after']);
    try {
      return text.trim() === '' ? {} : JSON.parse(text);
    } catch {
      throw new Error(`MLflow server at ${this.#http.origin} answered an artifact listing with non-JSON`);
    }
  }

  /**
   * The path part of a root URI: `mlflow-artifacts:/<path>`, or `mlflow-artifacts://host/<path>`
   * when `host` is this tracking server (another host would be a request to a server the URI
   * chose: refused, as MLflow's own "is this local" confusions taught, CVE-2024-3573).
   */
  #rootPath(root: string): string {
    const match = /^mlflow-artifacts:(?:\/\/([^/?#]*))?(\/[^?#]*)?$/i.exec(root);
    if (!match) throw new ArtifactUriError(root, 'is not of the form mlflow-artifacts:/path');
    const host = match[1];
    if (host !== undefined && host !== '') {
      const server = new URL(this.#http.origin);
      if (host.toLowerCase() !== server.host.toLowerCase()) {
        throw new ArtifactUriError(root, `names the server ${JSON.stringify(host)}, not the tracking server ${server.host}`);
      }
    }
    try {
      return proxyPath((match[2] ?? '').replace(/^\/+/, ''));
    } catch (err) {
      throw new ArtifactUriError(root, err instanceof ArtifactPathError ? `its path ${err.reason}` : String(err));
    }
  }
}

/**
 * safeArtifactPath, plus what MLflow's server cannot store unchanged: its path check decodes
 * percent-escapes until nothing changes (so "a%20b" would be stored as "a b") and refuses "#".
 */
function proxyPath(path: string): string {
  const rel = safeArtifactPath(path);
  if (rel.includes('#')) throw new ArtifactPathError(path, 'contains "#", which MLflow’s artifact proxy refuses');
  if (/%[0-9a-fA-F]{2}/.test(rel)) {
    throw new ArtifactPathError(path, 'contains a percent-escape, which MLflow’s artifact proxy would decode and store under another name');
  }
  return rel;
}

/** Percent-encodes each segment, so `#`, `?`, `%` and the like stay part of the name. */
function encodePath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

/** MLflow answers a missing file with 404, or with RESOURCE_DOES_NOT_EXIST, or (a folder) 400. */
function isMissing(status: number, text: string): boolean {
  if (status === 404) return true;
  if (/RESOURCE_DOES_NOT_EXIST/.test(text)) return true;
  return status === 400 && /refers to a directory/i.test(text);
}
