/** The API token and its file: strength, 0600/0700 modes, atomic replace, refusal of loose modes. */
import assert from 'node:assert/strict';
import { chmod, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { generateToken, readTokenFile, writeTokenFile } from '../../server/src/config/token.ts';

const posix = process.platform !== 'win32';
let root: string;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'matih-token-'));
});
after(() => rm(root, { recursive: true, force: true }));

describe('generateToken', () => {
  test('gives 256 bits as base64url, different each time', () => {
    const tokens = new Set(Array.from({ length: 100 }, () => generateToken()));
    assert.equal(tokens.size, 100);
    for (const t of tokens) {
      assert.match(t, /^[A-Za-z0-9_-]{43}$/);
      assert.equal(Buffer.from(t, 'base64url').length, 32);
    }
  });
});

describe('writeTokenFile', () => {
  test('creates the parent directory 0700 and the file 0600, and reads back', { skip: !posix }, async () => {
    const dir = join(root, 'fresh', 'runtime');
    const path = join(dir, 'daemon.token');
    const token = generateToken();
    const oldUmask = process.umask(0);
    try {
      // With umask 0 any mode the code forgot to set would show up as 0666/0777.
      await writeTokenFile(path, token);
    } finally {
      process.umask(oldUmask);
    }
    assert.equal((await stat(dir)).mode & 0o777, 0o700);
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    assert.equal(await readTokenFile(path), token);
    assert.deepEqual(await readdir(dir), ['daemon.token'], 'no temporary file is left behind');
  });

  test('replaces a loose existing file with a 0600 one', { skip: !posix }, async () => {
    const path = join(root, 'replace.token');
    await writeFile(path, 'old-token\n', { mode: 0o644 });
    await chmod(path, 0o644);
    const token = generateToken();
    await writeTokenFile(path, token);
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    assert.equal(await readTokenFile(path), token);
  });

  test('refuses an empty token or one with whitespace', async () => {
    await assert.rejects(writeTokenFile(join(root, 'e.token'), ''), /empty token or one containing whitespace/);
    await assert.rejects(writeTokenFile(join(root, 'e.token'), 'a b'), /empty token or one containing whitespace/);
    await assert.rejects(stat(join(root, 'e.token')), { code: 'ENOENT' });
  });
});

describe('readTokenFile', () => {
  async function fileWith(name: string, content: string, mode: number): Promise<string> {
    const path = join(root, name);
    await writeFile(path, content);
    await chmod(path, mode);
    return path;
  }

  test('reads a 0600 file, trimming the newline', async () => {
    const path = await fileWith('ok.token', 'abc_DEF-123\n', 0o600);
    assert.equal(await readTokenFile(path), 'abc_DEF-123');
  });

  for (const mode of [0o644, 0o640, 0o604, 0o620, 0o666]) {
    const shown = mode.toString(8).padStart(4, '0');
    test(`refuses mode ${shown}, naming the path and the mode`, { skip: !posix }, async () => {
      const path = await fileWith(`loose-${shown}.token`, 'abc\n', mode);
      await assert.rejects(readTokenFile(path), (err: unknown) => {
        assert.ok(err instanceof Error);
        assert.equal(
          err.message,
          `Token file ${path} has mode ${shown}, which lets group or others access it; it must be 0600 (run: chmod 600 '${path}')`,
        );
        return true;
      });
    });
  }

  test('refuses an empty or blank file', async () => {
    for (const [name, content] of [['empty.token', ''], ['blank.token', ' \n\n']] as const) {
      const path = await fileWith(name, content, 0o600);
      await assert.rejects(readTokenFile(path), { message: `Token file ${path} is empty` });
    }
  });

  test('refuses a directory', async () => {
    await assert.rejects(readTokenFile(root), /is not a regular file|EISDIR/);
  });

  test('passes a missing file through as ENOENT', async () => {
    await assert.rejects(readTokenFile(join(root, 'missing.token')), { code: 'ENOENT' });
  });
});
