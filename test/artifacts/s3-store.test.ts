/**
 * The `s3:` store on a real S3 server (SeaweedFS, built and started by test/support/s3-server.ts):
 * the shared contract, then what only S3 has — multipart uploads (and their clean-up on abort),
 * listing and deleting past one page of 1000 keys, signed requests, and root URI checks.
 */
import assert from 'node:assert/strict';
import { ListMultipartUploadsCommand } from '@aws-sdk/client-s3';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { S3ArtifactStore, parseS3Uri } from '../../server/src/artifacts/s3-store.ts';
import { ArtifactNotFoundError, ArtifactUriError } from '../../server/src/artifacts/store.ts';
import { startS3Server } from '../support/s3-server.ts';
import type { S3Server } from '../support/s3-server.ts';
import { artifactContract, generated, sha256 } from './store-contract.ts';

const PART = 5 * 1024 * 1024;
let server: S3Server;
let store: S3ArtifactStore;
let counter = 0;

before(async () => {
  server = await startS3Server();
  store = new S3ArtifactStore({
    endpoint: server.endpoint,
    region: server.region,
    forcePathStyle: true,
    credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
    // The smallest parts S3 allows and two in flight, so the memory bound is tested tightly.
    partSize: PART,
    queueSize: 2,
  });
});
after(async () => {
  store?.close();
  await server?.stop();
});

const newRoot = async (): Promise<string> => `s3://${server.bucket}/exp-1/run-${++counter}/artifacts`;

artifactContract('s3', () => ({ store, newRoot }));

async function openUploads(prefix: string): Promise<number> {
  const answer = await store.client.send(new ListMultipartUploadsCommand({ Bucket: server.bucket, Prefix: prefix }));
  return (answer.Uploads ?? []).length;
}

describe('s3 store: multipart', () => {
  it('uploads a file of several parts (size unknown up front) and reads it back whole', async () => {
    const root = await newRoot();
    const size = 2 * PART + 12345;
    const expected = await sha256(generated(size, 3));
    const seen: number[] = [];
    const result = await store.write(root, 'model/weights.bin', generated(size, 3), { onProgress: (n) => seen.push(n) });
    assert.equal(result.size, size);
    assert.equal(seen.at(-1), size);
    const download = await store.read(root, 'model/weights.bin');
    assert.equal(download.size, size);
    assert.deepEqual(await sha256(download.body), expected);
    assert.equal(await openUploads(parseS3Uri(root).prefix), 0);
  });

  it('aborts the multipart upload when the write is aborted mid-way: no object, no parts left', async () => {
    const root = await newRoot();
    let sent = 0;
    const body = new Readable({
      read() {
        // Two and a half parts, then nothing more: a client that stalled.
        if (sent < 2 * PART + PART / 2) {
          const chunk = Buffer.alloc(PART / 2, 7);
          sent += chunk.length;
          this.push(chunk);
        }
      },
    });
    const controller = new AbortController();
    const writing = store.write(root, 'big.bin', body, { signal: controller.signal });
    while (sent < 2 * PART + PART / 2) await sleep(20);
    await sleep(300); // let the first parts reach the server
    controller.abort();
    await assert.rejects(writing, { name: 'AbortError' });
    assert.equal(await openUploads(parseS3Uri(root).prefix), 0);
    await assert.rejects(store.read(root, 'big.bin'), ArtifactNotFoundError);
    assert.deepEqual(await store.list(root, ''), []);
  });

  it('aborts the multipart upload when the body fails (a broken client upload)', async () => {
    const root = await newRoot();
    let parts = 0;
    const body = new Readable({
      read() {
        if (parts++ < 3) this.push(Buffer.alloc(PART, 1));
        else this.destroy(new Error('connection reset by client'));
      },
    });
    await assert.rejects(store.write(root, 'broken.bin', body), /connection reset by client/);
    assert.equal(await openUploads(parseS3Uri(root).prefix), 0);
    assert.deepEqual(await store.list(root, ''), []);
  });
});

describe('s3 store: more than one page of keys', () => {
  it('lists 1001 files through ListObjectsV2 paging and deletes them in DeleteObjects pages', async () => {
    const root = await newRoot();
    const names = Array.from({ length: 1001 }, (_, i) => `many/f${String(i).padStart(4, '0')}.txt`);
    for (let i = 0; i < names.length; i += 25) {
      await Promise.all(names.slice(i, i + 25).map((n) => store.write(root, n, Readable.from([Buffer.from(n)]))));
    }
    await store.write(root, 'keep.txt', Readable.from([Buffer.from('keep')]));
    const listed = await store.list(root, 'many');
    assert.equal(listed.length, 1001);
    assert.deepEqual(listed.map((e) => e.path), names);
    await store.delete(root, 'many');
    assert.deepEqual(await store.list(root, 'many'), []);
    assert.deepEqual(await store.list(root, ''), [{ path: 'keep.txt', isDir: false, size: 4 }]);
  });
});

describe('s3 store: credentials and URIs', () => {
  it('takes credentials from the standard AWS environment when none are given', async () => {
    const saved = { id: process.env['AWS_ACCESS_KEY_ID'], secret: process.env['AWS_SECRET_ACCESS_KEY'] };
    process.env['AWS_ACCESS_KEY_ID'] = server.accessKeyId;
    process.env['AWS_SECRET_ACCESS_KEY'] = server.secretAccessKey;
    const fromEnv = new S3ArtifactStore({ endpoint: server.endpoint, region: server.region, forcePathStyle: true });
    try {
      const root = await newRoot();
      await fromEnv.write(root, 'env.txt', Readable.from([Buffer.from('env')]));
      assert.deepEqual(await store.list(root, ''), [{ path: 'env.txt', isDir: false, size: 3 }]);
    } finally {
      fromEnv.close();
      for (const [key, value] of [['AWS_ACCESS_KEY_ID', saved.id], ['AWS_SECRET_ACCESS_KEY', saved.secret]] as const) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
  });

  it('is refused by the server with a wrong secret, storing nothing', async () => {
    const wrong = new S3ArtifactStore({
      endpoint: server.endpoint,
      region: server.region,
      forcePathStyle: true,
      credentials: { accessKeyId: server.accessKeyId, secretAccessKey: 'not-the-secret' },
    });
    try {
      const root = await newRoot();
      await assert.rejects(wrong.write(root, 'x.txt', Readable.from([Buffer.from('x')])), (err: Error) => /Signature|Access|Forbidden/i.test(`${err.name} ${err.message}`));
      await assert.rejects(wrong.list(root, ''));
      assert.deepEqual(await store.list(root, ''), []);
    } finally {
      wrong.close();
    }
  });

  it('parses s3://bucket/prefix and refuses malformed or traversing roots', async () => {
    assert.deepEqual(parseS3Uri('s3://my-bucket/a/b/'), { bucket: 'my-bucket', prefix: 'a/b' });
    assert.deepEqual(parseS3Uri('s3://my-bucket'), { bucket: 'my-bucket', prefix: '' });
    for (const bad of ['s3://', 's3:///x', 's3://UPPER/x', 's3://b/x', 's3://my-bucket/../other', 's3://my-bucket/a/%2e%2e/b', 's3://my-bucket/x?versionId=1', 's3://my-bucket/x#frag', 'S3://my-bucket/x', 'http://my-bucket/x']) {
      await assert.rejects(store.list(bad, ''), ArtifactUriError, bad);
    }
    await assert.rejects(store.delete(`s3://${server.bucket}`, ''), /whole bucket/);
  });
});
