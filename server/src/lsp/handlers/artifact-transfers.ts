/**
 * The local half of `Artifacts.download` and `Artifacts.upload`: the daemon runs on the user's
 * machine, so it reads and writes their files itself, streaming one file at a time (memory stays
 * bounded whatever the size). Everything that can be refused is refused before the first byte
 * moves (too many files, a local file in the way); a file being downloaded is written under a
 * temporary name and renamed when complete, so a cancel or failure never leaves half a file.
 */
import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { lstat, mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ARTIFACT_TRANSFER_MAX_FILES, type ArtifactTransferView } from '../../../../protocol/src/index.ts';
import { joinArtifactPath } from '../../artifacts/path-safety.ts';
import type { ArtifactDownload, ArtifactEntry, ArtifactWriteOptions } from '../../artifacts/store.ts';
import { ByteCounter } from '../../artifacts/transfer.ts';
import { notFound, validArtifactPath } from '../../services/artifacts.ts';
import { TrackingError, invalid } from '../../tracking/errors.ts';

/** One run's artifacts, tenancy already checked: what the transfers need from the service. */
export interface RunArtifacts {
  list(path: string): Promise<ArtifactEntry[]>;
  read(path: string, signal: AbortSignal): Promise<ArtifactDownload>;
  write(path: string, body: Readable, options: ArtifactWriteOptions): Promise<{ size: number }>;
}

/** Where a transfer reports how far it got (work-done progress). */
export interface TransferProgress {
  begin(totalFiles: number, totalBytes: number): void;
  /** Bytes and files done so far; the reporter throttles. */
  update(bytesDone: number, filesDone: number): void;
}

/** Folders a download descends at most; deeper trees are refused rather than walked forever. */
const MAX_DEPTH = 64;

interface PlannedFile {
  /** The artifact path. */
  path: string;
  /** Relative to the transfer's root, `/`-separated ('' when the transfer is this one file). */
  rel: string;
  size: number | undefined;
}

/** Copies an artifact file, or a folder with everything under it, to `destination`. */
export async function downloadArtifacts(
  run: RunArtifacts,
  rawPath: string,
  destination: string,
  overwrite: boolean,
  signal: AbortSignal,
  progress: TransferProgress,
): Promise<ArtifactTransferView> {
  const path = validArtifactPath(rawPath);
  const files = await planDownload(run, path);
  const single = files.length === 1 && files[0]!.rel === '';
  const root = resolve(destination);
  const targets = files.map((f) => (single ? root : join(root, ...f.rel.split('/'))));
  for (const target of targets) if (!single) assertInside(root, target);
  await checkTargets(root, targets, single, overwrite);
  if (!single) await mkdir(root, { recursive: true }).catch(localProblem(root, 'destination'));

  const total = files.reduce((sum, f) => sum + (f.size ?? 0), 0);
  progress.begin(files.length, total);
  let bytes = 0;
  for (const [i, file] of files.entries()) {
    signal.throwIfAborted();
    const target = targets[i]!;
    await mkdir(dirname(target), { recursive: true }).catch(localProblem(dirname(target), 'destination'));
    const download = await run.read(file.path, signal);
    const before = bytes;
    const counter = new ByteCounter((n) => progress.update(before + n, i));
    // A hidden sibling, renamed over the target once complete: never a half-written file.
    const part = join(dirname(target), `.${basename(target)}.matih-part-${randomUUID().slice(0, 8)}`);
    try {
      await pipeline(download.body, counter, createWriteStream(part, { flags: 'wx' }), { signal });
      await rename(part, target);
    } catch (err) {
      await rm(part, { force: true });
      throw isLocalFsError(err) ? localError(err, target, 'destination') : err;
    } finally {
      download.body.destroy();
    }
    bytes += counter.bytes;
    progress.update(bytes, i + 1);
  }
  return { files: files.length, bytes };
}

/** The files to fetch: the one file at `path`, or every file under the folder at `path`. */
async function planDownload(run: RunArtifacts, path: string): Promise<PlannedFile[]> {
  if (path !== '') {
    const slash = path.lastIndexOf('/');
    const parent = slash < 0 ? '' : path.slice(0, slash);
    const entry = (await run.list(parent)).find((e) => e.path === path);
    if (entry === undefined) throw notFound(path);
    if (!entry.isDir) return [{ path, rel: '', size: entry.size }];
  }
  const files: PlannedFile[] = [];
  const walk = async (dir: string, depth: number): Promise<void> => {
    if (depth > MAX_DEPTH) throw invalid(`the folder "${path}" nests deeper than ${MAX_DEPTH} levels`, 'path');
    for (const entry of await run.list(dir)) {
      if (entry.isDir) {
        await walk(entry.path, depth + 1);
        continue;
      }
      files.push({ path: entry.path, rel: path === '' ? entry.path : entry.path.slice(path.length + 1), size: entry.size });
      if (files.length > ARTIFACT_TRANSFER_MAX_FILES) {
        throw invalid(`"${path || 'the run'}" holds more than ${ARTIFACT_TRANSFER_MAX_FILES} files; download a folder inside it`, 'path');
      }
    }
  };
  await walk(path, 0);
  return files;
}

