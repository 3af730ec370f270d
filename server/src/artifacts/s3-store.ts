/**
 * The `s3:` store: artifacts as objects under `s3://bucket/prefix` on AWS S3 or an S3-compatible
 * server (endpoint, region, path-style addressing). Folders are key prefixes, listed with the
 * `/` delimiter; credentials are explicit (from the editor's secret storage) or the SDK's
 * standard chain (environment, shared profile, instance role).
 */
import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import type { S3ClientConfig } from '@aws-sdk/client-s3';
import { Readable, addAbortSignal, pipeline } from 'node:stream';
import { joinArtifactPath, safeArtifactPath } from './path-safety.ts';
import { uploadToS3, MIN_PART_SIZE } from './s3-upload.ts';
import { ArtifactNotFoundError, ArtifactPathError, ArtifactUriError, byPath } from './store.ts';
import type {
  ArtifactDownload,
  ArtifactEntry,
  ArtifactReadOptions,
  ArtifactStore,
  ArtifactWriteOptions,
} from './store.ts';
import { ByteCounter, checkDeclaredSize, progressReporter } from './transfer.ts';

export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface S3StoreOptions {
  /** An S3-compatible server, e.g. `http://127.0.0.1:8333`; absent: AWS (or `AWS_ENDPOINT_URL_S3`). */
  endpoint?: string;
  /** Absent: `AWS_REGION`, `AWS_DEFAULT_REGION`, else `us-east-1`. */
  region?: string;
  /** `https://endpoint/bucket/key` instead of `https://bucket.endpoint/key` (most self-hosted servers). */
  forcePathStyle?: boolean;
  /** Absent: the SDK's standard chain (environment, shared config and credentials files, roles). */
  credentials?: S3Credentials;
  /** Bytes per multipart part, and the size above which uploads are multipart; default 8 MiB. */
  partSize?: number;
  /** Parts uploaded at once; default 3 (so at most 4 parts are held in memory). */
  queueSize?: number;
}

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
/** DeleteObjects takes at most this many keys. */
const DELETE_PAGE = 1000;

interface S3Location {
  bucket: string;
  /** Normalised key prefix of the root, '' for the whole bucket. */
  prefix: string;
}

export class S3ArtifactStore implements ArtifactStore {
  readonly client: S3Client;
  readonly #partSize: number;
  readonly #queueSize: number;

  constructor(options: S3StoreOptions = {}) {
    const partSize = options.partSize ?? 8 * 1024 * 1024;
    if (!Number.isSafeInteger(partSize) || partSize < MIN_PART_SIZE) {
      throw new RangeError(`partSize must be at least ${MIN_PART_SIZE} bytes (S3's smallest part)`);
    }
    const queueSize = options.queueSize ?? 3;
    if (!Number.isSafeInteger(queueSize) || queueSize < 1 || queueSize > 16) throw new RangeError('queueSize must be 1–16');
    this.#partSize = partSize;
    this.#queueSize = queueSize;
    const config: S3ClientConfig = {
      region: options.region ?? process.env['AWS_REGION'] ?? process.env['AWS_DEFAULT_REGION'] ?? 'us-east-1',
      forcePathStyle: options.forcePathStyle ?? false,
      // Checksums only where S3 demands them: the newer default (CRC32 on every request) is not
      // understood by every S3-compatible server and forces chunked encoding on streamed bodies.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    };
    if (options.endpoint !== undefined) config.endpoint = options.endpoint;
    if (options.credentials !== undefined) config.credentials = options.credentials;
    this.client = new S3Client(config);
  }

  async list(root: string, path: string): Promise<ArtifactEntry[]> {
    const rel = safeArtifactPath(path);
    const { bucket, prefix } = parseS3Uri(root);
    const key = joinArtifactPath(prefix, rel);
    const listPrefix = key === '' ? '' : `${key}/`;
    const entries: ArtifactEntry[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: listPrefix, Delimiter: '/', ContinuationToken: token }),
      );
      for (const common of page.CommonPrefixes ?? []) {
        const name = common.Prefix?.slice(listPrefix.length).replace(/\/$/, '');
        if (name) entries.push({ path: joinArtifactPath(rel, name), isDir: true });
      }
      for (const object of page.Contents ?? []) {
        const name = object.Key?.slice(listPrefix.length);
        // A key ending in "/" is a folder marker some tools create, not a file.
        if (!name || name.endsWith('/')) continue;
        entries.push({ path: joinArtifactPath(rel, name), isDir: false, ...(object.Size !== undefined ? { size: object.Size } : {}) });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return entries.sort(byPath);
  }

