/**
 * Uploading a stream of unknown length to S3 with bounded memory: the first part decides between
 * one PutObject (the body ended within it) and a multipart upload whose parts go out a few at a
 * time while the next is read. At most (queueSize + 1) × partSize bytes are held.
 *
 * Not `@aws-sdk/lib-storage`'s `Upload`: on abort its `done()` rejects at once while its part
 * uploaders keep waiting on the body, so a stalled client leaves the multipart upload (and its
 * stored parts) behind with no way to wait for the clean-up. Here an abort or failure cancels
 * the parts in flight, waits for them, and only then sends AbortMultipartUpload.
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import type { CompletedPart, S3Client } from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';

/** S3's smallest part (except the last). */
export const MIN_PART_SIZE = 5 * 1024 * 1024;
/** S3's most parts in one upload. */
const MAX_PARTS = 10_000;

export interface S3UploadOptions {
  client: S3Client;
  bucket: string;
  key: string;
  /** Bytes per part, and the size above which the upload is multipart. */
  partSize: number;
  /** Parts in flight at once. */
  queueSize: number;
  signal?: AbortSignal;
  /** Bytes acknowledged by the server so far. */
  onSent(bytes: number): void;
}

/** Sends `body` to `bucket/key`; resolves with the byte count once the object is complete. */
export async function uploadToS3(body: Readable, options: S3UploadOptions): Promise<number> {
  const { client, bucket, key, partSize } = options;
  const parts = readParts(body, partSize);
  const first = await parts.next();
  const firstPart = first.done ? Buffer.alloc(0) : first.value;
  const second = first.done ? first : await parts.next();
  if (second.done) {
    options.signal?.throwIfAborted();
    await client.send(
      new PutObjectCommand({ Bucket: bucket, Key: key, Body: firstPart, ContentLength: firstPart.length }),
      { abortSignal: options.signal },
    );
    options.onSent(firstPart.length);
    return firstPart.length;
  }

  const created = await client.send(
    new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }),
    { abortSignal: options.signal },
  );
  const uploadId = created.UploadId;
  if (!uploadId) throw new Error('S3 server started a multipart upload without an UploadId');
  // One controller for every part: a failed part or the caller's abort cancels the others.
  const cancel = new AbortController();
  const onAbort = (): void => cancel.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const done: CompletedPart[] = [];
  const inFlight = new Set<Promise<void>>();
  let failure: unknown;
  let sent = 0;
  let total = 0;

  const sendPart = (partNumber: number, data: Buffer): void => {
    total += data.length;
    const p = client
      .send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumber: partNumber, Body: data, ContentLength: data.length }), {
        abortSignal: cancel.signal,
      })
      .then((answer) => {
        if (!answer.ETag) throw new Error(`S3 server answered part ${partNumber} without an ETag`);
        done.push({ PartNumber: partNumber, ETag: answer.ETag });
        sent += data.length;
        options.onSent(sent);
      })
      .catch((err: unknown) => {
        failure ??= err;
        cancel.abort(err);
      })
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
  };

  try {
    sendPart(1, firstPart);
    sendPart(2, second.value);
    let partNumber = 2;
    for (;;) {
      while (inFlight.size >= options.queueSize && failure === undefined && !cancel.signal.aborted) await Promise.race(inFlight);
      if (failure !== undefined || cancel.signal.aborted) break;
      const next = await parts.next();
      if (next.done) break;
      if (++partNumber > MAX_PARTS) throw new Error(`a file needs more than ${MAX_PARTS} parts of ${partSize} bytes`);
      sendPart(partNumber, next.value);
    }
    await Promise.all(inFlight);
    if (failure !== undefined) throw failure;
    options.signal?.throwIfAborted();
    done.sort((a, b) => (a.PartNumber ?? 0) - (b.PartNumber ?? 0));
    await client.send(
      new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: done } }),
    );
    return total;
  } catch (err) {
    cancel.abort(err);
    await Promise.allSettled(inFlight);
    await parts.return(undefined).catch(() => undefined);
    // Without this the parts already stored stay (and are billed) until a lifecycle rule reaps them.
    await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId })).catch(() => undefined);
    throw err;
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
}

/** Cuts a stream into buffers of exactly `size` bytes (the last may be shorter, never empty). */
async function* readParts(body: Readable, size: number): AsyncGenerator<Buffer, void, undefined> {
  let chunks: Buffer[] = [];
  let held = 0;
  for await (const chunk of body) {
    let buf = chunk as Buffer;
    while (held + buf.length >= size) {
      const take = size - held;
      chunks.push(buf.subarray(0, take));
      yield Buffer.concat(chunks, size);
      buf = buf.subarray(take);
      chunks = [];
      held = 0;
    }
    if (buf.length > 0) {
      chunks.push(buf);
      held += buf.length;
    }
  }
  if (held > 0) yield Buffer.concat(chunks, held);
}