/** Refuses, before anything is written, a destination that is in the way. */
async function checkTargets(root: string, targets: string[], single: boolean, overwrite: boolean): Promise<void> {
  const rootInfo = await lstat(root).catch(() => undefined);
  if (single && rootInfo?.isDirectory()) throw invalid(`${root} is a folder; give the path of the file to write`, 'destination');
  if (!single && rootInfo !== undefined && !rootInfo.isDirectory()) {
    throw invalid(`${root} is a file; give a folder to download the folder into`, 'destination');
  }
  for (const target of targets) {
    const info = await lstat(target).catch(() => undefined);
    if (info === undefined) continue;
    if (info.isDirectory()) throw invalid(`${target} is a folder, where the download has a file`, 'destination');
    if (!overwrite) {
      throw new TrackingError('RESOURCE_ALREADY_EXISTS', `${target} already exists; choose another place or allow replacing it`, 'destination');
    }
  }
}

/** Copies a local file, or a folder with everything under it, into the run. */
export async function uploadArtifacts(
  run: RunArtifacts,
  source: string,
  rawDestination: string,
  signal: AbortSignal,
  progress: TransferProgress,
): Promise<ArtifactTransferView> {
  const destination = validArtifactPath(rawDestination, 'destination');
  const info = await stat(source).catch((err: unknown) => {
    throw isLocalFsError(err) && err.code === 'ENOENT' ? invalid(`there is no file or folder at ${source}`, 'source') : localError(err, source, 'source');
  });
  let files: { local: string; path: string; size: number }[];
  if (info.isFile()) {
    // A folder as destination (or the root) receives the file under its own name.
    const path = destination === '' || rawDestination.endsWith('/') ? joinArtifactPath(destination, validArtifactPath(basename(source), 'source')) : destination;
    files = [{ local: source, path, size: info.size }];
  } else if (info.isDirectory()) {
    files = (await walkLocal(source)).map((f) => ({ local: f.local, path: joinArtifactPath(destination, f.rel), size: f.size }));
  } else {
    throw invalid(`${source} is neither a file nor a folder`, 'source');
  }

  const total = files.reduce((sum, f) => sum + f.size, 0);
  progress.begin(files.length, total);
  let bytes = 0;
  for (const [i, file] of files.entries()) {
    signal.throwIfAborted();
    const before = bytes;
    const body = createReadStream(file.local);
    try {
      const written = await run.write(file.path, body, { size: file.size, signal, onProgress: (n) => progress.update(before + n, i) });
      bytes += written.size;
    } catch (err) {
      throw isLocalFsError(err) ? localError(err, file.local, 'source') : err;
    } finally {
      body.destroy();
    }
    progress.update(bytes, i + 1);
  }
  return { files: files.length, bytes };
}

/**
 * Every regular file under a local folder, sorted, with artifact-safe relative paths. Symbolic
 * links are skipped: following them could upload files from anywhere, or loop.
 */
async function walkLocal(root: string): Promise<{ local: string; rel: string; size: number }[]> {
  const out: { local: string; rel: string; size: number }[] = [];
  const walk = async (dir: string, rel: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true }).catch((err: unknown) => {
      throw localError(err, dir, 'source');
    });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const local = join(dir, entry.name);
      const entryRel = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (entry.isDirectory()) {
        await walk(local, entryRel);
      } else if (entry.isFile()) {
        out.push({ local, rel: validArtifactPath(entryRel, 'source'), size: (await stat(local)).size });
        if (out.length > ARTIFACT_TRANSFER_MAX_FILES) {
          throw invalid(`${root} holds more than ${ARTIFACT_TRANSFER_MAX_FILES} files; upload a folder inside it`, 'source');
        }
      }
    }
  };
  await walk(root, '');
  return out;
}

function assertInside(root: string, target: string): void {
  const rel = relative(root, target);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) throw invalid(`${target} would be written outside ${root}`, 'destination');
}

function isLocalFsError(err: unknown): err is NodeJS.ErrnoException {
  return err instanceof Error && typeof (err as NodeJS.ErrnoException).code === 'string' && typeof (err as NodeJS.ErrnoException).syscall === 'string';
}

/** A local file-system failure (no space, no permission…) as a refusal naming the local path. */
function localError(err: unknown, path: string, field: string): unknown {
  if (!isLocalFsError(err)) return err;
  const why: Record<string, string> = {
    EACCES: 'permission denied',
    EPERM: 'permission denied',
    ENOSPC: 'the disk is full',
    EROFS: 'the file system is read-only',
    ENOENT: 'it does not exist',
    ENOTDIR: 'a part of the path is a file',
    EISDIR: 'it is a folder',
    EEXIST: 'it already exists',
  };
  return invalid(`cannot use ${path}: ${why[err.code!] ?? err.code}`, field);
}

function localProblem(path: string, field: string): (err: unknown) => never {
  return (err) => {
    throw localError(err, path, field);
  };
}
