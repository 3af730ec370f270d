/**
 * The behaviour every ArtifactStore shares, as one suite run against each real store: the local
 * folder, S3 on a real S3 server, and MLflow's artifact proxy on a real `mlflow server`. Each
 * test takes a fresh root so the tests cannot see one another's files.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { describe, it } from 'node:test';
import { ArtifactNotFoundError, ArtifactPathError } from '../../server/src/artifacts/store.ts';
import type { ArtifactStore } from '../../server/src/artifacts/store.ts';

export interface ContractTarget {
  store: ArtifactStore;
  /** A fresh, empty root artifact URI of the store's scheme. */
  newRoot(): Promise<string>;
  /**
   * False for a store that cannot keep `#` and `%XX` in names unchanged (MLflow's proxy decodes
   * and refuses them): such names must then be refused with an ArtifactPathError instead.
   */
  literalNames?: boolean;
  /**
   * True where the objects live on a server that keeps folders as entries of their own and
   * sweeps emptied ones later (SeaweedFS's filer behind MLflow's boto3 client): a deleted
   * folder may still be listed for a while, but must be empty.
   */
  emptiedFoldersLinger?: boolean;
}

/**
 * Bytes of the streamed file: well above the growth allowed below, so holding the file in memory
 * fails the test, while allocator noise (freed 256 KiB chunks the C heap keeps, measured at up
 * to ~30 MiB on a busy machine) does not.
 */
export const BIG_FILE_BYTES = 96 * 1024 * 1024;
/** The most RSS may grow while the big file streams through (parts, socket and stream buffers, noise). */
const MAX_RSS_GROWTH = 56 * 1024 * 1024;

export async function collect(body: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function readText(store: ArtifactStore, root: string, path: string): Promise<string> {
  return (await collect((await store.read(root, path)).body)).toString('utf8');
}

/** `size` pseudo-random bytes, made a chunk at a time so the source holds no more than one. */
export function generated(size: number, seed = 1, chunk = 256 * 1024): Readable {
  let sent = 0;
  let counter = seed;
  return new Readable({
    read() {
      if (sent >= size) {
        this.push(null);
        return;
      }
      const n = Math.min(chunk, size - sent);
      const buf = Buffer.allocUnsafe(n);
      // Cheap, deterministic, incompressible enough: an xorshift stream.
      for (let i = 0; i < n; i += 4) {
        counter ^= counter << 13;
        counter ^= counter >>> 17;
        counter ^= counter << 5;
        buf.writeInt32LE(counter | 0, Math.min(i, n - 4));
      }
      sent += n;
      this.push(buf);
    },
  });
}

export async function sha256(body: Readable): Promise<{ hash: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of body) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { hash: hash.digest('hex'), bytes };
}

/** A body that sends `bytes`, then stalls until destroyed (an upload that is cut off). */
export function stalling(bytes: number): Readable {
  let sent = false;
  return new Readable({
    read() {
      if (!sent) {
        sent = true;
        this.push(randomBytes(bytes));
      }
    },
  });
}

/**
 * Runs `work` while sampling RSS, collecting garbage between samples so that what is measured
 * is memory held, not garbage not yet collected; returns the peak growth in bytes.
 */
export async function peakRssGrowth(work: () => Promise<void>): Promise<number> {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  const base = process.memoryUsage.rss();
  let peak = base;
  let done = false;
  const sampler = (async () => {
    while (!done) {
      peak = Math.max(peak, process.memoryUsage.rss());
      gc();
      await sleep(25);
    }
  })();
  try {
    await work();
  } finally {
    done = true;
    await sampler;
  }
  return peak - base;
}

/** Every file under `path`, at any depth. */
export async function filesUnder(store: ArtifactStore, root: string, path: string): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await store.list(root, path)) {
    if (entry.isDir) files.push(...(await filesUnder(store, root, entry.path)));
    else files.push(entry.path);
  }
  return files;
}

