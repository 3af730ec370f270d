/**
 * The `file:` store: a run's artifacts as files in a local folder (the embedded backend's
 * default, under the data directory). Two rules keep it from becoming a file-read oracle
 * (MLflow CVE-2023-1177, -6977): it serves only URIs under the roots it was given, and it never
 * lets a symbolic link carry a read, write or delete out of the run's folder.
 */
import { constants, createWriteStream } from 'node:fs';
import { lstat, mkdir, open, readdir, realpath, rename, rm, stat, unlink } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { dirname, isAbsolute, join, resolve, sep } from 'node:path';
import { addAbortSignal } from 'node:stream';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
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

/** Names of files being written; hidden from listings and replaced atomically when complete. */
const PART_PREFIX = '.matih-part-';

export interface LocalArtifactStoreOptions {
  /**
   * Absolute folders (or `file:` URIs of them) this store may serve: the daemon's data-dir
   * artifacts folder and any configured artifact destinations. Every other `file:` URI is refused.
   */
  allowedRoots: readonly string[];
}

export class LocalArtifactStore implements ArtifactStore {
  readonly #allowed: readonly string[];

  constructor(options: LocalArtifactStoreOptions) {
    this.#allowed = options.allowedRoots.map((root, i) => {
      const path = root.startsWith('file:') ? fileURLToPath(root) : root;
      if (!isAbsolute(path)) throw new TypeError(`allowedRoots[${i}] must be an absolute folder (got ${JSON.stringify(root)})`);
      return resolve(path);
    });
  }

  async list(root: string, path: string): Promise<ArtifactEntry[]> {
    const rel = safeArtifactPath(path);
    const rootDir = await this.#rootDir(root);
    let dir: string;
    try {
      dir = await realpath(join(rootDir, rel));
    } catch (err) {
      if (isMissing(err)) return [];
      throw err;
    }
    if (!contains(rootDir, dir)) throw escapes(path);
    let names;
    try {
      names = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      if (isMissing(err) || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return [];
      throw err;
    }
    const entries: ArtifactEntry[] = [];
    for (const dirent of names) {
      if (dirent.name.startsWith(PART_PREFIX)) continue;
      const full = join(dir, dirent.name);
      let info;
      try {
        // A link is listed as what it points to, and only when that stays inside the run's folder.
        if (dirent.isSymbolicLink() && !contains(rootDir, await realpath(full))) continue;
        info = await stat(full);
      } catch {
        continue; // vanished, or a dangling link
      }
      const entryPath = joinArtifactPath(rel, dirent.name);
      if (info.isDirectory()) entries.push({ path: entryPath, isDir: true });
      else if (info.isFile()) entries.push({ path: entryPath, isDir: false, size: info.size });
    }
    return entries.sort(byPath);
  }

  async read(root: string, path: string, options: ArtifactReadOptions = {}): Promise<ArtifactDownload> {
    const rel = safeArtifactPath(path);
    options.signal?.throwIfAborted();
    const rootDir = await this.#rootDir(root);
    if (rel === '') throw new ArtifactNotFoundError(path);
    let real: string;
    try {
      real = await realpath(join(rootDir, rel));
    } catch (err) {
      if (isMissing(err) || (err as NodeJS.ErrnoException).code === 'ENOTDIR') throw new ArtifactNotFoundError(path);
      throw err;
    }
    if (!contains(rootDir, real)) throw escapes(path);
    // Opening a FIFO would block until someone writes to it: only regular files get opened, and
    // O_NOFOLLOW refuses a link swapped in after the realpath check.
    if (!(await stat(real)).isFile()) throw new ArtifactNotFoundError(path);
    const handle = await open(real, constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      // fstat on the open handle: what was checked is what gets read (no swap after realpath).
      const info = await handle.stat();
      if (!info.isFile()) throw new ArtifactNotFoundError(path);
      const body: Readable = handle.createReadStream({ autoClose: true });
      if (options.signal) addAbortSignal(options.signal, body);
      return { body, size: info.size };
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  async write(root: string, path: string, body: Readable, options: ArtifactWriteOptions = {}): Promise<{ size: number }> {
    const rel = safeArtifactPath(path);
    checkDeclaredSize(options.size);
    if (rel === '') throw new ArtifactPathError(path, 'names the artifact root itself, not a file');
    options.signal?.throwIfAborted();
    const rootDir = await this.#rootDir(root);
    const segments = rel.split('/');
    const name = segments.pop() as string;
    await mkdir(rootDir, { recursive: true });
    const parent = await this.#makeFolders(rootDir, segments, path);
    const dest = join(parent, name);
    const existing = await lstat(dest).catch((err: unknown) => {
      if (isMissing(err)) return undefined;
      throw err;
    });
    if (existing?.isDirectory()) throw new ArtifactPathError(path, 'is a folder; a file cannot replace it');

    const part = join(parent, `${PART_PREFIX}${randomUUID()}`);
    const counter = new ByteCounter(options.onProgress, options.size);
    // flush: fsync before close, so the rename below never publishes a file whose bytes are
    // still only in the page cache.
    const out = createWriteStream(part, { flags: 'wx', mode: 0o644, flush: true });
    try {
      await pipeline(body, counter, out, options.signal ? { signal: options.signal } : {});
      if (!out.closed) await once(out, 'close');
      // rename replaces a link at `dest` rather than following it.
      await rename(part, dest);
    } catch (err) {
      out.destroy();
      await unlink(part).catch(() => undefined);
      throw err;
    }
    return { size: counter.bytes };
  }

  async delete(root: string, path: string): Promise<void> {
    const rel = safeArtifactPath(path);
    const rootDir = await this.#rootDir(root);
    if (rel === '') {
      if (this.#allowed.includes(rootDir) || (await this.#realAllowed()).includes(rootDir)) {
        throw new ArtifactUriError(root, 'is a whole artifact destination, not one run’s folder; refusing to delete it');
      }
      await rm(rootDir, { recursive: true, force: true });
      return;
    }
    const segments = rel.split('/');
    const name = segments.pop() as string;
    let parent: string;
    try {
      parent = await realpath(join(rootDir, ...segments));
    } catch (err) {
      if (isMissing(err) || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return;
      throw err;
    }
    if (!contains(rootDir, parent)) throw escapes(path);
    const target = join(parent, name);
    const info = await lstat(target).catch((err: unknown) => {
      if (isMissing(err)) return undefined;
      throw err;
    });
    if (info === undefined) return;
    // A link is removed itself, never what it points to; rm does not follow links inside folders.
    if (info.isDirectory()) await rm(target, { recursive: true, force: true });
    else await unlink(target);
  }

  /**
   * The real folder of a `file:` root URI, after checking it lies under an allowed root. The
   * folder need not exist yet (a new run's); its nearest existing ancestor is resolved instead.
   */
  async #rootDir(root: string): Promise<string> {
    let url: URL;
    try {
      url = new URL(root);
    } catch {
      throw new ArtifactUriError(root, 'is not a URI');
    }
    if (url.protocol !== 'file:') throw new ArtifactUriError(root, `has scheme ${url.protocol.slice(0, -1)}, not file`);
    if (url.hostname !== '' && url.hostname !== 'localhost') throw new ArtifactUriError(root, 'names a remote host');
    if (url.search !== '' || url.hash !== '') throw new ArtifactUriError(root, 'carries a query or fragment');
    let path: string;
    try {
      path = fileURLToPath(url);
    } catch (err) {
      throw new ArtifactUriError(root, (err as Error).message);
    }
    const real = await realpathExisting(resolve(path));
    const allowed = await this.#realAllowed();
    if (!allowed.some((dir) => contains(dir, real))) {
      throw new ArtifactUriError(root, 'is outside the artifact folders this daemon serves');
    }
    return real;
  }

  async #realAllowed(): Promise<string[]> {
    return Promise.all(this.#allowed.map((dir) => realpathExisting(dir)));
  }

  /** Creates the folders of `segments` under `rootDir` one by one, refusing links that leave it. */
  async #makeFolders(rootDir: string, segments: string[], path: string): Promise<string> {
    let current = rootDir;
    for (const segment of segments) {
      const next = join(current, segment);
      for (;;) {
        const info = await lstat(next).catch((err: unknown) => {
          if (isMissing(err)) return undefined;
          throw err;
        });
        if (info === undefined) {
          try {
            await mkdir(next);
          } catch (err) {
            if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue; // created meanwhile: look again
            throw err;
          }
          current = next;
        } else if (info.isSymbolicLink()) {
          const real = await realpath(next).catch(() => next);
          if (!contains(rootDir, real)) throw escapes(path);
          if (!(await stat(real)).isDirectory()) throw new ArtifactPathError(path, `has a file where folder "${segment}" should be`);
          current = real;
        } else if (info.isDirectory()) {
          current = next;
        } else {
          throw new ArtifactPathError(path, `has a file where folder "${segment}" should be`);
        }
        break;
      }
    }
    return current;
  }
}

/** realpath of the nearest existing ancestor, with the not-yet-existing rest appended. */
async function realpathExisting(path: string): Promise<string> {
  const rest: string[] = [];
  let current = path;
  for (;;) {
    try {
      return join(await realpath(current), ...rest.reverse());
    } catch (err) {
      if (!isMissing(err)) throw err;
      const up = dirname(current);
      if (up === current) return path;
      rest.push(current.slice(up.length).replace(/^[/\\]+/, ''));
      current = up;
    }
  }
}

function contains(dir: string, path: string): boolean {
  return path === dir || path.startsWith(dir.endsWith(sep) ? dir : dir + sep);
}

function isMissing(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}

function escapes(path: string): ArtifactPathError {
  return new ArtifactPathError(path, 'goes through a symbolic link that leads out of the artifact folder');
}

/** The prefix of in-progress files (tests check none are left behind). */
export { PART_PREFIX as LOCAL_PART_PREFIX };
