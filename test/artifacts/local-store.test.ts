/**
 * The `file:` store: the shared contract, then what only a local folder can get wrong — URIs
 * outside the allowed roots (a tenant pointing an experiment at /etc), symbolic links leading
 * out of the run's folder (CVE-2023-6977), and temp files left by interrupted writes.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync, lstatSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { LocalArtifactStore, LOCAL_PART_PREFIX } from '../../server/src/artifacts/local-store.ts';
import { ArtifactNotFoundError, ArtifactPathError, ArtifactUriError } from '../../server/src/artifacts/store.ts';
import { artifactContract, collect, stalling } from './store-contract.ts';

const base = mkdtempSync(join(tmpdir(), 'matih-local-store-'));
after(() => rmSync(base, { recursive: true, force: true }));
const allowed = join(base, 'artifacts');
const outside = join(base, 'outside');
mkdirSync(allowed);
mkdirSync(outside);
writeFileSync(join(outside, 'secret.txt'), 'secret');
const store = new LocalArtifactStore({ allowedRoots: [allowed] });
let counter = 0;
const newRoot = async (): Promise<string> => pathToFileURL(join(allowed, 'exp', `run-${++counter}`, 'artifacts')).href;

artifactContract('local', () => ({ store, newRoot }));

/** Every file name under `dir`, recursively (temp files included). */
function allNames(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' });
}

describe('local store: allowed roots', () => {
  it('serves only file: URIs under its allowed roots', async () => {
    const refused = [
      'file:///etc',
      pathToFileURL(outside).href,
      pathToFileURL(base).href,
      `${pathToFileURL(allowed).href}/../outside`,
      `${pathToFileURL(allowed).href}/%2e%2e/outside`,
      `${pathToFileURL(allowed).href}-sibling`,
      `file://remote-host${allowed}`,
      `${pathToFileURL(allowed).href}/run?x=1`,
      `${pathToFileURL(allowed).href}/run#frag`,
      's3://bucket/x',
      allowed, // a bare path is not a file: URI
      'not a uri',
    ];
    for (const root of refused) {
      await assert.rejects(store.list(root, ''), ArtifactUriError, root);
      await assert.rejects(store.read(root, 'secret.txt'), ArtifactUriError, root);
      await assert.rejects(store.write(root, 'x.txt', Readable.from([Buffer.from('x')])), ArtifactUriError, root);
      await assert.rejects(store.delete(root, 'secret.txt'), ArtifactUriError, root);
    }
    assert.equal(readFileSync(join(outside, 'secret.txt'), 'utf8'), 'secret');
    assert.deepEqual(readdirSync(outside), ['secret.txt']);
  });

  it('refuses a root reached through a symbolic link that leaves the allowed folder', async () => {
    symlinkSync(outside, join(allowed, 'link-out'));
    const root = pathToFileURL(join(allowed, 'link-out')).href;
    await assert.rejects(store.read(root, 'secret.txt'), ArtifactUriError);
    await assert.rejects(store.list(root, ''), ArtifactUriError);
  });

  it('accepts file://localhost/ and an allowed root given as a file: URI', async () => {
    const other = new LocalArtifactStore({ allowedRoots: [pathToFileURL(allowed).href] });
    const root = `file://localhost${join(allowed, 'localhost-run')}`;
    await other.write(root, 'a.txt', Readable.from([Buffer.from('a')]));
    assert.equal(readFileSync(join(allowed, 'localhost-run', 'a.txt'), 'utf8'), 'a');
  });

  it('refuses to delete a whole allowed root, but deletes a run root', async () => {
    await assert.rejects(store.delete(pathToFileURL(allowed).href, ''), ArtifactUriError);
    assert.ok(existsSync(allowed));
    const root = await newRoot();
    await store.write(root, 'x.txt', Readable.from([Buffer.from('x')]));
    await store.delete(root, '');
    assert.deepEqual(await store.list(root, ''), []);
  });

  it('needs absolute allowed roots', () => {
    assert.throws(() => new LocalArtifactStore({ allowedRoots: ['relative/dir'] }), /allowedRoots\[0\] must be an absolute folder/);
  });
});