  async read(root: string, path: string, options: ArtifactReadOptions = {}): Promise<ArtifactDownload> {
    const rel = safeArtifactPath(path);
    const { bucket, prefix } = parseS3Uri(root);
    options.signal?.throwIfAborted();
    if (rel === '') throw new ArtifactNotFoundError(path);
    let answer;
    try {
      answer = await this.client.send(new GetObjectCommand({ Bucket: bucket, Key: joinArtifactPath(prefix, rel) }), {
        abortSignal: options.signal,
      });
    } catch (err) {
      if (isNotFound(err)) throw new ArtifactNotFoundError(path);
      throw err;
    }
    const body = answer.Body;
    if (!(body instanceof Readable)) throw new Error('S3 answered GetObject without a readable body');
    if (options.signal) addAbortSignal(options.signal, body);
    return { body, ...(answer.ContentLength !== undefined ? { size: answer.ContentLength } : {}) };
  }

  async write(root: string, path: string, body: Readable, options: ArtifactWriteOptions = {}): Promise<{ size: number }> {
    const rel = safeArtifactPath(path);
    checkDeclaredSize(options.size);
    const { bucket, prefix } = parseS3Uri(root);
    if (rel === '') throw new ArtifactPathError(path, 'names the artifact root itself, not a file');
    options.signal?.throwIfAborted();
    const counter = new ByteCounter(undefined, options.size);
    pipeline(body, counter, () => undefined);
    if (options.signal) addAbortSignal(options.signal, counter);
    const progress = progressReporter(options.onProgress);
    let size: number;
    try {
      size = await uploadToS3(counter, {
        client: this.client,
        bucket,
        key: joinArtifactPath(prefix, rel),
        partSize: this.#partSize,
        queueSize: this.#queueSize,
        ...(options.signal ? { signal: options.signal } : {}),
        onSent: (bytes) => progress.report(bytes),
      });
    } catch (err) {
      // The server refused early (credentials, bucket): stop the caller's body too.
      counter.destroy();
      throw err;
    }
    progress.finish(size);
    return { size };
  }

  async delete(root: string, path: string): Promise<void> {
    const rel = safeArtifactPath(path);
    const { bucket, prefix } = parseS3Uri(root);
    const key = joinArtifactPath(prefix, rel);
    if (key === '') throw new ArtifactUriError(root, 'is a whole bucket, not one run’s folder; refusing to delete it');
    // In S3 a file "a" and a folder "a/" can both exist; deleting the path removes both.
    if (rel !== '') await this.client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    const folders = new Set<string>([`${key}/`]);
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: `${key}/`, MaxKeys: DELETE_PAGE, ContinuationToken: token }),
      );
      const keys = (page.Contents ?? []).flatMap((o) => (o.Key ? [o.Key] : []));
      for (const k of keys) {
        for (let i = k.indexOf('/', key.length + 1); i > 0; i = k.indexOf('/', i + 1)) folders.add(k.slice(0, i + 1));
      }
      await this.#deleteKeys(bucket, keys);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    // Servers that keep objects as files (SeaweedFS's filer) keep their folders too, and list an
    // emptied one until a background sweep; deleting the folder keys, deepest first, removes them
    // now. On AWS these keys do not exist and deleting them is a no-op.
    const deepestFirst = [...folders].sort((a, b) => b.length - a.length);
    for (let i = 0; i < deepestFirst.length; i += DELETE_PAGE) {
      await this.#deleteKeys(bucket, deepestFirst.slice(i, i + DELETE_PAGE));
    }
  }

  async #deleteKeys(bucket: string, keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    const answer = await this.client.send(
      new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true } }),
    );
    const failed = answer.Errors ?? [];
    if (failed.length > 0) {
      const first = failed[0];
      throw new Error(`S3 did not delete ${failed.length} object(s), e.g. ${first?.Key ?? '?'}: ${first?.Code ?? ''} ${first?.Message ?? ''}`.trim());
    }
  }

  /** Closes the client's sockets. */
  close(): void {
    this.client.destroy();
  }
}

/** `s3://bucket/prefix` → bucket and normalised prefix; anything else is an ArtifactUriError. */
export function parseS3Uri(uri: string): S3Location {
  const match = /^s3:\/\/([^/?#]*)(\/[^?#]*)?$/.exec(uri);
  if (!match) throw new ArtifactUriError(uri, 'is not of the form s3://bucket/prefix');
  const bucket = match[1] as string;
  if (!BUCKET.test(bucket) || bucket.includes('..')) throw new ArtifactUriError(uri, `has an invalid bucket name ${JSON.stringify(bucket)}`);
  let prefix: string;
  try {
    // Self-hosted servers (SeaweedFS's filer, MinIO on disk) map keys onto file paths, so a ".."
    // in the root's prefix is refused just as in a caller's path.
    prefix = safeArtifactPath((match[2] ?? '').replace(/^\/+/, ''));
  } catch (err) {
    throw new ArtifactUriError(uri, err instanceof ArtifactPathError ? `its prefix ${err.reason}` : String(err));
  }
  return { bucket, prefix };
}

function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === 'NoSuchKey' || e.name === 'NotFound' || e.$metadata?.httpStatusCode === 404;
}