export function artifactContract(name: string, target: () => ContractTarget): void {
  describe(`${name}: store contract`, () => {
    it('writes, lists with sizes, reads and deletes a file', async () => {
      const { store, newRoot } = target();
      const root = await newRoot();
      assert.deepEqual(await store.list(root, ''), []);
      const result = await store.write(root, 'hello.txt', Readable.from([Buffer.from('hello, artifacts')]));
      assert.equal(result.size, 16);
      assert.deepEqual(await store.list(root, ''), [{ path: 'hello.txt', isDir: false, size: 16 }]);
      const download = await store.read(root, 'hello.txt');
      assert.equal((await collect(download.body)).toString(), 'hello, artifacts');
      await store.delete(root, 'hello.txt');
      assert.deepEqual(await store.list(root, ''), []);
      await assert.rejects(store.read(root, 'hello.txt'), ArtifactNotFoundError);
    });

    it('nests folders, lists one level at a time in path order, and deletes a folder whole', async () => {
      const { store, newRoot, emptiedFoldersLinger = false } = target();
      const root = await newRoot();
      for (const path of ['model/MLmodel', 'model/data/model.pkl', 'model/data/extra/x.bin', 'b.txt', 'a.txt']) {
        await store.write(root, path, Readable.from([Buffer.from(path)]));
      }
      assert.deepEqual(await store.list(root, ''), [
        { path: 'a.txt', isDir: false, size: 5 },
        { path: 'b.txt', isDir: false, size: 5 },
        { path: 'model', isDir: true },
      ]);
      assert.deepEqual(await store.list(root, 'model'), [
        { path: 'model/MLmodel', isDir: false, size: 13 },
        { path: 'model/data', isDir: true },
      ]);
      assert.deepEqual(await store.list(root, 'model/data/'), [
        { path: 'model/data/extra', isDir: true },
        { path: 'model/data/model.pkl', isDir: false, size: 20 },
      ]);
      assert.equal(await readText(store, root, 'model/data/extra/x.bin'), 'model/data/extra/x.bin');
      await store.delete(root, 'model');
      const after = await store.list(root, '');
      const lingering = emptiedFoldersLinger && after.some((e) => e.path === 'model') ? [{ path: 'model', isDir: true }] : [];
      assert.deepEqual(after, [{ path: 'a.txt', isDir: false, size: 5 }, { path: 'b.txt', isDir: false, size: 5 }, ...lingering]);
      // What may linger is an empty shell: no file under it, at any depth.
      assert.deepEqual(await filesUnder(store, root, 'model'), []);
      assert.ok((await store.list(root, 'model')).every((e) => e.isDir && emptiedFoldersLinger));
      await assert.rejects(store.read(root, 'model/MLmodel'), ArtifactNotFoundError);
    });

    it('stores empty files and every byte value unchanged', async () => {
      const { store, newRoot } = target();
      const root = await newRoot();
      assert.deepEqual(await store.write(root, 'empty', Readable.from([])), { size: 0 });
      const allBytes = Buffer.alloc(256 * 4);
      for (let i = 0; i < allBytes.length; i++) allBytes[i] = i % 256;
      await store.write(root, 'bin/all-bytes.bin', Readable.from([allBytes.subarray(0, 300), allBytes.subarray(300)]));
      assert.deepEqual(await store.list(root, ''), [
        { path: 'bin', isDir: true },
        { path: 'empty', isDir: false, size: 0 },
      ]);
      assert.equal((await collect((await store.read(root, 'empty')).body)).length, 0);
      assert.deepEqual(await collect((await store.read(root, 'bin/all-bytes.bin')).body), allBytes);
    });

    it('keeps names with #, ?, ;, % and non-ASCII characters as they are (or refuses them)', async () => {
      const { store, newRoot, literalNames = true } = target();
      const root = await newRoot();
      const awkward = ['report#1.csv', 'a%20b.txt'];
      const names = ['q?x=1.json', 'a;b.txt', '100%.txt', 'données/été.txt', 'with space.txt', ...(literalNames ? awkward : [])];
      for (const path of names) await store.write(root, path, Readable.from([Buffer.from(`<${path}>`)]));
      for (const path of names) assert.equal(await readText(store, root, path), `<${path}>`);
      if (!literalNames) {
        for (const path of awkward) {
          await assert.rejects(store.write(root, path, Readable.from([Buffer.from('x')])), ArtifactPathError);
          await assert.rejects(store.read(root, path), ArtifactPathError);
        }
      }
      const listed = (await store.list(root, '')).map((e) => e.path);
      const expected = ['100%.txt', 'a;b.txt', 'données', 'q?x=1.json', 'with space.txt', ...(literalNames ? awkward : [])];
      assert.deepEqual(listed, expected.sort());
      assert.deepEqual(await store.list(root, 'données'), [{ path: 'données/été.txt', isDir: false, size: Buffer.byteLength('<données/été.txt>') }]);
    });

    it('overwrites a file, longer then shorter', async () => {
      const { store, newRoot } = target();
      const root = await newRoot();
      await store.write(root, 'f.txt', Readable.from([Buffer.from('first version, quite long')]));
      await store.write(root, 'f.txt', Readable.from([Buffer.from('second')]));
      assert.equal(await readText(store, root, 'f.txt'), 'second');
      assert.deepEqual(await store.list(root, ''), [{ path: 'f.txt', isDir: false, size: 6 }]);
    });

    it('reports progress ending at the byte count', async () => {
      const { store, newRoot } = target();
      const root = await newRoot();
      const seen: number[] = [];
      await store.write(root, 'p.bin', generated(3 * 1024 * 1024), { onProgress: (n) => seen.push(n) });
      assert.ok(seen.length >= 1);
      assert.equal(seen.at(-1), 3 * 1024 * 1024);
      for (let i = 1; i < seen.length; i++) assert.ok((seen[i] as number) >= (seen[i - 1] as number));
    });

    it('finds nothing where nothing is: list is empty, read is not found, delete is a no-op', async () => {
      const { store, newRoot } = target();
      const root = await newRoot();
      assert.deepEqual(await store.list(root, 'no/such/folder'), []);
      await assert.rejects(store.read(root, 'no/such/file'), ArtifactNotFoundError);
      await store.delete(root, 'no/such/file');
      await store.delete(root, 'no-such-folder');
    });

    it('streams a 96 MiB file both ways with bounded memory', async () => {
      const { store, newRoot } = target();
      const root = await newRoot();
      const expected = await sha256(generated(BIG_FILE_BYTES, 7));
      let written = 0;
      const upGrowth = await peakRssGrowth(async () => {
        written = (await store.write(root, 'big/file.bin', generated(BIG_FILE_BYTES, 7), { size: BIG_FILE_BYTES })).size;
      });
      assert.equal(written, BIG_FILE_BYTES);
      let got = { hash: '', bytes: 0 };
      let announced: number | undefined;
      const downGrowth = await peakRssGrowth(async () => {
        const download = await store.read(root, 'big/file.bin');
        announced = download.size;
        got = await sha256(download.body);
      });
      // A size is optional (a proxy streaming from S3 sends none), but when given it is right.
      if (announced !== undefined) assert.equal(announced, BIG_FILE_BYTES);
      assert.deepEqual(got, expected);
      assert.ok(upGrowth < MAX_RSS_GROWTH, `upload grew RSS by ${(upGrowth / 1048576).toFixed(1)} MiB`);
      assert.ok(downGrowth < MAX_RSS_GROWTH, `download grew RSS by ${(downGrowth / 1048576).toFixed(1)} MiB`);
      assert.deepEqual(await store.list(root, 'big'), [{ path: 'big/file.bin', isDir: false, size: BIG_FILE_BYTES }]);
    });

    it('leaves nothing behind when a write is aborted, and keeps the old file when replacing', async () => {
      const { store, newRoot } = target();
      const root = await newRoot();
      await store.write(root, 'keep.txt', Readable.from([Buffer.from('old')]));
      for (const path of ['new.bin', 'keep.txt']) {
        const controller = new AbortController();
        const writing = store.write(root, path, stalling(64 * 1024), { signal: controller.signal });
        await sleep(300);
        controller.abort();
        await assert.rejects(writing, (err: Error) => err.name === 'AbortError');
      }
      assert.deepEqual(await store.list(root, ''), [{ path: 'keep.txt', isDir: false, size: 3 }]);
      assert.equal(await readText(store, root, 'keep.txt'), 'old');
      // An already-aborted signal stops the write before anything is sent.
      await assert.rejects(
        store.write(root, 'never.txt', Readable.from([Buffer.from('x')]), { signal: AbortSignal.abort() }),
        (err: Error) => err.name === 'AbortError',
      );
      await assert.rejects(store.read(root, 'never.txt'), ArtifactNotFoundError);
    });

    it('refuses a body shorter or longer than its declared size, storing nothing', async () => {
      const { store, newRoot } = target();
      const root = await newRoot();
      await assert.rejects(store.write(root, 'short.bin', Readable.from([Buffer.alloc(5)]), { size: 10 }));
      await assert.rejects(store.write(root, 'long.bin', Readable.from([Buffer.alloc(15)]), { size: 10 }));
      await assert.rejects(store.write(root, 'neg.bin', Readable.from([]), { size: -1 }), /size must be/);
      assert.deepEqual(await store.list(root, ''), []);
    });

    it('refuses traversal and other unsafe paths in every operation, touching nothing', async () => {
      const { store, newRoot } = target();
      const root = await newRoot();
      await store.write(root, 'inside.txt', Readable.from([Buffer.from('x')]));
      const unsafe = ['../escape.txt', 'a/../../escape.txt', '%2e%2e/escape.txt', '%252e%252e/escape.txt', '..\\escape.txt', '/etc/passwd', 'C:/x', 'a%2fb', 'a\u0000b'];
      for (const path of unsafe) {
        await assert.rejects(store.list(root, path), ArtifactPathError, `list ${path}`);
        await assert.rejects(store.read(root, path), ArtifactPathError, `read ${path}`);
        await assert.rejects(store.write(root, path, Readable.from([Buffer.from('bad')])), ArtifactPathError, `write ${path}`);
        await assert.rejects(store.delete(root, path), ArtifactPathError, `delete ${path}`);
      }
      assert.deepEqual(await store.list(root, ''), [{ path: 'inside.txt', isDir: false, size: 1 }]);
    });
  });
}