describe('local store: symbolic links', () => {
  it('refuses to read, list, write or delete through a folder link that leaves the run folder', async () => {
    const root = await newRoot();
    await store.write(root, 'ok.txt', Readable.from([Buffer.from('ok')]));
    const dir = new URL(root).pathname;
    symlinkSync(outside, join(dir, 'escape'));
    await assert.rejects(store.read(root, 'escape/secret.txt'), ArtifactPathError);
    await assert.rejects(store.list(root, 'escape'), ArtifactPathError);
    await assert.rejects(store.write(root, 'escape/new.txt', Readable.from([Buffer.from('x')])), ArtifactPathError);
    await assert.rejects(store.write(root, 'escape/deeper/new.txt', Readable.from([Buffer.from('x')])), ArtifactPathError);
    await assert.rejects(store.delete(root, 'escape/secret.txt'), ArtifactPathError);
    assert.deepEqual(readdirSync(outside), ['secret.txt']);
    // The listing of the run folder does not show the way out either.
    assert.deepEqual(await store.list(root, ''), [{ path: 'ok.txt', isDir: false, size: 2 }]);
  });

  it('refuses to read a file link that leaves the run folder, and follows one that stays inside', async () => {
    const root = await newRoot();
    const dir = new URL(root).pathname;
    await store.write(root, 'real.txt', Readable.from([Buffer.from('real')]));
    symlinkSync(join(outside, 'secret.txt'), join(dir, 'passwd'));
    symlinkSync(join(dir, 'real.txt'), join(dir, 'alias.txt'));
    await assert.rejects(store.read(root, 'passwd'), ArtifactPathError);
    assert.equal((await collect((await store.read(root, 'alias.txt')).body)).toString(), 'real');
    assert.deepEqual(await store.list(root, ''), [
      { path: 'alias.txt', isDir: false, size: 4 },
      { path: 'real.txt', isDir: false, size: 4 },
    ]);
  });

  it('replaces a link at the final name on write and removes only the link on delete', async () => {
    const root = await newRoot();
    const dir = new URL(root).pathname;
    mkdirSync(dir, { recursive: true });
    symlinkSync(join(outside, 'secret.txt'), join(dir, 'target.txt'));
    await store.write(root, 'target.txt', Readable.from([Buffer.from('mine')]));
    assert.equal(readFileSync(join(outside, 'secret.txt'), 'utf8'), 'secret');
    assert.ok(lstatSync(join(dir, 'target.txt')).isFile());
    symlinkSync(outside, join(dir, 'dir-link'));
    await store.delete(root, 'dir-link');
    assert.ok(!existsSync(join(dir, 'dir-link')));
    assert.deepEqual(readdirSync(outside), ['secret.txt']);
  });
});

describe('local store: files on disk', () => {
  it('leaves no temp file after an aborted or failed write', async () => {
    const root = await newRoot();
    const controller = new AbortController();
    const writing = store.write(root, 'a/b/c.bin', stalling(1024), { signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    await assert.rejects(writing, { name: 'AbortError' });
    const failing = new Readable({
      read() {
        this.destroy(new Error('client went away'));
      },
    });
    await assert.rejects(store.write(root, 'a/b/d.bin', failing), /client went away/);
    const dir = new URL(root).pathname;
    assert.deepEqual(allNames(dir).filter((n) => n.includes(LOCAL_PART_PREFIX)), []);
    assert.deepEqual(allNames(dir).sort(), ['a', 'a/b']);
  });

  it('does not list files still being written', async () => {
    const root = await newRoot();
    const controller = new AbortController();
    const writing = store.write(root, 'slow.bin', stalling(1024), { signal: controller.signal });
    await new Promise((r) => setTimeout(r, 100));
    const dir = new URL(root).pathname;
    assert.equal(allNames(dir).filter((n) => n.startsWith(LOCAL_PART_PREFIX)).length, 1);
    assert.deepEqual(await store.list(root, ''), []);
    controller.abort();
    await assert.rejects(writing);
  });

  it('neither opens nor lists a FIFO (reading one would hang the daemon)', async () => {
    const root = await newRoot();
    await store.write(root, 'ok.txt', Readable.from([Buffer.from('ok')]));
    execFileSync('mkfifo', [join(new URL(root).pathname, 'pipe')]);
    await assert.rejects(store.read(root, 'pipe'), ArtifactNotFoundError);
    assert.deepEqual(await store.list(root, ''), [{ path: 'ok.txt', isDir: false, size: 2 }]);
  });

  it('refuses a file where a folder must be, and a file over a folder', async () => {
    const root = await newRoot();
    await store.write(root, 'file.txt', Readable.from([Buffer.from('x')]));
    await store.write(root, 'dir/inner.txt', Readable.from([Buffer.from('x')]));
    await assert.rejects(store.write(root, 'file.txt/inner.txt', Readable.from([Buffer.from('x')])), /file where folder "file.txt"/);
    await assert.rejects(store.write(root, 'dir', Readable.from([Buffer.from('x')])), /is a folder/);
    await assert.rejects(store.read(root, 'dir'), ArtifactNotFoundError);
    await assert.rejects(store.write(root, '', Readable.from([Buffer.from('x')])), /names the artifact root/);
  });
});
